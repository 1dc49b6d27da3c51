"""The framework around back-ends: loading, running, storing, retries, limits, waivers, effective states.

Back-ends here are small stand-ins (allowed for testing the framework, never for a connector itself).
"""

import time
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.utils import timezone

from connectors import loading, selectors, services, throttle
from connectors.base import CheckOutcome, CheckSpec, Connector, ConnectorError, Parameter
from connectors.models import CheckResult, CheckResultHistory, RefreshRun
from connectors.secrets import encrypt_secrets
from connectors.urls_policy import UrlNotAllowed, validate_url
from tests.factories import ComponentFactory

# Tasks run in-process even when CELERY_BROKER_URL is set (make test-integration): these test the services.
pytestmark = pytest.mark.usefixtures("eager_celery")

SPEC_A = CheckSpec("fake.alpha", "Alpha holds", "Make alpha hold.", ttl=timedelta(hours=2))
SPEC_B = CheckSpec("fake.beta", "Beta holds", "Make beta hold.")
BEHAVIOUR = {}


class FakeConnector(Connector):
    """Does what ``BEHAVIOUR[component name]`` says: return outcomes, raise, or sleep."""

    name = "fake"
    version = "7"
    checks = (SPEC_A, SPEC_B)
    parameters = (Parameter("token", "Token", secret=True),)
    max_concurrency = 1

    def target(self):
        return "fake-host"

    def run(self):
        action = BEHAVIOUR.get(self.component.name, "pass")
        if action == "pass":
            return [CheckOutcome("fake.alpha", "pass", "Alpha seen."), CheckOutcome("fake.beta", "fail", "No beta.")]
        if action == "transient":
            raise ConnectorError("Cannot connect to fake-host (connection refused).", transient=True)
        if action == "permanent":
            raise ConnectorError("fake-host refused the credentials (HTTP 401).", transient=False)
        if action == "bug":
            raise KeyError("boom")
        if action == "slow":
            time.sleep(5)
        if action == "partial":
            return [CheckOutcome("fake.alpha", "pass", "Alpha seen.")]
        if action == "echo-secret":
            raise ConnectorError(f"The server said: token {self.secrets['token']} is wrong", transient=False)
        raise AssertionError(action)


class LocalConnector(Connector):
    """Reads only Plumbline's database, like the CI-push back-end."""

    name = "local"
    checks = (CheckSpec("local.project_seen", "The project row is readable", "Nothing to fix."),)
    local_only = True

    def run(self):
        from registry.models import Project

        seen = Project.objects.filter(pk=self.component.project_id).exists()
        return [CheckOutcome("local.project_seen", "pass" if seen else "fail", f"Seen: {seen}.")]


FAKE = {
    # A wall limit well above what a passing run needs on a loaded CI machine, well below the "slow" sleep (5 s).
    "fake": {
        "BACKEND": "tests.unit.test_connector_framework.FakeConnector",
        "OPTIONS": {},
        "TIMEOUT": 0.5,
        "WALL_LIMIT": 2.5,
    },
    "local": {"BACKEND": "tests.unit.test_connector_framework.LocalConnector"},
}


@pytest.fixture(autouse=True)
def fake_connector(settings):
    settings.PLUMBLINE_CONNECTORS = {**settings.PLUMBLINE_CONNECTORS, **FAKE}
    BEHAVIOUR.clear()


def component(project, name="fake-1", **kwargs):
    return ComponentFactory(project=project, name=name, connector="fake", **kwargs)


def states(comp):
    return dict(CheckResult.objects.filter(component=comp).values_list("check_id", "state"))


def reasons(comp):
    return list(CheckResult.objects.filter(component=comp).values_list("reason", flat=True))


# --- loading --------------------------------------------------------------------------------------------


def test_it_loads_a_backend_by_alias():
    assert loading.get_connector_class("fake") is FakeConnector


def test_it_names_the_alias_and_path_of_a_bad_backend(settings):
    settings.PLUMBLINE_CONNECTORS = {"broken": {"BACKEND": "connectors.backends.nope.NopeConnector"}}
    with pytest.raises(ImproperlyConfigured, match=r"'broken'.*connectors\.backends\.nope\.NopeConnector"):
        loading.get_connector_class("broken")


def test_it_refuses_an_unknown_alias():
    with pytest.raises(ImproperlyConfigured, match="No connector is registered as 'nope'"):
        loading.get_connector_class("nope")


def test_it_lists_every_check_of_every_backend():
    specs = loading.all_check_specs()
    assert specs["fake.alpha"][1] == ["fake"]
    assert "mlflow.run_has_git_commit" in specs


