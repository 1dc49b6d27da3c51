"""Assessment API: start, answer with version check (409 with both values), submit, review, read."""

import pytest
from rest_framework.test import APIClient

from accounts.models import ApiToken, hash_token
from tests.factories import COMPLETE_MATURITY_ANSWERS

# One reviewer approves: these tests are about the workflow, not approvals by domain.
pytestmark = pytest.mark.usefixtures("one_reviewer_policy")


def api_for(user, scope=ApiToken.Scope.WRITE, project=None):
    raw = ApiToken.generate_raw()
    ApiToken.objects.create(user=user, name="t", scope=scope, prefix=raw[:8], key_hash=hash_token(raw), project=project)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def api(member):
    return api_for(member)


@pytest.fixture
def started(api, project, assessment_questionnaires):
    return api.post(f"/api/v1/projects/{project.slug}/assessments", {"kind": "maturity"}, format="json").json()


def put_answer(api, assessment_id, qid, value, version=0):
    return api.put(
        f"/api/v1/assessments/{assessment_id}/answers/{qid}",
        {"value": value, "expected_version": version},
        format="json",
    )


def test_it_starts_an_assessment_for_the_project(started):
    assert started["state"] == "draft"
    assert started["questionnaire"]["slug"] == "test-maturity"


def test_it_saves_an_answer_and_returns_its_version(api, started):
    response = put_answer(api, started["id"], "m.docs.owner", "Alice")
    assert response.status_code == 200
    assert response.json()["version"] == 1


def test_it_answers_409_with_both_values_on_a_stale_version(api, started):
    put_answer(api, started["id"], "m.docs.owner", "Alice")
    response = put_answer(api, started["id"], "m.docs.owner", "Bob", version=0)
    assert response.status_code == 409
    body = response.json()
    assert (body["conflict"]["yours"]["value"], body["conflict"]["theirs"]["value"]) == ("Bob", "Alice")


def test_it_answers_a_bad_value_in_the_shared_error_shape(api, started):
    response = put_answer(api, started["id"], "m.ops.monitoring", "high")
    assert response.status_code == 400
    assert "value" in response.json()["errors"]


def test_submit_lists_missing_answers_by_question(api, started):
    response = api.post(f"/api/v1/assessments/{started['id']}/submit")
    assert response.status_code == 400
    assert "m.docs.owner" in response.json()["errors"]


def test_a_team_scripts_the_whole_workflow_and_a_reviewer_approves(api, started, reviewer):
    for qid, value in COMPLETE_MATURITY_ANSWERS.items():
        assert put_answer(api, started["id"], qid, value).status_code == 200
    submitted = api.post(f"/api/v1/assessments/{started['id']}/submit").json()
    assert submitted["state"] == "submitted" and submitted["hash_verified"] is True
    approved = api_for(reviewer).post(
        f"/api/v1/assessments/{started['id']}/review", {"decision": "approved"}, format="json"
    )
    assert approved.status_code == 200
    assert approved.json()["state"] == "approved" and approved.json()["expires_at"]


def test_review_of_a_draft_is_refused_with_409(started, reviewer):
    response = api_for(reviewer).post(f"/api/v1/assessments/{started['id']}/review", {"decision": "approved"})
    assert response.status_code == 409
    assert "Only submitted assessments" in response.json()["detail"]


def test_a_read_token_cannot_answer(member, started):
    assert put_answer(api_for(member, scope=ApiToken.Scope.READ), started["id"], "m.docs.owner", "x").status_code == 403


def test_a_project_scoped_token_cannot_read_other_projects_assessments(member, started, other_team):
    from tests.factories import ProjectFactory

    other = ProjectFactory(team=other_team)
    client = api_for(member, project=other)
    assert client.get(f"/api/v1/assessments/{started['id']}").status_code == 404


def test_retrieve_includes_answers_and_result(api, started):
    put_answer(api, started["id"], "m.docs.owner", "Alice")
    body = api.get(f"/api/v1/assessments/{started['id']}").json()
    assert [a["question_id"] for a in body["answers"]] == ["m.docs.owner"]
    assert "result" in body


def evidence_url(started, qid="m.docs.readme"):
    return f"/api/v1/assessments/{started['id']}/answers/{qid}/evidence"


def test_it_attaches_a_link_as_evidence(api, started):
    response = api.post(evidence_url(started), {"url": "https://wiki.example.com/readme"}, format="json")

    assert response.status_code == 201
    assert response.json()["url"] == "https://wiki.example.com/readme"
    detail = api.get(f"/api/v1/assessments/{started['id']}").json()
    answer = next(a for a in detail["answers"] if a["question_id"] == "m.docs.readme")
    assert [e["url"] for e in answer["evidence"]] == ["https://wiki.example.com/readme"]


def test_it_uploads_a_file_as_evidence_with_its_hash(api, started):
    from hashlib import sha256

    from django.core.files.uploadedfile import SimpleUploadedFile

    content = b"# Architecture\nThe RAG pipeline...\n"
    upload = SimpleUploadedFile("architecture.md", content, content_type="text/markdown")

    response = api.post(evidence_url(started), {"file": upload}, format="multipart")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["filename"], body["size"], body["sha256"]) == (
        "architecture.md",
        len(content),
        sha256(content).hexdigest(),
    )


def test_it_refuses_a_file_type_outside_the_allowed_list(api, started):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("tool.exe", b"MZ\x90\x00", content_type="application/x-msdownload")

    response = api.post(evidence_url(started), {"file": upload}, format="multipart")

    assert response.status_code == 400
    assert "file" in response.json()["errors"]


def test_it_refuses_evidence_that_is_neither_or_both(api, started):
    response = api.post(evidence_url(started), {}, format="json")

    assert response.status_code == 400 and "url" in response.json()["errors"]


def test_the_list_filters_by_project_kind_and_state(api, started, project):
    listed = api.get(f"/api/v1/assessments?project={project.slug}&kind=maturity&state=draft").json()["results"]
    assert [a["id"] for a in listed] == [started["id"]]
    assert api.get("/api/v1/assessments?kind=risk").json()["results"] == []


def test_the_list_refuses_an_unknown_kind_or_state_naming_the_field(api, started):
    response = api.get("/api/v1/assessments?kind=maturty&state=open")
    assert response.status_code == 400
    body = response.json()
    assert set(body["errors"]) == {"kind", "state"}
    assert "maturty" in body["errors"]["kind"][0] and body["detail"]
