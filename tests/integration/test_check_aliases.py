"""Old check ids keep answering after the trace/evaluation/prompt checks became capabilities
(``mlflow.traces_present`` -> ``traces.present``): stored rows are renamed, and every input naming an old id
(API filter, waiver, questionnaire binding, gate policy) means the check it became."""

import importlib
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.utils import timezone

from connectors import selectors, services
from connectors.models import CheckResult, CheckResultHistory, Waiver
from questionnaires.validation import validate_text
from tests.factories import make_check_result

pytestmark = [pytest.mark.integration, pytest.mark.django_db]
MIGRATION = importlib.import_module("connectors.migrations.0004_capability_check_ids")


def test_the_migration_renames_results_history_and_waivers_so_an_old_waiver_still_waives(project, reviewer):
    result = make_check_result(project, "mlflow.traces_present", "fail")
    CheckResultHistory.objects.create(
        project=project, component=result.component, check_id="mlflow.traces_present", state="fail", reason="x",
        checked_at=timezone.now(),
    )  # fmt: skip
    Waiver.objects.create(
        project=project, check_id="mlflow.traces_present", reason="Tracing lands next sprint.",
        approved_by=reviewer, expires_at=timezone.now() + timedelta(days=10),
    )  # fmt: skip

    MIGRATION.forwards(apps, None)

    assert set(CheckResult.objects.values_list("check_id", flat=True)) == {"traces.present"}
    assert set(CheckResultHistory.objects.values_list("check_id", flat=True)) == {"traces.present"}
    [item] = selectors.project_checks(project)
    assert (item.result.check_id, item.state, item.old_ids) == ("traces.present", "waived", ["mlflow.traces_present"])


def test_a_waiver_asked_for_under_an_old_id_waives_the_check_it_became(project, reviewer):
    make_check_result(project, "evaluations.recent", "fail")
    waiver = services.waiver_create(
        project=project,
        check_id="mlflow.eval_runs_recent",
        reason="Evaluation moves to CI next week.",
        expires_at=timezone.now() + timedelta(days=7),
        actor=reviewer,
    )
    assert waiver.check_id == "evaluations.recent"
    assert [i.state for i in selectors.project_checks(project)] == ["waived"]


def test_the_api_answers_an_old_id_with_the_check_it_became(project, member, client):
    make_check_result(project, "traces.present", "pass")
    make_check_result(project, "git.tests_present", "pass")
    client.force_login(member)
    body = client.get(f"/api/v1/projects/{project.slug}/checks?check=mlflow.traces_present").json()
    assert [(row["id"], row["old_ids"]) for row in body] == [("traces.present", ["mlflow.traces_present"])]


def test_the_api_refuses_an_unknown_check_naming_the_field(project, member, client):
    client.force_login(member)
    response = client.get(f"/api/v1/projects/{project.slug}/checks?check=mlflow.nothing")
    assert response.status_code == 400
    assert "mlflow.nothing" in response.json()["errors"]["check"][0]


def _definition(check_id):
    return {
        "sections": [{"id": "s", "questions": [{"id": "s.traces", "type": "yes_no", "evidence": {"check": check_id}}]}]
    }


def test_a_questionnaire_version_binding_an_old_id_still_reads_the_evidence(project):
    make_check_result(project, "traces.present", "fail")
    evidence = selectors.evidence_by_question(project, _definition("mlflow.traces_present"))
    assert evidence["s.traces"]["state"] == "fail"
    assert evidence["s.traces"]["check_id"] == "traces.present"


SMALL = Path(__file__).resolve().parents[1] / "data" / "questionnaires" / "maturity_small.yaml"


def _binding(check_id):
    """The small maturity questionnaire with its architecture question bound to ``check_id``."""
    return SMALL.read_text().replace(
        "evidence: {check: git.architecture_doc_present}", f"evidence: {{check: {check_id}}}"
    )


def test_the_validator_refuses_a_binding_to_a_check_no_connector_provides():
    report = validate_text(_binding("traces.presnt"))
    assert not report.ok
    assert any("traces.presnt" in p.message and "no connector provides" in p.message for p in report.problems)


@pytest.mark.parametrize("check_id", ["traces.present", "mlflow.traces_present"])
def test_the_validator_accepts_new_and_old_ids(check_id):
    report = validate_text(_binding(check_id))
    assert report.ok, [p.message for p in report.problems]


def test_a_gate_policy_naming_an_old_id_is_met_by_the_check_it_became():
    import copy
    from datetime import UTC, datetime

    from connectors.reading import effective_state
    from gates.policy import DEFAULT_RULES, AssessmentFact, CheckFact, GateFacts, evaluate

    now = datetime(2026, 12, 4, 12, tzinfo=UTC)
    rules = copy.deepcopy(DEFAULT_RULES)
    rules["stages"]["production"]["checks"] = [{"id": "mlflow.traces_present"}]
    fact = CheckFact(
        "traces.present",
        effective_state(state="fail", expires_at=now + timedelta(hours=1), now=now, waived_until=None),
        "No production traces.",
        now,
        now + timedelta(hours=1),
        "tracking",
        None,
        stored_state="fail",
    )
    assessments = {
        kind: AssessmentFact(id=i, decided_at=now, expires_at=now + timedelta(days=60), result=result)
        for i, (kind, result) in enumerate(
            {
                "impact": {"recommendation": "proceed"},
                "risk": {"tier": "medium"},
                "maturity": {"verified_level": 2, "claimed_level": 2, "blocking": []},
            }.items()
        )
    }
    facts = GateFacts("docs-qa", "pilot", {}, assessments, {"traces.present": (fact,)}, now, "/reports/x.pdf")
    verdict = evaluate(rules, facts, stage="production", policy_version=1)
    assert verdict.reasons == ("Check traces.present fails on tracking: No production traces.",)
