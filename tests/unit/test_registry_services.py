"""Services record every change with who, when, before and after; secrets are stored encrypted and masked."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from connectors.secrets import decrypt_secrets
from registry import services
from registry.audit import MASK
from registry.models import ChangeRecord

pytestmark = pytest.mark.django_db


def test_project_create_records_the_initial_values(team, member):
    project = services.project_create(actor=member, name="HR agent", slug="hr-agent", team=team, tags=["pii"])

    record = project.changes.get()
    assert (record.action, record.actor) == (ChangeRecord.Action.CREATE, member)
    assert record.changes["name"] == [None, "HR agent"] and record.changes["tags"] == [None, ["pii"]]


def test_project_update_records_before_and_after(project, member):
    services.project_update(actor=member, project=project, kpis="CSAT +5", run_cost_per_month=Decimal("120.50"))

    record = project.changes.get(action=ChangeRecord.Action.UPDATE)
    assert record.changes == {
        "kpis": ["Average handling time -20%", "CSAT +5"],
        "run_cost_per_month": [None, "120.50"],
    }
    assert record.actor == member


def test_project_update_cannot_move_a_stage_forward_past_the_gate(project, member):
    with pytest.raises(ValidationError) as refused:
        services.project_update(actor=member, project=project, stage="production", kpis="CSAT +5")

    project.refresh_from_db()
    assert project.stage == "idea" and project.kpis == "Average handling time -20%"
    assert any("assessment" in line for line in refused.value.message_dict["stage"])


def test_project_update_moves_a_stage_back_without_a_gate_and_records_it(project, member):
    services.project_update(actor=member, project=project, stage="retired")

    record = project.changes.get(action=ChangeRecord.Action.STAGE)
    assert record.changes == {"stage": ["idea", "retired"]}


def test_project_update_without_changes_records_nothing(project, member):
    services.project_update(actor=member, project=project, name=project.name)

    assert not project.changes.exists()


def test_tag_changes_are_recorded(project, member):
    services.project_update(actor=member, project=project, tags=["rag", "eu"])

    assert project.changes.get().changes == {"tags": [[], ["eu", "rag"]]}


def test_archive_and_restore_are_recorded(project, member):
    services.project_archive(actor=member, project=project)
    services.project_restore(actor=member, project=project)

    actions = list(project.changes.order_by("id").values_list("action", flat=True))
    assert actions == [ChangeRecord.Action.ARCHIVE, ChangeRecord.Action.RESTORE]
    assert project.archived_at is None


def test_project_rejects_an_invalid_slug(project, member):
    with pytest.raises(ValidationError):
        services.project_update(actor=member, project=project, slug="Not a slug!")


def test_component_secrets_are_encrypted_not_stored_in_clear(project, member):
    component = services.component_create(
        actor=member, project=project, kind="vector_store", name="Vectors", secrets={"api_key": "sk-123456"}
    )

    assert "sk-123456" not in component.encrypted_secrets
    assert decrypt_secrets(component.encrypted_secrets) == {"api_key": "sk-123456"}
    assert component.has_secrets


def test_component_secret_changes_are_masked_in_history(project, member):
    component = services.component_create(
        actor=member, project=project, kind="vector_store", name="Vectors", secrets={"api_key": "sk-123456"}
    )
    services.component_update(actor=member, component=component, secrets={"api_key": "sk-654321"})

    records = list(project.changes.order_by("id"))
    assert records[0].changes["secrets"] == ["", MASK]
    assert records[1].changes == {"secrets": [MASK, MASK]}
    assert "sk-" not in str([r.changes for r in records])


def test_empty_secret_value_removes_that_secret(project, member):
    component = services.component_create(
        actor=member, project=project, kind="vector_store", name="Vectors", secrets={"api_key": "k1", "other": "k2"}
    )
    services.component_update(actor=member, component=component, secrets={"api_key": ""})

    assert decrypt_secrets(component.encrypted_secrets) == {"other": "k2"}


def test_component_update_records_attribute_changes(project, member):
    component = services.component_create(
        actor=member, project=project, kind="model_endpoint", name="Endpoint", attributes={"model": "gpt-4o"}
    )
    services.component_update(actor=member, component=component, attributes={"model": "gpt-4o-mini"})

    record = project.changes.get(action=ChangeRecord.Action.UPDATE)
    assert record.changes == {"attributes": [{"model": "gpt-4o"}, {"model": "gpt-4o-mini"}]}


def test_component_delete_is_recorded(project, member):
    component = services.component_create(actor=member, project=project, kind="prompt_set", name="Prompts")
    services.component_delete(actor=member, component=component)

    assert project.changes.filter(action=ChangeRecord.Action.DELETE, object_repr="Prompt set: Prompts").exists()


def test_component_rejects_attributes_of_another_kind(project, member):
    with pytest.raises(ValidationError) as excinfo:
        services.component_create(
            actor=member, project=project, kind="model_endpoint", name="E", attributes={"collection": "x"}
        )

    assert "Unknown attribute(s) for this kind: collection" in str(excinfo.value)


def test_component_rejects_unknown_connector(project, member):
    with pytest.raises(ValidationError) as excinfo:
        services.component_create(actor=member, project=project, kind="mlflow", name="M", connector="nope")

    assert "Unknown connector 'nope'" in str(excinfo.value)
