"""Writes to the inventory. Each service runs in one transaction and records what changed, and who changed it.

Callers (views, API, importers, admin) check permissions with ``accounts.permissions`` and validate input
with their form or serializer first; services keep the invariants the database cannot (connector aliases,
encrypted secrets, tags by name) and the audit trail.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from . import signals, stage_gate
from .audit import diff, record_change, snapshot
from .choices import COMPONENT_ATTRIBUTES
from .encryption import decrypt_secrets, encrypt_secrets
from .hooks import connector_settings_errors
from .models import PROJECT_EDITABLE_FIELDS, ChangeRecord, Component, Project, Tag, Team

PROJECT_FIELDS = tuple(f for f in PROJECT_EDITABLE_FIELDS if f != "tags")  # tags are set by name, apart
PROJECT_AUDITED = PROJECT_EDITABLE_FIELDS
COMPONENT_FIELDS = ("kind", "name", "description", "attributes", "connector", "connector_settings")
SECRET_KEY_FIELD = "secrets"


def project_snapshot(project):
    return snapshot(project, PROJECT_AUDITED)


def component_snapshot(component):
    values = snapshot(component, COMPONENT_FIELDS)
    # The ciphertext changes whenever a secret does; diff() masks it, so only "set"/"changed" shows.
    values[SECRET_KEY_FIELD] = component.encrypted_secrets
    return values


def tags_from_names(names) -> list[Tag]:
    """Tags for these names, created on first use (tags are a free vocabulary)."""
    tags = []
    for name in dict.fromkeys(n.strip() for n in names if n and n.strip()):
        slug = slugify(name)[:50]
        if not slug:
            raise ValidationError({"tags": [f"Tag {name!r} needs at least one letter or digit."]})
        tag, _ = Tag.objects.get_or_create(slug=slug, defaults={"name": name[:50]})
        tags.append(tag)
    return tags


# --- Teams -------------------------------------------------------------------------------------------


TEAM_FIELDS = ("name", "slug", "description", "members")


@transaction.atomic
def team_create(*, actor, name, slug="", description="", members=()):
    team = Team.objects.create(name=name, slug=slug or slugify(name), description=description)
    if members:
        team.members.set(members)
    after = snapshot(team, TEAM_FIELDS)
    changes = {key: [None, value] for key, value in after.items() if value not in ("", [])}
    record_change(instance=team, project=None, action=ChangeRecord.Action.CREATE, actor=actor, changes=changes)
    return team


@transaction.atomic
def team_update(*, actor, team, members=None, **fields):
    """Membership decides who edits the team's projects, so every change of it is in the change history."""
    before = snapshot(team, TEAM_FIELDS)
    for key, value in fields.items():
        setattr(team, key, value)
    team.full_clean()
    team.save()
    if members is not None:
        team.members.set(members)
    if changes := diff(before, snapshot(team, TEAM_FIELDS)):
        record_change(instance=team, project=None, action=ChangeRecord.Action.UPDATE, actor=actor, changes=changes)
    return team


# --- Projects ----------------------------------------------------------------------------------------


