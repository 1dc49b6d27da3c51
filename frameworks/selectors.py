"""Reads of the frameworks app: where each project stands on each framework, in constant queries.

The inputs are the ones every page reads: the newest approved assessment of each kind (its frozen record), the
check readings now (``connectors.selectors.check_readings`` read by ``connectors.reading``), and the inventory.
The rule itself is ``frameworks.status``; this module only gathers plain data for it.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment
from assessments.selectors import definitions_by_version
from connectors import reading
from connectors.selectors import check_readings, question_evidence_from_readings
from questionnaires.visibility import visible_question_ids
from registry.choices import ComponentKind, derived_flags
from registry.models import Component, Project
from registry.selectors import project_classification

from . import catalog, status

KINDS = ("impact", "risk", "maturity")


@dataclass(frozen=True)
class ProjectFacts:
    """Everything the status rule reads for one project."""

    project_id: int
    answers: dict  # question id -> status.AnswerFact
    checks: dict  # check id -> status.CheckFact
    context: dict  # project.<attr> for applies_when
    assessments: dict  # kind -> {"id", "decided_at", "version"}


@dataclass(frozen=True)
class Row:
    """One control of one framework for one project, as every report reads it."""

    ref: str
    id: str
    title: str
    group: str
    role: str
    reasoning: str
    status: str
    label: str
    applicable: bool
    implementation: str
    why: str
    owner: str
    last_verified: datetime | None
    evidence: tuple  # ({"label", "url"}, ...)
    questions: tuple
    checks: tuple
    verified_count: int
    in_place_count: int
    inventory: tuple = ()
    items: tuple = ()  # ({"kind", "id", "outcome", "words"}, ...): what each mapped question and check says


@dataclass(frozen=True)
class FrameworkReport:
    framework: str
    key: str
    edition: str
    version: str
    title: str
    short_title: str
    kind: str
    source: str
    project: dict
    generated_at: datetime
    assessments: dict
    rows: tuple
    summary: dict = field(default_factory=dict)


def _record_links(item):
    out = []
    for e in item.get("evidence", []):
        if e.get("url"):
            out.append({"label": e.get("filename") or e["url"], "url": e["url"]})
        elif e.get("id"):
            url = reverse("assessments:evidence-download", args=[e["id"]])
            out.append({"label": e.get("filename") or "attached file", "url": url})
    return tuple(out)


def _contexts(project_rows, component_kinds):
    out = {}
    for p in project_rows:
        kinds = component_kinds.get(p.pk, set())
        out[p.pk] = {
            "slug": p.slug,
            **project_classification(p),
            **derived_flags(llm_usage=p.llm_usage, exposure=p.exposure),
            "has_component": {kind.value: kind.value in kinds for kind in ComponentKind},
        }
    return out


def project_facts(projects, *, now=None) -> dict[int, ProjectFacts]:
    """``{project_id: ProjectFacts}`` for ``projects`` (Project instances); four queries whatever their number,
    plus one for questionnaire versions this process has not read yet."""
    now = now or timezone.now()
    projects = list(projects)
    ids = [p.pk for p in projects]
    rows = list(
        Assessment.objects.filter(project_id__in=ids, state=Assessment.State.APPROVED, kind__in=KINDS)
        .order_by("project_id", "kind", "-decided_at", "-id")
        .values("id", "project_id", "kind", "questionnaire_id", "record", "decided_at")
    )
    newest = {}
    for r in rows:
        newest.setdefault((r["project_id"], r["kind"]), r)
    definitions = definitions_by_version({r["questionnaire_id"] for r in newest.values()})
    readings = check_readings(project_ids=ids, now=now)
    kinds = defaultdict(set)
    for project_id, kind in Component.objects.filter(project_id__in=ids).values_list("project_id", "kind"):
        kinds[project_id].add(kind)
    contexts = _contexts(projects, kinds)
    out = {}
    for pid in ids:
        by_check = readings.get(pid, {})
        answers, assessments = {}, {}
        for kind in KINDS:
            r = newest.get((pid, kind))
            definition = definitions.get(r["questionnaire_id"]) if r else None
            if not r or not r.get("record") or definition is None:
                continue
            record = r["record"]
            assessments[kind] = {
                "id": r["id"],
                "decided_at": r["decided_at"],
                "version": (record.get("questionnaire") or {}).get("version", ""),
            }
            evidence = question_evidence_from_readings(definition, by_check)
            recorded = record.get("answers") or {}
            values = {qid: item.get("value") for qid, item in recorded.items()}
            context = {"project": (record.get("project") or {}).get("context") or contexts[pid]}
            visible = visible_question_ids(definition, values, context)
            for section in definition["sections"]:
                for question in section["questions"]:
                    item = recorded.get(question["id"])
                    if item is None:
                        if question["id"] not in visible:  # hidden for this project: it does not apply
                            answers[question["id"]] = status.AnswerFact(
                                question=question, value=None, visible=False, assessment_id=r["id"]
                            )
                        continue
                    ev = evidence.get(question["id"]) or {}
                    answers[question["id"]] = status.AnswerFact(
                        question=question,
                        value=item.get("value"),
                        visible=item.get("visible", True),
                        evidence_state=ev.get("state"),
                        checked_at=ev.get("checked_at"),
                        links=_record_links(item),
                        assessment_id=r["id"],
                    )
        checks = {}
        for check_id, check_readings_ in by_check.items():
            chosen, why = reading.combine(check_readings_)
            checks[check_id] = status.CheckFact(state=chosen.state, reason=why, checked_at=chosen.checked_at)
        out[pid] = ProjectFacts(pid, answers, checks, contexts[pid], assessments)
    return out


def _person(user):
    return (user.get_full_name() or user.username) if user else ""


def _owner(project):
    return _person(project.technical_owner) or _person(project.business_owner) or project.team.name


def _evidence_links(project, control, result):
    links = list(result.links)
    if control.checks and any(i.kind == "check" and i.outcome != "none" for i in result.items):
        links.append({"label": "Check results", "url": reverse("registry:project-detail", args=[project.slug])})
    return tuple(links)


def framework_rows(framework, project, facts: ProjectFacts) -> tuple[Row, ...]:
    owner = _owner(project)
    rows = []
    for control in framework.controls:
        result = status.control_status(control, answers=facts.answers, checks=facts.checks, context=facts.context)
        rows.append(
            Row(
                ref=control.ref,
                id=control.id,
                title=control.title,
                group=control.group_title,
                role=control.role,
                reasoning=control.reasoning,
                status=result.status,
                label=result.label,
                applicable=result.applicable,
                implementation=result.implementation,
                why=result.why,
                owner=owner,
                last_verified=result.last_verified,
                evidence=_evidence_links(project, control, result),
                questions=control.questions,
                checks=control.checks,
                verified_count=result.verified_count,
                in_place_count=result.in_place_count,
                inventory=control.inventory,
                items=tuple({"kind": i.kind, "id": i.id, "outcome": i.outcome, "words": i.words} for i in result.items),
            )
        )
    return tuple(rows)


def _project_dict(project):
    components = [
        {"name": c.name, "kind": c.get_kind_display(), "version": str((c.attributes or {}).get("version") or "")}
        for c in project.components.order_by("kind", "name")
    ]
    return {
        "slug": project.slug,
        "name": project.name,
        "team": project.team.name,
        "owner": _owner(project),
        "business_owner": _person(project.business_owner),
        "technical_owner": _person(project.technical_owner),
        "stage": project.get_stage_display(),
        "description": project.description,
        "business_goal": project.business_goal,
        "kpis": project.kpis,
        "components": components,
    }


def project_framework(*, project, framework_key, now=None, facts=None) -> FrameworkReport | None:
    """One framework for one project (None for an unknown framework)."""
    framework = catalog.framework(framework_key)
    if framework is None:
        return None
    now = now or timezone.now()
    project = Project.objects.select_related("team", "business_owner", "technical_owner").get(pk=project.pk)
    facts = facts or project_facts([project], now=now)[project.pk]
    rows = framework_rows(framework, project, facts)
    return FrameworkReport(
        framework=framework.id,
        key=framework.key,
        edition=framework.edition,
        version=framework.version,
        title=framework.title,
        short_title=framework.short_title,
        kind=framework.kind,
        source=framework.source,
        project=_project_dict(project),
        generated_at=now,
        assessments=facts.assessments,
        rows=rows,
        summary={
            **status.summary([r.status for r in rows]),
            "with_verified_evidence": sum(1 for r in rows if r.applicable and r.verified_count),
        },
    )


def project_frameworks(*, project, now=None) -> list[FrameworkReport]:
    """Every shipped framework for one project, reading the project's facts once."""
    now = now or timezone.now()
    facts = project_facts([project], now=now)[project.pk]
    return [project_framework(project=project, framework_key=f.key, now=now, facts=facts) for f in catalog.frameworks()]


