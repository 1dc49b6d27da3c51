"""Capabilities, not vendors: the same evidence in MLflow and in Arize Phoenix reads the same verdicts.

Both real servers are seeded with equivalent evidence in three scenarios (see the ``phoenix`` section of the seeding
notes in tests/integration/phoenix_seed.py and SEED below), and every trace, evaluation, dataset and prompt check is
run against both with the same shared settings. One parametrised test: a check that reads differently on the two
back-ends, or differently from what the evidence warrants, fails here.

- complete: traces with model and token usage (OpenInference/MLflow attributes and an OTel GenAI span), an
  evaluation on the managed dataset ``qa-golden`` by a code scorer, an LLM judge's correctness and groundedness and
  one person's review on a production trace, prompt ``qa-prompt`` with two described versions.
- bare: traces without model or usage, an evaluation by a code scorer only, a prompt version without description.
- empty: nothing at all.
"""

import pytest
from django.test import override_settings

from connectors.loading import connector_for_component
from tests.factories import ComponentFactory
from tests.integration.mlflow_server import MLflowServer, mlflow_available

pytest_plugins = ["tests.integration.phoenix_server"]
pytestmark = [
    pytest.mark.integration,
    pytest.mark.needs_server,
    pytest.mark.slow,
    pytest.mark.xdist_group("phoenix"),
    # The first test starts and seeds the servers: ~30 s idle, over 300 s at a load average of 15 (2 cores).
    pytest.mark.timeout(900),
]

SEED = """
import os, secrets, time
import mlflow, requests
from mlflow.entities import AssessmentSource, AssessmentSourceType
from mlflow.genai.scorers import scorer

@scorer
def exact_match(outputs, expectations):
    return outputs == expectations["expected"]

def golden(name, experiment_id):
    dataset = mlflow.genai.datasets.create_dataset(name=name, experiment_id=[experiment_id])
    dataset.merge_records([{"inputs": {"question": "refund window?"}, "expectations": {"expected": "30 days"}}])
    return dataset

# --- complete ---
complete = mlflow.set_experiment("parity-complete").experiment_id
mlflow.genai.evaluate(data=golden("qa-golden", complete), predict_fn=lambda question: "30 days",
                      scorers=[exact_match])

@mlflow.trace(span_type="LLM")
def answer(question):
    mlflow.get_current_active_span().set_attributes({
        "mlflow.llm.model": "gpt-4o-mini",
        "mlflow.chat.tokenUsage": {"input_tokens": 120, "output_tokens": 30, "total_tokens": 150},
    })
    time.sleep(0.02)  # like a model call: MLflow records whole milliseconds, and 0 ms reads as no latency
    return "30 days"

answer("refund window?")
mlflow.flush_trace_async_logging()
trace_id = mlflow.get_last_active_trace_id()
judge = AssessmentSource(source_type=AssessmentSourceType.LLM_JUDGE, source_id="gpt-4o")
mlflow.log_feedback(trace_id=trace_id, name="correctness", value=True, source=judge)
mlflow.log_feedback(trace_id=trace_id, name="groundedness", value=0.9, source=judge)
mlflow.log_feedback(trace_id=trace_id, name="expert_review", value="approved",
                    source=AssessmentSource(source_type=AssessmentSourceType.HUMAN, source_id="reviewer@example.com"))

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
now = time.time_ns()
request = ExportTraceServiceRequest()
span = request.resource_spans.add().scope_spans.add().spans.add()
span.trace_id, span.span_id = secrets.token_bytes(16), secrets.token_bytes(8)
span.name, span.kind = "chat claude", 3
span.start_time_unix_nano, span.end_time_unix_nano = now - 250_000_000, now
for key, value in [
    ("gen_ai.operation.name", AnyValue(string_value="chat")),
    ("gen_ai.provider.name", AnyValue(string_value="anthropic")),
    ("gen_ai.request.model", AnyValue(string_value="claude-sonnet")),
    ("gen_ai.usage.input_tokens", AnyValue(int_value=40)),
    ("gen_ai.usage.output_tokens", AnyValue(int_value=10)),
]:
    span.attributes.append(KeyValue(key=key, value=value))
requests.post(
    os.environ["MLFLOW_TRACKING_URI"] + "/v1/traces", data=request.SerializeToString(), timeout=10,
    headers={"Content-Type": "application/x-protobuf", "x-mlflow-experiment-id": complete},
).raise_for_status()
mlflow.genai.register_prompt(name="qa-prompt", template="Answer {{question}} from the policy.",
                             commit_message="first wording")
mlflow.genai.register_prompt(name="qa-prompt", template="Answer {{question}} from the policy; cite it.",
                             commit_message="cite the policy")

# --- bare ---
bare = mlflow.set_experiment("parity-bare").experiment_id
mlflow.genai.evaluate(data=golden("bare-golden", bare), predict_fn=lambda question: "30 days", scorers=[exact_match])

@mlflow.trace
def lookup(question):
    return question

lookup("a")
lookup("b")
mlflow.flush_trace_async_logging()
mlflow.genai.register_prompt(name="bare-prompt", template="{{q}}")

# --- empty ---
mlflow.set_experiment("parity-empty")
print("seeded parity")
"""

