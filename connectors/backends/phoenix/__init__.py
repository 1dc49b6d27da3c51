"""Arize Phoenix (self-hosted ``phoenix serve`` or Phoenix Cloud): traces, evaluations, datasets and prompts.

Reads Phoenix's REST API (``/v1``) only, so the app needs no ``phoenix`` package: the project's spans and traces,
span annotations by LLM judges, code and humans, experiments on datasets, prompt versions. ``client`` does the
bounded HTTP, ``reader`` turns answers into the capability views, and ``connectors.capabilities`` judges them with
the same rules as every other tracing back-end (so a Phoenix project and an MLflow experiment holding the same
evidence read the same verdicts).

Settings: ``base_url`` (the server, e.g. https://phoenix.example.com or http://127.0.0.1:6006), ``project`` (the
Phoenix project the application traces into), the optional ``api_key`` secret (a Phoenix system or user API key,
sent as ``Authorization: Bearer``), and the shared capability settings (``eval_dataset`` names the dataset whose
experiments count, ``prompts`` the prompts to check, ``required_metrics``, ages, ``checks``).
"""

from __future__ import annotations

from functools import cached_property

from connectors import capabilities as caps
from connectors.backends import as_list, host_of
from connectors.base import URL, ConnectorError, Parameter
from connectors.capabilities import views
from connectors.urls_policy import validate_url
from registry.choices import ComponentKind

from . import reader
from .client import SYSTEM, PhoenixClient, segment

# How much is read: the newest traces (the capability modules judge at most this many), the spans of the newest
# few, the annotations on the project's newest spans, the newest experiments' evaluations, the prompts' versions.
SPAN_LIMIT = 100
ANNOTATED_SPANS = 100
DATASET_LIMIT = 50
EXPERIMENT_LIMIT = 50
EXPERIMENT_DETAIL = 5
PROMPT_LIMIT = 100
VERSION_LIMIT = 100
UNSAFE_NAME = ("/", "?", "#")