def portfolio_coverage(*, projects=None, now=None) -> dict:
    """Coverage per framework across projects (archived ones left out): each project's summary and the totals.

    ``{"generated_at", "projects": n, "frameworks": [{"key", "title", "totals": summary, "projects": [...]}]}``.
    """
    now = now or timezone.now()
    if projects is None:
        projects = Project.objects.filter(Q(archived_at__isnull=True))
    projects = list(projects.select_related("team", "business_owner", "technical_owner").order_by("name", "pk"))
    facts = project_facts(projects, now=now)
    out = []
    for framework in catalog.frameworks():
        per_project, all_statuses = [], []
        for project in projects:
            f = facts[project.pk]
            statuses = [
                status.control_status(c, answers=f.answers, checks=f.checks, context=f.context).status
                for c in framework.controls
            ]
            all_statuses.extend(statuses)
            per_project.append({"slug": project.slug, "name": project.name, **status.summary(statuses)})
        out.append(
            {
                "key": framework.key,
                "title": framework.title,
                "short_title": framework.short_title,
                "controls": len(framework.controls),
                "totals": status.summary(all_statuses),
                "projects": per_project,
            }
        )
    return {"generated_at": now, "projects": len(projects), "frameworks": out}


def _delta(now, before):
    if now is None or before is None:
        return None
    return round(now - before, 1)


def portfolio_coverage_with_change(*, projects=None, now=None) -> dict:
    """``portfolio_coverage`` with, per framework and per project, the change in verified and claimed coverage
    since the last issued report (``previous``: its date, None when there is none)."""
    from .models import CoverageSnapshot

    coverage = portfolio_coverage(projects=projects, now=now)
    previous = CoverageSnapshot.objects.first()
    before = (previous.data if previous else {}).get("frameworks", {})
    for f in coverage["frameworks"]:
        old = before.get(f["key"])
        f["change"] = {
            "verified_pct": _delta(f["totals"]["verified_pct"], old["totals"]["verified_pct"]) if old else None,
            "claimed_pct": _delta(f["totals"]["claimed_pct"], old["totals"]["claimed_pct"]) if old else None,
        }
        for p in f["projects"]:
            was = (old or {}).get("projects", {}).get(p["slug"])
            p["change"] = {
                "verified_pct": _delta(p["verified_pct"], was["verified_pct"]) if was else None,
                "new": was is None and old is not None,
            }
    coverage["previous"] = previous.created_at if previous else None
    return coverage
