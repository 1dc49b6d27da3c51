"""One verdict everywhere: every surface that shows a check, a verified level or a gate verdict agrees.

Hypothesis builds random portfolios (projects in every stage, check results in every state on one or two
components, expired and fresh results, waivers, CI pushes, approved assessments whose answers are re-scored
against today's evidence) and reads them back through the evidence panel, the gate API, the CLI's JSON, the
scorecard snapshot, the portfolio snapshot, its CSV export and the portfolio API.
"""

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from plumbline_cli.output import as_json
from rest_framework.test import APIClient

from assessments.models import Assessment
from assessments.scoring import score
from connectors import selectors as connector_selectors
from connectors.models import Waiver
from gates import services as gate_services
from reports.exports import portfolio_csv
from reports.selectors import portfolio_snapshot, scorecard_snapshot
from tests.factories import (
    ComponentFactory,
    ProjectFactory,
    make_approved_assessment,
    make_check_result,
    questionnaire_version_from_yaml,
)

pytestmark = [pytest.mark.django_db(transaction=False)]

MATURITY_YAML = Path(__file__).resolve().parents[1] / "data/questionnaires/maturity_small.yaml"
STATES = ["pass", "fail", "warn", "unknown", "error", "not_applicable"]
CHECKS = ["git.architecture_doc_present", "git.tests_present", "git.ci_runs_tests", "vectorstore.index_fresh"]
ANSWERS = {
    "mat.docs.goals": "yes",
    "mat.docs.release_notes": "yes",
    "mat.eval.frequency": "commit",
    "mat.eval.methods": ["judge", "expert"],
    "mat.eval.coverage": 4,
    "mat.rag.chunking": "yes",
    "mat.rag.freshness": "yes",
}

result_strategy = st.fixed_dictionaries(
    {
        "state": st.sampled_from(STATES),
        "age_hours": st.sampled_from([1, 30, 24 * 10]),
        "component": st.sampled_from(["a", "b"]),
    }
)
project_strategy = st.fixed_dictionaries(
    {
        "stage": st.sampled_from(["idea", "poc", "pilot", "production"]),
        "uses_rag": st.booleans(),
        "tier": st.sampled_from([None, "low", "medium", "high", "critical"]),
        "impact": st.booleans(),
        "architecture": st.sampled_from([None, "yes", "no"]),
        "results": st.dictionaries(st.sampled_from(CHECKS), st.lists(result_strategy, min_size=1, max_size=2)),
        "waived": st.lists(st.sampled_from([*CHECKS, "ci.eval_results_recent"]), max_size=2, unique=True),
        "push": st.sampled_from([None, "pass", "fail", "old"]),
    }
)


def _build(spec, number, admin, version):
    now = timezone.now()
    project = ProjectFactory(slug=f"p{number}", stage=spec["stage"], uses_rag=spec["uses_rag"])
    if spec["impact"]:
        make_approved_assessment(project, "impact", {"model": "impact", "recommendation": "proceed"})
    if spec["tier"]:
        make_approved_assessment(project, "risk", {"model": "risk", "tier": spec["tier"]})
    if spec["architecture"]:
        answers = {**ANSWERS, "mat.docs.architecture": spec["architecture"]}
        context = {"project": {"uses_rag": spec["uses_rag"]}}
        Assessment.objects.create(
            project=project,
            questionnaire=version,
            kind="maturity",
            state="approved",
            decided_at=now,
            expires_at=now + timedelta(days=90),
            result=score(version.definition, answers, context).to_dict(),
            record={
                "answers": {q: {"value": v} for q, v in answers.items()},
                "project": {"context": context["project"]},
            },
        )
    components = {}
    for check_id, results in spec["results"].items():
        for r in results:
            name = r["component"]
            if name not in components:
                components[name] = ComponentFactory(project=project, name=f"{name}-{number}")
            make_check_result(
                project,
                check_id,
                r["state"],
                component=components[name],
                checked_at=now - timedelta(hours=r["age_hours"]),
                ttl_hours=24,
            )
    for check_id in spec["waived"]:
        Waiver.objects.create(
            project=project,
            check_id=check_id,
            reason="Accepted.",
            approved_by=admin,
            expires_at=now + timedelta(days=3),
        )
    if spec["push"]:
        evaluated = now - timedelta(days=9 if spec["push"] == "old" else 0)
        value = 0.5 if spec["push"] == "fail" else 0.9
        gate_services.evidence_push(
            project=project,
            payload={
                "evaluated_at": evaluated.isoformat(),
                "metrics": [{"name": "faithfulness", "value": value, "threshold": 0.8}],
                "dataset": {"name": "golden", "version": "1"},
                "git_commit": "3f2c9a1d",
                "model_version": "gpt-4o-mini-2024-07-18",
            },
            user=admin,
        )
    return project


@settings(
    max_examples=12,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(portfolio=st.lists(project_strategy, min_size=1, max_size=3))
def test_every_surface_agrees_on_states_levels_and_verdicts(portfolio, admin_user):
    with transaction.atomic():
        version = questionnaire_version_from_yaml(MATURITY_YAML)
        projects = [_build(spec, n, admin_user, version) for n, spec in enumerate(portfolio)]
        client = APIClient()
        client.force_authenticate(admin_user)
        snapshot = portfolio_snapshot()
        listed = {p["slug"]: p for p in snapshot.projects}
        api = {p["slug"]: p for p in client.get("/api/v1/portfolio/").json()}
        rows = {r["slug"]: r for r in csv.DictReader(io.StringIO(portfolio_csv(snapshot, "projects")))}

        for project in projects:
            panel = {(e.result.check_id, e.source): e.state for e in connector_selectors.project_checks(project)}
            card = scorecard_snapshot(project)
            assert {(e["check_id"], e["component"]): e["state"] for e in card.evidence} == panel

            entry = listed[project.slug]
            verified = card.maturity["verified_level"] if card.maturity else None
            assert entry["verified_level"] == verified == api[project.slug]["verified_level"]
            assert rows[project.slug]["verified_level"] == ("" if verified is None else str(verified))

            stage = entry["next_gate_stage"]
            if stage is None:
                continue
            response = client.get(f"/api/v1/projects/{project.slug}/gate/?stage={stage}")
            assert response.status_code == 200, response.content
            gate = json.loads(as_json(response.json()))
            assert gate["verified_level"] == verified
            assert gate["allowed"] == entry["gate_allowed"] == card.gates[0]["allowed"]
            assert gate["allowed"] == api[project.slug]["next_gate_allowed"]
            assert rows[project.slug]["next_gate_open"] == str(gate["allowed"])
            assert bool(gate["why"]) == (not gate["allowed"])
            _assert_gate_reads_checks_as_the_panel(gate, panel)
        transaction.set_rollback(True)


READ_AS = (
    ("fails", "fail"),
    ("warns", "warn"),
    ("is stale", "stale"),
    ("is unknown", "unknown"),
    ("is error", "error"),
)


def _assert_gate_reads_checks_as_the_panel(gate, panel):
    """Every check state a gate requirement names is the state the evidence panel shows for that check."""
    shown = {}
    for (check_id, _source), state in panel.items():
        shown.setdefault(check_id, set()).add(state)
    for requirement in gate["requirements"]:
        if requirement["kind"] != "check":
            continue
        check_id = requirement["id"].split(".", 1)[1]
        if requirement["status"] == "met":
            assert shown.get(check_id, {"waived"}) <= {"pass", "not_applicable", "waived"}, requirement
        for words, state in READ_AS:
            if f"{check_id} {words}" in requirement["message"]:
                assert state in shown.get(check_id, set()), (requirement, shown.get(check_id))
