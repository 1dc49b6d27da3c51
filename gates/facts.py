"""Build the gate's facts from plain database rows, for one project or for a whole portfolio at once.

One builder serves both ``gates.selectors.gate_facts`` (one project) and the portfolio report (every project
in a fixed number of queries), so a verdict on the project page and in the leadership report can never differ.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from connectors.pushed import CHECK_ID as PUSHED_CHECK_ID
from connectors.pushed import SPEC as PUSHED_SPEC
from connectors.pushed import outcome_for
from registry.choices import derived_flags

from .policy import AssessmentFact, CheckFact, GateFacts

# Row shapes the builder reads (``QuerySet.values(...)`` of these fields).
PROJECT_FIELDS = (
    "id", "slug", "stage", "uses_rag", "llm_usage", "exposure",
    "handles_pii", "handles_sensitive", "handles_confidential",
)  # fmt: skip
ASSESSMENT_FIELDS = ("id", "project_id", "kind", "state", "decided_at", "expires_at", "result")
CHECK_FIELDS = (
    "project_id", "check_id", "state", "reason", "checked_at", "expires_at", "component_id", "component__name",
)  # fmt: skip
WAIVER_FIELDS = ("project_id", "check_id", "component_id", "expires_at")
PUSHED_FIELDS = (
    "project_id", "metrics", "dataset_name", "dataset_version", "git_commit", "run_url", "evaluated_at",
)  # fmt: skip
APPROVED = "approved"


def project_flags(row) -> dict:
    return {
        "uses_rag": row["uses_rag"],
        **derived_flags(llm_usage=row["llm_usage"], exposure=row["exposure"]),
        "handles_pii": row["handles_pii"],
        "handles_sensitive": row["handles_sensitive"],
        "handles_confidential": row["handles_confidential"],
    }


def build_gate_facts(
    projects, *, assessment_rows, check_rows, waiver_rows, pushed_rows, now, scorecard_url
) -> dict[int, GateFacts]:
    """``{project_id: GateFacts}``.

    ``assessment_rows`` may hold any assessments: the newest approved one of each kind counts. ``waiver_rows``
    are the active waivers. ``pushed_rows`` are ordered newest first per project; only the newest counts, and
    it is judged here (``ci.eval_results_recent``), so a push changes the verdict at once. ``scorecard_url`` maps a
    project slug to its scorecard link.
    """
    approved: dict[int, dict] = defaultdict(dict)
    ordered = sorted(
        (r for r in assessment_rows if r["state"] == APPROVED),
        key=lambda r: (r["decided_at"] or dt.datetime.min.replace(tzinfo=dt.UTC), r["id"]),
        reverse=True,
    )
    for r in ordered:
        approved[r["project_id"]].setdefault(
            r["kind"],
            AssessmentFact(
                id=r["id"], decided_at=r["decided_at"], expires_at=r["expires_at"], result=r["result"] or {}
            ),
        )

    waivers = defaultdict(list)
    for w in waiver_rows:
        waivers[w["project_id"]].append(w)

    def waived_until(project_id, check_id, component_id):
        dates = [
            w["expires_at"]
            for w in waivers[project_id]
            if w["check_id"] == check_id and w["component_id"] in (None, component_id)
        ]
        return max(dates) if dates else None

    checks: dict[int, dict[str, list[CheckFact]]] = defaultdict(lambda: defaultdict(list))
    for r in check_rows:
        if r["check_id"] == PUSHED_CHECK_ID:
            continue  # judged below from the pushed evaluations themselves, which are always current
        checks[r["project_id"]][r["check_id"]].append(
            CheckFact(
                r["check_id"],
                r["state"],
                r["reason"],
                r["checked_at"],
                r["expires_at"],
                r["component__name"],
                waived_until(r["project_id"], r["check_id"], r["component_id"]),
            )
        )
    newest_push = {}
    for r in pushed_rows:
        newest_push.setdefault(r["project_id"], r)
    for project_id, latest in newest_push.items():
        outcome = outcome_for(latest)
        checks[project_id][PUSHED_CHECK_ID] = [
            CheckFact(
                PUSHED_CHECK_ID,
                outcome.state,
                outcome.reason,
                latest["evaluated_at"],
                latest["evaluated_at"] + PUSHED_SPEC.ttl,
                "CI push",
                waived_until(project_id, PUSHED_CHECK_ID, None),
            )
        ]

    return {
        p["id"]: GateFacts(
            project_slug=p["slug"],
            project_stage=p["stage"],
            project_flags=project_flags(p),
            assessments=dict(approved[p["id"]]),
            checks={k: tuple(v) for k, v in checks[p["id"]].items()},
            now=now,
            scorecard_url=scorecard_url(p["slug"]),
        )
        for p in projects
    }
