"""Phoenix's REST answers -> the capability views (``connectors.capabilities.views``). Reading only; the capability
modules judge. Each function takes what the API answered (plain dicts) so the mapping is one place:

- traces: ``GET /v1/projects/{p}/traces`` (newest first) are the production traces (Phoenix records experiment runs
  in separate hidden ``Experiment-...`` projects, so a project's traces are production ones); the spans of the newest
  ``SPAN_SAMPLE`` come from ``GET /v1/projects/{p}/spans?trace_id=...`` with their flat OpenInference / OTel GenAI
  attributes and events. The trace's own token counts (Phoenix sums ``llm.token_count.*`` of LLM spans) are trace
  attributes under the same OpenInference keys.
- evaluations: each experiment on a dataset is a finished evaluation run; its evaluators' names are its metrics, its
  evaluations (annotator kind CODE / LLM / HUMAN) its results, the dataset and dataset version its dataset. Phoenix
  has no model versions, so nothing links a run to a "current version": ``current_version`` is None and every run
  counts for the project. Span annotations on the project's newest spans are results outside runs.
- prompts: ``GET /v1/prompts`` and each prompt's versions; a version's description is its commit message.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

from connectors.capabilities import views

ANNOTATOR_KINDS = {"CODE": views.CODE, "LLM": views.LLM_JUDGE, "HUMAN": views.HUMAN}
NO_VERSIONS = "the project (Phoenix has no model versions to link to)"


def when(value: Any) -> datetime | None:
    """An ISO 8601 time with offset as Phoenix answers it, or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def row_number(global_id: Any) -> str:
    """The row number in a Phoenix GlobalID (base64 of ``Type:number``: ``UHJvbXB0VmVyc2lvbjoz`` -> ``3``), the
    id as given when it is not one; prompt versions are numbered this way in Phoenix's UI."""
    text = str(global_id or "")
    try:
        decoded = base64.b64decode(text, validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return text
    kind, _, number = decoded.partition(":")
    return number if kind.isalpha() and number.isdigit() else text


def source_kind(annotator_kind: Any) -> str:
    return ANNOTATOR_KINDS.get(str(annotator_kind or "").upper(), views.UNSPECIFIED)


def context(item: dict) -> dict[str, str]:
    """A span's OTel ids (``{"trace_id", "span_id"}``) as strings; empty when the answer has none."""
    found = item.get("context")
    return {k: str(v) for k, v in found.items() if isinstance(v, str)} if isinstance(found, dict) else {}


def span(item: dict) -> views.Span:
    attributes = item.get("attributes") if isinstance(item.get("attributes"), dict) else {}
    events = tuple(
        views.SpanEvent(
            name=str(event.get("name") or ""),
            attributes=event.get("attributes") if isinstance(event.get("attributes"), dict) else {},
        )
        for event in item.get("events") or []
        if isinstance(event, dict)
    )
    return views.Span(
        span_id=context(item).get("span_id") or str(item.get("id") or ""),
        name=str(item.get("name") or ""),
        attributes=attributes,
        events=events,
    )


def trace(item: dict, spans: list[dict] | None) -> views.Trace:
    started, ended = when(item.get("start_time")), when(item.get("end_time"))
    duration = (ended - started).total_seconds() * 1000 if started and ended else None
    attributes = {
        key: item[source]
        for key, source in (
            ("llm.token_count.prompt", "token_count_prompt"),
            ("llm.token_count.completion", "token_count_completion"),
            ("llm.token_count.total", "token_count_total"),
        )
        if isinstance(item.get(source), int) and item[source] > 0
    }
    return views.Trace(
        trace_id=str(item.get("trace_id") or ""),
        started_at=started,
        duration_ms=duration,
        attributes=attributes,
        spans=None if spans is None else tuple(span(s) for s in spans),
    )


def annotation(item: dict, *, item_key: str = "span_id") -> views.EvaluationResult:
    result = item.get("result") if isinstance(item.get("result"), dict) else {}
    value = result.get("score") if result.get("score") is not None else result.get("label")
    return views.EvaluationResult(
        name=str(item.get("name") or ""),
        source_kind=source_kind(item.get("annotator_kind")),
        item_id=str(item.get(item_key) or ""),
        value=value,
        source_id=str(item.get("user_id") or item.get("source") or ""),
    )


def experiment_run(experiment: dict, dataset: dict, rows: list[dict] | None) -> views.EvaluationRun:
    """One experiment as an evaluation run; ``rows`` are its ``/json`` rows (None when not fetched)."""
    results = []
    for row in rows or []:
        if not isinstance(row, dict):
            continue
        for item in row.get("annotations") or []:
            if isinstance(item, dict) and not item.get("error"):
                results.append(
                    views.EvaluationResult(
                        name=str(item.get("name") or ""),
                        source_kind=source_kind(item.get("annotator_kind")),
                        item_id=str(row.get("example_id") or ""),
                        value=item.get("score") if item.get("score") is not None else item.get("label"),
                    )
                )
    version = str(experiment.get("dataset_version_id") or "")
    return views.EvaluationRun(
        run_id=str(experiment.get("id") or ""),
        name=str(experiment.get("name") or ""),
        finished_at=when(experiment.get("updated_at")) or when(experiment.get("created_at")),
        link=NO_VERSIONS,
        metrics=tuple(dict.fromkeys(r.name for r in results if r.name)),
        datasets=(views.DatasetRef(name=str(dataset.get("name") or ""), version=version, source_type="phoenix"),),
        results=tuple(results),
    )


def prompt(item: dict, versions: list[dict]) -> views.Prompt:
    return views.Prompt(
        name=str(item.get("name") or ""),
        versions=tuple(
            views.PromptVersion(version=row_number(v.get("id")), message=str(v.get("description") or "").strip())
            for v in versions
        ),
    )