@transaction.atomic
def project_create(*, actor, tags=(), action=ChangeRecord.Action.CREATE, note="", **fields):
    """Create the project at the first stage; any other stage is then a move through the gate (``StageRefused``
    undoes the whole creation), so no door creates a project straight into a gated stage."""
    unknown = set(fields) - set(PROJECT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown project fields: {', '.join(sorted(unknown))}")
    stage = fields.pop("stage", None) or stage_gate.FIRST_STAGE
    project = Project(**fields, stage=stage_gate.FIRST_STAGE)
    project.full_clean()
    project.save()
    project.tags.set(tags_from_names(tags))
    after = project_snapshot(project)
    record_change(
        instance=project,
        project=project,
        action=action,
        actor=actor,
        changes={key: [None, value] for key, value in after.items() if value not in (None, "", [], False)},
        note=note,
    )
    if stage != stage_gate.FIRST_STAGE:
        stage_gate.move_stage(project=project, stage=stage, actor=actor)
    return project


def _send_changed(project, cause):
    signals.project_changed.send(sender=Project, project_id=project.pk, cause=cause)


@transaction.atomic
def project_update(*, actor, project, tags=None, action=ChangeRecord.Action.UPDATE, note="", **fields):
    """Change the given fields of the stored project, locked for the transaction: fields not given keep their stored
    values (a concurrent edit or stage move is never undone by a stale copy), and a new stage passes the gate."""
    unknown = set(fields) - set(PROJECT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown project fields: {', '.join(sorted(unknown))}")
    # The stored row, not ``project``: a ModelForm has already copied its values onto its instance, and a copy
    # read before this transaction may be stale.
    locked = Project.objects.select_for_update().get(pk=project.pk)
    new_stage = fields.pop("stage", locked.stage)
    if new_stage != locked.stage:
        stage_gate.move_stage(project=locked, stage=new_stage, actor=actor)
    before = project_snapshot(locked)
    for key, value in fields.items():
        setattr(locked, key, value)
    locked.full_clean()
    locked.save()
    if tags is not None:
        locked.tags.set(tags_from_names(tags))
    changes = diff(before, project_snapshot(locked))
    if changes:
        record_change(instance=locked, project=locked, action=action, actor=actor, changes=changes, note=note)
        _send_changed(locked, "Project changed: " + ", ".join(sorted(changes)))
    project.refresh_from_db()
    return locked


@transaction.atomic
def project_archive(*, actor, project, note=""):
    if project.archived_at is not None:
        return project
    project.archived_at = timezone.now()
    project.save(update_fields=["archived_at", "updated_at"])
    record_change(
        instance=project,
        project=project,
        action=ChangeRecord.Action.ARCHIVE,
        actor=actor,
        changes={"archived_at": [None, project.archived_at.isoformat()]},
        note=note,
    )
    _send_changed(project, "Project archived")
    return project


@transaction.atomic
def project_restore(*, actor, project, note=""):
    if project.archived_at is None:
        return project
    before = project.archived_at.isoformat()
    project.archived_at = None
    project.save(update_fields=["archived_at", "updated_at"])
    record_change(
        instance=project,
        project=project,
        action=ChangeRecord.Action.RESTORE,
        actor=actor,
        changes={"archived_at": [before, None]},
        note=note,
    )
    _send_changed(project, "Project restored")
    return project


# --- Components --------------------------------------------------------------------------------------


def component_validate(*, kind, attributes, connector, connector_settings) -> dict[str, list[str]]:
    """Field errors for a component's kind-specific attributes and connector (empty when valid)."""
    errors: dict[str, list[str]] = {}
    known = {key for key, _label, _help in COMPONENT_ATTRIBUTES.get(kind, [])}
    extra = sorted(set(attributes or {}) - known)
    if extra:
        errors["attributes"] = [
            f"Unknown attribute(s) for this kind: {', '.join(extra)}. Allowed: {', '.join(sorted(known)) or 'none'}."
        ]
    if not isinstance(connector_settings, dict):
        errors["connector_settings"] = ["Connector settings must be a JSON object."]
    if connector:
        if connector not in settings.PLUMBLINE_CONNECTORS:
            choices = ", ".join(sorted(settings.PLUMBLINE_CONNECTORS))
            errors["connector"] = [f"Unknown connector {connector!r}. Choose one of: {choices}, or leave it empty."]
        elif isinstance(connector_settings, dict):
            for field, messages in connector_settings_errors(
                connector=connector, connector_settings=connector_settings, kind=kind, attributes=attributes or {}
            ).items():
                errors.setdefault(field, []).extend(messages)
    elif connector_settings:
        errors["connector_settings"] = ["Connector settings need a connector; choose one or clear the settings."]
    return errors


def _merge_secrets(current: str, updates: dict | None) -> str:
    """Secrets are write-only: new values replace old ones by name; an empty value removes that secret."""
    if updates is None:
        return current
    values = decrypt_secrets(current)
    for key, value in updates.items():
        if value in (None, ""):
            values.pop(key, None)
        else:
            values[key] = str(value)
    return encrypt_secrets(values)


def _check_component(component):
    errors = component_validate(
        kind=component.kind,
        attributes=component.attributes,
        connector=component.connector,
        connector_settings=component.connector_settings,
    )
    if errors:
        raise ValidationError(errors)
    component.full_clean()


@transaction.atomic
def component_create(
    *,
    actor,
    project,
    kind,
    name,
    description="",
    attributes=None,
    connector="",
    connector_settings=None,
    secrets=None,
    action=ChangeRecord.Action.CREATE,
    note="",
):
    component = Component(
        project=project,
        kind=kind,
        name=name,
        description=description,
        attributes={k: v for k, v in (attributes or {}).items() if v not in (None, "")},
        connector=connector or "",
        connector_settings=connector_settings or {},
        encrypted_secrets=_merge_secrets("", secrets or {}),
    )
    _check_component(component)
    component.save()
    after = component_snapshot(component)
    record_change(
        instance=component,
        project=project,
        action=action,
        actor=actor,
        changes=diff({}, {k: v for k, v in after.items() if v not in (None, "", {}, [])}, secret_fields={"secrets"}),
        note=note,
    )
    return component


@transaction.atomic
def component_update(*, actor, component, secrets=None, note="", **fields):
    unknown = set(fields) - set(COMPONENT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown component fields: {', '.join(sorted(unknown))}")
    before = component_snapshot(component)
    for key, value in fields.items():
        if key in ("attributes", "connector_settings"):
            value = {k: v for k, v in (value or {}).items() if v not in (None, "")}
        setattr(component, key, "" if value is None else value)
    component.encrypted_secrets = _merge_secrets(component.encrypted_secrets, secrets)
    _check_component(component)
    component.save()
    changes = diff(before, component_snapshot(component), secret_fields={"secrets"})
    if changes:
        record_change(
            instance=component,
            project=component.project,
            action=ChangeRecord.Action.UPDATE,
            actor=actor,
            changes=changes,
            note=note,
        )
    return component


@transaction.atomic
def component_delete(*, actor, component, note=""):
    before = component_snapshot(component)
    project = component.project
    record_change(
        instance=component,
        project=project,
        action=ChangeRecord.Action.DELETE,
        actor=actor,
        changes=diff({k: v for k, v in before.items() if v not in (None, "", {}, [])}, {}, secret_fields={"secrets"}),
        note=note,
    )
    component.delete()