EVERY_CHECK = (
    "traces.present",
    "traces.have_usage",
    "evaluations.recent",
    "evaluations.required_metrics",
    "evaluations.tiers",
    "evaluations.heuristic",
    "evaluations.llm_judge",
    "evaluations.grounding",
    "evaluations.human_review",
    "datasets.named",
    "prompts.versioned",
)
SCENARIOS = {
    # scenario: (MLflow experiment, Phoenix project, shared settings, expected state of every check)
    "complete": (
        "parity-complete",
        "rag-bot",
        {"required_metrics": "exact_match", "eval_dataset": "qa-golden", "prompts": "qa-prompt"},
        {
            "traces.present": "pass",
            "traces.have_usage": "pass",
            "evaluations.recent": "pass",
            "evaluations.required_metrics": "pass",
            "evaluations.tiers": "warn",  # every tier, but one reviewed item where the unassessed (high) tier asks 20
            "evaluations.heuristic": "pass",
            "evaluations.llm_judge": "pass",
            "evaluations.grounding": "pass",
            "evaluations.human_review": "warn",
            "datasets.named": "pass",
            "prompts.versioned": "pass",
        },
    ),
    "bare": (
        "parity-bare",
        "bare-bot",
        {"required_metrics": "exact_match, groundedness", "prompts": "bare-prompt"},
        {
            "traces.present": "pass",
            "traces.have_usage": "fail",
            "evaluations.recent": "pass",
            "evaluations.required_metrics": "fail",
            "evaluations.tiers": "fail",
            "evaluations.heuristic": "pass",
            "evaluations.llm_judge": "fail",
            "evaluations.grounding": "fail",
            "evaluations.human_review": "fail",
            "datasets.named": "pass",
            "prompts.versioned": "warn",
        },
    ),
    "empty": (
        "parity-empty",
        "silent-bot",
        {"eval_dataset": "no-such-dataset", "prompts": "no-such-prompt"},
        dict.fromkeys(EVERY_CHECK, "fail"),
    ),
}
CASES = [(scenario, check_id) for scenario, (*_, expected) in SCENARIOS.items() for check_id in expected]


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory):
    """An MLflow server of its own: the session one holds the MLflow tests' dataset and prompt names."""
    if not mlflow_available():
        pytest.skip("needs .venv-mlflow with mlflow installed (make mlflow-venv)")
    server = MLflowServer(tmp_path_factory.mktemp("mlflow-parity")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def verdicts(mlflow_server, phoenix_server):
    """Every scenario read once through each back-end: {scenario: {backend: {check id: outcome}}}."""
    mlflow_server.seed(SEED)
    phoenix_server.seed("usage", "bare", "empty", "experiment", "prompts")
    found = {}
    with override_settings(PLUMBLINE_CONNECTOR_ALLOWED_HOSTS=["127.0.0.1"]):
        for scenario, (experiment, project, shared, _expected) in SCENARIOS.items():
            components = {
                "mlflow": ComponentFactory.build(
                    kind="mlflow",
                    connector="mlflow",
                    connector_settings={"tracking_uri": mlflow_server.url, "experiment": experiment, **shared},
                ),
                "phoenix": ComponentFactory.build(
                    kind="monitoring_source",
                    connector="phoenix",
                    connector_settings={"base_url": phoenix_server.url, "project": project, **shared},
                ),
            }
            found[scenario] = {
                backend: {o.check_id: o for o in connector_for_component(component, timeout=20).run()}
                for backend, component in components.items()
            }
    return found


def test_the_parity_cases_cover_every_capability_check():
    from connectors import capabilities

    every = {spec.id for spec in capabilities.checks_for(capabilities.CAPABILITIES)}
    assert all(set(expected) == every for *_, expected in SCENARIOS.values())


@pytest.mark.parametrize(("scenario", "check_id"), CASES)
def test_equivalent_evidence_reads_the_same_verdict_in_mlflow_and_phoenix(verdicts, scenario, check_id):
    expected = SCENARIOS[scenario][-1][check_id]
    mlflow_outcome = verdicts[scenario]["mlflow"][check_id]
    phoenix_outcome = verdicts[scenario]["phoenix"][check_id]
    assert (mlflow_outcome.state, phoenix_outcome.state) == (expected, expected), (
        f"MLflow: {mlflow_outcome.reason} | Phoenix: {phoenix_outcome.reason}"
    )
