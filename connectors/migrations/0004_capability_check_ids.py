"""Store the trace, evaluation, dataset and prompt results under their vendor-neutral ids.

``mlflow.traces_present`` became ``traces.present`` and so on (``connectors.check_ids.ALIASES``, copied
here because a migration must not change when the code does). Renaming the stored rows, rather than mapping on
every read, keeps one id per fact: the next refresh writes the new id, and an un-renamed current result would sit
beside it as a second, stale result of the same check (and be deleted by the refresh, losing nothing but
confusing history). History rows and waivers are renamed too, so a check's history continues and an existing
waiver on an old id still waives. Inputs that still name an old id are resolved by ``canonical`` at the edges.
"""

from django.db import migrations

ALIASES = {
    "mlflow.traces_present": "traces.present",
    "mlflow.traces_have_usage": "traces.have_usage",
    "mlflow.eval_runs_recent": "evaluations.recent",
    "mlflow.eval_required_metrics": "evaluations.required_metrics",
    "mlflow.eval_dataset_named": "datasets.named",
    "mlflow.prompts_versioned": "prompts.versioned",
}


def rename(apps, schema_editor, mapping):
    for model in ("CheckResult", "CheckResultHistory", "Waiver"):
        Model = apps.get_model("connectors", model)
        for old, new in mapping.items():
            Model.objects.filter(check_id=old).update(check_id=new)


def forwards(apps, schema_editor):
    rename(apps, schema_editor, ALIASES)


def backwards(apps, schema_editor):
    rename(apps, schema_editor, {new: old for old, new in ALIASES.items()})


class Migration(migrations.Migration):
    dependencies = [("connectors", "0003_project_level_results")]

    operations = [migrations.RunPython(forwards, backwards)]
