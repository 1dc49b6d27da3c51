"""The Prometheus back-end against a real Prometheus (basic auth) scraping real prometheus_client exporters."""

import time

import pytest

from connectors.backends.prometheus import PrometheusConnector
from connectors.base import ERROR, FAIL, PASS, UNKNOWN, WARN, ConnectorError
from connectors.models import CheckResult
from connectors.secrets import encrypt_secrets
from connectors.services import component_check
from registry.choices import ComponentKind
from tests.factories import ComponentFactory
from tests.integration.servers import PROMETHEUS_PASSWORD, PROMETHEUS_USER

pytest_plugins = ["tests.integration.servers"]
pytestmark = [
    pytest.mark.integration,
    pytest.mark.needs_server,
    pytest.mark.xdist_group("prometheus"),
    pytest.mark.usefixtures("loopback_allowed"),
]


def connector(url, service, *, password=PROMETHEUS_PASSWORD, timeout=5.0, **settings):
    component = ComponentFactory.build(
        kind=ComponentKind.MONITORING_SOURCE, attributes={"system": "prometheus", "url": url, "service": service}
    )
    return PrometheusConnector(
        component=component,
        settings={"username": PROMETHEUS_USER, **settings},
        secrets={"password": password},
        timeout=timeout,
    )


def outcomes(prometheus, service, **settings):
    return {o.check_id: o for o in connector(prometheus.url, service, **settings).run()}


@pytest.fixture(scope="module")
def rag_bot(prometheus, loopback_allowed):
    return outcomes(prometheus, "rag-bot")


def test_it_passes_alert_rules_covering_latency_errors_and_cost(rag_bot):
    result = rag_bot["prometheus.alert_rules_defined"]
    assert result.state == PASS
    assert result.facts["covered"] == ["latency", "errors", "cost"]
    assert {r["name"] for r in result.facts["rules"]} == {"RagBotHighLatency", "RagBotErrors", "RagBotSpend"}


def test_it_passes_healthy_rules(rag_bot):
    result = rag_bot["prometheus.alert_rules_healthy"]
    assert result.state == PASS
    assert result.facts["broken"] == []


def test_it_finds_otel_genai_token_latency_and_error_metrics(rag_bot):
    result = rag_bot["prometheus.llm_metrics_present"]
    assert result.state == PASS
    assert "gen_ai_client_token_usage_sum" in result.facts["metrics"]["tokens"]
    assert "gen_ai_client_operation_duration_seconds_bucket" in result.facts["metrics"]["latency"]
    assert result.facts["metrics"]["errors"] == ["llm_errors_total"]


def test_it_warns_when_rules_miss_errors_and_cost(prometheus):
    result = outcomes(prometheus, "summariser")["prometheus.alert_rules_defined"]
    assert result.state == WARN
    assert result.facts["covered"] == ["latency"]
    assert result.facts["missing"] == ["errors", "cost"]
    assert "missing errors, cost" in result.reason


def test_it_warns_when_only_token_metrics_are_collected(prometheus):
    result = outcomes(prometheus, "summariser")["prometheus.llm_metrics_present"]
    assert result.state == WARN
    assert result.facts["present"] == ["tokens"]
    assert result.facts["metrics"]["tokens"] == ["llm_tokens_total"]


def test_it_fails_a_rule_that_errors_at_evaluation_with_its_error(prometheus):
    result = outcomes(prometheus, "broken-bot")["prometheus.alert_rules_healthy"]
    assert result.state == FAIL
    assert result.facts["broken"][0]["name"] == "BrokenBotErrors"
    assert "many-to-many" in result.facts["broken"][0]["last_error"]
    assert "BrokenBotErrors" in result.reason


def test_it_fails_a_service_without_alert_rules_or_metrics(prometheus):
    results = outcomes(prometheus, "quiet-bot")
    assert results["prometheus.alert_rules_defined"].state == FAIL
    assert results["prometheus.alert_rules_healthy"].state == UNKNOWN
    assert results["prometheus.llm_metrics_present"].state == FAIL


def test_it_reads_custom_metric_names(prometheus):
    result = outcomes(prometheus, "summariser", error_metrics="llm_tokens")["prometheus.llm_metrics_present"]
    assert result.facts["present"] == ["tokens", "errors"]


def test_it_discovers_a_latency_histogram_a_status_labelled_request_counter_tokens_and_cost(prometheus):
    result = outcomes(prometheus, "chat-api")["prometheus.llm_metrics_present"]
    assert result.state == PASS, result.reason
    assert result.facts["families"]["latency"] == ["chat_completion_latency_seconds"]
    assert "chat_completion_latency_seconds_bucket" in result.facts["metrics"]["latency"]
    assert result.facts["metrics"]["errors"] == ["chat_requests_total"]
    assert result.facts["error_labels"] == {"chat_requests_total": "status"}
    assert result.facts["metrics"]["tokens"] == ["chat_tokens_used_total"]
    assert result.facts["metrics"]["cost"] == ["chat_cost_usd_total"]
    assert result.facts["metadata_types"]["chat_completion_latency_seconds"] == "histogram"
    for part in (
        "tokens: chat_tokens_used_total",
        "latency: chat_completion_latency_seconds",
        "errors: chat_requests_total (status label)",
        "cost: chat_cost_usd_total",
    ):
        assert part in result.reason


