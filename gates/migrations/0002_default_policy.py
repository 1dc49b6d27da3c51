"""The default stage-gate policy, version 1 (frozen here: later versions are new rows, never edits)."""

from django.db import migrations

RULES = {
    "format": 1,
    "stages": {
        "poc": {
            "assessments": [
                {
                    "kind": "impact"
                },
                {
                    "kind": "risk",
                    "max_age_days": 180
                }
            ],
            "checks": [],
            "unknown_checks_block": False
        },
        "pilot": {
            "assessments": [
                {
                    "kind": "impact"
                },
                {
                    "kind": "risk",
                    "max_age_days": 180
                },
                {
                    "kind": "maturity",
                    "max_age_days": 90
                }
            ],
            "required_level": {
                "low": 1,
                "medium": 1,
                "high": 2,
                "critical": 3
            },
            "checks": [
                {
                    "id": "git.tests_present"
                }
            ],
            "max_evidence_age_days": 14,
            "unknown_checks_block": False
        },
        "production": {
            "assessments": [
                {
                    "kind": "impact"
                },
                {
                    "kind": "risk",
                    "max_age_days": 180
                },
                {
                    "kind": "maturity",
                    "max_age_days": 90
                }
            ],
            "required_level": {
                "low": 1,
                "medium": 2,
                "high": 3,
                "critical": 4
            },
            "checks": [
                {
                    "id": "git.tests_present"
                },
                {
                    "id": "git.ci_runs_tests"
                },
                {
                    "id": "ci.eval_results_recent"
                },
                {
                    "id": "vectorstore.index_fresh",
                    "only_if": "uses_rag"
                }
            ],
            "max_evidence_age_days": 7,
            "unknown_checks_block": False
        }
    }
}


def create_default_policy(apps, schema_editor):
    GatePolicy = apps.get_model("gates", "GatePolicy")
    GatePolicy.objects.get_or_create(
        version=1, defaults={"rules": RULES, "note": "Default policy shipped with Plumbline.", "is_active": True}
    )


def remove_default_policy(apps, schema_editor):
    apps.get_model("gates", "GatePolicy").objects.filter(version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("gates", "0001_initial")]

    operations = [migrations.RunPython(create_default_policy, remove_default_policy)]