# --- URL policy -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/", "gopher://x"])
def test_it_refuses_non_http_urls(url):
    with pytest.raises(UrlNotAllowed, match="Only http"):
        validate_url(url)


@pytest.mark.parametrize(
    "url", ["http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:5000", "http://10.1.2.3"]
)
def test_it_refuses_internal_addresses(settings, url):
    settings.PLUMBLINE_CONNECTOR_ALLOWED_HOSTS = []
    with pytest.raises(UrlNotAllowed, match="internal address"):
        validate_url(url)


def test_it_allows_a_listed_internal_host(settings):
    settings.PLUMBLINE_CONNECTOR_ALLOWED_HOSTS = ["127.0.0.1"]
    assert validate_url("http://127.0.0.1:5000") == "http://127.0.0.1:5000"


def test_it_refuses_credentials_in_the_url(settings):
    settings.PLUMBLINE_CONNECTOR_ALLOWED_HOSTS = ["127.0.0.1"]
    with pytest.raises(UrlNotAllowed, match="credentials"):
        validate_url("http://user:pw@127.0.0.1:5000")


def test_a_component_pointed_at_the_metadata_service_reads_error(project, settings):
    settings.PLUMBLINE_CONNECTOR_ALLOWED_HOSTS = []
    comp = component(project, connector_settings={"tracking_uri": "http://169.254.169.254/"})
    services.component_check(component=comp)
    assert set(states(comp).values()) == {"error"}
    assert "internal address" in reasons(comp)[0]


# --- running and storing --------------------------------------------------------------------------------


def test_it_stores_each_outcome_with_ttl_duration_and_version(project):
    comp = component(project)
    before = timezone.now()
    services.component_check(component=comp)
    alpha = CheckResult.objects.get(component=comp, check_id="fake.alpha")
    assert (alpha.state, alpha.reason, alpha.connector_version) == ("pass", "Alpha seen.", "7")
    assert before + timedelta(hours=2) <= alpha.expires_at <= timezone.now() + timedelta(hours=2)
    assert CheckResult.objects.get(component=comp, check_id="fake.beta").state == "fail"
    assert CheckResultHistory.objects.filter(component=comp).count() == 2


def test_it_keeps_one_current_result_and_appends_history(project):
    comp = component(project)
    services.component_check(component=comp)
    services.component_check(component=comp)
    assert CheckResult.objects.filter(component=comp).count() == 2
    assert CheckResultHistory.objects.filter(component=comp).count() == 4


def test_a_transient_error_asks_for_a_retry_before_the_last_attempt(project):
    comp = component(project)
    BEHAVIOUR[comp.name] = "transient"
    with pytest.raises(services.CheckRetry):
        services.component_check(component=comp, final_attempt=False)
    assert states(comp) == {}


def test_a_transient_error_reads_unknown_on_the_last_attempt(project):
    comp = component(project)
    BEHAVIOUR[comp.name] = "transient"
    services.component_check(component=comp, final_attempt=True)
    assert states(comp) == {"fake.alpha": "unknown", "fake.beta": "unknown"}
    assert "connection refused" in reasons(comp)[0]


def test_a_permanent_error_reads_error_at_once(project):
    comp = component(project)
    BEHAVIOUR[comp.name] = "permanent"
    services.component_check(component=comp, final_attempt=False)
    assert states(comp) == {"fake.alpha": "error", "fake.beta": "error"}
    assert "HTTP 401" in reasons(comp)[0]


def test_a_bug_in_a_backend_reads_error_never_pass_or_fail(project):
    comp = component(project)
    BEHAVIOUR[comp.name] = "bug"
    services.component_check(component=comp)
    assert set(states(comp).values()) == {"error"}
    assert "failed unexpectedly (KeyError)" in reasons(comp)[0]


def test_a_slow_backend_is_abandoned_at_the_wall_limit(project):
    comp = component(project)
    BEHAVIOUR[comp.name] = "slow"
    started = time.monotonic()
    services.component_check(component=comp)
    assert time.monotonic() - started < 4.5  # abandoned at the wall limit, not after the backend's 5 s
    assert set(states(comp).values()) == {"unknown"}
    assert "did not finish within 2.5 s" in reasons(comp)[0]


def test_a_local_only_backend_sees_the_callers_uncommitted_rows(project):
    comp = ComponentFactory(project=project, name="local", connector="local")
    services.component_check(component=comp)
    assert states(comp) == {"local.project_seen": "pass"}


