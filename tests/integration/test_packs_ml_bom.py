"""The CycloneDX 1.6 ML-BOM of the inventory: valid by cyclonedx-python-lib's own schema validator, with each
component's version and its current check readings, for one project and for the portfolio."""

import json

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from django.utils import timezone

from tests.factories import ComponentFactory, ProjectFactory
from tests.reports_factories import CheckResultFactory

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

TOKEN = "sk-live-PLANTED-0123456789abcdef"


@pytest.fixture
def inventory(project):
    model = ComponentFactory(
        project=project,
        kind="model_endpoint",
        name="Answering model",
        attributes={
            "provider": "Azure OpenAI",
            "model": "gpt-4o-mini",
            "version": "2024-07-18",
            "endpoint_url": f"https://user:{TOKEN}@llm.example.com/v1?api-key={TOKEN}",
        },
    )
    dataset = ComponentFactory(
        project=project, kind="eval_dataset", name="Golden set", attributes={"name": "golden", "version": "3"}
    )
    store = ComponentFactory(
        project=project, kind="vector_store", name="Docs index", attributes={"store_kind": "qdrant"}
    )
    monitor = ComponentFactory(
        project=project, kind="monitoring_source", name="Latency", attributes={"system": "prometheus"}
    )
    repo = ComponentFactory(
        project=project, kind="code_repository", name="Code", attributes={"url": "https://git.example.com/docs-qa.git"}
    )
    CheckResultFactory(
        component=store, check_id="vectorstore.metadata_complete", state="fail", reason="12% lack source."
    )
    CheckResultFactory(component=repo, check_id="git.readme_present", state="pass")
    return {"model": model, "dataset": dataset, "store": store, "monitor": monitor, "repo": repo}


def valid(text):
    errors = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    assert errors is None, errors
    return json.loads(text)


def by_name(bom):
    root = bom["metadata"]["component"]
    return {c["name"]: c for c in root.get("components", [])}


def props(item):
    return {p["name"]: p["value"] for p in item.get("properties", [])}


def test_a_projects_ml_bom_passes_cyclonedx_validation_with_models_datasets_stores_and_services(
    inventory, project, client, member
):
    client.force_login(member)
    response = client.get(f"/projects/{project.slug}/packs/ml-bom.cdx.json")

    bom = valid(response.content.decode())
    parts = by_name(bom)
    assert bom["specVersion"] == "1.6" and response["Content-Type"].startswith("application/vnd.cyclonedx+json")
    assert bom["metadata"]["component"]["name"] == project.name
    assert parts["gpt-4o-mini"]["type"] == "machine-learning-model"
    assert parts["gpt-4o-mini"]["version"] == "2024-07-18"
    assert parts["Golden set"]["type"] == "data" and parts["Golden set"]["version"] == "3"
    assert parts["Docs index"]["type"] == "data"
    assert [s["name"] for s in bom["services"]] == ["Latency"]


def test_check_results_are_evidence_properties_and_an_unchecked_component_says_so(inventory, project, client, member):
    client.force_login(member)
    parts = by_name(valid(client.get(f"/api/v1/projects/{project.slug}/ml-bom").content.decode()))

    store = props(parts["Docs index"])
    assert store["plumbline:check:vectorstore.metadata_complete:state"] == "fail"
    assert store["plumbline:check:vectorstore.metadata_complete:reason"] == "12% lack source."
    assert props(parts["Code"])["plumbline:check:git.readme_present:state"] == "pass"
    assert props(parts["gpt-4o-mini"])["plumbline:evidence"] == "none"
    assert any(r["type"] == "evidence" for r in parts["Docs index"]["externalReferences"])
    assert any(r["type"] == "vcs" for r in parts["Code"]["externalReferences"])


def test_no_credential_in_a_url_reaches_the_bom(inventory, project, client, member):
    client.force_login(member)
    text = client.get(f"/projects/{project.slug}/packs/ml-bom.cdx.json").content.decode()

    assert TOKEN not in text
    assert "https://llm.example.com/v1" in text


def test_the_portfolio_ml_bom_lists_every_active_project(inventory, project, team, client, member):
    other = ProjectFactory(team=team, name="Support bot")
    ComponentFactory(project=other, kind="mlflow", name="Ranker", attributes={"registered_model": "ranker"})
    ProjectFactory(team=team, name="Old thing", archived_at=timezone.now())
    client.force_login(member)

    page = valid(client.get("/packs/portfolio/ml-bom.cdx.json").content.decode())
    api = valid(client.get("/api/v1/portfolio/ml-bom").content.decode())

    for bom in (page, api):
        names = {c["name"] for c in bom["components"]}
        assert names == {project.name, "Support bot"}
        ranker = next(c for c in bom["components"] if c["name"] == "Support bot")["components"][0]
        assert ranker["type"] == "machine-learning-model"
