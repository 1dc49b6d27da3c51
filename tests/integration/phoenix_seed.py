"""Seeds a real Phoenix server the way teams feed it: OTLP spans from the OpenTelemetry SDK, annotations, a dataset,
an experiment and prompt versions through Phoenix's own client. Run with ``.venv-phoenix/bin/python`` (the app never
imports phoenix): ``python phoenix_seed.py <base_url> <what>...``; prints one JSON object with the ids it made.

What it seeds (also listed in docs/checks.md under Phoenix, and matched by the MLflow seeding of the parity test):
- ``usage``: project ``rag-bot``: two traces whose LLM spans carry model and token counts, one in OpenInference
  attributes (``llm.model_name``, ``llm.token_count.*``), one in OTel GenAI ones (``gen_ai.request.model``,
  ``gen_ai.usage.*``); annotations on the first LLM span by an LLM judge (``correctness``), by CODE
  (``exact_match``), by a HUMAN (``expert_review``) and a faithfulness judge (``groundedness``).
- ``bare``: project ``bare-bot``: two traces whose spans carry neither model nor token counts.
- ``empty``: project ``silent-bot`` with no traces at all.
- ``experiment``: dataset ``qa-golden`` (3 examples) and experiment ``baseline`` on it with a CODE evaluator
  ``exact_match``.
- ``prompts``: prompt ``qa-prompt`` with two versions with descriptions, the second tagged ``production``; prompt
  ``bare-prompt`` whose one version has no description.
- ``many:N``: N small projects ``bench-<i>`` with one trace of one LLM span each (for the benchmark).
"""

from __future__ import annotations

import json
import sys
import time

import httpx
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from phoenix.client import Client
from phoenix.client.types import PromptVersion


def tracer(base_url: str, project: str, *, batch: bool = False):
    provider = TracerProvider(resource=Resource.create({"openinference.project.name": project}))
    exporter = OTLPSpanExporter(endpoint=f"{base_url}/v1/traces")
    provider.add_span_processor(BatchSpanProcessor(exporter) if batch else SimpleSpanProcessor(exporter))
    return provider, provider.get_tracer("plumbline-seed")


def span_id_hex(span) -> str:
    return format(span.get_span_context().span_id, "016x")


def wait_for_spans(base_url: str, project: str, count: int, timeout: float = 30) -> list[dict]:
    """Phoenix inserts OTLP spans asynchronously: poll until ``count`` are readable."""
    deadline = time.monotonic() + timeout
    while True:
        response = httpx.get(f"{base_url}/v1/projects/{project}/spans", params={"limit": 100}, timeout=10)
        spans = response.json().get("data", []) if response.status_code == 200 else []
        if len(spans) >= count or time.monotonic() > deadline:
            return spans
        time.sleep(0.2)


def seed_usage(base_url: str, client: Client) -> dict:
    provider, seed_tracer = tracer(base_url, "rag-bot")
    chain = {"openinference.span.kind": "CHAIN"}
    with (
        seed_tracer.start_as_current_span("answer", attributes=chain),
        seed_tracer.start_as_current_span(
            "chat",
            attributes={
                "openinference.span.kind": "LLM",
                "llm.model_name": "gpt-4o-mini",
                "llm.provider": "openai",
                "llm.token_count.prompt": 120,
                "llm.token_count.completion": 30,
                "llm.token_count.total": 150,
                "input.value": "What is the refund window?",
                "output.value": "30 days.",
            },
        ) as llm_span,
    ):
        first_llm = span_id_hex(llm_span)
    with (
        seed_tracer.start_as_current_span("answer", attributes=chain),
        seed_tracer.start_as_current_span(
            "chat claude",
            attributes={
                "gen_ai.operation.name": "chat",
                "gen_ai.provider.name": "anthropic",
                "gen_ai.request.model": "claude-sonnet",
                "gen_ai.usage.input_tokens": 40,
                "gen_ai.usage.output_tokens": 10,
            },
        ),
    ):
        pass
    provider.force_flush()
    provider.shutdown()
    wait_for_spans(base_url, "rag-bot", 4)
    for name, kind, label, score in (
        ("correctness", "LLM", "correct", 1.0),
        ("groundedness", "LLM", "grounded", 0.9),
        ("exact_match", "CODE", "match", 1.0),
        ("expert_review", "HUMAN", "approved", 1.0),
    ):
        client.spans.add_span_annotation(
            span_id=first_llm, annotation_name=name, annotator_kind=kind, label=label, score=score, sync=True
        )
    return {"rag-bot": {"llm_span": first_llm}}


