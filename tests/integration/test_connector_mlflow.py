"""The MLflow back-end against a real ``mlflow server``, seeded through the fluent client in a real git repo.

Three experiments: ``complete`` (traceable model, recent evaluation on a managed dataset with the required
metrics, a registered prompt, MLflow and OpenTelemetry GenAI traces), ``gaps`` (runs created without the
fluent context, so no commit, source or datasets; a version without a run; a stale evaluation; a trace
without usage) and ``empty``.
"""

import pytest
from django.test import override_settings

from connectors import services
from connectors.backends.mlflow import MLflowConnector
from connectors.loading import connector_for_component
from connectors.models import CheckResult
from tests.factories import ComponentFactory

pytest_plugins = ["tests.integration.mlflow_server"]
pytestmark = [pytest.mark.integration, pytest.mark.needs_server, pytest.mark.slow, pytest.mark.xdist_group("mlflow")]

SEED = """
import os, secrets, time
import mlflow, pandas as pd, requests
from mlflow import MlflowClient
from mlflow.genai.scorers import scorer

# --- complete: everything a mature team records ---
exp_id = mlflow.set_experiment("complete").experiment_id

class Echo(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input):
        return model_input

train = pd.DataFrame({"question": ["a", "b"], "answer": ["x", "y"]})
with mlflow.start_run(run_name="train"):
    dataset = mlflow.data.from_pandas(train, source="s3://kb/train.csv", name="qa-train", targets="answer")
    mlflow.log_input(dataset, context="training")
    mlflow.pyfunc.log_model(name="model", python_model=Echo(), registered_model_name="complete-model")

golden = mlflow.genai.datasets.create_dataset(name="qa-golden", experiment_id=[exp_id])
golden.merge_records([{"inputs": {"question": "a"}, "expectations": {"expected": "a"}}])

@scorer
def exact_match(outputs, expectations):
    return outputs == expectations["expected"]

@scorer
def groundedness(outputs):
    return 1.0

mlflow.genai.evaluate(data=golden, predict_fn=lambda question: question, scorers=[exact_match, groundedness])
mlflow.genai.register_prompt(name="complete-prompt", template="Answer {{question}}", commit_message="First version")

@mlflow.trace(span_type="LLM")
def answer(question):
    mlflow.get_current_active_span().set_attributes({
        "mlflow.llm.model": "gpt-4o-mini",
        "mlflow.chat.tokenUsage": {"input_tokens": 12, "output_tokens": 4, "total_tokens": 16},
    })
    return "x"

answer("a")
mlflow.flush_trace_async_logging()

# An OpenTelemetry span carrying only GenAI semantic-convention attributes, sent over OTLP/HTTP.
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
now = time.time_ns()
request = ExportTraceServiceRequest()
span = request.resource_spans.add().scope_spans.add().spans.add()
span.trace_id, span.span_id = secrets.token_bytes(16), secrets.token_bytes(8)
span.name, span.kind = "chat gpt-4o-mini", 3
span.start_time_unix_nano, span.end_time_unix_nano = now - 250_000_000, now
for key, value in [
    ("gen_ai.operation.name", AnyValue(string_value="chat")),
    ("gen_ai.provider.name", AnyValue(string_value="openai")),
    ("gen_ai.request.model", AnyValue(string_value="gpt-4o-mini")),
    ("gen_ai.usage.input_tokens", AnyValue(int_value=20)),
    ("gen_ai.usage.output_tokens", AnyValue(int_value=7)),
]:
    span.attributes.append(KeyValue(key=key, value=value))
requests.post(
    os.environ["MLFLOW_TRACKING_URI"] + "/v1/traces", data=request.SerializeToString(), timeout=10,
    headers={"Content-Type": "application/x-protobuf", "x-mlflow-experiment-id": exp_id},
).raise_for_status()

# --- gaps: the low-level client records no git/source context; a version without run; a stale evaluation ---
client = MlflowClient()
gaps_id = mlflow.set_experiment("gaps").experiment_id
bare = client.create_run(gaps_id, run_name="notebook-train")
client.set_terminated(bare.info.run_id)
client.create_registered_model("gaps-model")
client.create_model_version("gaps-model", source="s3://models/gaps/1", run_id=bare.info.run_id)
client.create_model_version("gaps-model", source="s3://models/gaps/2")
old_ms = int((time.time() - 60 * 86400) * 1000)
old_eval = client.create_run(gaps_id, start_time=old_ms, tags={"mlflow.runType": "genai_evaluate"}, run_name="old-eval")
client.log_metric(old_eval.info.run_id, "exact_match/mean", 0.9, timestamp=old_ms)
client.set_terminated(old_eval.info.run_id, end_time=old_ms + 1000)

@mlflow.trace
def plain(question):
    return question

plain("a")
mlflow.flush_trace_async_logging()

mlflow.set_experiment("empty")
print("seeded")
"""

