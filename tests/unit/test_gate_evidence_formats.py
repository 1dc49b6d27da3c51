"""Parsing pushed evaluation results: each accepted format, and errors named by JSON path."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.backends.pushed import outcome_for
from gates.evidence import EvidenceError, detect_format, parse

DATA = Path(__file__).resolve().parents[1] / "data" / "ci"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def load(name):
    return json.loads((DATA / name).read_text())


VERIFIED = {"verification": "verified", "verification_reasons": ["commit on main"]}
FAITHFULNESS = [{"names": ["faithfulness", "groundedness"], "min": 0.8}]


def test_it_parses_plumbline_json_and_judges_it_on_plumblines_thresholds():
    fmt, fields = parse(load("plumbline-passing.json"), now=NOW)
    assert fmt == "plumbline"
    assert fields["dataset_name"] == "docs-qa-golden"
    assert outcome_for(fields | VERIFIED, thresholds=FAITHFULNESS).state == "pass"


def test_it_fails_a_metric_below_plumblines_threshold_and_names_it():
    payload = load("plumbline-passing.json")
    payload["metrics"][0]["value"] = 0.5
    _, fields = parse(payload, now=NOW)
    outcome = outcome_for(fields | VERIFIED, thresholds=FAITHFULNESS)
    assert outcome.state == "fail"
    assert "faithfulness 0.5 (Plumbline requires at least 0.8; the push's own threshold 0.85 is not used)" in (
        outcome.reason
    )


def test_the_pushs_own_thresholds_never_decide():
    payload = load("plumbline-passing.json")
    payload["metrics"][0] |= {"value": 0.82, "threshold": 0.99}
    _, fields = parse(payload, now=NOW)
    assert fields["metrics"][0]["passed"] is False  # its own claim, shown
    assert outcome_for(fields | VERIFIED, thresholds=FAITHFULNESS).state == "pass"
    assert outcome_for(fields | VERIFIED, thresholds=[{"names": ["faithfulness"], "min": 0.9}]).state == "fail"


def test_a_missing_required_metric_fails():
    _, fields = parse(load("plumbline-passing.json"), now=NOW)
    outcome = outcome_for(fields | VERIFIED, thresholds=[{"names": ["groundedness"], "min": 0.7}])
    assert outcome.state == "fail"
    assert "groundedness is required but not pushed" in outcome.reason


def test_an_unverified_push_fails_and_an_uncorroborated_one_reads_unknown_whatever_its_values():
    _, fields = parse(load("plumbline-passing.json"), now=NOW)
    unverified = fields | {"verification": "unverified", "verification_reasons": ["commit 3f2c is not in app"]}
    assert outcome_for(unverified, thresholds=FAITHFULNESS).state == "fail"
    assert "Unverified push: commit 3f2c is not in app" in outcome_for(unverified, thresholds=FAITHFULNESS).reason
    unknown = fields | {"verification": "unknown", "verification_reasons": ["git timed out"]}
    assert outcome_for(unknown, thresholds=FAITHFULNESS).state == "unknown"
    assert outcome_for(fields, thresholds=FAITHFULNESS).state == "fail"  # never corroborated: unverified


def test_lower_is_better_metrics_pass_under_their_threshold():
    payload = load("plumbline-passing.json")
    payload["metrics"] = [{"name": "latency_p95_s", "value": 2.0, "threshold": 3.0, "higher_is_better": False}]
    assert parse(payload, now=NOW)[1]["metrics"][0]["passed"] is True


def test_it_parses_mlflow_runs_describe_output_with_thresholds_from_tags():
    fmt, fields = parse(load("mlflow-run-describe.json"), now=NOW)
    assert fmt == "mlflow"
    assert fields["git_commit"] == "3f2c9a1d0b7e4c5a8f6e2d1c0b9a8f7e6d5c4b3a"
    assert fields["dataset_name"] == "docs-qa-golden"
    assert fields["dataset_hash"] == "467955d7"
    assert {m["name"]: m["passed"] for m in fields["metrics"]} == {"answer_correctness": True, "toxicity": True}


def test_it_parses_mlflow_rest_runs_get_output_like_runs_describe():
    fmt, fields = parse(load("mlflow-runs-get.json"), now=NOW)
    described = parse(load("mlflow-run-describe.json"), now=NOW)[1]
    assert fmt == "mlflow"
    assert fields == described
    assert {m["name"]: m["threshold"] for m in fields["metrics"]} == {"answer_correctness": 0.8, "toxicity": 0.05}


def test_it_names_a_bad_metric_of_rest_runs_get_output_by_its_json_path():
    payload = load("mlflow-runs-get.json")
    payload["run"]["data"]["metrics"][1]["value"] = "high"
    with pytest.raises(EvidenceError) as caught:
        parse(payload, now=NOW)
    assert caught.value.errors == {"run.data.metrics[1].value": ["Must be a finite number."]}


def test_it_parses_a_bare_mlflow_metrics_json_without_thresholds_as_a_warning():
    fmt, fields = parse({"exact_match/v1": 0.8, "toxicity/v1/mean": 0.01}, now=NOW)
    assert fmt == "mlflow"
    assert outcome_for(fields | {"evaluated_at": NOW} | VERIFIED, thresholds=[]).state == "warn"


def test_it_parses_promptfoo_results_into_a_pass_rate():
    fmt, fields = parse(load("promptfoo-results.json"), now=NOW)
    assert fmt == "promptfoo"
    pass_rate = fields["metrics"][0]
    assert pass_rate["name"] == "pass_rate" and pass_rate["value"] == pytest.approx(0.75)
    assert (fields["model_version"], fields["dataset_name"]) == ("echo", "docs-qa regression")
    assert outcome_for(fields | VERIFIED, thresholds=[{"names": ["pass_rate"], "min": 1.0}]).state == "fail"


def test_detect_format_recognises_each_sample():
    assert detect_format(load("plumbline-passing.json")) == "plumbline"
    assert detect_format(load("mlflow-run-describe.json")) == "mlflow"
    assert detect_format(load("promptfoo-results.json")) == "promptfoo"
    assert detect_format({"hello": "world"}) is None


def test_it_names_every_bad_field_by_json_path():
    payload = load("plumbline-passing.json")
    payload["metrics"][1]["value"] = "high"
    payload["dataset"] = {}
    payload["git_commit"] = "not-a-sha"
    with pytest.raises(EvidenceError) as exc:
        parse(payload, now=NOW)
    assert set(exc.value.errors) == {"metrics[1].value", "dataset.name", "git_commit"}


def test_it_refuses_a_timestamp_without_time_zone_or_in_the_future():
    payload = load("plumbline-passing.json")
    payload["evaluated_at"] = "2026-11-20T10:00:00"
    with pytest.raises(EvidenceError) as exc:
        parse(payload, now=NOW)
    assert "time zone" in exc.value.errors["evaluated_at"][0]
    payload["evaluated_at"] = "2027-01-01T00:00:00Z"
    with pytest.raises(EvidenceError) as exc:
        parse(payload, now=NOW)
    assert "future" in exc.value.errors["evaluated_at"][0]


def test_an_unrecognised_payload_asks_for_the_format():
    with pytest.raises(EvidenceError) as exc:
        parse({"hello": "world"}, now=NOW)
    assert "?format=" in exc.value.errors["format"][0]
