"""The questionnaire pages and the read-only API (database, Django test client)."""

from pathlib import Path

import pytest
from django.urls import reverse

from questionnaires.services import questionnaire_load_file

DATA = Path(__file__).resolve().parents[1] / "data" / "questionnaires"


@pytest.fixture
def versions(db, tmp_path):
    first = questionnaire_load_file(path=DATA / "maturity_small.yaml").version
    text = (DATA / "maturity_small.yaml").read_text().replace('version: "1.0.0"', 'version: "1.1.0"')
    text = text.replace("      - id: mat.docs.release_notes\n", "      - id: mat.docs.changelog\n")
    (tmp_path / "m.yaml").write_text(text)
    second = questionnaire_load_file(path=tmp_path / "m.yaml").version
    risk = questionnaire_load_file(path=DATA / "risk_small.yaml").version
    return first, second, risk


def test_pages_need_a_login(client, versions):
    response = client.get(reverse("questionnaires:list"))
    assert response.status_code == 302 and "login" in response.url


def test_list_shows_every_version_with_hash_and_question_count(client, viewer, versions, django_assert_max_num_queries):
    client.force_login(viewer)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("questionnaires:list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("Test maturity") == 2 and "Test risk" in html
    assert versions[0].content_hash[:10] in html
    assert "<td>8</td>" in html  # questions in the maturity fixture


def test_detail_reads_as_a_document_with_conditions_in_words(client, viewer, versions):
    client.force_login(viewer)
    html = client.get(versions[0].get_absolute_url()).content.decode()
    assert "Shown only when the project uses retrieval (RAG)." in html
    assert "Shown only when “The chunking strategy is documented.” is “yes”." in html
    assert "On every commit" in html and "git.architecture_doc_present" in html
    assert "gates level 2" in html
    assert "first loaded version" in html
    assert "<td>2</td><td>Reproducible</td><td>50%</td>" in html


def test_detail_shows_what_changed_since_the_previous_version(client, viewer, versions):
    client.force_login(viewer)
    html = client.get(versions[1].get_absolute_url()).content.decode()
    assert "Compared with" in html and "v1.0.0" in html
    assert "mat.docs.changelog" in html and "mat.docs.release_notes" in html


def test_risk_detail_shows_mitigation_reductions(client, viewer, versions):
    client.force_login(viewer)
    html = client.get(versions[2].get_absolute_url()).content.decode()
    assert "lowers likelihood by 2, severity by 0" in html
    assert "At least <strong>medium</strong> when the project is customer-facing" in html
    assert "<strong>high_risk</strong> when “Which domain is it used in?” is one of “Employment”, “Credit”" in html


def test_unknown_version_is_404(client, viewer, versions):
    client.force_login(viewer)
    assert client.get(reverse("questionnaires:detail", args=["test-maturity", "9.9.9"])).status_code == 404


def test_schema_is_public_json(client):
    response = client.get(reverse("questionnaires:schema"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/schema+json"
    assert b"https://json-schema.org/draft/2020-12/schema" in b"".join(response.streaming_content)


def test_api_lists_versions_without_definitions_and_retrieves_one_with_it(client, viewer, versions):
    client.force_login(viewer)
    listing = client.get("/api/v1/questionnaires/?kind=maturity").json()
    assert listing["count"] == 2
    assert "definition" not in listing["results"][0]
    detail = client.get(f"/api/v1/questionnaires/{versions[2].pk}/").json()
    assert detail["definition"]["scoring"]["model"] == "risk"
    assert detail["content_hash"] == versions[2].content_hash


def test_api_answers_401_in_json_without_credentials(client, versions):
    response = client.get("/api/v1/questionnaires/")
    assert response.status_code in (401, 403)
    assert "detail" in response.json()


def test_api_is_in_the_openapi_schema(client, viewer):
    client.force_login(viewer)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/v1/questionnaires/{id}/" in schema


def test_shipped_questionnaires_render_as_documents(client, viewer):
    shipped = sorted((Path(__file__).resolve().parents[2] / "questionnaires" / "definitions").glob("*.yaml"))
    if not shipped:
        pytest.skip("no shipped definitions yet")
    client.force_login(viewer)
    for path in shipped:
        version = questionnaire_load_file(path=path).version
        response = client.get(version.get_absolute_url())
        assert response.status_code == 200
        assert version.title in response.content.decode()
