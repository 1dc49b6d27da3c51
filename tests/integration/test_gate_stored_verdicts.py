"""Stored gate verdicts: recomputed the moment an input changes, with a history of what changed them, and
recomputed on read once an input has expired by itself (``valid_until``)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services import token_create
from connectors import services as connector_services
from connectors.base import CheckOutcome
from gates import services
from gates.models import StoredVerdict, VerdictChange
from registry import services as registry_services
from tests.factories import GATE_READY_CHECKS, make_approved_assessment, make_check_result, make_gate_ready

pytestmark = [pytest.mark.integration, pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]


CI_CHECK = "ci.eval_results_recent"


@pytest.fixture
def ci(project, member):
    _token, raw = token_create(user=member, name="CI", scope=ApiToken.Scope.CI, project=project)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def ready(project):
    """A RAG project the production gate allows: approved assessments, passing checks and a passing CI result."""
    make_gate_ready(
        project, checks=(*GATE_READY_CHECKS, "vectorstore.index_fresh", "vectorstore.chunk_source_metadata")
    )
    store_ci(project, "pass")
    return project


def store_ci(project, state, *, checked_at=None):
    return connector_services.project_result_store(
        project=project,
        outcome=CheckOutcome(CI_CHECK, state, f"evaluation {state}"),
        ttl=timedelta(days=7),
        checked_at=checked_at or timezone.now(),
    )


def gate(client, slug, stage="production"):
    return client.get(reverse("api-project-gate", args=[slug]) + f"?stage={stage}")


def history(client, slug, query=""):
    return client.get(reverse("api-project-gate-history", args=[slug]) + query)


def stored(project, stage="production"):
    return StoredVerdict.objects.get(project=project, stage=stage)


def test_the_gate_api_stores_the_verdict_it_answers_and_says_until_when_it_holds(ci, ready, settings):
    settings.PLUMBLINE_GATE_VERDICT_MAX_AGE = 30 * 24 * 3600
    services.verdicts_invalidate(project_id=ready.pk)
    data = gate(ci, ready.slug).json()

    row = stored(ready)
    assert data["allowed"] is True and row.allowed is True
    assert row.verdict["reasons"] == data["reasons"] and row.verdict["why"] == data["why"]
    # The earliest expiry among the inputs: the factory's check results live 24 hours, the CI result 7 days.
    earliest = min(ready.check_results.values_list("expires_at", flat=True))
    assert row.valid_until == earliest
    assert data["valid_until"] == earliest.isoformat().replace("+00:00", "Z")


def test_a_check_turning_fail_changes_the_stored_verdict_at_once_and_history_says_why(ci, ready):
    assert gate(ci, ready.slug).json()["allowed"] is True

    store_ci(ready, "fail")

    assert stored(ready).allowed is False  # no read needed: the write recomputed it
    change = VerdictChange.objects.filter(project=ready, stage="production").first()
    assert change.before["allowed"] is True and change.after["allowed"] is False
    assert change.cause == f"{CI_CHECK} stored: fail"
    assert gate(ci, ready.slug).json()["allowed"] is False


def test_a_waiver_and_its_revocation_are_in_the_history_of_the_api(ci, ready, reviewer):
    store_ci(ready, "fail")
    waiver = connector_services.waiver_create(
        project=ready,
        check_id=CI_CHECK,
        reason="Evaluation suite rewritten this sprint",
        expires_at=timezone.now() + timedelta(days=3),
        actor=reviewer,
    )
    assert stored(ready).allowed is True
    connector_services.waiver_revoke(waiver=waiver, actor=reviewer)
    assert stored(ready).allowed is False

    body = history(ci, ready.slug, "?stage=production").json()
    causes = [(r["cause"], r["before"] and r["before"]["allowed"], r["after"]["allowed"]) for r in body["results"]]
    assert causes[:3] == [
        (f"Waiver of {CI_CHECK} revoked", True, False),
        (f"Waiver of {CI_CHECK} approved", False, True),
        (f"{CI_CHECK} stored: fail", True, False),
    ]
    assert body["count"] == len(body["results"])


def test_a_project_change_recomputes_its_verdicts(ready, member):
    services.verdicts_refresh(project=ready, cause="test start")
    make_check_result(ready, "vectorstore.index_fresh", "fail")  # only counts while the project uses RAG
    services.verdicts_refresh(project=ready, cause="index went stale")
    assert stored(ready).allowed is False

    registry_services.project_update(actor=member, project=ready, uses_rag=False)

    assert stored(ready).allowed is True
    assert VerdictChange.objects.filter(project=ready).first().cause == "Project changed: uses_rag"


def test_a_new_policy_version_recomputes_every_project_on_commit(ready, admin_user, django_capture_on_commit_callbacks):
    services.verdicts_refresh(project=ready, cause="test start")
    rules = services.GatePolicy.objects.get(version=1).rules
    rules["stages"]["production"]["checks"].append({"id": "git.architecture_doc_present"})

    with django_capture_on_commit_callbacks(execute=True):
        services.policy_create(rules=rules, note="Architecture docs required", actor=admin_user)

    row = stored(ready)
    assert row.allowed is False and row.policy_version == 3
    assert VerdictChange.objects.filter(project=ready).first().cause == "Gate policy v3 saved"


def test_after_valid_until_passes_the_next_read_recomputes(ci, ready, settings):
    settings.PLUMBLINE_GATE_VERDICT_MAX_AGE = 30 * 24 * 3600
    services.verdicts_invalidate(project_id=ready.pk)
    gate(ci, ready.slug)
    first = stored(ready)

    later = first.valid_until + timedelta(seconds=1)
    verdict = services.verdict_current(project=ready, stage="production", now=later)

    assert verdict["allowed"] is False  # the factory's check results have gone stale by then
    row = stored(ready)
    assert row.computed_at == later and row.valid_until > later
    change = VerdictChange.objects.filter(project=ready).first()
    assert change.cause.startswith("An input expired (the verdict was valid until")


def test_a_read_before_valid_until_answers_the_stored_verdict_in_one_query(ready, django_assert_num_queries):
    services.verdicts_refresh(project=ready, cause="test start")
    with django_assert_num_queries(1):
        verdict = services.verdict_current(project=ready, stage="production")
    assert verdict["allowed"] is True


def test_a_write_that_bypasses_the_services_still_makes_the_next_read_recompute(ci, ready):
    assert gate(ci, ready.slug).json()["allowed"] is True

    make_check_result(ready, "git.tests_present", "fail")  # a direct write, as the admin site or a data fix does

    assert gate(ci, ready.slug).json()["allowed"] is False
    assert VerdictChange.objects.filter(project=ready).first().cause == (
        "An input was changed outside Plumbline's workflows (admin site or data fix)"
    )


def test_an_approved_assessment_expiring_sets_valid_until(ready):
    """Sooner than the cap of ``PLUMBLINE_GATE_VERDICT_MAX_AGE`` (an hour by default) and than every check."""
    soon = timezone.now() + timedelta(minutes=20)
    make_approved_assessment(ready, "impact", {"model": "impact", "recommendation": "proceed"}, expires_at=soon)
    services.verdicts_refresh(project=ready, cause="test")
    assert stored(ready).valid_until == soon


def test_the_history_api_rejects_an_unknown_stage(ci, ready):
    response = history(ci, ready.slug, "?stage=moon")
    assert response.status_code == 400
    assert response.json()["errors"]["stage"] == ["Use one of: poc, pilot, production."]


def test_the_gate_page_lists_the_verdict_history(client, ready, member):
    store_ci(ready, "fail")
    store_ci(ready, "pass")
    client.force_login(member)
    page = client.get(reverse("gates:project-gate", args=[ready.slug])).content.decode()
    assert "Verdict history" in page
    assert f"{CI_CHECK} stored: fail" in page and f"{CI_CHECK} stored: pass" in page


def test_a_gate_call_answering_a_stored_verdict_takes_three_queries(ci, ready):
    """Token, project, stored verdict: whatever the portfolio's size or the number of checks and assessments."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    gate(ci, ready.slug)
    with CaptureQueriesContext(connection) as queries:
        assert gate(ci, ready.slug).status_code == 200
    assert len(queries) <= 3, [q["sql"] for q in queries]


def test_the_command_fills_the_verdicts_of_existing_projects(ready):
    from django.core.management import call_command

    StoredVerdict.objects.all().delete()
    call_command("refresh_gate_verdicts")
    assert stored(ready).allowed is True
    assert StoredVerdict.objects.filter(project=ready).count() == 3