# Evaluations linked to a version other than by a model-id input or a start after registration: evaluated before
# the version was registered (the usual "evaluate, then register if good"), each experiment with its own model.
SEED_LINKS = """
import time
import mlflow
from mlflow import MlflowClient

client = MlflowClient()
hour_ago = int((time.time() - 3600) * 1000)

def evaluation(experiment_id, *, tags=None, params=None, start=hour_ago, run_name="eval"):
    run = client.create_run(experiment_id, start_time=start, tags={"mlflow.runType": "genai_evaluate", **(tags or {})},
                            run_name=run_name)
    for key, value in (params or {}).items():
        client.log_param(run.info.run_id, key, value)
    client.log_metric(run.info.run_id, "exact_match/mean", 0.9, timestamp=start)
    client.set_terminated(run.info.run_id, end_time=start + 1000)
    return run

def train(experiment_id, start=hour_ago - 60_000):
    run = client.create_run(experiment_id, start_time=start, run_name="train")
    client.set_terminated(run.info.run_id, end_time=start + 1000)
    return run

# Tags naming the registered model and version (the keys MLflow's UI conventions use).
tagged = mlflow.set_experiment("linked-by-tags").experiment_id
evaluation(tagged, tags={"mlflow.registeredModelName": "tagged-model", "mlflow.registeredModelVersion": "1"})
client.create_registered_model("tagged-model")
client.create_model_version("tagged-model", source="s3://models/tagged/1", run_id=train(tagged).info.run_id)

# Params naming them.
params = mlflow.set_experiment("linked-by-params").experiment_id
evaluation(params, params={"model_name": "param-model", "model_version": "1"})
client.create_registered_model("param-model")
client.create_model_version("param-model", source="s3://models/param/1", run_id=train(params).info.run_id)

# Lineage: the evaluation was logged on the run that produced the version (mlflow.models.evaluate in training).
lineage = mlflow.set_experiment("linked-by-lineage").experiment_id
producing = client.create_run(lineage, start_time=hour_ago, run_name="train-and-evaluate")
client.log_metric(producing.info.run_id, "accuracy_score", 0.93, timestamp=hour_ago)
client.set_terminated(producing.info.run_id, end_time=hour_ago + 1000)
client.create_registered_model("lineage-model")
client.create_model_version("lineage-model", source="s3://models/lineage/1", run_id=producing.info.run_id)

# An evaluation after the newest version was registered that names the previous version: not for the current one.
pinned = mlflow.set_experiment("names-old-version").experiment_id
client.create_registered_model("pinned-model")
client.create_model_version("pinned-model", source="s3://models/pinned/1", run_id=train(pinned).info.run_id)
client.create_model_version("pinned-model", source="s3://models/pinned/2", run_id=train(pinned).info.run_id)
time.sleep(0.05)
evaluation(pinned, tags={"mlflow.registeredModelName": "pinned-model", "mlflow.registeredModelVersion": "1"},
           start=int(time.time() * 1000))
# A team logging the LLM's name as model_name: it is not the registered model, and must not hide the evaluation.
app = mlflow.set_experiment("llm-named").experiment_id
client.create_registered_model("app-model")
client.create_model_version("app-model", source="s3://models/app/1", run_id=train(app).info.run_id)
time.sleep(0.05)
evaluation(app, params={"model_name": "gpt-4o-mini"}, start=int(time.time() * 1000))
print("seeded links")
"""

