"""The component form shows each connector's settings as fields with their help, instead of raw JSON only."""

import pytest

from registry import services
from registry.models import Component

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def browser(client, member):
    client.force_login(member)
    return client


def test_the_form_shows_each_connectors_settings_with_their_help(browser, project):
    page = browser.get("/projects/docs-qa/components/new/").content.decode()

    assert 'name="setting_git__location"' in page and 'data-connector="git"' in page
    assert "absolute path of a local repository under the allowed local source roots" in page
    assert 'name="setting_mlflow__token_env"' in page and "PLUMBLINE_SECRET_" in page
    assert 'name="setting_mlflow__token"' not in page  # secrets stay in the write-only secrets box


def test_settings_typed_in_fields_are_saved_as_connector_settings(browser, project):
    response = browser.post(
        "/projects/docs-qa/components/new/",
        {
            "kind": "vector_store",
            "name": "Vectors",
            "connector": "qdrant",
            "setting_qdrant__location": "https://qdrant.example.com",
            "setting_qdrant__collection": "docs",
            "setting_qdrant__sample_size": "50",
            "setting_chroma__collection": "ignored: another connector",
        },
    )

    assert response.status_code == 302, response.context["form"].errors
    component = Component.objects.get(name="Vectors")
    assert component.connector_settings == {
        "location": "https://qdrant.example.com",
        "collection": "docs",
        "sample_size": "50",
    }


def test_a_refused_setting_is_an_error_on_its_own_field(browser, project):
    response = browser.post(
        "/projects/docs-qa/components/new/",
        {
            "kind": "code_repository",
            "name": "Repo",
            "connector": "git",
            "setting_git__location": "file:///srv/repo",
            "setting_git__codeowners_required": "maybe",
        },
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "absolute local path" in errors["setting_git__location"][0]
    assert "true or false" in errors["setting_git__codeowners_required"][0]
    assert not Component.objects.filter(name="Repo").exists()


def test_editing_shows_the_stored_settings_in_their_fields(browser, project, member):
    component = services.component_create(
        actor=member,
        project=project,
        kind="mlflow",
        name="Tracking",
        connector="mlflow",
        connector_settings={"tracking_uri": "https://mlflow.example.com", "experiment": "qa", "prompts": ["a", "b"]},
    )

    form = browser.get(f"/projects/docs-qa/components/{component.pk}/edit/").context["form"]

    assert form["setting_mlflow__experiment"].value() == "qa"
    assert form["setting_mlflow__prompts"].value() == "a, b"
    assert not form["connector_settings"].value()
