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
    title="Evaluation results pushed by CI are corroborated, recent and meet the project's Plumbline thresholds",
    fix=(
        "Run the evaluation in CI and push its results with `plumbline push-evidence --commit ... --dataset ... "
        "--dataset-version ...` (see docs/ci.md), from a commit on the repository's branch; fix the metrics that "
        "fall short of the thresholds set on the project page."
    ),
    ttl=MAX_AGE,
    passes=(
        "The newest push (the one received last) is verified (its commit is on the branch of a project repository, "
        "its dataset is named and versioned, its MLflow run when named holds the same values) and meets every "
        "evaluation threshold Plumbline holds for the project. The push's own thresholds are shown, never used."
    ),
    fails=(
        "The newest push is unverified (the reason says what did not match or was missing), or a required metric "
        "is missing or misses its Plumbline threshold."
    ),
    warns="No Plumbline evaluation threshold applies to the project, so nothing shows the quality is met.",
    unknown=(
        "Nothing has been pushed yet, the newest push was evaluated more than 7 days ago, or its repository or "
        "MLflow server could not be asked."
    ),
)

_thresholds_provider = None


def thresholds_from(provider) -> None:
    """Register ``provider(project_id) -> list[dict] | None``: the evaluation thresholds Plumbline holds for a
    project (the gates app owns them and registers itself in ``GatesConfig.ready``)."""
    global _thresholds_provider
    _thresholds_provider = provider


def thresholds_for(project_id) -> list[dict] | None:
    return _thresholds_provider(project_id) if _thresholds_provider else None


def _metric_named(metrics, names):
    return next((m for m in metrics if m.get("name") in names), None)


def judge_metrics(thresholds: list[dict], metrics: list[dict]) -> tuple[list[str], list[str]]:
    """``(shortfalls, met)`` of pushed ``metrics`` against Plumbline ``thresholds`` (``{"names": [...], "min": x}``
    or ``{"names": [...], "max": x}``; the metric may be reported under any of the names). A missing required
    metric is a shortfall. The push's own thresholds play no part."""
    shortfalls, met = [], []
    for threshold in thresholds:
        names = threshold["names"]
        metric = _metric_named(metrics, names)
        if metric is None:
            shortfalls.append(f"{' or '.join(names)} is required but not pushed")
            continue
        value = metric["value"]
        if "min" in threshold:
            ok, bound, word = value >= threshold["min"], threshold["min"], "at least"
        else:
            ok, bound, word = value <= threshold["max"], threshold["max"], "at most"
        own = metric.get("threshold")
        said = f"; the push's own threshold {own:g} is not used" if own is not None and not ok else ""
        line = f"{metric['name']} {value:g} (Plumbline requires {word} {bound:g}{said})"
        (met if ok else shortfalls).append(line)
    return shortfalls, met


def outcome_for(evaluation: dict[str, Any] | None, *, thresholds: list[dict] | None) -> CheckOutcome:
    """The verdict over the newest push: its corroboration first (``verification``: ``unverified`` fails,
    ``unknown`` reads unknown), then Plumbline's ``thresholds`` for the project (None: unknown; none apply: warn).

    ``evaluation`` holds the ``PushedEvaluation`` fields (``metrics``, ``dataset_name``, ``git_commit``,
    ``verification``, ``verification_reasons``...).
    """
    if evaluation is None:
        return CheckOutcome(CHECK_ID, UNKNOWN, "No evaluation results have been pushed by CI yet.")
    metrics = evaluation.get("metrics") or []
    verification = evaluation.get("verification") or "unverified"
    reasons = evaluation.get("verification_reasons") or ["it was pushed before Plumbline corroborated pushes"]
    facts = {
        "evaluated_at": _iso(evaluation.get("evaluated_at")),
        "dataset": evaluation.get("dataset_name", ""),
        "dataset_version": evaluation.get("dataset_version", ""),
        "git_commit": evaluation.get("git_commit", ""),
        "mlflow_run_id": evaluation.get("mlflow_run_id", ""),
        "run_url": evaluation.get("run_url", ""),
        "verification": verification,
        "verification_reasons": list(reasons),
        "metrics": metrics,
        "thresholds": thresholds,
    }
    if verification == "unverified":
        return CheckOutcome(CHECK_ID, FAIL, "Unverified push: " + "; ".join(reasons) + ".", facts)
    if verification != "verified":
        return CheckOutcome(CHECK_ID, UNKNOWN, "Push not yet verified: " + "; ".join(reasons) + ".", facts)
    if thresholds is None:
        reason = "Plumbline's evaluation thresholds for the project could not be read."
        return CheckOutcome(CHECK_ID, UNKNOWN, reason, facts)
    if not thresholds:
        return CheckOutcome(
            CHECK_ID,
            WARN,
            "No Plumbline evaluation threshold applies to the project, so the pushed results do not show the "
            "quality is met; set thresholds on the project page.",
            facts,
        )
    shortfalls, met = judge_metrics(thresholds, metrics)
    if shortfalls:
        return CheckOutcome(
            CHECK_ID, FAIL, f"{len(shortfalls)} Plumbline threshold(s) not met: {', '.join(shortfalls)}.", facts
        )
    dataset = f" on {evaluation['dataset_name']}" if evaluation.get("dataset_name") else ""
    return CheckOutcome(
        CHECK_ID, PASS, f"Verified push meets all {len(met)} Plumbline threshold(s){dataset}: {', '.join(met)}.", facts
    )


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
                "dataset_hash",
                "git_commit",
                "mlflow_run_id",
                "run_url",
                "evaluated_at",
                "verification",
                "verification_reasons",
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
        return [outcome_for(latest, thresholds=thresholds_for(self.component.project_id))]