# Evaluation tiers from MLflow assessments (feedback with source CODE / LLM_JUDGE / HUMAN), logged the way teams do:
# a code scorer in mlflow.genai.evaluate, judge and expert feedback logged on the evaluation's traces afterwards,
# human feedback on live traces, and an OTel span carrying a gen_ai.evaluation.result event.
SEED_TIERS = """import mlflow
from mlflow.entities import AssessmentSource
from mlflow.genai.scorers import scorer

@scorer
def exact_match(outputs, expectations):
    return outputs == expectations["expected"]

rows = [{"inputs": {"question": f"q{i}"}, "expectations": {"expected": f"q{i}"}} for i in range(20)]

def evaluate_with(experiment, *, judge=False, grounding=False, humans=0):
    mlflow.set_experiment(experiment)
    result = mlflow.genai.evaluate(data=rows, predict_fn=lambda question: question, scorers=[exact_match])
    traces = mlflow.search_traces(run_id=result.run_id, return_type="list")
    for index, trace in enumerate(traces):
        trace_id = trace.info.trace_id
        if judge:
            mlflow.log_feedback(trace_id=trace_id, name="correctness", value=True,
                                source=AssessmentSource("LLM_JUDGE", "gpt-4o-mini"))
        if grounding:
            mlflow.log_feedback(trace_id=trace_id, name="faithfulness", value=0.9,
                                source=AssessmentSource("LLM_JUDGE", "gpt-4o-mini"))
        if index < humans:
            mlflow.log_feedback(trace_id=trace_id, name="expert_review", value="good",
                                source=AssessmentSource("HUMAN", "domain.expert@example.com"))

# Every tier: code scorer, LLM judge, faithfulness judge and 20 items reviewed by a domain expert.
evaluate_with("tiers-all", judge=True, grounding=True, humans=20)
# Code metrics only.
evaluate_with("tiers-code-only")
# Code and judge in the evaluation; people review live answers (production traces, not in a run).
evaluate_with("tiers-live-review", judge=True, grounding=True)

@mlflow.trace(span_type="LLM")
def live(question):
    return question

for i in range(3):
    live(f"live {i}")
mlflow.flush_trace_async_logging()
for trace in mlflow.search_traces(filter_string="attributes.status = 'OK'", return_type="list"):
    if not trace.info.trace_metadata.get("mlflow.sourceRun"):
        mlflow.log_feedback(trace_id=trace.info.trace_id, name="thumbs", value=True,
                            source=AssessmentSource("HUMAN", "support.agent@example.com"))
print("seeded tiers")

# Code metrics in an evaluation; a live OpenTelemetry span carries a gen_ai.evaluation.result event (faithfulness).
import os, secrets, time, requests
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
evaluate_with("tiers-otel-events")
events_id = mlflow.get_experiment_by_name("tiers-otel-events").experiment_id
now = time.time_ns()
request = ExportTraceServiceRequest()
span = request.resource_spans.add().scope_spans.add().spans.add()
span.trace_id, span.span_id = secrets.token_bytes(16), secrets.token_bytes(8)
span.name, span.kind = "chat gpt-4o-mini", 3
span.start_time_unix_nano, span.end_time_unix_nano = now - 250_000_000, now
span.attributes.append(KeyValue(key="gen_ai.request.model", value=AnyValue(string_value="gpt-4o-mini")))
event = span.events.add()
event.name, event.time_unix_nano = "gen_ai.evaluation.result", now
event.attributes.append(KeyValue(key="gen_ai.evaluation.name", value=AnyValue(string_value="faithfulness")))
event.attributes.append(KeyValue(key="gen_ai.evaluation.score.value", value=AnyValue(double_value=0.8)))
requests.post(
    os.environ["MLFLOW_TRACKING_URI"] + "/v1/traces", data=request.SerializeToString(), timeout=10,
    headers={"Content-Type": "application/x-protobuf", "x-mlflow-experiment-id": events_id},
).raise_for_status()
print("seeded otel events")
"""

