"""Reads for the reports: one function per report, returning a plain, frozen snapshot of everything shown.

A snapshot is read inside one transaction (REPEATABLE READ on PostgreSQL; SQLite's deferred transaction in WAL
mode reads from one snapshot too), so evidence refreshed while a report renders cannot mix old and new figures.
The snapshot is also what the cache hashes: it holds exactly what the page shows and nothing else, and never a
component's settings or secrets (only check results are read, by named columns).
"""

import contextlib
import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from assessments.models import Assessment, Review
from assessments.scoring.maturity import MaturityResult
from assessments.scoring.risk import stored_verdict
from connectors.loading import all_check_specs
from connectors.reading import EFFECTIVE_STATES, FAIL
from connectors.selectors import check_readings
from gates import selectors as gate_selectors
from gates.facts import PROJECT_FIELDS as GATE_PROJECT_FIELDS
from gates.policy import evaluate
from questionnaires.models import QuestionnaireVersion
from registry.choices import Stage
from registry.models import Project, Team

KINDS = ("impact", "risk", "maturity")
FRAMEWORKS = {
    "nist-ai-rmf": "NIST AI RMF",
    "nist-600-1": "NIST AI 600-1 (GenAI profile)",
    "eu-ai-act": "EU AI Act",
    "owasp-llm": "OWASP Top 10 for LLM applications",
}
RECOMMENDATION_LABELS = {
    "proceed": "Proceed",
    "proceed_with_conditions": "Proceed with conditions",
    "reconsider": "Reconsider",
    "stop": "Stop",
}
EU_AI_ACT_LABELS = {
    "prohibited": "Prohibited practice",
    "high_risk": "High-risk system",
    "transparency": "Transparency obligations",
    "minimal": "Minimal risk",
}
TIER_ORDER = ["critical", "high", "medium", "low"]
STATUS_LABELS = {
    "at_risk": "At risk",
    "attention": "Needs attention",
    "on_track": "On track",
    "not_assessed": "Not assessed",
    "retired": "Retired",
}
NEXT_ACTIONS_SHOWN = 5
TOP_RISKS_SHOWN = 5
OWNER_FIELDS = tuple(
    f"{role}__{name}"
    for role in ("business_owner", "technical_owner")
    for name in ("username", "first_name", "last_name")
)
MONEY_FIELDS = ("estimated_build_cost", "run_cost_per_month", "expected_value_per_year")
TREND_MEANING = {
    "maturity": "Average maturity score per quarter, in per cent of the questionnaire's points: verified (what the "
    "evidence supports) and claimed (what the answers say). Higher is better.",
    "risk": "Share of the quarter's risk assessments that rated the project high or critical, in per cent. Lower is "
    "better.",
    "impact": "Average impact score per quarter, in per cent: how strongly the business case holds up (value, cost, "
    "feasibility). Higher is better.",
}
# Returned assessments were sent back for changes: their figures are not reported.
REPORTED_STATES = (Assessment.State.SUBMITTED, Assessment.State.APPROVED)


@dataclass(frozen=True)
class ScorecardSnapshot:
    as_of: str
    currency: str
    project: dict
    status: dict
    gates: tuple
    impact: dict | None
    risk: dict | None
    maturity: dict | None
    trend: tuple
    evidence: tuple
    evidence_counts: dict
    approvals: tuple
    crosswalk: tuple
    provenance: tuple


@dataclass(frozen=True)
class PortfolioSnapshot:
    as_of: str
    filters: dict
    counts: dict
    projects: tuple
    sections: tuple
    tiers: dict
    gaps: tuple
    blocked: tuple
    overdue: tuple
    quarters: tuple
    decisions: dict = field(default_factory=dict)
    top_risks: tuple = ()
    money: dict = field(default_factory=dict)
    trends: dict = field(default_factory=dict)


