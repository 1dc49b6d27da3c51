"""The Phoenix back-end against a real ``phoenix serve``, seeded through OTLP and Phoenix's own client
(tests/integration/phoenix_seed.py): ``rag-bot`` (OpenInference and OTel GenAI spans with model and token counts,
annotations by an LLM judge, by code and by a person), ``bare-bot`` (spans without model or tokens), ``silent-bot``
(no traces), dataset ``qa-golden`` with experiment ``baseline``, prompts ``qa-prompt`` (described, tagged versions)
and ``bare-prompt`` (a version without description).
"""

import pytest
from django.test import override_settings

from connectors import services
from connectors.backends.phoenix import PhoenixConnector
from connectors.base import ConnectorError
from connectors.loading import connector_for_component
from connectors.models import CheckResult
from tests.factories import ComponentFactory

pytest_plugins = ["tests.integration.phoenix_server"]
pytestmark = [
    pytest.mark.integration,
    pytest.mark.needs_server,
    pytest.mark.slow,
    pytest.mark.xdist_group("phoenix"),
    # The first test starts and seeds the server: ~25 s idle, over 300 s at a load average of 15 (2 cores).
    pytest.mark.timeout(900),
]

SEEDS = ("usage", "bare", "empty", "experiment", "prompts")


@pytest.fixture(scope="module")
def seeded(phoenix_server):
    phoenix_server.seed(*SEEDS)
    return phoenix_server


@pytest.fixture(scope="module")
def loopback_allowed():
    with override_settings(PLUMBLINE_CONNECTOR_ALLOWED_HOSTS=["127.0.0.1"]):
        yield


def outcomes(server, project, **extra):
    component = ComponentFactory.build(
        kind="monitoring_source",
        connector="phoenix",
        connector_settings={"base_url": server.url, "project": project, **extra},
    )
    return {o.check_id: o for o in connector_for_component(component, timeout=10).run()}


@pytest.fixture(scope="module")
def rag_bot(seeded, loopback_allowed):
    return outcomes(seeded, "rag-bot", required_metrics="exact_match", eval_dataset="qa-golden", prompts="qa-prompt")


@pytest.fixture(scope="module")
def bare_bot(seeded, loopback_allowed):
    return outcomes(seeded, "bare-bot", required_metrics="exact_match, groundedness", prompts="bare-prompt")


@pytest.fixture(scope="module")
def silent_bot(seeded, loopback_allowed):
    return outcomes(seeded, "silent-bot", eval_dataset="no-such-dataset", prompts="no-such-prompt")


COMPLETE = ("traces.present", "traces.have_usage", "evaluations.recent", "evaluations.required_metrics",
            "evaluations.heuristic", "evaluations.llm_judge", "evaluations.grounding", "datasets.named",
            "prompts.versioned")  # fmt: skip


@pytest.mark.parametrize("check_id", COMPLETE)
def test_a_traced_annotated_and_evaluated_project_passes(rag_bot, check_id):
    assert rag_bot[check_id].state == "pass", rag_bot[check_id].reason


def test_openinference_and_otel_genai_token_counts_both_count_as_usage(rag_bot):
    outcome = rag_bot["traces.have_usage"]
    assert outcome.facts["sampled"] == 2
    assert outcome.facts["complete"] == 2


def test_annotations_by_an_llm_judge_code_and_a_person_show_every_tier(rag_bot):
    outcome = rag_bot["evaluations.tiers"]
    tiers = outcome.facts["tiers"]
    assert tiers["llm_judge"]["names"] == ["correctness", "groundedness"]
    assert tiers["grounding"]["names"] == ["groundedness"]
    assert "exact_match" in tiers["heuristic"]["names"]
    assert tiers["human"] == {"present": True, "results": 1, "items": 1, "names": ["expert_review"]}
    # Unassessed projects are judged as high risk: every tier is there, but one reviewed item is not 20.
    assert outcome.state == "warn", outcome.reason
    assert "reviewed 1 item(s)" in outcome.reason


def test_the_experiment_on_the_named_dataset_is_the_evaluation(rag_bot):
    assert "qa-golden" in rag_bot["datasets.named"].reason
    assert rag_bot["evaluations.required_metrics"].facts["run"]


def test_traces_without_model_or_tokens_fail_usage_but_are_present(bare_bot):
    assert bare_bot["traces.present"].state == "pass"
    outcome = bare_bot["traces.have_usage"]
    assert outcome.state == "fail"
    assert "model, token usage" in outcome.reason


def test_a_required_metric_no_evaluator_produced_is_named(bare_bot):
    outcome = bare_bot["evaluations.required_metrics"]
    assert outcome.state == "fail"
    assert outcome.facts["missing"] == ["groundedness"]


def test_experiments_read_without_a_named_dataset_say_so(bare_bot):
    assert "any dataset of the server" in bare_bot["evaluations.recent"].reason


def test_a_prompt_version_without_description_warns_with_its_number(bare_bot):
    outcome = bare_bot["prompts.versioned"]
    assert outcome.state == "warn"
    assert "bare-prompt v3" in outcome.reason


@pytest.mark.parametrize("check_id", [spec.id for spec in PhoenixConnector.checks])
def test_a_project_without_traces_evaluations_or_prompts_fails(silent_bot, check_id):
    assert silent_bot[check_id].state == "fail", silent_bot[check_id].reason


def test_a_wrong_project_name_is_a_permanent_error_naming_it(seeded, loopback_allowed):
    with pytest.raises(ConnectorError, match="no project named 'nope'") as caught:
        outcomes(seeded, "nope")
    assert caught.value.transient is False


def test_old_check_ids_select_the_same_checks(seeded, loopback_allowed):
    result = outcomes(seeded, "rag-bot", checks="mlflow.traces_present")
    assert result["traces.present"].state == "pass"
    assert result["prompts.versioned"].state == "not_applicable"


def test_an_answer_over_the_size_limit_reads_error(seeded, loopback_allowed, settings):
    settings.PLUMBLINE_CONNECTOR_MAX_RESPONSE_BYTES = 200
    with pytest.raises(ConnectorError, match="more than 200 bytes") as caught:
        outcomes(seeded, "rag-bot", checks="traces.present")
    assert caught.value.transient is False


@pytest.mark.django_db
def test_a_refresh_stores_the_results_shown_by_the_api(seeded, loopback_allowed, project, member, client):
    ComponentFactory(
        project=project,
        kind="monitoring_source",
        name="phoenix",
        connector="phoenix",
        connector_settings={"base_url": seeded.url, "project": "rag-bot", "eval_dataset": "qa-golden"},
    )
    services.component_check(component=project.components.get(name="phoenix"))
    assert CheckResult.objects.filter(project=project).count() == len(PhoenixConnector.checks)
    client.force_login(member)
    by_id = {row["id"]: row for row in client.get(f"/api/v1/projects/{project.slug}/checks").json()}
    assert by_id["traces.have_usage"]["state"] == "pass"
    assert by_id["traces.have_usage"]["component"] == "phoenix"