ALL_CHECKS = [
    "mlflow.model_version_has_run",
    "mlflow.run_has_git_commit",
    "mlflow.run_has_source",
    "mlflow.run_has_dataset_inputs",
    "mlflow.run_has_environment",
    "evaluations.recent",
    "evaluations.required_metrics",
    "datasets.named",
    "prompts.versioned",
    "traces.present",
    "traces.have_usage",
]
GAPS = {
    "mlflow.model_version_has_run": "fail",
    "mlflow.run_has_git_commit": "fail",
    "mlflow.run_has_source": "fail",
    "mlflow.run_has_dataset_inputs": "fail",
    "mlflow.run_has_environment": "fail",
    "evaluations.recent": "fail",
    "evaluations.required_metrics": "fail",
    "datasets.named": "fail",
    "prompts.versioned": "fail",
    "traces.present": "pass",
    "traces.have_usage": "fail",
}
EMPTY = {
    "mlflow.model_version_has_run": "unknown",
    "evaluations.recent": "fail",
    "prompts.versioned": "fail",
    "traces.present": "fail",
    "traces.have_usage": "fail",
}


@pytest.fixture(scope="module")
def seeded(mlflow_server):
    """Seeds once per server: xdist may set this module fixture up again when modules of the group interleave."""
    if not getattr(mlflow_server, "connector_tests_seeded", False):
        mlflow_server.seed(SEED)
        mlflow_server.connector_tests_seeded = True
    return mlflow_server


@pytest.fixture(scope="module")
def seeded_links(mlflow_server):
    if not getattr(mlflow_server, "link_tests_seeded", False):
        mlflow_server.seed(SEED_LINKS)
        mlflow_server.link_tests_seeded = True
    return mlflow_server


@pytest.fixture(scope="module")
def seeded_tiers(mlflow_server):
    if not getattr(mlflow_server, "tier_tests_seeded", False):
        mlflow_server.seed(SEED_TIERS)
        mlflow_server.tier_tests_seeded = True
    return mlflow_server


@pytest.fixture(scope="module")
def loopback_allowed():
    with override_settings(PLUMBLINE_CONNECTOR_ALLOWED_HOSTS=["127.0.0.1"]):
        yield


@pytest.fixture
def allow_loopback(loopback_allowed):
    return None


def outcomes(server, experiment, **extra):
    component = ComponentFactory.build(
        kind="mlflow",
        connector="mlflow",
        connector_settings={"tracking_uri": server.url, "experiment": experiment, **extra},
    )
    return {o.check_id: o for o in connector_for_component(component, timeout=10).run()}


@pytest.fixture(scope="module")
def complete(seeded, loopback_allowed):
    return outcomes(seeded, "complete", registered_model="complete-model", required_metrics="exact_match, groundedness")


@pytest.fixture(scope="module")
def gaps(seeded, loopback_allowed):
    return outcomes(seeded, "gaps", registered_model="gaps-model", required_metrics="exact_match, groundedness")


@pytest.mark.parametrize("check_id", ALL_CHECKS)
def test_a_complete_project_passes(complete, check_id):
    assert complete[check_id].state == "pass", complete[check_id].reason


@pytest.mark.parametrize(("check_id", "expected"), GAPS.items())
def test_a_project_with_gaps_reads_what_is_missing(gaps, check_id, expected):
    assert gaps[check_id].state == expected, gaps[check_id].reason


