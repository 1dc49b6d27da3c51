"""The change history: every service that changes a project or component records it here."""

from decimal import Decimal
from pathlib import Path

from django.db.models import Model

from .models import ChangeRecord

MASK = "••••••"


def snapshot(instance: Model, fields) -> dict:
    """Plain JSON-able values of ``fields``, for before/after comparisons (many-to-many as sorted names)."""
    values = {}
    for name in fields:
        value = getattr(instance, name)
        if hasattr(value, "all"):
            value = sorted(str(v) for v in value.all())
        elif isinstance(value, (Model, Decimal)):
            value = str(value)
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        values[name] = value
    return values


def diff(before: dict, after: dict, *, secret_fields=()) -> dict:
    changes = {}
    for key in sorted(set(before) | set(after)):
        if before.get(key) != after.get(key):
            if key in secret_fields:
                changes[key] = [MASK if before.get(key) else "", MASK if after.get(key) else ""]
            else:
                changes[key] = [before.get(key), after.get(key)]
    return changes


def record_change(*, instance, project, action, actor, changes=None, note=""):
    return ChangeRecord.objects.create(
        project=project,
        object_type=instance._meta.model_name,
        object_id=str(instance.pk),
        object_repr=str(instance)[:250],
        action=action,
        actor=actor if actor and actor.is_authenticated else None,
        changes=changes or {},
        note=note[:250],
    )


def record_questionnaire_load(sender, instance, created, raw=False, **kwargs):
    """A newly loaded questionnaire version enters the change history (``post_save`` of
    ``questionnaires.QuestionnaireVersion``, connected by label in registry/apps.py: registry and questionnaires
    are both on the ground floor and import neither each other nor any other app)."""
    if not created or raw:
        return
    record_change(
        instance=instance,
        project=None,
        action=ChangeRecord.Action.IMPORT,
        actor=None,
        changes={"content_hash": ["", instance.content_hash]},
        note=f"Loaded {instance.slug} {instance.version} from {Path(instance.source_path).name}",
    )


def record_user_change(sender, *, instance, actor, action, changes, **kwargs):
    """Receiver of ``accounts.signals.user_changed``: user provisioning in the change history."""
    record_change(
        instance=instance,
        project=None,
        action=ChangeRecord.Action.CREATE if action == "create" else ChangeRecord.Action.UPDATE,
        actor=actor,
        changes=changes,
    )
