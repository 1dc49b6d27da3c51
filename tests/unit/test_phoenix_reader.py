"""What a hostile or odd Phoenix answer becomes in the capability views: missing or mistyped fields read as absent
evidence, never as a crash or as evidence that is not there."""

from connectors.backends.phoenix import reader
from connectors.capabilities import views


def test_a_span_whose_context_attributes_and_events_are_not_objects_reads_as_bare():
    span = reader.span({"id": "U3Bhbjox", "context": ["x"], "attributes": "llm.model_name=gpt", "events": "boom"})
    assert span == views.Span(span_id="U3Bhbjox", name="", attributes={}, events=())


def test_trace_token_totals_become_openinference_attributes_only_when_positive_integers():
    trace = reader.trace(
        {
            "trace_id": "abc",
            "start_time": "2026-12-04T20:33:58.000+00:00",
            "end_time": "2026-12-04T20:33:58.250+00:00",
            "token_count_prompt": 120,
            "token_count_completion": "30",
            "token_count_total": 0,
        },
        None,
    )
    assert trace.attributes == {"llm.token_count.prompt": 120}
    assert trace.duration_ms == 250
    assert trace.spans is None


def test_a_time_without_offset_or_not_a_time_reads_as_unknown():
    assert reader.when("2026-12-04T20:33:58") is None
    assert reader.when("yesterday") is None
    assert reader.when(17) is None


def test_annotator_kinds_map_to_source_kinds_and_anything_else_is_unspecified():
    kinds = [reader.annotation({"name": "n", "annotator_kind": k, "span_id": "s"}).source_kind
             for k in ("LLM", "CODE", "HUMAN", "ROBOT", None)]  # fmt: skip
    assert kinds == [views.LLM_JUDGE, views.CODE, views.HUMAN, views.UNSPECIFIED, views.UNSPECIFIED]


def test_failed_experiment_evaluations_are_not_results():
    run = reader.experiment_run(
        {"id": "RXhwZXJpbWVudDox", "name": "baseline", "updated_at": "2026-12-04T20:33:58+00:00"},
        {"name": "qa-golden"},
        [
            {"example_id": "e1", "annotations": [{"name": "exact_match", "annotator_kind": "CODE", "score": 1.0}]},
            {"example_id": "e2", "annotations": [{"name": "judge", "annotator_kind": "LLM", "error": "timeout"}]},
            "not a row",
        ],
    )
    assert run.metrics == ("exact_match",)
    assert [r.item_id for r in run.results] == ["e1"]
    assert run.datasets == (views.DatasetRef(name="qa-golden", version="", source_type="phoenix"),)


def test_prompt_versions_are_named_by_their_row_number_and_odd_ids_are_kept():
    assert reader.row_number("UHJvbXB0VmVyc2lvbjoz") == "3"
    assert reader.row_number("not-base64!") == "not-base64!"
    assert reader.row_number("aGVsbG8=") == "aGVsbG8="  # base64 of "hello": not Type:number
