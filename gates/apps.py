from django.apps import AppConfig
from django.db.models.signals import post_migrate


def ensure_default_policy(sender, using="default", **kwargs):
    """Version 1 of the policy always exists, like Django's content types: re-created after a flush.

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
    migration = import_module("gates.migrations.0002_default_policy")
    GatePolicy.objects.using(using).create(
        version=1, rules=migration.RULES, note="Default policy shipped with Plumbline.", is_active=True
    )


class GatesConfig(AppConfig):
    name = "gates"
    verbose_name = "Stage gates"

    def ready(self):
        from assessments.selectors import expected_kinds_from
        from registry import stage_gate

        from .selectors import expected_kinds_by_stage
        from .services import project_move_stage

        post_migrate.connect(ensure_default_policy, sender=self)
        # The attention page lists projects missing an assessment their stage's gate requires.
        expected_kinds_from(expected_kinds_by_stage)
        # Every stage the inventory writes (create, update, import, API, pages) goes through this gate.
        stage_gate.register(project_move_stage)
