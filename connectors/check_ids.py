"""Vendor-neutral check ids and the old ids that keep resolving to them.

Check ids are never reused or lost: the MLflow back-end's evaluation, prompt and trace checks were named after
the vendor (``mlflow.traces_present``) before they became capabilities any tracing back-end provides
(``traces.present``). The old id is an alias: stored results, history and waivers were renamed by the data
migration ``connectors/migrations/0004_capability_check_ids.py``, and every input that names a check (API filters
and lookups, waiver creation, the ``checks`` setting, bindings of questionnaire versions stored before the
rename, pushed evaluations) goes through ``canonical`` first, so an old id answers like the new one.
"""

from __future__ import annotations

ALIASES: dict[str, str] = {
    "mlflow.traces_present": "traces.present",
    "mlflow.traces_have_usage": "traces.have_usage",
    "mlflow.eval_runs_recent": "evaluations.recent",
    "mlflow.eval_required_metrics": "evaluations.required_metrics",
    "mlflow.eval_dataset_named": "datasets.named",
    "mlflow.prompts_versioned": "prompts.versioned",
}


def canonical(check_id: str) -> str:
    """The id a check is stored and judged under (an old alias -> its new id; anything else unchanged)."""
    return ALIASES.get(check_id, check_id)


def aliases_of(check_id: str) -> list[str]:
    """The old ids that resolve to ``check_id`` (for docs/checks.md and the API)."""
    return sorted(old for old, new in ALIASES.items() if new == check_id)


def with_aliases(check_ids) -> set[str]:
    """``check_ids`` canonicalised, plus every alias of them: what a filter over stored rows should match."""
    found = {canonical(c) for c in check_ids}
    return found | {old for old, new in ALIASES.items() if new in found}
