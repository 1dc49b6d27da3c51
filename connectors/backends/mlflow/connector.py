"""The MLflow back-end: model provenance (its own ``mlflow.*`` checks) and the traces, evaluations, datasets and
prompts capabilities (``connectors.capabilities``), read over the tracking server's REST API."""

from __future__ import annotations

from functools import cached_property

from connectors import capabilities as caps
from connectors.backends import as_list, host_of
from connectors.base import URL, ConnectorError, Parameter
from connectors.capabilities.views import EvaluationsView, PromptsView, TracesView
from connectors.urls_policy import validate_url
from registry.choices import ComponentKind

from . import evaluation, prompts, provenance, traces
from .client import MLflowClient

CAPABILITIES = ("evaluations", "datasets", "prompts", "traces")


class MLflowConnector(caps.CapabilityConnector):
    name = "mlflow"
    version = "1"
    component_kinds = (
        ComponentKind.MLFLOW,
        ComponentKind.MODEL_ENDPOINT,
        ComponentKind.PROMPT_SET,
        ComponentKind.EVAL_DATASET,
        ComponentKind.MONITORING_SOURCE,
    )
    capabilities = CAPABILITIES
    parameters = (
        Parameter(
            "tracking_uri",
            "Tracking server URL",
            required=True,
            type=URL,
            attribute="tracking_uri",
            help="e.g. https://mlflow.example.com; default: the component's.",
        ),
        Parameter(
            "experiment",
            "Experiment name",
            required_unless=("registered_model", "prompts"),
            attribute="experiment",
            help="Default: the component's experiment attribute. Not needed when a registered model or prompts "
            "are named.",
        ),
        Parameter(
            "registered_model",
            "Registered model",
            attribute="registered_model",
            help="Empty: the experiment's logged models are checked.",
        ),
        Parameter("traces_experiment", "Experiment with production traces", help="Empty: the same experiment."),
        *caps.parameters_for(CAPABILITIES),
        Parameter("token", "Access token", secret=True, help="Sent as a Bearer token, for servers behind auth."),
    )
    checks = (*provenance.CHECKS, *caps.checks_for(CAPABILITIES))
    max_concurrency = 8

    def _setting(self, name: str) -> str:
        value = self.settings.get(name) or (self.component.attributes or {}).get(name) or ""
        return str(value).strip()

    @cached_property
    def base_url(self) -> str:
        uri = self._setting("tracking_uri")
        if not uri:
            raise ConnectorError("Set the MLflow tracking server URL (tracking_uri).", transient=False)
        return validate_url(uri.rstrip("/"))

    def target(self) -> str:
        uri = self._setting("tracking_uri")
        return host_of(uri) if uri else ""

    @classmethod
    def validate_settings(cls, settings: dict) -> dict[str, list[str]]:
        errors = super().validate_settings(settings)
        uri = str(settings.get("tracking_uri") or "")
        if uri and not uri.startswith(("http://", "https://")):
            errors.setdefault("tracking_uri", []).append("Use the http:// or https:// URL of the tracking server.")
        for name in ("max_eval_age_days", "max_trace_age_days"):
            value = settings.get(name)
            if value not in (None, ""):
                try:
                    if float(value) <= 0:
                        raise ValueError
                except (TypeError, ValueError):
                    errors.setdefault(name, []).append("Give a positive number of days.")
        return errors

    @cached_property
    def client(self) -> MLflowClient:
        return MLflowClient(base_url=self.base_url, timeout=self.timeout, token=self.secrets.get("token") or "")

    @cached_property
    def experiment(self) -> dict:
        name = self._setting("experiment")
        if not name:
            raise ConnectorError("Set the MLflow experiment name (experiment).", transient=False)
        return self.client.experiment(name)

    @cached_property
    def traces_experiment(self) -> dict:
        name = self._setting("traces_experiment")
        return self.client.experiment(name) if name else self.experiment

    @cached_property
    def provenance(self) -> provenance.Provenance:
        return provenance.Provenance(
            self.client, experiment=self.experiment, registered_model=self._setting("registered_model")
        )

    # --- capability readers ---

    def read_traces(self) -> TracesView:
        experiment = self.traces_experiment
        return traces.read_traces(
            self.client, experiment["experiment_id"], f"MLflow experiment {experiment.get('name', '')!r}"
        )

    def read_evaluations(self) -> EvaluationsView:
        return evaluation.read_evaluations(
            self.client,
            experiment=self.experiment,
            provenance=self.provenance,
            required_metrics=as_list(self.settings.get("required_metrics"), []),
            trace_experiment_ids=(self.traces_experiment["experiment_id"],),
        )

    def read_prompts(self) -> PromptsView:
        return prompts.read_prompts(
            self.client, experiment=self.experiment, wanted=tuple(as_list(self.settings.get("prompts"), []))
        )

    # --- public ---

    def run_metrics(self, run_id: str) -> dict[str, float] | None:
        """The metrics an MLflow run logged (latest value of each); None when the server has no such run. Lane
        gates corroborates a CI push with it. Raises ``ConnectorError`` when the server cannot be read."""
        try:
            return self.client.run_metrics(run_id)
        finally:
            self.close()

    def close(self) -> None:
        if "client" in self.__dict__:
            self.client.close()
            del self.__dict__["client"]

    def run(self):
        try:
            self.base_url  # noqa: B018 - fail fast: a missing or refused URL, then bad credentials or experiment
            self.experiment  # noqa: B018
            return self.run_capabilities(own=self.provenance.checks())
        finally:
            self.close()
