"""Connector settings are checked against the back-end's declared schema when a component is saved (API and form).

A configuration that can never work is refused with a 400 / field error naming the setting and what is allowed,
instead of being stored and failing at the next refresh.
"""

import pytest

from registry.models import Component

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

MLFLOW = {"tracking_uri": "https://mlflow.example.com"}
QDRANT = {"location": "https://qdrant.example.com", "collection": "docs"}


@pytest.fixture
def api(client, member, project):
    client.force_login(member)
    return client


def save(api, kind, connector, settings):
    body = {
        "project": "docs-qa",
        "kind": kind,
        "name": "Source",
        "connector": connector,
        "connector_settings": settings,
    }
    return api.post("/api/v1/components/", body, content_type="application/json")


def errors_for(response, key):
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert not Component.objects.filter(name="Source").exists()
    return [m for m in body["errors"]["connector_settings"] if m.startswith(f"{key}: ")]


def test_an_unknown_key_is_refused_with_the_allowed_ones(api):
    (message,) = errors_for(save(api, "vector_store", "qdrant", {**QDRANT, "colection": "typo"}), "colection")
    assert "Unknown setting for the qdrant connector" in message
    assert "collection" in message and "api_key_env" in message


@pytest.mark.parametrize(
    ("connector", "kind", "values", "key", "says"),
    [
        ("qdrant", "vector_store", {**QDRANT, "sample_size": "many"}, "sample_size", "whole number"),
        ("qdrant", "vector_store", {**QDRANT, "sample_size": 2.5}, "sample_size", "whole number"),
        ("qdrant", "vector_store", {**QDRANT, "pass_share": 3}, "pass_share", "from 0 to 1"),
        ("qdrant", "vector_store", {**QDRANT, "max_index_age_days": "1e1000"}, "max_index_age_days", "a number"),
        ("qdrant", "vector_store", {**QDRANT, "max_index_age_days": "nan"}, "max_index_age_days", "a number"),
        ("qdrant", "vector_store", {**QDRANT, "collection": ["a", "b"]}, "collection", "Enter text"),
        ("git", "code_repository", {"location": "https://x.example/r.git", "codeowners_required": "maybe"},
         "codeowners_required", "true or false"),
        ("git", "code_repository", {"location": "https://x.example/r.git", "prompt_globs": [1, 2]},
         "prompt_globs", "list of names"),
        ("mlflow", "mlflow", {"tracking_uri": "ftp://mlflow.example.com", "experiment": "qa"}, "tracking_uri", "http"),
        ("mlflow", "mlflow", {**MLFLOW, "experiment": "qa", "max_eval_age_days": "soon"}, "max_eval_age_days",
         "number"),
    ],
)  # fmt: skip
def test_a_value_of_the_wrong_type_is_refused_naming_the_key(api, connector, kind, values, key, says):
    messages = errors_for(save(api, kind, connector, values), key)
    assert messages and says in messages[0]


def test_a_secret_typed_in_clear_is_refused(api):
    (message,) = errors_for(save(api, "mlflow", "mlflow", {**MLFLOW, "experiment": "qa", "token": "t0k"}), "token")
    assert "secrets" in message and "t0k" not in message


def test_a_missing_required_setting_is_refused_unless_an_attribute_gives_it(api):
    assert errors_for(save(api, "vector_store", "qdrant", {"collection": "docs"}), "location")
    body = {
        "project": "docs-qa",
        "kind": "vector_store",
        "name": "Source",
        "attributes": {"location": "https://qdrant.example.com", "collection": "docs"},
        "connector": "qdrant",
    }
    assert api.post("/api/v1/components/", body, content_type="application/json").status_code == 201


@pytest.mark.parametrize("named", [{"registered_model": "listing-model"}, {"prompts": "summary, answer"}])
def test_mlflow_without_an_experiment_is_accepted_when_a_model_or_prompts_are_named(api, named):
    assert save(api, "mlflow", "mlflow", {**MLFLOW, **named}).status_code == 201


def test_mlflow_without_experiment_model_or_prompts_is_refused(api):
    (message,) = errors_for(save(api, "mlflow", "mlflow", MLFLOW), "experiment")
    assert "registered_model or prompts" in message


def test_the_form_shows_an_unknown_key_as_a_field_error(api):
    response = api.post(
        "/projects/docs-qa/components/new/",
        {
            "kind": "mlflow",
            "name": "Source",
            "connector": "mlflow",
            "connector_settings": '{"tracking_uri": "https://mlflow.example.com", "experiment": "qa", "expriment": 1}',
        },
    )

    assert response.status_code == 400
    assert any(
        e.startswith("expriment: Unknown setting") for e in response.context["form"].errors["connector_settings"]
    )
    assert not Component.objects.filter(name="Source").exists()