def test_a_version_without_run_is_named(gaps):
    assert "gaps-model v2" in gaps["mlflow.model_version_has_run"].reason


def test_a_run_without_commit_says_how_to_fix_it(gaps):
    assert "do not record the git commit" in gaps["mlflow.run_has_git_commit"].reason


def test_a_stale_evaluation_is_not_counted_for_the_current_version(gaps):
    assert "none is linked to the current version gaps-model v2" in gaps["evaluations.recent"].reason


@pytest.mark.parametrize(
    ("experiment", "model", "linked_by"),
    [
        ("linked-by-tags", "tagged-model", "tags mlflow.registeredModelName and mlflow.registeredModelVersion"),
        ("linked-by-params", "param-model", "params model_name and model_version"),
        ("linked-by-lineage", "lineage-model", "lineage"),
    ],
)
def test_an_evaluation_run_before_registration_counts_when_it_is_linked_to_the_version(
    seeded_links, allow_loopback, experiment, model, linked_by
):
    outcome = outcomes(seeded_links, experiment, registered_model=model)["evaluations.recent"]
    assert outcome.state == "pass", outcome.reason
    assert outcome.facts["linked_by"].startswith(linked_by)
    assert f"{model} v1" in outcome.reason
    assert "days old" in outcome.reason


def test_an_evaluation_naming_an_older_version_does_not_count_for_the_current_one(seeded_links, allow_loopback):
    outcome = outcomes(seeded_links, "names-old-version", registered_model="pinned-model")["evaluations.recent"]
    assert outcome.state == "fail"
    assert "pinned-model v2" in outcome.reason


def test_a_model_name_param_naming_the_llm_does_not_hide_an_evaluation(seeded_links, allow_loopback):
    outcome = outcomes(seeded_links, "llm-named", registered_model="app-model")["evaluations.recent"]
    assert outcome.state == "pass", outcome.reason
    assert outcome.facts["linked_by"] == "start after the version was registered"


def test_missing_required_metrics_are_named(gaps):
    assert gaps["evaluations.required_metrics"].facts["missing"] == ["groundedness"]


def test_the_otel_genai_span_counts_as_usage(complete):
    assert complete["traces.have_usage"].facts["sampled"] == 2


def test_the_prompt_registry_is_read_despite_hidden_prompts(complete):
    assert complete["prompts.versioned"].facts["prompts"] == {"complete-prompt": {"versions": 1}}


def test_the_eval_dataset_is_the_managed_dataset(complete):
    assert "qa-golden" in complete["datasets.named"].reason


@pytest.mark.parametrize(("check_id", "expected"), EMPTY.items())
def test_an_empty_experiment_reads_no_data_or_fail(seeded, allow_loopback, check_id, expected):
    assert outcomes(seeded, "empty")[check_id].state == expected


def test_an_experiment_without_traces_fails_usage_with_the_fix(seeded, allow_loopback):
    outcome = outcomes(seeded, "empty")["traces.have_usage"]
    assert outcome.state == "fail"
    assert "no production traces" in outcome.reason.lower()
    assert "instrument" in outcome.reason


def test_a_missing_registered_model_fails_with_its_name(seeded, allow_loopback):
    outcome = outcomes(seeded, "complete", registered_model="no-such-model")["mlflow.model_version_has_run"]
    assert outcome.state == "fail"
    assert "no registered model named 'no-such-model'" in outcome.reason


def test_a_wrong_experiment_name_is_a_permanent_error(seeded, allow_loopback):
    from connectors.base import ConnectorError

    with pytest.raises(ConnectorError, match="no experiment named 'nope'") as caught:
        outcomes(seeded, "nope")
    assert caught.value.transient is False


def test_limiting_checks_skips_the_others(seeded, allow_loopback):
    result = outcomes(seeded, "complete", registered_model="complete-model", checks="mlflow.run_has_git_commit")
    assert result["mlflow.run_has_git_commit"].state == "pass"
    assert result["traces.present"].state == "not_applicable"