def test_a_check_the_backend_forgot_reads_error(project):
    comp = component(project)
    BEHAVIOUR[comp.name] = "partial"
    services.component_check(component=comp)
    assert states(comp) == {"fake.alpha": "pass", "fake.beta": "error"}


def test_a_secret_echoed_in_an_error_is_redacted(project):
    comp = component(project, encrypted_secrets=encrypt_secrets({"token": "planted-secret-4711"}))
    BEHAVIOUR[comp.name] = "echo-secret"
    services.component_check(component=comp)
    assert reasons(comp) and all("planted-secret-4711" not in r and "[redacted]" in r for r in reasons(comp))


def test_a_busy_target_makes_the_check_wait_then_retry(project, monkeypatch):
    monkeypatch.setattr(services, "SLOT_WAIT_SECONDS", 0.2)
    held = throttle.try_acquire("fake-host", 1, lease=30)
    try:
        comp = component(project)
        with pytest.raises(services.CheckRetry, match="already talking to fake-host"):
            services.component_check(component=comp, final_attempt=False)
    finally:
        throttle.cache.delete(held)


def test_the_slot_is_free_again_after_a_check(project):
    services.component_check(component=component(project))
    assert throttle.busy_slots("fake-host", 1) == 0


# --- refresh runs ---------------------------------------------------------------------------------------


def test_a_refresh_checks_every_connected_component_and_finishes(project, member, django_capture_on_commit_callbacks):
    first, second = component(project, "a"), component(project, "b")
    ComponentFactory(project=project, name="no-connector")
    with django_capture_on_commit_callbacks(execute=True):
        run = services.evidence_refresh(project=project, actor=member)
    run.refresh_from_db()
    assert (run.status, run.components_done, run.components_total) == ("done", 2, 2)
    assert states(first) and states(second)


def test_an_eager_refresh_reads_a_transient_failure_as_unknown(project, member, django_capture_on_commit_callbacks):
    comp = component(project)
    BEHAVIOUR[comp.name] = "transient"
    with django_capture_on_commit_callbacks(execute=True):
        run = services.evidence_refresh(project=project, actor=member)
    run.refresh_from_db()
    assert run.status == "done"
    assert set(states(comp).values()) == {"unknown"}


def test_a_second_refresh_joins_the_running_one(project, member):
    component(project)
    first = services.evidence_refresh(project=project, actor=member)
    assert services.evidence_refresh(project=project, actor=member).pk == first.pk


def test_a_refresh_without_connected_components_is_done_at_once(project, member):
    run = services.evidence_refresh(project=project, actor=member)
    assert run.status == RefreshRun.Status.DONE


def test_the_beat_task_refreshes_only_expiring_or_missing_evidence(project, django_capture_on_commit_callbacks):
    fresh, expiring, never = component(project, "fresh"), component(project, "expiring"), component(project, "never")
    services.component_check(component=fresh)
    services.component_check(component=expiring)
    CheckResult.objects.filter(component=expiring).update(expires_at=timezone.now() + timedelta(minutes=5))
    assert services.refresh_expiring(within=timedelta(hours=1)) == 2
    assert states(never)


# --- effective states and selectors ---------------------------------------------------------------------


def test_expired_evidence_reads_stale(project):
    comp = component(project)
    services.component_check(component=comp)
    CheckResult.objects.filter(component=comp).update(expires_at=timezone.now() - timedelta(seconds=1))
    items = {e.result.check_id: e for e in selectors.project_checks(project)}
    assert (items["fake.alpha"].state, items["fake.alpha"].stale) == ("stale", True)


def test_an_active_waiver_turns_a_failure_into_waived(project, reviewer):
    comp = component(project)
    services.component_check(component=comp)
    services.waiver_create(
        project=project,
        check_id="fake.beta",
        reason="Accepted for the pilot.",
        actor=reviewer,
        expires_at=timezone.now() + timedelta(days=30),
    )
    items = {e.result.check_id: e for e in selectors.project_checks(project)}
    assert items["fake.beta"].state == "waived"
    assert items["fake.alpha"].state == "pass"


def test_a_revoked_waiver_no_longer_applies(project, reviewer):
    services.component_check(component=component(project))
    waiver = services.waiver_create(
        project=project,
        check_id="fake.beta",
        reason="Accepted.",
        actor=reviewer,
        expires_at=timezone.now() + timedelta(days=30),
    )
    services.waiver_revoke(waiver=waiver, actor=reviewer)
    assert {e.result.check_id: e.state for e in selectors.project_checks(project)}["fake.beta"] == "fail"