def seed_bare(base_url: str) -> dict:
    provider, seed_tracer = tracer(base_url, "bare-bot")
    for _ in range(2):
        with (
            seed_tracer.start_as_current_span("answer", attributes={"openinference.span.kind": "CHAIN"}),
            seed_tracer.start_as_current_span("lookup", attributes={"openinference.span.kind": "TOOL"}),
        ):
            pass
    provider.force_flush()
    provider.shutdown()
    wait_for_spans(base_url, "bare-bot", 4)
    return {"bare-bot": {}}


def seed_empty(base_url: str) -> dict:
    response = httpx.post(f"{base_url}/v1/projects", json={"name": "silent-bot"}, timeout=10)
    response.raise_for_status()
    return {"silent-bot": {}}


def seed_experiment(client: Client) -> dict:
    dataset = client.datasets.create_dataset(
        name="qa-golden",
        inputs=[{"question": "refund window?"}, {"question": "support hours?"}, {"question": "shipping cost?"}],
        outputs=[{"answer": "30 days"}, {"answer": "9 to 5"}, {"answer": "free"}],
        dataset_description="Golden questions",
    )

    def task(input):
        return {"refund window?": "30 days", "support hours?": "9 to 5"}.get(input["question"], "unknown")

    def exact_match(output, expected):
        return 1.0 if output == expected["answer"] else 0.0

    experiment = client.experiments.run_experiment(
        dataset=dataset,
        task=task,
        evaluators=[exact_match],
        experiment_name="baseline",
        print_summary=False,
    )
    return {"qa-golden": {"dataset_id": dataset.id, "experiment_id": experiment["experiment_id"]}}


def seed_prompts(client: Client) -> dict:
    messages = [{"role": "system", "content": "Answer {{question}} from the policy."}]
    client.prompts.create(
        name="qa-prompt",
        version=PromptVersion(messages, model_name="gpt-4o-mini", model_provider="OPENAI", description="first wording"),
        prompt_description="Answers policy questions",
    )
    second = client.prompts.create(
        name="qa-prompt",
        version=PromptVersion(
            [{"role": "system", "content": "Answer {{question}} from the policy; cite it."}],
            model_name="gpt-4o-mini",
            model_provider="OPENAI",
            description="cite the policy",
        ),
    )
    client.prompts.tags.create(prompt_version_id=second.id, name="production")
    client.prompts.create(
        name="bare-prompt",
        version=PromptVersion(
            [{"role": "user", "content": "{{q}}"}], model_name="gpt-4o-mini", model_provider="OPENAI"
        ),
    )
    return {"qa-prompt": {"production": second.id}}


def seed_many(base_url: str, count: int) -> dict:
    provider = TracerProvider()
    for index in range(count):
        project_provider, seed_tracer = tracer(base_url, f"bench-{index}", batch=True)
        with seed_tracer.start_as_current_span(
            "chat",
            attributes={
                "openinference.span.kind": "LLM",
                "llm.model_name": "gpt-4o-mini",
                "llm.token_count.prompt": 10,
                "llm.token_count.completion": 5,
                "llm.token_count.total": 15,
            },
        ):
            pass
        project_provider.shutdown()
    provider.shutdown()
    wait_for_spans(base_url, f"bench-{count - 1}", 1, timeout=120)
    return {"bench": count}


def main(base_url: str, what: list[str]) -> None:
    client = Client(base_url=base_url)
    made: dict = {}
    for item in what:
        if item == "usage":
            made.update(seed_usage(base_url, client))
        elif item == "bare":
            made.update(seed_bare(base_url))
        elif item == "empty":
            made.update(seed_empty(base_url))
        elif item == "experiment":
            made.update(seed_experiment(client))
        elif item == "prompts":
            made.update(seed_prompts(client))
        elif item.startswith("many:"):
            made.update(seed_many(base_url, int(item.split(":", 1)[1])))
        else:
            raise SystemExit(f"unknown seed {item!r}")
    print(json.dumps(made))


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"), sys.argv[2:])
