"""The capability modules judge plain views: every back-end's traces, evaluations, datasets and prompts are read
by one set of rules (OTel GenAI, OpenInference and MLflow attributes alike; evaluation tiers by risk tier)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured

from connectors import capabilities as caps
from connectors.capabilities import datasets, evaluations, tiers, traces
from connectors.capabilities.views import (
    CODE,
    HUMAN,
    LLM_JUDGE,
    DatasetRef,
    EvaluationResult,
    EvaluationRun,
    EvaluationsView,
    Span,
    SpanEvent,
    Trace,
    TracesView,
)
from connectors.check_ids import ALIASES, aliases_of, canonical

NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)


def trace(*spans, attributes=None, duration_ms=250.0, age=timedelta(hours=1), trace_id="t1"):
    return Trace(trace_id, NOW - age, duration_ms, attributes or {}, tuple(spans))


def usage_outcome(*traces_):
    outcomes = traces.evaluate(TracesView("test", tuple(traces_)), traces.Options(7), now=NOW)
    return {o.check_id: o for o in outcomes}["traces.have_usage"]


def test_an_otel_genai_span_counts_as_model_and_usage():
    span = Span(
        "s1",
        "chat gpt-4o-mini",
        {
            "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.provider.name": "openai",
            "gen_ai.usage.input_tokens": 20,
            "gen_ai.usage.output_tokens": 7,
        },
    )
    outcome = usage_outcome(trace(span))
    assert outcome.state == "pass", outcome.reason
    seen = outcome.facts["traces"]["t1"]
    assert (seen["input_tokens"], seen["output_tokens"]) == (20, 7)
    assert seen["providers"] == ["openai"] and seen["conventions"] == ["OTel GenAI"]


def test_an_openinference_span_counts_as_model_and_usage():
    span = Span("s1", "llm", {"llm.model_name": "claude", "llm.token_count.prompt": 40, "llm.token_count.total": 50})
    outcome = usage_outcome(trace(span))
    assert outcome.state == "pass", outcome.reason
    assert outcome.facts["traces"]["t1"]["conventions"] == ["OpenInference"]


def test_the_mlflow_trace_total_is_used_only_when_no_span_states_tokens():
    tokens = {"mlflow.trace.tokenUsage": {"input_tokens": 12, "output_tokens": 4}}
    spans = (Span("s1", "llm", {"mlflow.llm.model": "m", "mlflow.chat.tokenUsage": {"input_tokens": 12}}),)
    assert traces.usage_of(trace(*spans, attributes=tokens)).input_tokens == 12  # not 24
    assert traces.usage_of(trace(Span("s1", "llm", {"mlflow.llm.model": "m"}), attributes=tokens)).output_tokens == 4


def test_a_trace_without_token_counts_names_what_is_missing():
    outcome = usage_outcome(trace(Span("s1", "chain", {"gen_ai.request.model": "m"})))
    assert outcome.state == "fail"
    assert outcome.facts["gaps"] == {"t1": ["token usage"]}


def test_some_traces_with_usage_warn():
    good = trace(Span("s", "llm", {"llm.model_name": "m", "llm.token_count.prompt": 1}), trace_id="a")
    bare = trace(Span("s", "chain", {}), trace_id="b")
    assert usage_outcome(good, bare).state == "warn"


def test_no_trace_fails_presence_and_usage_with_the_fix():
    outcomes = traces.evaluate(TracesView("Phoenix project 'x'", ()), traces.Options(7), now=NOW)
    assert [o.state for o in outcomes] == ["fail", "fail"]
    assert "Phoenix project 'x'" in outcomes[0].reason and "instrument" in outcomes[0].reason


def test_an_old_newest_trace_fails_presence():
    outcomes = traces.evaluate(TracesView("x", (trace(age=timedelta(days=9)),)), traces.Options(7), now=NOW)
    assert outcomes[0].state == "fail" and "9.0 days old" in outcomes[0].reason


def test_otel_evaluation_events_become_evaluation_results():
    event = SpanEvent(
        "gen_ai.evaluation.result", {"gen_ai.evaluation.name": "faithfulness", "gen_ai.evaluation.score.value": 0.9}
    )
    view = TracesView("x", (trace(Span("s", "chat", {}, (event,))),))
    [result] = traces.evaluation_results(view)
    assert (result.name, result.value, result.item_id) == ("faithfulness", 0.9, "t1")


def results(kind, name, items):
    return tuple(EvaluationResult(name, kind, f"item-{i}") for i in range(items))


def tiers_outcome(run_results, risk_tier, view_results=()):
    run = EvaluationRun("r1", "eval", NOW, "model input m-1", results=run_results)
    view = EvaluationsView("test", "bot v3", (run,), view_results)
    outcomes = evaluations.evaluate(view, evaluations.Options(30, ()), risk_tier=risk_tier, now=NOW)
    return {o.check_id: o for o in outcomes}["evaluations.tiers"]


ALL_TIERS = (
    results(CODE, "exact_match", 5) + results(LLM_JUDGE, "groundedness", 5) + results(HUMAN, "expert_review", 25)
)


def test_a_high_risk_project_with_every_tier_passes_and_says_how_many_items_people_reviewed():
    outcome = tiers_outcome(ALL_TIERS, "high")
    assert outcome.state == "pass", outcome.reason
    assert "25 item(s) reviewed by people" in outcome.reason
    assert outcome.facts["tiers"]["grounding"]["names"] == ["groundedness"]


def test_a_high_risk_project_without_human_review_fails_naming_the_tier():
    outcome = tiers_outcome(results(CODE, "exact_match", 5) + results(LLM_JUDGE, "faithfulness", 5), "high")
    assert outcome.state == "fail"
    assert "also requires human review" in outcome.reason


def test_too_few_reviewed_items_warn():
    outcome = tiers_outcome(ALL_TIERS[:10] + results(HUMAN, "expert_review", 3), "high")
    assert outcome.state == "warn"
    assert "reviewed 3 item(s)" in outcome.reason and "requires 20" in outcome.reason


def test_a_low_risk_project_needs_only_code_metrics():
    assert tiers_outcome(results(CODE, "exact_match", 1), "low").state == "pass"


def test_without_a_risk_assessment_the_unassessed_tier_applies_and_the_reason_says_so():
    outcome = tiers_outcome(results(CODE, "exact_match", 1), None)
    assert outcome.state == "fail"
    assert "no approved risk assessment" in outcome.reason
    assert outcome.facts["judged_as"] == "high"


def test_human_review_of_production_traces_counts_for_the_current_version():
    outcome = tiers_outcome(ALL_TIERS[:10], "high", view_results=results(HUMAN, "thumbs", 20))
    assert outcome.state == "pass", outcome.reason


def test_results_of_an_evaluation_of_another_version_do_not_count():
    run = EvaluationRun("r1", "eval", NOW, None, results=ALL_TIERS)
    view = EvaluationsView("test", "bot v3", (run,))
    outcome = evaluations.evaluate(view, evaluations.Options(30, ()), risk_tier="low", now=NOW)[2]
    assert outcome.state == "fail"


def test_a_broken_tier_policy_is_refused_naming_the_entry():
    with pytest.raises(ImproperlyConfigured, match="risk_tiers/high/required/0"):
        tiers.parse(
            {"version": 1, "grounding_names": ["g"], "unassessed": "high", "risk_tiers": {"high": {"required": ["x"]}}}
        )
    with pytest.raises(ImproperlyConfigured, match="unassessed"):
        tiers.parse(
            {"version": 1, "grounding_names": ["g"], "unassessed": "none", "risk_tiers": {"low": {"required": []}}}
        )


def test_the_shipped_tier_policy_loads():
    policy = tiers.policy()
    assert set(policy.risk_tiers) == {"low", "medium", "high", "critical"}


def test_an_in_code_dataset_is_not_named():
    run = EvaluationRun("r1", "eval", NOW, "x", datasets=(DatasetRef("dataset", "abc", "code"),))
    [outcome] = datasets.evaluate(EvaluationsView("t", None, (run,)), datasets.Options(""))
    assert outcome.state == "fail" and "unnamed" in outcome.reason


def test_every_old_id_resolves_to_a_capability_check():
    capability_ids = {spec.id for spec in caps.checks_for(caps.CAPABILITIES)}
    assert set(ALIASES.values()) <= capability_ids
    assert canonical("mlflow.traces_present") == "traces.present"
    assert canonical("git.tests_present") == "git.tests_present"
    assert aliases_of("datasets.named") == ["mlflow.eval_dataset_named"]


def test_the_checks_setting_accepts_old_ids_and_refuses_unknown_ones():
    specs = caps.checks_for(caps.CAPABILITIES)
    assert caps.selected_checks({"checks": "mlflow.traces_present"}, specs) == {"traces.present"}
    assert caps.checks_setting_errors({"checks": "traces.nope"}, specs) == {
        "checks": ["Unknown check(s): traces.nope."]
    }


def test_mlflow_span_attributes_are_decoded_to_plain_values():
    from connectors.backends.mlflow.traces import attributes_of, span_of

    span = span_of(
        {
            "span_id": "s1",
            "name": "chat",
            "attributes": [
                {"key": "mlflow.llm.model", "value": {"string_value": '"gpt-4o-mini"'}},
                {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "20"}},
                {"key": "mlflow.chat.tokenUsage", "value": {"string_value": '{"input_tokens": 12}'}},
            ],
            "events": [{"name": "gen_ai.evaluation.result", "attributes": {"gen_ai.evaluation.name": '"faith"'}}],
        }
    )
    assert span.attributes == {
        "mlflow.llm.model": "gpt-4o-mini",
        "gen_ai.usage.input_tokens": 20,
        "mlflow.chat.tokenUsage": {"input_tokens": 12},
    }
    assert span.events[0].attributes == {"gen_ai.evaluation.name": "faith"}
    assert attributes_of("not a list") == {}
    assert attributes_of([{"key": "x", "value": {"string_value": "{broken"}}]) == {"x": "{broken"}
