"""The ``traces.*`` checks, once for every tracing back-end (MLflow, Phoenix, ...), over a ``TracesView``.

The attribute conventions recognised, in one place, so every back-end reads them alike:
- OpenTelemetry GenAI semantic conventions: ``gen_ai.request.model`` / ``gen_ai.response.model``,
  ``gen_ai.provider.name`` (older ``gen_ai.system``), ``gen_ai.usage.input_tokens`` / ``output_tokens`` (older
  ``prompt_tokens`` / ``completion_tokens``), and ``gen_ai.evaluation.result`` span events;
- OpenInference (Phoenix, Arize instrumentations): ``llm.model_name``, ``llm.provider`` / ``llm.system``,
  ``llm.token_count.prompt`` / ``completion`` / ``total``;
- MLflow's own: ``mlflow.llm.model``, ``mlflow.chat.tokenUsage`` on spans, ``mlflow.trace.tokenUsage`` on the trace.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.backends import setting_number
from connectors.base import FAIL, NUMBER, PASS, WARN, CheckOutcome, CheckSpec, Parameter

from .views import UNSPECIFIED, EvaluationResult, Trace, TracesView

TRACE_SAMPLE = 20
SPAN_SAMPLE = 5
HOURS = timedelta(hours=1)

MODEL_KEYS = ("gen_ai.request.model", "gen_ai.response.model", "llm.model_name", "mlflow.llm.model")
PROVIDER_KEYS = ("gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system")
INPUT_TOKEN_KEYS = ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.token_count.prompt")
OUTPUT_TOKEN_KEYS = ("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens", "llm.token_count.completion")
TOTAL_TOKEN_KEYS = ("llm.token_count.total",)
USAGE_OBJECT_KEYS = ("mlflow.chat.tokenUsage", "mlflow.trace.tokenUsage")  # {"input_tokens", "output_tokens", ...}
EVALUATION_EVENT = "gen_ai.evaluation.result"
CONVENTIONS = (("OTel GenAI", "gen_ai."), ("OpenInference", "llm."), ("MLflow", "mlflow."))

CHECKS = (
    CheckSpec(
        "traces.present",
        "Production traces exist, recently",
        "Instrument the application (MLflow Tracing, OpenInference/Phoenix, or any OpenTelemetry GenAI "
        "instrumentation) and send its traces to the tracing back-end.",
        ttl=6 * HOURS,
        passes="The newest production trace (not recorded inside an evaluation) is within max_trace_age_days "
        "(default 7).",
        fails="There are no production traces, or the newest is too old.",
    ),
    CheckSpec(
        "traces.have_usage",
        "Traces carry model, token usage and latency (OTel GenAI, OpenInference or MLflow attributes)",
        "Use an autolog/instrumentation library, or set gen_ai.request.model and gen_ai.usage.input_tokens / "
        "output_tokens (OTel GenAI), llm.model_name and llm.token_count.* (OpenInference) or mlflow.llm.model "
        "and mlflow.chat.tokenUsage on LLM spans.",
        ttl=6 * HOURS,
        passes=f"Each of the newest {SPAN_SAMPLE} production traces carries the model, token usage and latency.",
        fails="None of them does, or there are no production traces at all.",
        warns="Some of them do.",
    ),
)

PARAMETERS = (
    Parameter("max_trace_age_days", "Maximum age of the newest trace (days)", type=NUMBER, help="Default 7."),
)


@dataclass(frozen=True)
class Options:
    max_age_days: float

    @classmethod
    def from_settings(cls, settings: dict) -> Options:
        return cls(max_age_days=setting_number(settings, "max_trace_age_days", 7, minimum=0.001))


def age_days(when: datetime | None, now: datetime) -> float | None:
    """Age in days; a timestamp slightly ahead of our clock (skew between hosts) reads as 0, not -0.0."""
    return None if when is None else max(0.0, round((now - when).total_seconds() / 86400, 2))


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _first(attributes, keys) -> tuple[str, Any] | None:
    for key in keys:
        value = attributes.get(key)
        if value not in (None, "", [], {}):
            return key, value
    return None


@dataclass(frozen=True)
class Usage:
    """What one trace says about the model call(s) in it, whichever convention it used."""

    models: tuple[str, ...]
    providers: tuple[str, ...]
    input_tokens: float | None
    output_tokens: float | None
    total_tokens: float | None
    conventions: tuple[str, ...]
    latency_ms: float | None

    @property
    def has_usage(self) -> bool:
        return any(n is not None for n in (self.input_tokens, self.output_tokens, self.total_tokens))

    def missing(self) -> list[str]:
        return [
            name
            for name, ok in (
                ("model", bool(self.models)),
                ("token usage", self.has_usage),
                ("latency", self.latency_ms is not None),
            )
            if not ok
        ]


RECOGNISED_KEYS = frozenset(
    (*MODEL_KEYS, *PROVIDER_KEYS, *INPUT_TOKEN_KEYS, *OUTPUT_TOKEN_KEYS, *TOTAL_TOKEN_KEYS, *USAGE_OBJECT_KEYS)
)


def _tokens(attributes) -> dict[str, float]:
    """Token counts one span (or the trace) states, by kind ("input", "output", "total")."""
    counts = {}
    for kind, keys in (("input", INPUT_TOKEN_KEYS), ("output", OUTPUT_TOKEN_KEYS), ("total", TOTAL_TOKEN_KEYS)):
        found = _first(attributes, keys)
        if found and (number := _number(found[1])) is not None:
            counts[kind] = number
    for key in USAGE_OBJECT_KEYS:
        usage = attributes.get(key)
        if isinstance(usage, dict):
            for kind in ("input", "output", "total"):
                if kind not in counts and (number := _number(usage.get(f"{kind}_tokens"))) is not None:
                    counts[kind] = number
    return counts


def usage_of(trace: Trace) -> Usage:
    """Model, provider, token counts and latency of one trace. Token counts are summed over its spans; the
    trace-level total (MLflow's ``mlflow.trace.tokenUsage``, itself a sum of the spans) is used only when no span
    states any, so nothing is counted twice."""
    models, providers, conventions = [], [], set()
    totals: dict[str, float] = {}
    for attributes in [trace.attributes, *[span.attributes for span in trace.spans or ()]]:
        conventions.update(
            name
            for key in attributes
            if key in RECOGNISED_KEYS
            for name, prefix in CONVENTIONS
            if key.startswith(prefix)
        )
        if found := _first(attributes, MODEL_KEYS):
            models.append(str(found[1]))
        if found := _first(attributes, PROVIDER_KEYS):
            providers.append(str(found[1]))
    for span in trace.spans or ():
        for kind, number in _tokens(span.attributes).items():
            totals[kind] = totals.get(kind, 0) + number
    if not totals:
        totals = _tokens(trace.attributes)
    return Usage(
        models=tuple(dict.fromkeys(models)),
        providers=tuple(dict.fromkeys(providers)),
        input_tokens=totals.get("input"),
        output_tokens=totals.get("output"),
        total_tokens=totals.get("total"),
        conventions=tuple(sorted(conventions)),
        latency_ms=trace.duration_ms,
    )


def evaluation_results(view: TracesView) -> list[EvaluationResult]:
    """OTel ``gen_ai.evaluation.result`` span events as evaluation results (the convention names no evaluator
    kind, so they count for the grounding tier by name, never as LLM-judge or human review)."""
    found = []
    for trace in view.traces:
        for span in trace.spans or ():
            for event in span.events:
                if event.name != EVALUATION_EVENT:
                    continue
                name = event.attributes.get("gen_ai.evaluation.name")
                if not name:
                    continue
                value = event.attributes.get("gen_ai.evaluation.score.value")
                if value is None:
                    value = event.attributes.get("gen_ai.evaluation.score.label")
                found.append(EvaluationResult(str(name), UNSPECIFIED, trace.trace_id, value))
    return found


def evaluate(view: TracesView, options: Options, *, now: datetime | None = None) -> list[CheckOutcome]:
    now = now or datetime.now(UTC)
    return [_present(view, options, now), _have_usage(view)]


def _present(view, options, now) -> CheckOutcome:
    check_id = "traces.present"
    if not view.traces:
        return CheckOutcome(
            check_id,
            FAIL,
            f"No production traces in {view.where}; instrument the application with a tracing SDK or OpenTelemetry.",
            {"where": view.where},
        )
    newest = view.traces[0]
    age = age_days(newest.started_at, now)
    facts = {
        "where": view.where,
        "newest_trace": newest.trace_id,
        "newest_at": newest.started_at.isoformat() if newest.started_at else None,
        "age_days": age,
        "sampled": len(view.traces),
    }
    if age is None or age > options.max_age_days:
        return CheckOutcome(
            check_id,
            FAIL,
            f"The newest production trace in {view.where} is {age} days old (allowed {options.max_age_days:g}).",
            facts,
        )
    return CheckOutcome(check_id, PASS, f"Production traces are recent (newest {age} days old).", facts)


def _have_usage(view) -> CheckOutcome:
    check_id = "traces.have_usage"
    if not view.traces:
        return CheckOutcome(
            check_id,
            FAIL,
            f"No production traces in {view.where}, so none carries model, token usage or latency; instrument the "
            "application with a tracing SDK or OpenTelemetry.",
            {"where": view.where, "sampled": 0},
        )
    sampled = list(view.traces[:SPAN_SAMPLE])
    complete, gaps, seen = 0, {}, {}
    for trace in sampled:
        usage = usage_of(trace)
        seen[trace.trace_id] = {
            "models": list(usage.models),
            "providers": list(usage.providers),
            "input_tokens": usage.input_tokens,
            "output_tokens": usage.output_tokens,
            "total_tokens": usage.total_tokens,
            "conventions": list(usage.conventions),
            "latency_ms": usage.latency_ms,
        }
        if missing := usage.missing():
            gaps[trace.trace_id] = missing
        else:
            complete += 1
    facts = {"where": view.where, "sampled": len(sampled), "complete": complete, "gaps": gaps, "traces": seen}
    if complete == len(sampled):
        return CheckOutcome(
            check_id, PASS, f"All {len(sampled)} sampled traces carry model, token usage and latency.", facts
        )
    if complete == 0:
        first = next(iter(gaps.values()))
        return CheckOutcome(
            check_id,
            FAIL,
            f"None of the {len(sampled)} sampled traces carry model, token usage and latency "
            f"(missing e.g. {', '.join(first)}).",
            facts,
        )
    return CheckOutcome(
        check_id, WARN, f"{complete} of {len(sampled)} sampled traces carry model, token usage and latency.", facts
    )
