"""MLflow traces read into the capability views (``connectors.capabilities.views``).

Production traces are the experiment's traces not recorded inside a run: an evaluation's traces carry
``mlflow.sourceRun`` in their metadata. Spans come in OTLP JSON; MLflow stores every attribute value JSON-encoded
(``"\\"gpt-4o-mini\\""``), OTLP senders' spans keep their typed values: both are decoded to plain values, and the
capability module recognises the keys (OTel GenAI, OpenInference, MLflow).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from config.limits import InputLimitError, json_loads
from connectors.capabilities.traces import SPAN_SAMPLE, TRACE_SAMPLE
from connectors.capabilities.views import Span, SpanEvent, Trace, TracesView

from .client import MLflowClient

SOURCE_RUN = "mlflow.sourceRun"
TRACE_SEARCH = 100
MAX_DECODED = 10_000  # longest attribute text decoded as JSON; longer ones stay text
DURATION = re.compile(r"^(\d+(?:\.\d+)?)s$")


def decode(value: Any) -> Any:
    """An attribute value as a plain value: OTLP ``AnyValue`` dicts unwrapped, JSON text decoded (bounded)."""
    if isinstance(value, dict) and len(value) == 1:
        ((kind, inner),) = value.items()
        if kind in ("string_value", "stringValue"):
            value = inner
        elif kind in ("int_value", "intValue"):
            try:
                return int(inner)
            except (TypeError, ValueError):
                return None
        elif kind in ("double_value", "doubleValue", "bool_value", "boolValue"):
            return inner
        elif kind in ("array_value", "arrayValue"):
            return [decode(v) for v in (inner or {}).get("values", [])]
        elif kind in ("kvlist_value", "kvlistValue"):
            return attributes_of((inner or {}).get("values", []))
    if isinstance(value, str) and value[:1] in '{["' and len(value) <= MAX_DECODED:
        try:
            return json_loads(value)
        except InputLimitError:
            return value
    return value


def attributes_of(items) -> dict[str, Any]:
    if isinstance(items, dict):
        return {str(k): decode(v) for k, v in items.items()}
    return {str(a.get("key")): decode(a.get("value")) for a in items or [] if isinstance(a, dict) and a.get("key")}


def _time(text) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _duration_ms(value) -> float | None:
    """TraceInfoV3 ``execution_duration`` is a protobuf Duration, "0.25s" in JSON."""
    match = DURATION.match(str(value or ""))
    return float(match.group(1)) * 1000 if match else None


def span_of(span: dict) -> Span:
    events = tuple(
        SpanEvent(str(e.get("name", "")), attributes_of(e.get("attributes")))
        for e in span.get("events") or []
        if isinstance(e, dict)
    )
    return Span(
        span_id=str(span.get("span_id") or span.get("spanId") or ""),
        name=str(span.get("name", "")),
        attributes=attributes_of(span.get("attributes")),
        events=events,
    )


def source_run_of(info: dict) -> str:
    """The run a trace was recorded in (an evaluation's traces), "" for a production trace."""
    metadata = info.get("trace_metadata")
    return str(metadata.get(SOURCE_RUN) or "") if isinstance(metadata, dict) else ""


def production(infos: list[dict]) -> list[dict]:
    return [t for t in infos if not source_run_of(t)]


def read_traces(client: MLflowClient, experiment_id: str, where: str) -> TracesView:
    infos = production(client.search_traces(experiment_id, limit=TRACE_SEARCH))[:TRACE_SAMPLE]
    traces = []
    for index, info in enumerate(infos):
        trace_id = str(info.get("trace_id", ""))
        spans = tuple(span_of(s) for s in client.trace_spans(trace_id)) if index < SPAN_SAMPLE else None
        traces.append(
            Trace(
                trace_id=trace_id,
                started_at=_time(info.get("request_time", "")),
                duration_ms=_duration_ms(info.get("execution_duration")),
                attributes={**attributes_of(info.get("tags")), **attributes_of(info.get("trace_metadata"))},
                spans=spans,
            )
        )
    return TracesView(where=where, traces=tuple(traces))
