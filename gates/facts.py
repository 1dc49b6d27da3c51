"""Build the gate's facts from plain rows, for one project or for a whole portfolio at once.

One builder serves ``gates.selectors`` (one project, the API, the badge, the CLI, stage moves) and the reports
(every project in a fixed number of queries), so a verdict on the project page and in the leadership report can
never differ. Check results arrive already read with the one rule of ``connectors.reading``; the approved
maturity assessment arrives scored again against those same readings
(``assessments.selectors.current_maturity_results``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from registry.choices import derived_flags

from .policy import AssessmentFact, CheckFact, GateFacts

# Row shapes the builder reads (``QuerySet.values(...)`` of these fields).
PROJECT_FIELDS = (
    "id", "slug", "stage", "uses_rag", "llm_usage", "exposure",
    "handles_pii", "handles_sensitive", "handles_confidential",
)  # fmt: skip
ASSESSMENT_FIELDS = ("id", "project_id", "kind", "state", "decided_at", "expires_at", "result", "questionnaire_id")
APPROVED = "approved"


def project_flags(row) -> dict:
    return {
        "uses_rag": row["uses_rag"],
        **derived_flags(llm_usage=row["llm_usage"], exposure=row["exposure"]),
        "handles_pii": row["handles_pii"],
        "handles_sensitive": row["handles_sensitive"],
        "handles_confidential": row["handles_confidential"],
    }


def newest_approved(assessment_rows) -> dict[int, dict[str, dict]]:
    """``{project_id: {kind: row}}``: the newest approved assessment of each kind."""
    approved: dict[int, dict] = defaultdict(dict)
    ordered = sorted(
        (r for r in assessment_rows if r["state"] == APPROVED),
        key=lambda r: (r["decided_at"] or dt.datetime.min.replace(tzinfo=dt.UTC), r["id"]),
        reverse=True,
    )
    for r in ordered:
        approved[r["project_id"]].setdefault(r["kind"], r)
    return approved


def check_facts(readings_by_check) -> dict[str, tuple[CheckFact, ...]]:
    return {
        check_id: tuple(
            CheckFact(
                r.check_id,
                r.state,
                r.shown_reason,
                r.checked_at,
                r.expires_at,
                r.source,
                r.waived_until,
                stored_state=r.stored_state,
            )
            for r in items
        )
        for check_id, items in readings_by_check.items()
    }


def build_gate_facts(projects, *, approved, readings, maturity_now, now, scorecard_url) -> dict[int, GateFacts]:
    """``{project_id: GateFacts}``.

    ``approved`` is ``newest_approved(rows)``; ``readings`` ``{project_id: {check_id: [Reading]}}``;
    ``maturity_now`` ``{assessment_id: (result, evidence)}`` for the approved maturity assessments, whose
    result replaces the one stored at approval. ``scorecard_url`` maps a project slug to its scorecard link.
    """
    out = {}
    for p in projects:
        assessments, evidence = {}, {}
        for kind, row in approved.get(p["id"], {}).items():
            result = row["result"] or {}
            if kind == "maturity" and row["id"] in maturity_now:
                result, evidence = maturity_now[row["id"]]
            assessments[kind] = AssessmentFact(
                id=row["id"], decided_at=row["decided_at"], expires_at=row["expires_at"], result=result
            )
        out[p["id"]] = GateFacts(
            project_slug=p["slug"],
            project_stage=p["stage"],
            project_flags=project_flags(p),
            assessments=assessments,
            checks=check_facts(readings.get(p["id"], {})),
            now=now,
            scorecard_url=scorecard_url(p["slug"]),
            question_evidence=evidence,
        )
    return out