class PhoenixConnector(caps.CapabilityConnector):
    name = "phoenix"
    version = "1"
    component_kinds = (
        ComponentKind.MONITORING_SOURCE,
        ComponentKind.EVAL_DATASET,
        ComponentKind.PROMPT_SET,
        ComponentKind.MODEL_ENDPOINT,
    )
    capabilities = ("traces", "evaluations", "datasets", "prompts")
    parameters = (
        Parameter(
            "base_url",
            "Phoenix server URL",
            required=True,
            type=URL,
            attribute="url",
            help="e.g. https://phoenix.example.com (without /v1); default: the component's URL.",
        ),
        Parameter("project", "Phoenix project", required=True, help="The project the application sends traces to."),
        Parameter(
            "api_key",
            "API key",
            secret=True,
            help="A Phoenix system API key, for servers with authentication on (sent as a Bearer token).",
        ),
        *caps.parameters_for(capabilities),
    )
    checks = caps.checks_for(capabilities)
    max_concurrency = 8

    @classmethod
    def validate_settings(cls, settings: dict) -> dict[str, list[str]]:
        errors = super().validate_settings(settings)
        project = str(settings.get("project") or "")
        if any(mark in project for mark in UNSAFE_NAME):
            errors.setdefault("project", []).append("A Phoenix project name cannot contain /, ? or #.")
        return errors

    # --- settings ------------------------------------------------------------------------------------------

    def _setting(self, name: str) -> str:
        value = self.settings.get(name) or (self.component.attributes or {}).get(name) or ""
        return str(value).strip()

    @cached_property
    def base_url(self) -> str:
        url = str(self.settings.get("base_url") or (self.component.attributes or {}).get("url") or "").strip()
        if not url:
            raise ConnectorError("Set the Phoenix server URL (base_url).", transient=False)
        return validate_url(url.rstrip("/").removesuffix("/v1"))

    def target(self) -> str:
        url = str(self.settings.get("base_url") or (self.component.attributes or {}).get("url") or "")
        return host_of(url) if url else ""

    @cached_property
    def project(self) -> str:
        project = self._setting("project")
        if not project:
            raise ConnectorError("Set the Phoenix project (project).", transient=False)
        if any(mark in project for mark in UNSAFE_NAME):
            raise ConnectorError("A Phoenix project name cannot contain /, ? or #.", transient=False)
        return project

    @cached_property
    def client(self) -> PhoenixClient:
        return PhoenixClient(self.base_url, timeout=self.timeout, api_key=self.secrets.get("api_key", ""))

    @cached_property
    def project_path(self) -> str:
        """``/v1/projects/<project>``, once Phoenix said the project exists (a missing one is a setting to fix)."""
        path = f"/v1/projects/{segment(self.project)}"
        if self.client.get(path, what="the project", missing_ok=True) is None:
            raise ConnectorError(
                f"{SYSTEM} at {host_of(self.base_url)} has no project named {self.project!r}; check the project "
                "setting (projects appear when the application sends its first trace).",
                transient=False,
            )
        return path

    @property
    def where(self) -> str:
        return f"Phoenix project {self.project!r}"

    # --- readers -------------------------------------------------------------------------------------------

    def read_traces(self) -> views.TracesView:
        from connectors.capabilities.traces import SPAN_SAMPLE, TRACE_SAMPLE

        items = self.client.listing(
            f"{self.project_path}/traces", what="traces", limit=TRACE_SAMPLE, sort="start_time", order="desc"
        )
        newest = [str(t.get("trace_id") or "") for t in items[:SPAN_SAMPLE] if t.get("trace_id")]
        spans_by_trace: dict[str, list[dict]] = {trace_id: [] for trace_id in newest}
        if newest:
            for item in self.client.listing(
                f"{self.project_path}/spans", what="spans", limit=SPAN_LIMIT, trace_id=newest
            ):
                trace_id = reader.context(item).get("trace_id") or ""
                if trace_id in spans_by_trace:
                    spans_by_trace[trace_id].append(item)
        traces = tuple(reader.trace(t, spans_by_trace.get(str(t.get("trace_id") or ""))) for t in items)
        return views.TracesView(where=self.where, traces=traces)

    def _datasets(self) -> list[dict]:
        wanted = self._setting("eval_dataset")
        params = {"name": wanted} if wanted else {}
        datasets = self.client.listing("/v1/datasets", what="datasets", limit=DATASET_LIMIT, **params)
        return [d for d in datasets if not wanted or d.get("name") == wanted]

    def read_evaluations(self) -> views.EvaluationsView:
        experiments = []
        for dataset in self._datasets():
            for experiment in self.client.listing(
                f"/v1/datasets/{segment(dataset.get('id') or '')}/experiments",
                what="experiments",
                limit=EXPERIMENT_LIMIT,
            ):
                finished = not experiment.get("missing_run_count") and experiment.get("successful_run_count")
                if finished:
                    experiments.append((experiment, dataset))
        experiments.sort(key=lambda pair: str(pair[0].get("created_at") or ""), reverse=True)
        runs = []
        for index, (experiment, dataset) in enumerate(experiments):
            rows = None
            if index < EXPERIMENT_DETAIL:
                body = self.client.get(
                    f"/v1/experiments/{segment(experiment.get('id') or '')}/json",
                    what="experiment evaluations",
                    missing_ok=True,
                    rows=True,
                )
                rows = body if isinstance(body, list) else []
            runs.append(reader.experiment_run(experiment, dataset, rows))
        wanted = self._setting("eval_dataset")
        datasets = f"experiments on dataset {wanted!r}" if wanted else "experiments on any dataset of the server"
        return views.EvaluationsView(
            where=f"{self.where} ({datasets})", current_version=None, runs=tuple(runs), results=self._annotations()
        )

    def _annotations(self) -> tuple[views.EvaluationResult, ...]:
        """Span annotations on the project's newest spans (Phoenix lists annotations only by span id)."""
        spans = self.client.listing(f"{self.project_path}/spans", what="spans", limit=ANNOTATED_SPANS)
        span_ids = [reader.context(s).get("span_id") or "" for s in spans]
        span_ids = [span_id for span_id in span_ids if span_id]
        if not span_ids:
            return ()
        items = self.client.listing(f"{self.project_path}/span_annotations", what="span annotations", span_ids=span_ids)
        return tuple(reader.annotation(item) for item in items)

    def read_prompts(self) -> views.PromptsView:
        wanted = tuple(as_list(self.settings.get("prompts"), []))
        listed = self.client.listing("/v1/prompts", what="prompts", limit=PROMPT_LIMIT)
        chosen = [p for p in listed if not wanted or p.get("name") in wanted]
        prompts = []
        for item in chosen:
            versions = self.client.listing(
                f"/v1/prompts/{segment(item.get('name') or '')}/versions", what="prompt versions", limit=VERSION_LIMIT
            )
            prompts.append(reader.prompt(item, versions))
        return views.PromptsView(
            where=f"the prompts of Phoenix at {host_of(self.base_url)}", wanted=wanted, prompts=tuple(prompts)
        )

    def run(self):
        try:
            return self.run_capabilities()
        finally:
            if "client" in self.__dict__:
                self.client.close()
