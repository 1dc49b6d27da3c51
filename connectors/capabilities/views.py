"""The plain views a back-end reads its system into; the capability modules judge them.

A tracing or evaluation back-end (MLflow, Phoenix, ...) has one job: turn what its API answers into these frozen
dataclasses. Everything that decides pass/warn/fail lives in ``connectors.capabilities.<capability>``, so every
back-end is judged by the same rules, with the same check ids and the same settings. Values are plain Python
(str, int, float, bool, None, dicts and tuples of them); times are aware UTC datetimes.

Readers never judge: a missing thing is an empty tuple or None, never a verdict. A reader that cannot look
(unreachable, refused, garbage) raises ``connectors.base.ConnectorError`` like every back-end.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Who produced an evaluation result (MLflow assessment source type CODE / LLM_JUDGE / HUMAN; Phoenix annotator
# kind CODE / LLM / HUMAN; Langfuse score source API / EVAL / ANNOTATION).
CODE = "code"
LLM_JUDGE = "llm_judge"
HUMAN = "human"
UNSPECIFIED = "unspecified"  # e.g. OTel ``gen_ai.evaluation.result`` events, which do not say who evaluated
SOURCE_KINDS = (CODE, LLM_JUDGE, HUMAN, UNSPECIFIED)


@dataclass(frozen=True)
class SpanEvent:
    """An event on a span (OTel ``gen_ai.evaluation.result`` events carry evaluation results)."""

    name: str
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Span:
    """One span with its attributes flattened to ``key -> value`` (OTLP ``[{key, value}]`` lists and JSON-encoded
    values decoded by the reader; nested OpenInference keys kept dotted: ``llm.token_count.prompt``)."""

    span_id: str
    name: str
    attributes: Mapping[str, Any] = field(default_factory=dict)
    events: tuple[SpanEvent, ...] = ()


@dataclass(frozen=True)
class Trace:
    """One production trace (a back-end leaves out traces recorded inside an evaluation or experiment).

    ``attributes``: trace-level metadata (MLflow ``trace_metadata``/tags, e.g. ``mlflow.trace.tokenUsage``).
    ``spans``: None when the reader did not fetch them (only the newest ``traces.SPAN_SAMPLE`` are fetched).
    """

    trace_id: str
    started_at: datetime | None
    duration_ms: float | None
    attributes: Mapping[str, Any] = field(default_factory=dict)
    spans: tuple[Span, ...] | None = None


@dataclass(frozen=True)
class TracesView:
    """The newest production traces of one place (an MLflow experiment, a Phoenix project), newest first, at most
    ``traces.TRACE_SAMPLE``; empty when there are none (that is evidence: ``traces.present`` fails)."""

    where: str  # for reasons and facts, e.g. "MLflow experiment 'support-bot'"
    traces: tuple[Trace, ...]


@dataclass(frozen=True)
class DatasetRef:
    """A dataset an evaluation ran over. ``version``: digest or version id ("" when unversioned); ``source_type``
    "code" for a dataset built in code with no name of its own (MLflow names those "dataset")."""

    name: str
    version: str = ""
    source_type: str = ""


@dataclass(frozen=True)
class EvaluationResult:
    """One result on one evaluated item: an MLflow assessment (feedback), a Phoenix span annotation or experiment
    evaluation, an OTel ``gen_ai.evaluation.result`` event, a Langfuse score."""

    name: str  # metric / scorer / annotation name, e.g. "groundedness"
    source_kind: str  # one of SOURCE_KINDS
    item_id: str  # the trace, span or example it is about (human review counts distinct items)
    value: Any = None
    source_id: str = ""  # who: the judge model, the reviewer, the code scorer


@dataclass(frozen=True)
class EvaluationRun:
    """One finished evaluation (an MLflow evaluation run, a Phoenix experiment), as the back-end linked it.

    ``link``: how it is tied to the current version, in words ("model input m-1", "lineage ...", "dataset
    version ..."), or None when it is not tied to it. ``metrics``: aggregate metric names it logged.
    """

    run_id: str
    name: str
    finished_at: datetime | None
    link: str | None
    metrics: tuple[str, ...] = ()
    datasets: tuple[DatasetRef, ...] = ()
    results: tuple[EvaluationResult, ...] = ()


@dataclass(frozen=True)
class EvaluationsView:
    """Finished evaluations of one place, newest first. ``current_version``: a label of what is evaluated now
    ("support-model v3"), None when the system has no versions to link to (then every run counts as linked).
    ``results``: results recorded outside runs (annotations on production traces), also counted by tiers."""

    where: str
    current_version: str | None
    runs: tuple[EvaluationRun, ...]
    results: tuple[EvaluationResult, ...] = ()


@dataclass(frozen=True)
class PromptVersion:
    version: str
    message: str = ""  # the commit message / description ("" when none)
    created_at: datetime | None = None


@dataclass(frozen=True)
class Prompt:
    name: str
    versions: tuple[PromptVersion, ...]


@dataclass(frozen=True)
class PromptsView:
    """The prompts of one place in the system's prompt registry. ``wanted``: names the settings ask for (empty: the
    ones linked to the place); a wanted name missing from ``prompts`` is missing from the registry."""

    where: str
    wanted: tuple[str, ...]
    prompts: tuple[Prompt, ...]