@pytest.mark.django_db
def test_a_refresh_stores_the_results_shown_by_the_api(seeded, allow_loopback, project, member, client):
    ComponentFactory(
        project=project,
        kind="mlflow",
        name="tracking",
        connector="mlflow",
        connector_settings={"tracking_uri": seeded.url, "experiment": "complete", "registered_model": "complete-model"},
    )
    services.component_check(component=project.components.get(name="tracking"))
    assert CheckResult.objects.filter(project=project).count() == len(MLflowConnector.checks)
    client.force_login(member)
    body = client.get(f"/api/v1/projects/{project.slug}/checks").json()
    by_id = {row["id"]: row for row in body}
    assert by_id["mlflow.run_has_git_commit"]["state"] == "pass"
    assert by_id["mlflow.run_has_git_commit"]["component"] == "tracking"
    assert by_id["mlflow.run_has_git_commit"]["expires_at"] > by_id["mlflow.run_has_git_commit"]["checked_at"]


def test_old_check_ids_in_the_checks_setting_select_the_checks_they_became(seeded, allow_loopback):
    result = outcomes(seeded, "complete", registered_model="complete-model", checks="mlflow.traces_present")
    assert result["traces.present"].state == "pass"
    assert result["evaluations.recent"].state == "not_applicable"


def test_every_evaluation_tier_of_the_current_version_passes_what_an_unassessed_project_needs(
    seeded_tiers, allow_loopback
):
    result = outcomes(seeded_tiers, "tiers-all")
    outcome = result["evaluations.tiers"]
    assert outcome.state == "pass", outcome.reason
    assert "20 item(s) reviewed by people" in outcome.reason
    assert outcome.facts["judged_as"] == "high"
    assert outcome.facts["tiers"]["llm_judge"]["names"] == ["correctness", "faithfulness"]
    assert {k: result[f"evaluations.{k}"].state for k in ("heuristic", "llm_judge", "grounding", "human_review")} == {
        "heuristic": "pass",
        "llm_judge": "pass",
        "grounding": "pass",
        "human_review": "pass",
    }


def test_code_metrics_alone_fail_the_tiers_naming_what_is_missing(seeded_tiers, allow_loopback):
    result = outcomes(seeded_tiers, "tiers-code-only")
    assert result["evaluations.tiers"].state == "fail"
    assert "also requires LLM-as-judge, grounding against sources, human review" in result["evaluations.tiers"].reason
    assert result["evaluations.heuristic"].state == "pass"
    assert result["evaluations.llm_judge"].state == "fail"


@pytest.mark.django_db
def test_a_low_risk_project_needs_only_code_metrics(seeded_tiers, allow_loopback, project):
    from tests.factories import make_approved_assessment

    make_approved_assessment(project, "risk", {"model": "risk", "tier": "low"})
    component = ComponentFactory(
        project=project,
        kind="mlflow",
        connector="mlflow",
        connector_settings={"tracking_uri": seeded_tiers.url, "experiment": "tiers-code-only"},
    )
    result = {o.check_id: o for o in connector_for_component(component, timeout=10).run()}
    assert result["evaluations.tiers"].state == "pass", result["evaluations.tiers"].reason
    assert result["evaluations.tiers"].facts["risk_tier"] == "low"


def test_human_feedback_on_live_traces_counts_its_items_against_the_risk_tier(seeded_tiers, allow_loopback):
    result = outcomes(seeded_tiers, "tiers-live-review")
    assert result["evaluations.human_review"].state == "warn"
    assert result["evaluations.human_review"].facts["items"] == 3
    assert result["evaluations.tiers"].state == "warn"


def test_an_otel_evaluation_event_on_a_live_span_counts_for_grounding(seeded_tiers, allow_loopback):
    outcome = outcomes(seeded_tiers, "tiers-otel-events")["evaluations.grounding"]
    assert outcome.state == "pass", outcome.reason
    assert outcome.facts["names"] == ["faithfulness"]
