"""A NUL character anywhere a client can put one gets a 400 naming the field, never a 500, and stores nothing.

PostgreSQL refuses U+0000 in text and jsonb, so before this rule a NUL in a slug lookup crashed with a database
error (schemathesis found it through ``POST /api/v1/tokens/``). ``make test`` runs this on SQLite and
``make test-integration`` on PostgreSQL, where the crash used to happen.
"""

from hashlib import sha256

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from accounts import services as account_services
from accounts.models import ApiToken
from assessments.models import Answer
from registry.models import Project

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


@pytest.fixture
def api(member):
    _, raw = account_services.token_create(user=member, name="nul", scope="write")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def started(api, project, assessment_questionnaires):
    return api.post(f"/api/v1/projects/{project.slug}/assessments", {"kind": "maturity"}, format="json").json()


def errors_of(response):
    assert response.status_code == 400, response.content
    return response.json()["errors"]


def test_a_form_encoded_token_request_with_a_nul_in_the_project_is_refused(api, project):
    """The request schemathesis found: a slug lookup with a NUL in it."""
    response = api.post(
        "/api/v1/tokens/",
        "name=ci&scope=write&project=docs-qa%00x",
        content_type="application/x-www-form-urlencoded",
    )

    assert errors_of(response) == {"project": ["Null characters are not allowed."]}
    assert not ApiToken.objects.filter(name="ci").exists()


def test_a_json_body_with_a_nul_names_the_field(api, project):
    response = api.patch(f"/api/v1/projects/{project.slug}/", {"team": "search\x00"}, format="json")

    assert "team" in errors_of(response)


def test_a_multipart_field_with_a_nul_is_refused(api, project):
    response = api.post("/api/v1/tokens/", {"name": "ci\x00", "scope": "read"}, format="multipart")

    assert "name" in errors_of(response)


def test_a_nul_inside_a_json_answer_names_the_nested_field_and_saves_nothing(api, started):
    response = api.put(
        f"/api/v1/assessments/{started['id']}/answers/m.docs.owner",
        {"value": {"note": ["fine", "bad\x00"]}, "expected_version": 0},
        format="json",
    )

    assert errors_of(response) == {"value.note.1": ["Null characters are not allowed."]}
    assert not Answer.objects.filter(assessment_id=started["id"], question_id="m.docs.owner").exists()


@pytest.mark.parametrize("query", ["team=%00", "search=docs%00", "ordering=name%00", "tag=rag&tag=%00"])
def test_a_nul_in_a_filter_is_refused_in_the_api_error_shape(api, project, query):
    response = api.get(f"/api/v1/projects/?{query}")

    assert response.status_code == 400
    assert response.json()["detail"] == "The request has invalid fields; see errors."


def test_a_nul_in_a_web_page_path_is_refused(client, member, assessment_questionnaires):
    client.force_login(member)

    response = client.get("/questionnaires/test-maturity/1.0%00/")

    assert response.status_code == 400
    assert "Null characters are not allowed" in response.content.decode()


def test_a_web_form_post_with_a_nul_is_refused_and_creates_nothing(client, member, team):
    client.force_login(member)

    response = client.post(
        "/projects/new/",
        {"name": "Chat", "slug": "chat", "team": f"{team.pk}\x00", "archetype": "chatbot", "stage": "idea"},
    )

    assert response.status_code == 400
    assert not Project.objects.filter(slug="chat").exists()


def test_an_uploaded_file_may_hold_nul_bytes(api, started):
    """Only text fields are checked: binary evidence is stored as a file, NUL bytes and all."""
    content = b"%PDF-1.7\n\x00\x01\x02 binary stream\n%%EOF\n"
    upload = SimpleUploadedFile("audit.pdf", content, content_type="application/pdf")

    response = api.post(
        f"/api/v1/assessments/{started['id']}/answers/m.docs.readme/evidence", {"file": upload}, format="multipart"
    )

    assert response.status_code == 201, response.json()
    assert response.json()["sha256"] == sha256(content).hexdigest()
