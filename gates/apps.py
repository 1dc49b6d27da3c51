from django.apps import AppConfig
from django.db.models.signals import post_migrate


def ensure_default_policy(sender, using="default", **kwargs):
    """The shipped policy versions always exist, like Django's content types: re-created after a flush.

    The data migration installs it once; a database flushed afterwards (tests, ``manage.py flush``) would
    otherwise leave gates judging by the built-in rules with no version to name in the verdict.
    """
    from importlib import import_module

    from django.db import connections

    from .models import GatePolicy

    if GatePolicy._meta.db_table not in connections[using].introspection.table_names():
        return  # migrated backwards past the gates tables
    if GatePolicy.objects.using(using).exists():
        return
    first = import_module("gates.migrations.0002_default_policy")
    second = import_module("gates.migrations.0005_default_policy_v2")
    GatePolicy.objects.using(using).create(
        version=1, rules=first.RULES, note="Default policy shipped with Plumbline.", is_active=True
    )
    GatePolicy.objects.using(using).create(version=2, rules=second.RULES, note=second.NOTE, is_active=True)


class GatesConfig(AppConfig):
    name = "gates"
    verbose_name = "Stage gates"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from assessments import signals as assessment_signals
        from assessments.models import Assessment
        from assessments.selectors import expected_kinds_from
        from connectors import pushed
        from connectors import signals as connector_signals
        from connectors.models import CheckResult, Waiver
        from registry import signals as registry_signals
        from registry import stage_gate

        from . import receivers
        from .models import GatePolicy
        from .selectors import expected_kinds_by_stage, stage_refusals
        from .services import project_move_stage

        post_migrate.connect(ensure_default_policy, sender=self)
        # The attention page lists projects missing an assessment their stage's gate requires.
        expected_kinds_from(expected_kinds_by_stage)
        # Every stage the inventory writes (create, update, import, API, pages) goes through this gate.
        stage_gate.register(project_move_stage, stage_refusals)
        # Pushes are judged on the thresholds Plumbline holds (the refresh of the pushed check asks here).
        pushed.thresholds_from(receivers.thresholds_of)
        assessment_signals.assessment_decided.connect(receivers.push_rejudged, dispatch_uid="gates-push-rejudged")
        for signal in (
            connector_signals.check_results_stored,
            connector_signals.waiver_changed,
            assessment_signals.assessment_decided,
            assessment_signals.assessment_reopened,
            registry_signals.project_changed,
        ):
            signal.connect(receivers.input_changed, dispatch_uid=f"gates-{id(signal)}")
        for model in (CheckResult, Waiver, Assessment):
            post_save.connect(receivers.row_saved, sender=model, dispatch_uid=f"gates-saved-{model.__name__}")
            post_delete.connect(receivers.row_saved, sender=model, dispatch_uid=f"gates-deleted-{model.__name__}")
        post_save.connect(receivers.policy_saved, sender=GatePolicy, dispatch_uid="gates-policy-saved")