def test_a_member_cannot_approve_a_waiver(project, member):
    with pytest.raises(PermissionDenied):
        services.waiver_create(
            project=project,
            check_id="fake.beta",
            reason="Because.",
            actor=member,
            expires_at=timezone.now() + timedelta(days=1),
        )


def test_a_waiver_needs_a_reason_and_a_future_expiry(project, reviewer):
    with pytest.raises(ValidationError) as caught:
        services.waiver_create(
            project=project, check_id="fake.beta", reason=" ", actor=reviewer, expires_at=timezone.now()
        )
    assert set(caught.value.message_dict) == {"reason", "expires_at"}


DEFINITION = {
    "sections": [
        {
            "id": "s",
            "questions": [
                {"id": "s.alpha", "type": "yes_no", "evidence": {"check": "fake.alpha"}},
                {"id": "s.beta", "type": "yes_no", "evidence": {"check": "fake.beta"}},
                {"id": "s.unbound", "type": "yes_no"},
                {"id": "s.nothing_yet", "type": "yes_no", "evidence": {"check": "git.readme_present"}},
            ],
        }
    ]
}


def test_evidence_by_question_maps_bound_questions_to_states(project):
    services.component_check(component=component(project))
    evidence = selectors.evidence_by_question(project, DEFINITION)
    assert set(evidence) == {"s.alpha", "s.beta"}
    assert evidence["s.beta"]["state"] == "fail"
    assert evidence["s.beta"]["check_id"] == "fake.beta"
    assert evidence["s.alpha"]["component"] == "fake-1"


def test_the_worst_conclusive_state_of_several_components_wins_and_says_so(project):
    services.component_check(component=component(project, "a"))
    other = component(project, "b")
    services.component_check(component=other)
    CheckResult.objects.filter(component=other, check_id="fake.alpha").update(state="fail", reason="Alpha missing.")
    evidence = selectors.evidence_by_question(project, DEFINITION)["s.alpha"]
    assert evidence["state"] == "fail"
    assert evidence["component"] == "b"
    assert evidence["reason"].startswith("1 of 2 components do not pass this check")


ANY_OF = {
    "sections": [
        {
            "id": "s",
            "questions": [
                {"id": "s.either", "type": "yes_no", "evidence": {"any_of": ["fake.beta", "fake.alpha"]}},
            ],
        }
    ]
}


def test_an_any_of_binding_is_verified_by_any_passing_check_and_names_it(project):
    services.component_check(component=component(project))  # fake.alpha passes, fake.beta fails

    evidence = selectors.evidence_by_question(project, ANY_OF)["s.either"]

    assert (evidence["state"], evidence["check_id"]) == ("pass", "fake.alpha")
    assert evidence["reason"].startswith("fake.alpha (any of fake.beta, fake.alpha): ")


def test_an_any_of_binding_fails_only_when_no_bound_check_could_still_pass(project):
    comp = component(project)
    services.component_check(component=comp)
    CheckResult.objects.filter(component=comp, check_id="fake.alpha").update(state="unknown", reason="Unreachable.")

    assert selectors.evidence_by_question(project, ANY_OF)["s.either"]["state"] == "unknown"

    CheckResult.objects.filter(component=comp, check_id="fake.alpha").update(state="fail", reason="Missing.")

    assert selectors.evidence_by_question(project, ANY_OF)["s.either"]["state"] == "fail"


def test_scoring_states_read_expired_evidence_as_stale(project):
    comp = component(project)
    services.component_check(component=comp)
    CheckResult.objects.filter(component=comp, check_id="fake.beta").update(expires_at=timezone.now())
    assert selectors.evidence_states_for_scoring(project, DEFINITION) == {"s.alpha": "pass", "s.beta": "stale"}


def test_project_checks_uses_a_constant_number_of_queries(project, reviewer, django_assert_num_queries):
    for name in ("a", "b", "c"):
        services.component_check(component=component(project, name))
    services.waiver_create(
        project=project,
        check_id="fake.beta",
        reason="Accepted.",
        actor=reviewer,
        expires_at=timezone.now() + timedelta(days=3),
    )
    with django_assert_num_queries(2):
        assert len(selectors.project_checks(project)) == 6
    with django_assert_num_queries(2):
        selectors.evidence_by_question(project, DEFINITION)


def test_the_catalogue_lists_the_questions_a_check_can_verify():
    entry = next(e for e in selectors.check_catalogue() if e.spec.id == "mlflow.run_has_git_commit")
    assert entry.questions and all(q.startswith("maturity.") for q in entry.questions)
    assert entry.connectors == ["mlflow"]