def test_it_reads_a_summary_family_and_an_outcome_label_and_names_what_is_missing(prometheus):
    result = outcomes(prometheus, "answer-svc")["prometheus.llm_metrics_present"]
    assert result.state == WARN
    assert result.facts["present"] == ["latency", "errors"]
    assert result.facts["missing"] == ["tokens"]
    assert result.facts["families"]["latency"] == ["answer_duration_seconds"]
    assert result.facts["families"]["errors"] == ["answer_duration_seconds"]
    assert result.facts["error_labels"] == {"answer_duration_seconds": "outcome"}
    assert "worker_cpu_seconds_total" not in str(result.facts["metrics"])
    assert "http_requests_total" not in str(result.facts["metrics"])
    assert "tokens: none" in result.reason


def test_without_a_service_it_discovers_the_metrics_of_every_job(prometheus):
    result = outcomes(prometheus, "")["prometheus.llm_metrics_present"]
    assert result.state == PASS
    assert result.facts["scope"] == "any service (no service label set)"
    assert {"chat_requests_total", "answer_duration_seconds"} <= set(result.facts["families"]["errors"])


def test_configured_metric_names_still_override_discovery(prometheus):
    result = outcomes(prometheus, "chat-api", latency_metrics="no_such_latency")["prometheus.llm_metrics_present"]
    assert result.state == WARN
    assert result.facts["missing"] == ["latency"]


@pytest.mark.timeout(60)  # a hang guard: a backtracking engine needs hours on this input
def test_a_catastrophic_user_pattern_runs_in_the_safe_engine(prometheus):
    result = outcomes(prometheus, "redos-bot", latency_pattern="^(a+)+$")["prometheus.alert_rules_defined"]
    assert result.state == WARN
    assert result.facts["rules"][0]["name"] == "a" * 30
    assert result.facts["covered"] == []


@pytest.mark.timeout(60)  # a hang guard, as above: the regex comes from the monitored server's rule
def test_a_catastrophic_matcher_in_a_served_rule_runs_in_the_safe_engine(prometheus):
    result = outcomes(prometheus, "a" * 30)["prometheus.alert_rules_defined"]
    assert result.state == FAIL
    assert result.facts["rules"] == []


def test_a_pattern_the_safe_engine_cannot_run_is_a_clear_error(prometheus):
    with pytest.raises(ConnectorError) as caught:
        connector(prometheus.url, "rag-bot", errors_pattern=r"(error)\1").run()
    assert not caught.value.transient
    assert "errors_pattern" in str(caught.value)


def test_it_rejects_bad_credentials_permanently_without_echoing_them(prometheus):
    with pytest.raises(ConnectorError) as caught:
        connector(prometheus.url, "rag-bot", password="wrong-password-123").run()
    assert not caught.value.transient
    assert "credentials" in str(caught.value)
    assert "wrong-password-123" not in str(caught.value)
    assert PROMETHEUS_PASSWORD not in str(caught.value)


def test_it_reports_nothing_listening_as_transient(nothing_listening):
    with pytest.raises(ConnectorError) as caught:
        connector(nothing_listening, "rag-bot").run()
    assert caught.value.transient


def test_it_gives_up_on_a_silent_server_after_the_timeout(silent_server):
    started = time.monotonic()
    with pytest.raises(ConnectorError) as caught:
        connector(silent_server, "rag-bot", timeout=0.5).run()
    assert caught.value.transient
    assert "did not answer within 0.5 s" in str(caught.value)
    assert time.monotonic() - started < 30  # far above the timeout: a loaded CI machine cannot fail it


def test_it_reports_a_non_prometheus_answer_as_permanent(prometheus):
    with pytest.raises(ConnectorError) as caught:
        connector(f"http://{prometheus.exporter}", "rag-bot").run()
    assert not caught.value.transient
    assert "not JSON" in str(caught.value)


def test_it_refuses_a_cloud_metadata_address():
    with pytest.raises(ConnectorError) as caught:
        connector("http://169.254.169.254", "rag-bot").run()
    assert not caught.value.transient
    assert "internal address" in str(caught.value)


@pytest.mark.django_db
def test_a_full_component_check_stores_results_with_the_encrypted_password_resolved(prometheus):
    component = ComponentFactory(
        kind=ComponentKind.MONITORING_SOURCE,
        connector="prometheus",
        connector_settings={"url": prometheus.url, "service": "rag-bot", "username": PROMETHEUS_USER},
        encrypted_secrets=encrypt_secrets({"password": PROMETHEUS_PASSWORD}),
    )
    component_check(component=component)
    stored = {r.check_id: r for r in CheckResult.objects.filter(component=component)}
    assert {check_id: r.state for check_id, r in stored.items()} == {
        "prometheus.alert_rules_defined": PASS,
        "prometheus.alert_rules_healthy": PASS,
        "prometheus.llm_metrics_present": PASS,
    }
    assert stored["prometheus.alert_rules_defined"].expires_at > stored["prometheus.alert_rules_healthy"].expires_at
    assert PROMETHEUS_PASSWORD not in str([(r.reason, r.facts) for r in stored.values()])


@pytest.mark.django_db
def test_a_full_component_check_stores_bad_credentials_as_error(prometheus):
    component = ComponentFactory(
        kind=ComponentKind.MONITORING_SOURCE,
        connector="prometheus",
        connector_settings={"url": prometheus.url, "service": "rag-bot", "username": PROMETHEUS_USER},
        encrypted_secrets=encrypt_secrets({"password": "not-the-password"}),
    )
    component_check(component=component)
    states = set(CheckResult.objects.filter(component=component).values_list("state", flat=True))
    assert states == {ERROR}