@contextlib.contextmanager
def consistent_snapshot():
    """One read transaction for a whole report; REPEATABLE READ on PostgreSQL when we open the transaction."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def _date(value):
    return timezone.localdate(value).isoformat() if value else None


def _person(user):
    if user is None:
        return None
    return user.get_full_name() or user.username


def _assessment_fields():
    return (
        "id",
        "project_id",
        "kind",
        "state",
        "submitted_at",
        "decided_at",
        "expires_at",
        "content_hash",
        "result",
        "questionnaire__slug",
        "questionnaire__version",
        "questionnaire__title",
        "questionnaire__content_hash",
    )


def _latest_by_kind(rows):
    """Per kind, the latest approved assessment, else the latest submitted one (shown as awaiting review)."""
    chosen = {}
    for row in sorted(
        rows, key=lambda r: r["submitted_at"] or r["decided_at"] or dt.datetime.min.replace(tzinfo=dt.UTC)
    ):
        if not row["result"]:
            continue
        current = chosen.get(row["kind"])
        approved = row["state"] == Assessment.State.APPROVED
        if current is None or approved or current["state"] != Assessment.State.APPROVED:
            chosen[row["kind"]] = row
    return chosen


def _assessment_meta(row, now):
    expired = bool(row["expires_at"] and row["expires_at"] <= now)
    return {
        "id": row["id"],
        "state": row["state"],
        "approved": row["state"] == Assessment.State.APPROVED,
        "submitted_on": _date(row["submitted_at"]),
        "decided_on": _date(row["decided_at"]),
        "expires_on": _date(row["expires_at"]),
        "expired": expired,
        "content_hash": row["content_hash"],
        "questionnaire": {
            "slug": row["questionnaire__slug"],
            "version": row["questionnaire__version"],
            "title": row["questionnaire__title"],
            "content_hash": row["questionnaire__content_hash"],
        },
    }


def _impact(row, now):
    result = row["result"]
    return {
        **_assessment_meta(row, now),
        "recommendation": result.get("recommendation"),
        "recommendation_label": RECOMMENDATION_LABELS.get(result.get("recommendation"), result.get("recommendation")),
        "reasons": list(result.get("reasons") or []),
        "value_to_cost": result.get("value_to_cost"),
        "costs": dict(result.get("costs") or {}),
        "score_pct": (result.get("score") or {}).get("pct"),
    }


def _risk(row, now):
    result = row["result"]
    risks = [
        {
            "number": i,
            "id": r.get("id"),
            "title": r.get("title") or r.get("id"),
            "likelihood": r.get("likelihood"),
            "severity": r.get("severity"),
            "inherent": r.get("inherent"),
            "residual_likelihood": r.get("residual_likelihood"),
            "residual_severity": r.get("residual_severity"),
            "residual": r.get("residual"),
            "tags": list(r.get("tags") or []),
        }
        for i, r in enumerate(result.get("risks") or [], start=1)
    ]
    eu = result.get("eu_ai_act") or {}
    return {
        **_assessment_meta(row, now),
        "tier": result.get("tier"),
        "tier_reasons": list(result.get("tier_reasons") or []),
        "eu_ai_act": {
            "category": eu.get("category"),
            "label": EU_AI_ACT_LABELS.get(eu.get("category"), eu.get("category")),
            "reason": eu.get("reason"),
        },
        "verdict": stored_verdict(result),
        "risks": risks,
        "required_controls": [
            c if isinstance(c, dict) else {"id": c, "text": c} for c in result.get("required_controls") or []
        ],
    }


def _level_names(definition, result):
    levels = ((definition or {}).get("scoring") or {}).get("levels") or result.get("levels") or []
    named = [{"level": lv["level"], "name": lv.get("name", f"Level {lv['level']}")} for lv in levels if "level" in lv]
    return sorted(named, key=lambda lv: lv["level"]) or [{"level": i, "name": f"Level {i}"} for i in range(5)]


def _maturity(row, now, definition=None, live=None):
    """The maturity figures people read. ``live`` is the approved assessment's result scored against today's
    evidence (the gate's), which replaces the one stored at approval."""
    raw = live or row["result"]
    result = MaturityResult.from_dict(raw)
    levels = _level_names(definition, raw)
    names = {lv["level"]: lv["name"] for lv in levels}
    claimed, verified = result.claimed_level, result.verified_level
    blocking = result.blocking_now
    actions = sorted(result.next_actions_now, key=lambda a: (-(a.gain_points or 0), a.question_id or ""))
    verified_sections = {s.id: s for s in result.verified_sections}
    return {
        **_assessment_meta(row, now),
        "claimed_level": claimed,
        "claimed_name": names.get(claimed, result.level_name),
        "verified_level": verified,
        "verified_name": names.get(verified),
        "gap": (claimed - verified) if claimed is not None and verified is not None else None,
        "levels": levels,
        "score_pct": result.score.pct,
        "verified_score_pct": result.verified_score.pct if result.verified_score else None,
        "sections": [
            {
                "id": s.id,
                "title": s.title,
                "pct": s.pct if s.max else None,
                "verified_pct": (verified_sections.get(s.id) or s).pct if s.max else None,
            }
            for s in result.sections
            if s.visible is not False
        ],
        "discrepancies": [d.to_dict() for d in result.discrepancies],
        "unverified": list(result.unverified),
        "blocking": [b.to_dict() for b in blocking],
        "claimed_blocking": [b.to_dict() for b in result.blocking],
        "why": [w.to_dict() for w in result.why],
        "next_actions": [a.to_dict() for a in actions[:NEXT_ACTIONS_SHOWN]],
    }


def _evidence(readings_by_check, now):
    """Current check results as every page reads them (``connectors.reading``), one row per component.

    Only the check's own fields and the component's name are copied: never its settings or secrets.
    """
    specs = all_check_specs()
    rows = []
    for check_id in sorted(readings_by_check):
        for r in sorted(readings_by_check[check_id], key=lambda r: r.source):
            if not r.stored_state:
                continue  # a waiver of a check nothing reports: listed with the waivers, not as a result
            spec = specs.get(check_id)
            rows.append(
                {
                    "check_id": check_id,
                    "title": spec[0].title if spec else check_id,
                    "component": r.source,
                    "state": r.state,
                    "state_label": r.label,
                    "age_days": max((now - r.checked_at).days, 0) if r.checked_at else None,
                    "checked_on": _date(r.checked_at),
                    "reason": r.shown_reason,
                }
            )
    return rows


def _verdict(verdict):
    return {
        "stage": verdict.stage,
        "stage_label": dict(Stage.choices).get(verdict.stage, verdict.stage),
        "allowed": verdict.allowed,
        "reasons": list(verdict.reasons),
        "unknown": list(verdict.unknown_checks),
        "required_level": verdict.required_level,
        "verified_level": verdict.verified_level,
        "claimed_level": verdict.claimed_level,
        "policy_version": verdict.policy_version,
        "why": [
            {
                "kind": w.kind,
                "question_id": w.question_id,
                "question": w.question,
                "check_id": w.check_id,
                "reason": w.reason,
            }
            for w in verdict.why
        ],
    }


def _crosswalk(assessments_by_kind, definitions):
    """Framework tags of the questionnaires' questions: covered when a tagged question is fully met."""
    tags = defaultdict(lambda: {"covered": False, "questions": 0})
    for kind, assessment in assessments_by_kind.items():
        definition = definitions.get(kind) or {}
        fractions = {
            c["question_id"]: c.get("fraction")
            for c in (assessment["result"].get("contributions") or [])
            if "question_id" in c
        }
        for section in definition.get("sections") or []:
            for question in section.get("questions") or []:
                for tag in question.get("tags") or []:
                    prefix = tag.split(":", 1)[0]
                    if prefix not in FRAMEWORKS:
                        continue
                    entry = tags[tag]
                    entry["questions"] += 1
                    fraction = fractions.get(question["id"])
                    if fraction is not None and fraction >= question.get("pass_at", 1.0):
                        entry["covered"] = True
    out = []
    for prefix, name in FRAMEWORKS.items():
        items = sorted((t, v) for t, v in tags.items() if t.split(":", 1)[0] == prefix)
        if items:
            out.append(
                {
                    "framework": name,
                    "covered": [t.split(":", 1)[1] for t, v in items if v["covered"]],
                    "open": [t.split(":", 1)[1] for t, v in items if not v["covered"]],
                }
            )
    return out


def _status(latest, evidence_counts, next_gate, *, retired=False, current_gate=None):
    """The one-word overall status on the cover, with the reasons a reader can act on.

    A retired project is kept for the record only: nothing about it needs acting on, so it is neither at risk
    nor overdue, and leadership's counts of projects needing attention leave it out.
    """
    if retired:
        return {
            "code": "retired",
            "label": STATUS_LABELS["retired"],
            "reasons": ["Retired: kept for the record; no re-assessment or stage gate applies."],
        }
    if not latest:
        return {"code": "not_assessed", "label": STATUS_LABELS["not_assessed"], "reasons": ["No submitted assessment."]}
    red, amber = [], []
    impact, risk, maturity = latest.get("impact"), latest.get("risk"), latest.get("maturity")
    if impact and impact["recommendation"] in ("stop", "reconsider"):
        red.append(f"Impact recommendation: {impact['recommendation_label']}.")
    if risk and risk["tier"] == "critical":
        red.append("Risk tier is critical.")
    if risk and risk["verdict"] and risk["verdict"]["code"] == "stop":
        red.append(f"Risk verdict: {risk['verdict']['label']}.")
    if current_gate and current_gate.get("required_level") is not None:
        verified, required = current_gate.get("verified_level"), current_gate["required_level"]
        if verified is None or verified < required:
            red.append(
                f"In {current_gate['stage_label']} with verified maturity level "
                f"{'none' if verified is None else verified}, below the level {required} it requires."
            )
    if maturity and maturity["blocking"]:
        red.append(f"{len(maturity['blocking'])} blocking must-have item(s) (verified).")
    for kind in KINDS:
        if kind not in latest:
            amber.append(f"No {kind} assessment.")
        elif latest[kind]["expired"]:
            amber.append(f"The {kind} assessment expired on {latest[kind]['expires_on']}.")
        elif not latest[kind]["approved"]:
            amber.append(f"The {kind} assessment awaits review.")
    if risk and risk["tier"] == "high":
        amber.append("Risk tier is high.")
    if maturity and maturity["discrepancies"]:
        amber.append(f"{len(maturity['discrepancies'])} claim(s) contradicted by evidence.")
    for gate in next_gate:
        if not gate["allowed"]:
            amber.append(f"Cannot enter {gate['stage_label']} yet: {len(gate['reasons'])} requirement(s) unmet.")
    if maturity and maturity["unverified"]:
        amber.append(f"{len(maturity['unverified'])} claim(s) the evidence could not verify.")
    if evidence_counts.get(FAIL):
        amber.append(f"{evidence_counts[FAIL]} failing check(s).")
    code = "at_risk" if red else "attention" if amber else "on_track"
    return {"code": code, "label": STATUS_LABELS[code], "reasons": red + amber or ["All assessments current."]}


def scorecard_snapshot(project: Project, *, now=None) -> ScorecardSnapshot:
    """Everything the project scorecard shows, read in one consistent transaction."""
    now = now or timezone.now()
    with consistent_snapshot():
        project = Project.objects.select_related("team", "business_owner", "technical_owner").get(pk=project.pk)
        rows = list(
            Assessment.objects.filter(project=project, state__in=REPORTED_STATES)
            .order_by("submitted_at", "id")
            .values(*_assessment_fields(), "questionnaire_id")
        )
        chosen = _latest_by_kind(rows)
        definitions_by_id = {}
        if chosen:
            definitions_by_id = dict(
                QuestionnaireVersion.objects.filter(
                    pk__in={r["questionnaire_id"] for r in chosen.values()}
                ).values_list("id", "definition")
            )
        definitions = {kind: definitions_by_id.get(row["questionnaire_id"]) for kind, row in chosen.items()}
        reviews = list(
            Review.objects.filter(assessment_id__in=[r["id"] for r in chosen.values()])
            .select_related("reviewer", "assessment")
            .order_by("at", "id")
        )
        readings = check_readings(project_ids=[project.pk], now=now)
        rules, policy_version = gate_selectors.policy_in_force()
        row = {field: getattr(project, field) for field in GATE_PROJECT_FIELDS}
        facts = gate_selectors.facts_for([row], assessment_rows=rows, readings=readings, now=now)[project.pk]
    evidence = _evidence(readings.get(project.pk, {}), now)
    gates = [
        _verdict(evaluate(rules, facts, stage=st, policy_version=policy_version))
        for st in gate_selectors.summary_stages(project.stage)
    ]
    current = gate_selectors.current_stage_verdict(rules, facts, version=policy_version)

    latest = {}
    if "impact" in chosen:
        latest["impact"] = _impact(chosen["impact"], now)
    if "risk" in chosen:
        latest["risk"] = _risk(chosen["risk"], now)
    if "maturity" in chosen:
        live = facts.assessments.get("maturity")
        live = live.result if live and live.id == chosen["maturity"]["id"] else None
        latest["maturity"] = _maturity(chosen["maturity"], now, definitions.get("maturity"), live)
    counts = Counter(e["state"] for e in evidence)
    trend = [
        {
            "label": _date(r["submitted_at"]) or f"#{r['id']}",
            "pct": m.score.pct or 0,
            "claimed_level": m.claimed_level,
            "verified_level": m.verified_level,
            "state": r["state"],
        }
        for r in rows
        if r["kind"] == "maturity" and (m := MaturityResult.from_dict(r["result"])) is not None
    ]
    approvals = [
        {
            "kind": review.assessment.kind,
            "decision": review.get_decision_display(),
            "domain": "reviewer" if review.domain == "any" else review.domain,
            "reviewer": _person(review.reviewer) or "(deleted user)",
            "on": _date(review.at),
            "comment": review.comment,
            "acknowledgements": list(review.acknowledgements or []),
        }
        for review in reviews
    ]
    provenance = [
        {
            "kind": kind,
            "questionnaire": f"{row['questionnaire__slug']} v{row['questionnaire__version']}",
            "questionnaire_hash": row["questionnaire__content_hash"],
            "assessment_id": row["id"],
            "content_hash": row["content_hash"],
        }
        for kind, row in sorted(chosen.items(), key=lambda kv: KINDS.index(kv[0]) if kv[0] in KINDS else 9)
    ]
    return ScorecardSnapshot(
        as_of=timezone.localdate(now).isoformat(),
        currency=settings.PLUMBLINE_CURRENCY,
        project={
            "name": project.name,
            "slug": project.slug,
            "description": project.description,
            "business_goal": project.business_goal,
            "team": project.team.name,
            "team_slug": project.team.slug,
            "business_owner": _person(project.business_owner),
            "technical_owner": _person(project.technical_owner),
            "stage": project.get_stage_display(),
            "archetype": project.get_archetype_display(),
            "exposure": project.get_exposure_display(),
        },
        status=_status(
            latest,
            counts,
            gates[:1],
            retired=project.stage == Stage.RETIRED,
            current_gate=_verdict(current) if current else None,
        ),
        gates=tuple(gates),
        impact=latest.get("impact"),
        risk=latest.get("risk"),
        maturity=latest.get("maturity"),
        trend=tuple(trend),
        evidence=tuple(evidence),
        evidence_counts={state: counts.get(state, 0) for state in EFFECTIVE_STATES},
        approvals=tuple(approvals),
        crosswalk=tuple(_crosswalk(chosen, definitions)),
        provenance=tuple(provenance),
    )


def _quarter(value):
    value = timezone.localtime(value)
    return f"{value.year} Q{(value.month - 1) // 3 + 1}"


def _scoped(queryset, team, stage, *, prefix="project__"):
    """Limit a queryset to the active projects the portfolio filters select, through a join, never an id list."""
    filters = {f"{prefix}archived_at__isnull": True}
    if team:
        filters[f"{prefix}team__slug"] = team
    if stage:
        filters[f"{prefix}stage"] = stage
    return queryset.filter(**filters)


def _readable_reason(verdict):
    """The first unmet requirement in a reader's words: the question a check answers, not the check's id."""
    for w in verdict["why"]:
        if w["question"]:
            return f"{w['question']} — {_check_words(w['reason'])}" if w["reason"] else w["question"]
    text = (verdict["reasons"] or verdict["unknown"] or [""])[0]
    return _check_words(text)


def _check_words(text):
    """Check ids in a gate reason named by their title: ``Check git.ci_runs_tests fails`` -> ``“CI runs the
    tests” fails``. A person reads the PDF; an id is for machines."""
    specs = all_check_specs()

    def title(match):
        spec = specs.get(match.group(2))
        return f"“{spec[0].title}”" if spec else match.group(0)

    return _CHECK_ID.sub(title, text)


_CHECK_ID = re.compile(r"(\bCheck )?\b([a-z0-9_]+(?:\.[a-z0-9_]+)+)\b")


def _owners(p):
    """The business and technical owner of a ``values()`` project row, by name, once each."""
    names = []
    for role in ("business_owner", "technical_owner"):
        first, last, user = p[f"{role}__first_name"], p[f"{role}__last_name"], p[f"{role}__username"]
        name = f"{first or ''} {last or ''}".strip() or user
        if name and name not in names:
            names.append(name)
    return ", ".join(names) or "no owner named"


def _money(projects, currency):
    totals = dict.fromkeys(MONEY_FIELDS, 0)
    counted = dict.fromkeys(MONEY_FIELDS, 0)
    for p in projects:
        if p["stage"] == Stage.RETIRED:
            continue
        for name in MONEY_FIELDS:
            if p[name] is not None:
                totals[name] += p[name]
                counted[name] += 1
    return {
        "currency": currency,
        "build": float(totals["estimated_build_cost"]),
        "run_per_year": float(totals["run_cost_per_month"] * 12),
        "value_per_year": float(totals["expected_value_per_year"]),
        "with_figures": max(counted.values()),
        "without_value": sum(
            1 for p in projects if p["stage"] != Stage.RETIRED and p["expected_value_per_year"] is None
        ),
    }


def _top_risks(entries_by_slug, risks_by_slug):
    """The highest residual risks across the portfolio (inherent when no residual is given), each with its owners."""
    found = []
    for slug, risk in risks_by_slug.items():
        for r in risk["risks"]:
            score = r["residual"] if r["residual"] is not None else r["inherent"]
            if score is None:
                continue
            entry = entries_by_slug[slug]
            found.append(
                {
                    "project": entry["name"],
                    "slug": slug,
                    "title": r["title"],
                    "score": score,
                    "residual": r["residual"] is not None,
                    "tier": risk["tier"],
                    "owners": entry["owners"],
                }
            )
    found.sort(key=lambda r: (-r["score"], r["project"], r["title"] or ""))
    return found[:TOP_RISKS_SHOWN]


def _trends(rows, kept_ids):
    """Per assessment kind, one series per quarter: impact, risk and maturity are different scales, never mixed."""
    by_kind = defaultdict(lambda: defaultdict(list))
    for row in rows:
        if row["submitted_at"] and row["project_id"] in kept_ids and row["result"]:
            by_kind[row["kind"]][_quarter(row["submitted_at"])].append(row["result"])
    out = {}
    for kind in KINDS:
        points = []
        for label in sorted(by_kind.get(kind, {})):
            results = by_kind[kind][label]
            if kind == "maturity":
                parsed = [m for r in results if (m := MaturityResult.from_dict(r)) is not None]
                claimed = [m.score.pct or 0 for m in parsed]
                verified = [(m.verified_score.pct if m.verified_score else 0) or 0 for m in parsed]
                values = {"verified": _mean(verified), "claimed": _mean(claimed)}
            elif kind == "risk":
                high = sum(1 for r in results if r.get("tier") in ("high", "critical"))
                values = {"high or critical": round(100 * high / len(results), 1)}
            else:
                values = {"impact score": _mean([(r.get("score") or {}).get("pct") or 0 for r in results])}
            points.append({"label": label, "count": len(results), "values": values})
        if points:
            out[kind] = {"points": points, "meaning": TREND_MEANING[kind]}
    return out


def _mean(values):
    return round(sum(values) / len(values), 1) if values else 0.0


def _review_due_days():
    return settings.PLUMBLINE_REVIEW_DUE_DAYS


def portfolio_snapshot(*, team=None, stage=None, tier=None, now=None) -> PortfolioSnapshot:
    """The leadership portfolio: a fixed number of queries whatever the number of projects.

    ``team`` is a team slug, ``stage`` a stage value, ``tier`` a risk tier; empty means all.
    """
    now = now or timezone.now()
    with consistent_snapshot():
        projects = list(
            _scoped(Project.objects.all(), team, stage, prefix="")
            .order_by("name")
            .values("name", "team__name", "team__slug", *GATE_PROJECT_FIELDS, *OWNER_FIELDS, *MONEY_FIELDS)
        )
        assessment_rows = list(
            _scoped(Assessment.objects.filter(state__in=REPORTED_STATES), team, stage).values(
                *_assessment_fields(), "questionnaire_id"
            )
        )
        scoped = _scoped(Project.objects.all(), team, stage, prefix="")
        readings = check_readings(projects_qs=scoped.values("pk"), now=now)
        rules, policy_version = gate_selectors.policy_in_force()
        gate_facts = gate_selectors.facts_for(
            projects,
            assessment_rows=[r for r in assessment_rows if r["state"] == Assessment.State.APPROVED],
            readings=readings,
            now=now,
        )

    by_project = defaultdict(list)
    for row in assessment_rows:
        by_project[row["project_id"]].append(row)
    stage_labels = dict(Stage.choices)

    out, gaps, blocked, overdue, section_titles = [], [], [], [], []
    below, waiting, risks_by_slug = [], [], {}
    for p in projects:
        rows = by_project.get(p["id"], [])
        chosen = _latest_by_kind(rows)
        impact = _impact(chosen["impact"], now) if "impact" in chosen else None
        risk = _risk(chosen["risk"], now) if "risk" in chosen else None
        facts = gate_facts[p["id"]]
        maturity = None
        if "maturity" in chosen:
            live = facts.assessments.get("maturity")
            live = live.result if live and live.id == chosen["maturity"]["id"] else None
            maturity = _maturity(chosen["maturity"], now, None, live)
        project_tier = risk["tier"] if risk else None
        if tier and project_tier != tier:
            continue
        failing = sum(1 for results in facts.checks.values() for c in results if c.state == FAIL)
        next_stage = gate_selectors.next_stages(p["stage"])[:1]
        gate = [_verdict(evaluate(rules, facts, stage=st, policy_version=policy_version)) for st in next_stage]
        current = gate_selectors.current_stage_verdict(rules, facts, version=policy_version)
        latest = {k: v for k, v in (("impact", impact), ("risk", risk), ("maturity", maturity)) if v}
        retired = p["stage"] == Stage.RETIRED
        status = _status(
            latest, {FAIL: failing}, gate, retired=retired, current_gate=_verdict(current) if current else None
        )
        cells = {}
        if maturity:
            for s in maturity["sections"]:
                if s["title"] not in section_titles:
                    section_titles.append(s["title"])
                cells[s["title"]] = s["verified_pct"]
        entry = {
            "name": p["name"],
            "slug": p["slug"],
            "team": p["team__name"],
            "team_slug": p["team__slug"],
            "stage": stage_labels.get(p["stage"], p["stage"]),
            "tier": project_tier,
            "eu_ai_act": risk["eu_ai_act"]["label"] if risk else None,
            "recommendation": impact["recommendation_label"] if impact else None,
            "value_to_cost": impact["value_to_cost"] if impact else None,
            "claimed_level": maturity["claimed_level"] if maturity else None,
            "verified_level": maturity["verified_level"] if maturity else None,
            "gap": maturity["gap"] if maturity else None,
            "score_pct": maturity["score_pct"] if maturity else None,
            "verified_score_pct": maturity["verified_score_pct"] if maturity else None,
            "blocking": len(maturity["blocking"]) if maturity else 0,
            "failing_checks": failing,
            "next_gate": gate[0]["stage_label"] if gate else None,
            "next_gate_stage": gate[0]["stage"] if gate else None,
            "gate_allowed": gate[0]["allowed"] if gate else None,
            "required_level": gate[0]["required_level"] if gate else None,
            "why": gate[0]["why"][:1] if gate else [],
            "stage_value": p["stage"],
            "status": status["code"],
            "status_label": status["label"],
            "cells": cells,
            "owners": _owners(p),
        }
        out.append(entry)
        if risk:
            risks_by_slug[p["slug"]] = risk
        if current and current.required_level is not None and not retired:
            verified = current.verified_level
            if verified is None or verified < current.required_level:
                below.append(
                    {
                        "name": p["name"],
                        "slug": p["slug"],
                        "stage": entry["stage"],
                        "stage_value": p["stage"],
                        "verified_level": verified,
                        "claimed_level": entry["claimed_level"],
                        "required_level": current.required_level,
                        "owners": entry["owners"],
                    }
                )
        for row in rows:
            if row["state"] == Assessment.State.SUBMITTED and row["submitted_at"] and not retired:
                days = (now - row["submitted_at"]).days
                waiting.append(
                    {
                        "name": p["name"],
                        "slug": p["slug"],
                        "kind": row["kind"],
                        "submitted_on": _date(row["submitted_at"]),
                        "days_waiting": days,
                        "overdue": days > _review_due_days(),
                        "owners": entry["owners"],
                    }
                )
        if entry["gap"]:
            gaps.append(
                {
                    "name": p["name"],
                    "slug": p["slug"],
                    "team": p["team__name"],
                    "claimed_level": entry["claimed_level"],
                    "verified_level": entry["verified_level"],
                    "gap": entry["gap"],
                    "discrepancies": len(maturity["discrepancies"]),
                }
            )
        if gate and not gate[0]["allowed"]:
            blocked.append(
                {
                    "name": p["name"],
                    "slug": p["slug"],
                    "team": p["team__name"],
                    "stage": entry["stage"],
                    "gate": gate[0]["stage_label"],
                    "unmet": len(gate[0]["reasons"]),
                    "reason": (gate[0]["reasons"] or gate[0]["unknown"] or [""])[0],  # as the gate says it
                    "first": _readable_reason(gate[0]),  # the same, in a reader's words
                    "owners": entry["owners"],
                }
            )
        for kind, item in latest.items():
            if item["expired"] and not retired:
                overdue.append(
                    {
                        "name": p["name"],
                        "slug": p["slug"],
                        "team": p["team__name"],
                        "kind": kind,
                        "expired_on": item["expires_on"],
                        "days_overdue": (timezone.localdate(now) - dt.date.fromisoformat(item["expires_on"])).days,
                    }
                )

    kept = {e["slug"] for e in out}
    slug_by_id = {p["id"]: p["slug"] for p in projects}
    quarters = defaultdict(list)
    for row in assessment_rows:
        if (
            row["kind"] == "maturity"
            and row["submitted_at"]
            and slug_by_id.get(row["project_id"]) in kept
            and (maturity := MaturityResult.from_dict(row["result"])) is not None
        ):
            quarters[_quarter(row["submitted_at"])].append(maturity)
    quarter_rows = []
    for label in sorted(quarters):
        results = quarters[label]
        scores = [r.score.pct or 0 for r in results]
        verified = [r.verified_level for r in results if r.verified_level is not None]
        quarter_rows.append(
            {
                "label": label,
                "count": len(results),
                "avg_pct": round(sum(scores) / len(scores), 1),
                "avg_verified_level": round(sum(verified) / len(verified), 2) if verified else None,
            }
        )
    kept_ids = {p["id"] for p in projects if p["slug"] in kept}
    entries_by_slug = {e["slug"]: e for e in out}
    below.sort(key=lambda b: (b["stage_value"] != Stage.PRODUCTION, b["name"]))
    waiting.sort(key=lambda w: (-w["days_waiting"], w["name"]))
    decisions = {
        "below_required": below,
        "production_below": sum(1 for b in below if b["stage_value"] == Stage.PRODUCTION),
        "reviews_waiting": waiting,
        "reviews_overdue": sum(1 for w in waiting if w["overdue"]),
        "review_due_days": _review_due_days(),
    }
    tiers = Counter(e["tier"] or "unassessed" for e in out)
    statuses = Counter(e["status"] for e in out)
    return PortfolioSnapshot(
        as_of=timezone.localdate(now).isoformat(),
        filters={"team": team or "", "stage": stage or "", "tier": tier or ""},
        counts={
            "projects": len(out),
            "at_risk": statuses.get("at_risk", 0),
            "attention": statuses.get("attention", 0),
            "on_track": statuses.get("on_track", 0),
            "not_assessed": statuses.get("not_assessed", 0),
            "retired": statuses.get("retired", 0),
            "blocked": len(blocked),
            "overdue": len(overdue),
            "with_gap": len(gaps),
        },
        projects=tuple(out),
        sections=tuple(section_titles),
        tiers={t: tiers.get(t, 0) for t in [*TIER_ORDER, "unassessed"]},
        gaps=tuple(sorted(gaps, key=lambda g: (-g["gap"], g["name"]))),
        blocked=tuple(blocked),
        overdue=tuple(sorted(overdue, key=lambda o: (-o["days_overdue"], o["name"]))),
        quarters=tuple(quarter_rows),
        decisions=decisions,
        top_risks=tuple(_top_risks(entries_by_slug, risks_by_slug)),
        money=_money([p for p in projects if p["slug"] in kept], settings.PLUMBLINE_CURRENCY),
        trends=_trends(assessment_rows, kept_ids),
    )


def report_filter_choices():
    """Choices for the portfolio filters: teams, stages and tiers, as (value, label) pairs."""
    return {
        "teams": list(Team.objects.order_by("name").values_list("slug", "name")),
        "stages": list(Stage.choices),
        "tiers": [(t, t.capitalize()) for t in TIER_ORDER],
    }
