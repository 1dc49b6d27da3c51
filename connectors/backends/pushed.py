"""Evaluation results pushed by CI (``POST /api/v1/projects/<slug>/evidence``) as the ``ci.eval_results_recent`` check.

Nothing is fetched over the network: the evidence already sits in ``PushedEvaluation`` rows. The verdict over
one evaluation is a pure function (``outcome_for``) so the stage gate can apply it to the latest push at once,
without waiting for the next evidence refresh.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from connectors.base import FAIL, PASS, UNKNOWN, WARN, CheckOutcome, CheckSpec, Connector

CHECK_ID = "ci.eval_results_recent"
MAX_AGE = timedelta(days=7)

SPEC = CheckSpec(
    id=CHECK_ID,
    title="Evaluation results pushed by CI are recent and meet their thresholds",
    fix=(
        "Run the evaluation in CI and push its results with `plumbline push-evidence` (see docs/ci.md); give each "
        "metric a threshold and fix the metrics that fall short."
    ),
    ttl=MAX_AGE,
    passes="The newest push (the one received last) meets every threshold it gives.",
    fails="A metric of the newest push misses its threshold; the reason names it.",
    warns="No metric of the newest push has a threshold, so nothing shows the quality is met.",
    unknown="Nothing has been pushed yet, or the newest push was evaluated more than 7 days ago.",
)


def outcome_for(evaluation: dict[str, Any] | None) -> CheckOutcome:
    """Pass when every metric with a threshold meets it; fail naming the ones that do not.

    ``evaluation`` holds the ``PushedEvaluation`` fields (``metrics``, ``dataset_name``, ``git_commit``...).
    Results without any threshold prove nothing about quality, so they only warn.
    """
    if evaluation is None:
        return CheckOutcome(CHECK_ID, UNKNOWN, "No evaluation results have been pushed by CI yet.")
    metrics = evaluation.get("metrics") or []
    facts = {
        "evaluated_at": _iso(evaluation.get("evaluated_at")),
        "dataset": evaluation.get("dataset_name", ""),
        "dataset_version": evaluation.get("dataset_version", ""),
        "git_commit": evaluation.get("git_commit", ""),
        "run_url": evaluation.get("run_url", ""),
        "metrics": metrics,
    }
    failing = [m for m in metrics if m.get("passed") is False]
    judged = [m for m in metrics if m.get("passed") is not None]
    if failing:
        names = ", ".join(
            f"{m['name']} {m['value']:g} (threshold {m['threshold']:g})"
            for m in failing
            if m.get("threshold") is not None
        )
        return CheckOutcome(CHECK_ID, FAIL, f"{len(failing)} metric(s) below threshold: {names}.", facts)
    if not judged:
        return CheckOutcome(
            CHECK_ID, WARN, "The pushed results carry no thresholds, so they do not show the quality is met.", facts
        )
    dataset = f" on {evaluation['dataset_name']}" if evaluation.get("dataset_name") else ""
    return CheckOutcome(CHECK_ID, PASS, f"All {len(judged)} metric(s) with thresholds met{dataset}.", facts)


def _iso(value):
    return value.isoformat() if isinstance(value, datetime) else value


class PushedEvaluationConnector(Connector):
    """Reads the newest pushed evaluation of the component's project; older than seven days reads unknown."""

    name = "pushed"
    version = "1"
    component_kinds = ("eval_dataset",)
    checks = (SPEC,)
    local_only = True  # reads Plumbline's own database: run in the calling thread, inside its transaction

    def target(self) -> str:
        return "plumbline"

    def run(self) -> list[CheckOutcome]:
        from connectors.models import PushedEvaluation

        latest = (
            PushedEvaluation.objects.filter(project_id=self.component.project_id)
            .order_by(*PushedEvaluation.NEWEST_FIRST)
            .values(
                "metrics",
                "dataset_name",
                "dataset_version",
                "git_commit",
                "run_url",
                "evaluated_at",
            )
            .first()
        )
        if latest and timezone.now() - latest["evaluated_at"] > MAX_AGE:
            return [
                CheckOutcome(
                    CHECK_ID,
                    UNKNOWN,
                    f"The newest pushed evaluation is from {latest['evaluated_at']:%Y-%m-%d}, older than "
                    f"{MAX_AGE.days} days.",
                    {"evaluated_at": latest["evaluated_at"].isoformat()},
                )
            ]
        return [outcome_for(latest)]
