"""CSV exports of every table the portfolio and team dashboards show, from the same snapshot."""

import csv
import io

from config import spreadsheet


def _projects(s):
    header = [
        "project", "slug", "team", "stage", "status", "risk_tier", "eu_ai_act", "recommendation", "value_to_cost",
        "verified_level", "claimed_level", "gap", "verified_score_pct", "score_pct", "blocking_items", "next_gate",
        "next_gate_open",
        "failing_checks",
    ]  # fmt: skip
    rows = (
        [p["name"], p["slug"], p["team"], p["stage"], p["status_label"], p["tier"], p["eu_ai_act"], p["recommendation"],
         p["value_to_cost"], p["verified_level"], p["claimed_level"], p["gap"], p["verified_score_pct"],
         p["score_pct"], p["blocking"],
         p["next_gate"], p["gate_allowed"], p["failing_checks"]]
        for p in s.projects
    )  # fmt: skip
    return header, rows


def _gaps(s):
    header = ["project", "slug", "team", "claimed_level", "verified_level", "gap", "contradicted_claims"]
    keys = ["name", "slug", "team", "claimed_level", "verified_level", "gap", "discrepancies"]
    return header, ([g[k] for k in keys] for g in s.gaps)


def _blocked(s):
    header = ["project", "slug", "team", "stage", "next_gate", "unmet_requirements", "first_reason"]
    keys = ["name", "slug", "team", "stage", "gate", "unmet", "first"]
    return header, ([b[k] for k in keys] for b in s.blocked)


def _overdue(s):
    header = ["project", "slug", "team", "assessment", "expired_on", "days_overdue"]
    keys = ["name", "slug", "team", "kind", "expired_on", "days_overdue"]
    return header, ([o[k] for k in keys] for o in s.overdue)


def _tiers(s):
    return ["risk_tier", "projects"], ([tier, n] for tier, n in s.tiers.items())


def _quarters(s):
    header = ["quarter", "assessments", "average_score_pct", "average_verified_level"]
    return header, ([q["label"], q["count"], q["avg_pct"], q["avg_verified_level"]] for q in s.quarters)


def _maturity_by_section(s):
    header = ["project", "slug", *s.sections]
    return header, ([p["name"], p["slug"], *(p["cells"].get(title) for title in s.sections)] for p in s.projects)


TABLES = {
    "projects": _projects,
    "maturity-by-section": _maturity_by_section,
    "tiers": _tiers,
    "gaps": _gaps,
    "blocked": _blocked,
    "overdue": _overdue,
    "quarters": _quarters,
}


def portfolio_csv(snapshot, table: str) -> str:
    """One dashboard table as CSV text; ``table`` is a key of ``TABLES`` (the caller checks it)."""
    header, rows = TABLES[table](snapshot)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow(spreadsheet.safe_row(row))
    return out.getvalue()
