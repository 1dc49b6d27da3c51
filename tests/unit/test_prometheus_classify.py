"""How the Prometheus back-end sorts metric families into tokens, latency, errors and cost (pure functions)."""

import pytest

from connectors.backends.prometheus import classify, group_families


@pytest.mark.parametrize(
    ("family", "family_type", "kind"),
    [
        ("gen_ai_client_token_usage", "histogram", "tokens"),
        ("gen_ai_client_operation_duration_seconds", "histogram", "latency"),
        ("gen_ai_server_request_duration_seconds", "histogram", "latency"),
        ("gen_ai_server_time_to_first_token_seconds", "histogram", "latency"),
        ("gen_ai_server_time_per_output_token_seconds", "histogram", "latency"),
        ("vllm:e2e_request_latency_seconds", "histogram", "latency"),
        ("vllm:prompt_tokens_total", "counter", "tokens"),
        ("llm_errors_total", "counter", "errors"),
        ("litellm_spend_metric_total", "counter", "cost"),
        ("answer_time_seconds", "summary", "latency"),
        ("worker_cpu_seconds_total", "counter", None),
        ("http_requests_total", "counter", None),
    ],
)
def test_it_sorts_families_by_name_and_type(family, family_type, kind):
    assert classify(family, family_type) == kind


def test_histogram_and_summary_series_are_one_family_with_or_without_metadata():
    names = {"a_seconds_bucket", "a_seconds_sum", "a_seconds_count", "b_sum", "b_count", "c_count", "d_total"}
    families = group_families(names, {"c": "summary"})
    assert families == {
        "a_seconds": {"a_seconds_bucket", "a_seconds_sum", "a_seconds_count"},
        "b": {"b_sum", "b_count"},
        "c": {"c_count"},
        "d_total": {"d_total"},
    }
