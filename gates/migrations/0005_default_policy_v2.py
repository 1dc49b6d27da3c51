"""The default stage-gate policy, version 2 (frozen here, like version 1): production asks for verified evidence.

Production at every tier: an approved maturity assessment whose verified level meets the tier, a corroborated CI
evaluation push meeting the project's Plumbline thresholds (``ci.eval_results_recent``), monitoring evidence
(production traces in MLflow or LLM metrics in Prometheus) and, for RAG projects, a fresh index whose chunks carry
their source. docs/gate-policy.md gives the reasoning. Installed as the next version above whatever exists, so an
administrator's own versions stay in the history; it becomes the one in force.
"""

from django.db import migrations
from django.db.models import Max

RULES = {
    "format": 1,
    "evaluation_thresholds": [
        {
            "names": ["correctness", "answer_correctness"],
            "min": {"low": 0.7, "medium": 0.75, "high": 0.8, "critical": 0.85},
        },
        {
            "names": ["faithfulness", "groundedness"],
            "min": {"low": 0.75, "medium": 0.8, "high": 0.85, "critical": 0.9},
            "only_if": "uses_rag",
        },
    ],
    "stages": {
        "poc": {
            "assessments": [{"kind": "impact"}, {"kind": "risk", "max_age_days": 180}],
            "checks": [],
            "unknown_checks_block": False,
        },
        "pilot": {
            "assessments": [
                {"kind": "impact"},
                {"kind": "risk", "max_age_days": 180},
                {"kind": "maturity", "max_age_days": 90},
            ],
            "required_level": {"low": 1, "medium": 1, "high": 2, "critical": 3},
            "checks": [{"id": "git.tests_present"}],
            "max_evidence_age_days": 14,
            "unknown_checks_block": False,
        },
        "production": {
            "assessments": [
                {"kind": "impact"},
                {"kind": "risk", "max_age_days": 180},
                {"kind": "maturity", "max_age_days": 90},
            ],
            "required_level": {"low": 1, "medium": 2, "high": 3, "critical": 4},
            "checks": [
                {"id": "git.tests_present"},
                {"id": "git.ci_runs_tests"},
                {"id": "ci.eval_results_recent"},
                {"any_of": ["traces.present", "prometheus.llm_metrics_present"]},
                {"id": "vectorstore.index_fresh", "only_if": "uses_rag"},
                {"id": "vectorstore.chunk_source_metadata", "only_if": "uses_rag"},
            ],
            "max_evidence_age_days": 7,
            "unknown_checks_block": False,
        },
    },
}
NOTE = "Default policy v2 shipped with Plumbline: production needs verified evaluation and monitoring evidence."


def create_policy(apps, schema_editor):
    GatePolicy = apps.get_model("gates", "GatePolicy")
    if GatePolicy.objects.filter(note=NOTE).exists():
        return
    version = (GatePolicy.objects.aggregate(v=Max("version"))["v"] or 0) + 1
    GatePolicy.objects.create(version=version, rules=RULES, note=NOTE, is_active=True)


def remove_policy(apps, schema_editor):
    apps.get_model("gates", "GatePolicy").objects.filter(note=NOTE).delete()


class Migration(migrations.Migration):
    dependencies = [("gates", "0004_evaluation_thresholds")]
    operations = [migrations.RunPython(create_policy, remove_policy)]
