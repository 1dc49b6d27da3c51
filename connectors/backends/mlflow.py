"""MLflow: traceability of models to runs and code, evaluation coverage, prompt registry and production traces.

Talks to the tracking server's REST API only (``/api/2.0/mlflow``, ``/api/3.0/mlflow``), so the app needs no
``mlflow`` package. Data is fetched lazily, so a component limited to a few checks (setting ``checks``) only
makes the calls those checks need. Pitfalls handled (see docs/reference): a model version logged with
``log_model(registered_model_name=...)`` carries ``source = "models:/m-..."`` and no ``model_id`` field;
prompts are hidden from plain registry searches unless the ``mlflow.prompt.is_prompt`` tag is in the filter;
empty lists are omitted from responses; evaluation runs are recognised by the ``genai_evaluate`` run type
*or* by evaluation metrics, because classic ``mlflow.models.evaluate`` sets no run type.

An evaluation counts for the current model version when it is linked to it, strongest link first:
1. a model-id input (``inputs.model_inputs``: ``mlflow.genai.evaluate`` of a logged model, MLflow 3);
2. tags, then params, naming the registered model and the version: the name from ``mlflow.registeredModelName``,
   ``registered_model_name``, ``registered_model`` or ``model_name``, the version (``3`` or ``v3``) from
   ``mlflow.registeredModelVersion``, ``registered_model_version``, ``model_version`` or ``plumbline.model_version``,
   or both from a ``model_uri`` of the form ``models:/<name>/<version>``. MLflow has no reserved run tag for this;
   the ``mlflow.registered...`` keys follow the convention teams use to show the run on the model's page. A run whose
   ``model_uri`` or registered-model keys name another model or version never counts for the current one
   (``model_name`` often names the LLM behind the application, so it links a run but never rules one out);
3. lineage: the evaluation was logged on the run that produced the version, or on a child run of it
   (``mlflow.parentRunId``);
4. otherwise, for runs that name no model, a start after the version was registered.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

import httpx

from connectors.backends import as_list, host_of, raise_for_transport, setting_number
from connectors.base import (
    FAIL,
    LIST,
    NOT_APPLICABLE,
    NUMBER,
    PASS,
    UNKNOWN,
    URL,
    WARN,
    CheckOutcome,
    CheckSpec,
    Connector,
    ConnectorError,
    Parameter,
)
from connectors.http_client import connector_client
from connectors.urls_policy import validate_url
from registry.choices import ComponentKind

SYSTEM = "MLflow"
GIT_COMMIT = "mlflow.source.git.commit"
SOURCE_NAME = "mlflow.source.name"
RUN_TYPE = "mlflow.runType"
IS_PROMPT_FILTER = "tags.`mlflow.prompt.is_prompt` = 'true'"
ENVIRONMENT_FILES = ("requirements.txt", "conda.yaml", "python_env.yaml")
# Metrics that only an evaluation logs (classic mlflow.models.evaluate and genai scorers' "<name>/mean").
CLASSIC_EVAL_METRICS = {"accuracy_score", "f1_score", "precision_score", "recall_score", "example_count", "roc_auc"}
MAX_SUBJECTS = 10
MODEL_NAME_KEYS = ("mlflow.registeredModelName", "registered_model_name", "registered_model", "model_name")
MODEL_VERSION_KEYS = (
    "mlflow.registeredModelVersion",
    "registered_model_version",
    "model_version",
    "plumbline.model_version",
)
MODEL_URI_KEY = "model_uri"
PARENT_RUN = "mlflow.parentRunId"
RUN_PAGE = 200
TRACE_SAMPLE = 20
SPAN_SAMPLE = 5
USAGE_KEYS = ("mlflow.chat.tokenUsage", "gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens")
MODEL_KEYS = ("mlflow.llm.model", "gen_ai.request.model", "gen_ai.response.model")

HOURS = timedelta(hours=1)
CHECKS = (
    CheckSpec(
        "mlflow.model_version_has_run",
        "Every registered model version (or logged model) links to the run that produced it",
        "Log models inside an MLflow run (mlflow.start_run) and register them from it "
        "(log_model(..., registered_model_name=...)), so each version records its run.",
        ttl=24 * HOURS,
        passes=(
            "Every checked version (the newest 10 of registered_model, or the experiment's logged "
            "models) links to a producing run that exists."
        ),
        fails=("A version has no producing run, or the registered model does not exist or has no versions."),
        unknown="No registered_model is set and the experiment has no logged models.",
    ),
    CheckSpec(
        "mlflow.run_has_git_commit",
        "The producing run records the git commit (mlflow.source.git.commit)",
        "Run training from a script inside the git work tree with GitPython installed, so MLflow tags the commit.",
        ttl=24 * HOURS,
        passes="Every producing run records mlflow.source.git.commit.",
        fails=("A producing run does not, no version links to a run, or the registered model is missing or empty."),
        unknown="No registered_model is set and the experiment has no logged models.",
    ),
    CheckSpec(
        "mlflow.run_has_source",
        "The producing run records its entry point (mlflow.source.name)",
        "Start runs from a script or job (not an interactive shell) so MLflow records the entry point.",
        ttl=24 * HOURS,
        passes="Every producing run records mlflow.source.name.",
        fails=("A producing run does not, no version links to a run, or the registered model is missing or empty."),
        unknown="No registered_model is set and the experiment has no logged models.",
    ),
    CheckSpec(
        "mlflow.run_has_dataset_inputs",
        "The producing run logged its training/eval dataset inputs (name, digest, source)",
        "Log datasets with mlflow.log_input(mlflow.data.from_pandas(df, source=..., name=...), context='training').",
        ttl=24 * HOURS,
        passes="Every producing run logged a dataset input with name, digest and source.",
        fails=("A producing run did not, no version links to a run, or the registered model is missing or empty."),
        unknown="No registered_model is set and the experiment has no logged models.",
    ),
    CheckSpec(
        "mlflow.run_has_environment",
        "The run/model has an environment artifact (requirements.txt, conda.yaml or python_env.yaml)",
        "Log the model with mlflow.<flavor>.log_model, which writes requirements.txt and python_env.yaml, "
        "or log a requirements file as an artifact.",
        ttl=24 * HOURS,
        passes=(
            "Every producing run or logged model has requirements.txt, conda.yaml or "
            "python_env.yaml among its artifacts."
        ),
        fails="One has none, no version links to a run, or the registered model is missing or empty.",
        unknown="No registered_model is set and the experiment has no logged models.",
    ),
    CheckSpec(
        "mlflow.eval_runs_recent",
        "Evaluation runs exist for the current model or prompt version, recent enough",
        "Run mlflow.genai.evaluate (or mlflow.models.evaluate) against the current version, e.g. in CI on "
        "every release, and keep it within the configured age.",
        ttl=12 * HOURS,
        passes=(
            "The latest finished evaluation run linked to the current version is within max_eval_age_days "
            "(default 30); the reason gives the link and the age. Links, strongest first: the version's model "
            "as a model input; tags, then params, naming the registered model (mlflow.registeredModelName, "
            "registered_model_name, registered_model or model_name) and the version "
            "(mlflow.registeredModelVersion, registered_model_version, model_version or "
            "plumbline.model_version), or a model_uri models:/<name>/<version>; lineage (logged on the run "
            "that produced the version, or a child run of it); for runs naming no model, a start after the "
            "version was registered. A run whose model_uri or registered-model keys name another model or "
            "version never counts."
        ),
        fails=(
            "The experiment has no evaluation run, none is linked to the current version, or the latest is too old."
        ),
    ),
    CheckSpec(
        "mlflow.eval_required_metrics",
        "The latest evaluation has the metrics the project requires (heuristic, LLM-judge, groundedness)",
        "Add scorers for every metric listed in the component's required_metrics to the evaluation.",
        ttl=12 * HOURS,
        passes=(
            "The latest evaluation (of the current version, else any) logged every metric in "
            "required_metrics (as name or name/...)."
        ),
        fails="A required metric is missing, or there is no evaluation run.",
        warns="No required_metrics are configured.",
    ),
    CheckSpec(
        "mlflow.eval_dataset_named",
        "The evaluation ran over a named, versioned dataset",
        "Evaluate on a managed dataset (mlflow.genai.datasets.create_dataset) or log the data with "
        "mlflow.data.from_pandas(..., name=...) so it has a name and a digest.",
        ttl=12 * HOURS,
        passes=("The latest evaluation ran over a named dataset with a digest (the eval_dataset one when set)."),
        fails=(
            "It used an unnamed in-code dataset, another dataset than eval_dataset, or none; or "
            "there is no evaluation run."
        ),
    ),
    CheckSpec(
        "mlflow.prompts_versioned",
        "Prompts live in the MLflow prompt registry with versions and commit messages",
        "Register prompts with mlflow.genai.register_prompt(name=..., template=..., commit_message=...) and "
        "load them by version in the application.",
        ttl=24 * HOURS,
        passes=(
            "The prompts (named in prompts, or linked to the experiment) are in the prompt registry"
            " and every version has a commit message."
        ),
        fails="There are no prompts in the registry, or a named prompt is missing.",
        warns="A prompt version has no commit message.",
    ),
    CheckSpec(
        "mlflow.traces_present",
        "Production traces exist, recently",
        "Instrument the application with MLflow Tracing (mlflow.openai.autolog, @mlflow.trace) or send OTLP spans "
        "to /v1/traces with the experiment id header.",
        ttl=6 * HOURS,
        passes=("The newest production trace (not recorded inside a run) is within max_trace_age_days (default 7)."),
        fails="There are no production traces, or the newest is too old.",
    ),
    CheckSpec(
        "mlflow.traces_have_usage",
        "Traces carry model, token usage and latency (incl. OTel GenAI spans)",
        "Use an autolog integration, or set mlflow.llm.model / mlflow.chat.tokenUsage on LLM spans, or the OTel "
        "gen_ai.request.model and gen_ai.usage.* attributes.",
        ttl=6 * HOURS,
        passes=(
            "Each of the newest 5 production traces carries the model, token usage and latency "
            "(MLflow or OTel GenAI attributes)."
        ),
        fails="None of them does, or there are no production traces at all.",
        warns="Some of them do.",
    ),
)


def _tags(items) -> dict[str, str]:
    if isinstance(items, dict):
        return items
    return {t.get("key"): t.get("value", "") for t in items or []}


def _ms_to_dt(ms) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(ms) / 1000, tz=UTC)
    except (TypeError, ValueError):
        return None


def _age_days(when: datetime | None, now: datetime) -> float | None:
    """Age in days; a timestamp slightly ahead of our clock (skew between hosts) reads as 0, not -0.0."""
    return None if when is None else max(0.0, round((now - when).total_seconds() / 86400, 2))


def _otlp_attributes(span) -> dict[str, Any]:
    attributes = span.get("attributes") or []
    if isinstance(attributes, dict):
        return attributes
    return {a.get("key"): a.get("value") for a in attributes}


def _named_version(run: dict) -> tuple[str, str, str | None, bool] | None:
    """(keys read, model name, version or None, strict) when the run's tags (first) or params name a registered
    model. ``strict``: the keys can only mean the registered model (``model_uri``, ``mlflow.registeredModelName``,
    ``registered_model_name``, ``registered_model``); ``model_name`` often names the LLM behind the application
    instead, so it links a run when it matches but never rules one out."""
    data = run.get("data", {})
    for where, values in (("tags", _tags(data.get("tags"))), ("params", _tags(data.get("params")))):
        uri = str(values.get(MODEL_URI_KEY) or "")
        if uri.startswith("models:/") and uri.count("/") >= 2:
            name, _, version = uri.removeprefix("models:/").rpartition("/")
            return f"{where} {MODEL_URI_KEY}", name, version.removeprefix("v"), True
        name_key = next((k for k in MODEL_NAME_KEYS if values.get(k)), None)
        if name_key:
            version_key = next((k for k in MODEL_VERSION_KEYS if values.get(k)), None)
            version = str(values[version_key]).strip().removeprefix("v") if version_key else None
            keys = f"{where} {name_key}" + (f" and {version_key}" if version_key else "")
            return keys, str(values[name_key]).strip(), version, name_key != "model_name"
    return None


def _metric_matches(key: str, required: str) -> bool:
    return key == required or key.startswith(required + "/")


class MLflowConnector(Connector):
    name = "mlflow"
    version = "1"
    component_kinds = (
        ComponentKind.MLFLOW,
        ComponentKind.MODEL_ENDPOINT,
        ComponentKind.PROMPT_SET,
        ComponentKind.EVAL_DATASET,
        ComponentKind.MONITORING_SOURCE,
    )
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
        Parameter(
            "required_metrics",
            "Required evaluation metrics",
            type=LIST,
            help="Comma-separated metric names, e.g. exact_match, groundedness, relevance_to_query.",
        ),
        Parameter("max_eval_age_days", "Maximum age of the latest evaluation (days)", type=NUMBER, help="Default 30."),
        Parameter(
            "eval_dataset",
            "Evaluation dataset name",
            attribute="eval_dataset",
            help="Empty: any named, versioned dataset.",
        ),
        Parameter("prompts", "Prompt names", type=LIST, help="Empty: the prompts linked to the experiment."),
        Parameter("traces_experiment", "Experiment with production traces", help="Empty: the same experiment."),
        Parameter("max_trace_age_days", "Maximum age of the newest trace (days)", type=NUMBER, help="Default 7."),
        Parameter("checks", "Only these checks", type=LIST, help="Empty: every MLflow check."),
        Parameter("token", "Access token", secret=True, help="Sent as a Bearer token, for servers behind auth."),
    )
    checks = CHECKS
    max_concurrency = 8

    # --- settings ------------------------------------------------------------------------------------------

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
        unknown = set(as_list(settings.get("checks"), [])) - {spec.id for spec in CHECKS}
        if unknown:
            errors.setdefault("checks", []).append(f"Unknown MLflow check(s): {', '.join(sorted(unknown))}.")
        return errors

    # --- HTTP ----------------------------------------------------------------------------------------------

    @cached_property
    def http(self) -> httpx.Client:
        headers = {"Accept": "application/json"}
        if self.secrets.get("token"):
            headers["Authorization"] = f"Bearer {self.secrets['token']}"
        return connector_client(base_url=self.base_url, headers=headers, timeout=self.timeout, follow_redirects=False)

    def _call(self, method: str, path: str, *, what: str, missing_ok: bool = False, **kwargs) -> dict | None:
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise_for_transport(exc, system=SYSTEM, url=self.base_url, timeout=self.timeout)
        where = host_of(self.base_url)
        if response.status_code == 404 and missing_ok:
            return None
        if response.status_code in (401, 403):
            raise ConnectorError(
                f"{SYSTEM} at {where} refused the credentials (HTTP {response.status_code}); check the access token.",
                transient=False,
            )
        if response.status_code == 429 or response.status_code >= 500:
            raise ConnectorError(
                f"{SYSTEM} at {where} answered HTTP {response.status_code} when asked for {what}; it will be retried.",
                transient=True,
            )
        if response.status_code >= 400:
            raise ConnectorError(
                f"{SYSTEM} at {where} rejected the request for {what} (HTTP {response.status_code}); "
                "check the tracking URL and that the server runs MLflow 3.",
                transient=False,
            )
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise ConnectorError(
                f"{SYSTEM} at {where} answered {what} with something that is not MLflow JSON; is the URL right?",
                transient=False,
            )
        return body

    def _paged(self, method: str, path: str, key: str, *, what: str, limit: int, **params) -> list[dict]:
        items: list[dict] = []
        token = None
        while len(items) < limit:
            page = dict(params)
            if token:
                page["page_token"] = token
            if method == "GET":
                body = self._call("GET", path, what=what, params=page)
            else:
                body = self._call("POST", path, what=what, json=page)
            items.extend(body.get(key, []))
            token = body.get("next_page_token")
            if not token:
                break
        return items[:limit]

    def run_metrics(self, run_id: str) -> dict[str, float] | None:
        """The latest value of every metric logged on run ``run_id``; None when the server has no such run.
        Raises ``ConnectorError`` when MLflow cannot be asked. Corroborates a CI push naming its run."""
        body = self._call("GET", "/api/2.0/mlflow/runs/get", what="a run", missing_ok=True, params={"run_id": run_id})
        run = (body or {}).get("run")
        if not isinstance(run, dict):
            return None
        metrics = (run.get("data") or {}).get("metrics") or []
        return {
            m["key"]: float(m["value"])
            for m in metrics
            if isinstance(m, dict) and isinstance(m.get("key"), str) and isinstance(m.get("value"), (int, float))
        }

    # --- data, fetched lazily ------------------------------------------------------------------------------

    @cached_property
    def now(self) -> datetime:
        return datetime.now(tz=UTC)

    def _experiment(self, name: str) -> dict:
        body = self._call(
            "GET",
            "/api/2.0/mlflow/experiments/get-by-name",
            what="the experiment",
            missing_ok=True,
            params={"experiment_name": name},
        )
        if not body or "experiment" not in body:
            raise ConnectorError(
                f"{SYSTEM} at {host_of(self.base_url)} has no experiment named {name!r}; check the experiment setting.",
                transient=False,
            )
        return body["experiment"]

    @cached_property
    def experiment(self) -> dict:
        name = self._setting("experiment")
        if not name:
            raise ConnectorError("Set the MLflow experiment name (experiment).", transient=False)
        return self._experiment(name)

    @cached_property
    def registered_model(self) -> str:
        return self._setting("registered_model")

    @cached_property
    def model_versions(self) -> list[dict] | None:
        """Versions of the registered model, newest first; None when the model does not exist."""
        if not self.registered_model:
            return []
        exists = self._call(
            "GET",
            "/api/2.0/mlflow/registered-models/get",
            what="the registered model",
            missing_ok=True,
            params={"name": self.registered_model},
        )
        if exists is None:
            return None
        versions = self._paged(
            "GET",
            "/api/2.0/mlflow/model-versions/search",
            "model_versions",
            what="model versions",
            limit=200,
            filter=f"name='{self.registered_model}'",
            max_results=200,
        )
        return sorted(versions, key=lambda v: int(v.get("version", 0)), reverse=True)

    @cached_property
    def logged_models(self) -> list[dict]:
        models = self._paged(
            "POST",
            "/api/2.0/mlflow/logged-models/search",
            "models",
            what="logged models",
            limit=50,
            experiment_ids=[self.experiment["experiment_id"]],
            max_results=50,
        )
        infos = [m.get("info", m) for m in models]
        return sorted(infos, key=lambda m: int(m.get("creation_timestamp_ms", 0)), reverse=True)

    def _logged_model(self, model_id: str) -> dict | None:
        body = self._call("GET", f"/api/2.0/mlflow/logged-models/{model_id}", what="a logged model", missing_ok=True)
        return (body or {}).get("model", {}).get("info")

    @cached_property
    def subjects(self) -> list[dict]:
        """What traceability is checked on: model versions (or logged models), each with its producing run id.

        Each subject: {"label", "run_id", "model_id", "created"}.
        """
        subjects = []
        if self.registered_model:
            for version in (self.model_versions or [])[:MAX_SUBJECTS]:
                source = version.get("source", "")
                model_id = source.removeprefix("models:/") if source.startswith("models:/m-") else ""
                run_id = version.get("run_id", "")
                if not run_id and model_id:
                    run_id = (self._logged_model(model_id) or {}).get("source_run_id", "")
                subjects.append(
                    {
                        "label": f"{self.registered_model} v{version.get('version')}",
                        "version": str(version.get("version", "")),
                        "run_id": run_id,
                        "model_id": model_id,
                        "created": _ms_to_dt(version.get("creation_timestamp")),
                    }
                )
        else:
            for model in self.logged_models[:MAX_SUBJECTS]:
                subjects.append(
                    {
                        "label": f"logged model {model.get('name', '')} ({model.get('model_id')})",
                        "version": "",
                        "run_id": model.get("source_run_id", ""),
                        "model_id": model.get("model_id", ""),
                        "created": _ms_to_dt(model.get("creation_timestamp_ms")),
                    }
                )
        return subjects

    @cached_property
    def subject_runs(self) -> dict[str, dict]:
        """The producing runs of the subjects, by run id (missing runs are left out)."""
        runs = {}
        for run_id in dict.fromkeys(s["run_id"] for s in self.subjects if s["run_id"]):
            body = self._call(
                "GET", "/api/2.0/mlflow/runs/get", what="a run", missing_ok=True, params={"run_id": run_id}
            )
            if body and "run" in body:
                runs[run_id] = body["run"]
        return runs

    @cached_property
    def recent_runs(self) -> list[dict]:
        return self._paged(
            "POST",
            "/api/2.0/mlflow/runs/search",
            "runs",
            what="runs",
            limit=RUN_PAGE,
            experiment_ids=[self.experiment["experiment_id"]],
            max_results=RUN_PAGE,
            order_by=["attributes.start_time DESC"],
        )

    @cached_property
    def required_metrics(self) -> list[str]:
        return as_list(self.settings.get("required_metrics"), [])

    def _is_eval_run(self, run: dict) -> bool:
        tags = _tags(run.get("data", {}).get("tags"))
        if tags.get(RUN_TYPE) == "genai_evaluate":
            return True
        keys = [m.get("key", "") for m in run.get("data", {}).get("metrics", [])]
        if any(k in CLASSIC_EVAL_METRICS or k.endswith("/mean") for k in keys):
            return True
        return any(_metric_matches(k, r) for k in keys for r in self.required_metrics)

    @cached_property
    def eval_runs(self) -> list[dict]:
        return [r for r in self.recent_runs if self._is_eval_run(r) and r["info"].get("status") == "FINISHED"]

    @cached_property
    def current(self) -> dict | None:
        return self.subjects[0] if self.subjects else None

    def link_to_current(self, run: dict) -> str | None:
        """How an evaluation run is linked to the current version (see the module docstring), or None."""
        current = self.current
        if current is None:
            return "the experiment (no model version to link to)"
        model_ids = {m.get("model_id") for m in (run.get("inputs", {}).get("model_inputs") or [])}
        if current["model_id"] and current["model_id"] in model_ids:
            return f"model input {current['model_id']}"
        named = _named_version(run) if self.registered_model else None
        if named is not None:
            keys, name, version, strict = named
            if name == self.registered_model and version == current["version"]:
                return keys
            if strict and (name != self.registered_model or version is not None):
                return None  # it names another model, or another version of this one
        run_id, parent = run["info"].get("run_id"), _tags(run.get("data", {}).get("tags")).get(PARENT_RUN)
        if current["run_id"] and current["run_id"] in (run_id, parent):
            return (
                "lineage (logged on the run that produced the version)"
                if run_id == current["run_id"]
                else ("lineage (a child run of the run that produced the version)")
            )
        started = _ms_to_dt(run["info"].get("start_time"))
        if started and current["created"] and started >= current["created"]:
            return "start after the version was registered"
        return None

    @cached_property
    def current_eval_links(self) -> list[tuple[dict, str]]:
        """(run, how it is linked) of the evaluation runs for the current version, newest first."""
        return [(r, link) for r in self.eval_runs if (link := self.link_to_current(r))]

    @cached_property
    def current_eval_runs(self) -> list[dict]:
        return [r for r, _ in self.current_eval_links]

    @cached_property
    def latest_eval(self) -> dict | None:
        runs = self.current_eval_runs or self.eval_runs
        return runs[0] if runs else None

    def _artifact_files(self, subject: dict, run: dict | None) -> list[str]:
        files: list[str] = []
        if subject["model_id"]:
            body = self._call(
                "GET",
                f"/api/2.0/mlflow/logged-models/{subject['model_id']}/artifacts/directories",
                what="logged model artifacts",
                missing_ok=True,
            )
            files += [f.get("path", "") for f in (body or {}).get("files", [])]
        if run is not None and not any(f.rsplit("/", 1)[-1] in ENVIRONMENT_FILES for f in files):
            run_id = run["info"]["run_id"]
            body = self._call(
                "GET",
                "/api/2.0/mlflow/artifacts/list",
                what="run artifacts",
                missing_ok=True,
                params={"run_id": run_id},
            )
            top = (body or {}).get("files", [])
            files += [f.get("path", "") for f in top]
            for directory in [f["path"] for f in top if f.get("is_dir")][:5]:
                inner = self._call(
                    "GET",
                    "/api/2.0/mlflow/artifacts/list",
                    what="run artifacts",
                    missing_ok=True,
                    params={"run_id": run_id, "path": directory},
                )
                files += [f.get("path", "") for f in (inner or {}).get("files", [])]
        return files

    @cached_property
    def prompts(self) -> list[dict]:
        models = self._paged(
            "GET",
            "/api/2.0/mlflow/registered-models/search",
            "registered_models",
            what="prompts",
            limit=200,
            filter=IS_PROMPT_FILTER,
            max_results=200,
        )
        wanted = as_list(self.settings.get("prompts"), [])
        if wanted:
            return [m for m in models if m.get("name") in wanted]
        experiment_id = self.experiment["experiment_id"]
        return [m for m in models if f",{experiment_id}," in _tags(m.get("tags")).get("_mlflow_experiment_ids", "")]

    def _prompt_versions(self, name: str) -> list[dict]:
        return self._paged(
            "GET",
            "/api/2.0/mlflow/model-versions/search",
            "model_versions",
            what="prompt versions",
            limit=200,
            filter=f"name='{name}' AND {IS_PROMPT_FILTER}",
            max_results=200,
        )

    @cached_property
    def traces_experiment_id(self) -> str:
        name = self._setting("traces_experiment")
        return self._experiment(name)["experiment_id"] if name else self.experiment["experiment_id"]

    @cached_property
    def production_traces(self) -> list[dict]:
        """Newest traces not recorded inside an MLflow run: evaluation traces carry ``mlflow.sourceRun``."""
        body = self._call(
            "POST",
            "/api/3.0/mlflow/traces/search",
            what="traces",
            json={
                "locations": [
                    {"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {"experiment_id": self.traces_experiment_id}}
                ],
                "max_results": 100,
                "order_by": ["timestamp_ms DESC"],
            },
        )
        traces = [t for t in body.get("traces", []) if not (t.get("trace_metadata") or {}).get("mlflow.sourceRun")]
        return traces[:TRACE_SAMPLE]

    def _spans(self, trace_id: str) -> list[dict]:
        body = self._call(
            "GET", "/api/3.0/mlflow/traces/get", what="a trace", missing_ok=True, params={"trace_id": trace_id}
        )
        return ((body or {}).get("trace") or {}).get("spans", [])

    # --- checks --------------------------------------------------------------------------------------------

    def run(self) -> list[CheckOutcome]:
        selected = set(as_list(self.settings.get("checks"), [spec.id for spec in CHECKS]))
        methods = {
            "mlflow.model_version_has_run": self.check_model_version_has_run,
            "mlflow.run_has_git_commit": self.check_run_has_git_commit,
            "mlflow.run_has_source": self.check_run_has_source,
            "mlflow.run_has_dataset_inputs": self.check_run_has_dataset_inputs,
            "mlflow.run_has_environment": self.check_run_has_environment,
            "mlflow.eval_runs_recent": self.check_eval_runs_recent,
            "mlflow.eval_required_metrics": self.check_eval_required_metrics,
            "mlflow.eval_dataset_named": self.check_eval_dataset_named,
            "mlflow.prompts_versioned": self.check_prompts_versioned,
            "mlflow.traces_present": self.check_traces_present,
            "mlflow.traces_have_usage": self.check_traces_have_usage,
        }
        try:
            self.base_url  # noqa: B018 - fail fast: a missing or refused URL, then bad credentials or experiment
            self.experiment  # noqa: B018
            outcomes = []
            for spec in CHECKS:
                if spec.id in selected:
                    outcomes.append(methods[spec.id](spec.id))
                else:
                    outcomes.append(
                        CheckOutcome(spec.id, NOT_APPLICABLE, "Not selected in this component's checks setting.")
                    )
            return outcomes
        finally:
            if "http" in self.__dict__:
                self.http.close()

    def _no_models(self, check_id) -> CheckOutcome | None:
        if self.registered_model and self.model_versions is None:
            return CheckOutcome(
                check_id,
                FAIL,
                f"There is no registered model named {self.registered_model!r}; register the model "
                "or fix the registered_model setting.",
                {"registered_model": self.registered_model},
            )
        if not self.subjects:
            if self.registered_model:
                return CheckOutcome(
                    check_id,
                    FAIL,
                    f"The registered model {self.registered_model!r} has no versions.",
                    {"registered_model": self.registered_model},
                )
            return CheckOutcome(
                check_id,
                UNKNOWN,
                f"The experiment {self.experiment['name']!r} has no logged models; set "
                "registered_model or log the model from a run.",
                {"experiment": self.experiment["name"]},
            )
        return None

    def check_model_version_has_run(self, check_id) -> CheckOutcome:
        if (outcome := self._no_models(check_id)) is not None:
            return outcome
        missing = [s["label"] for s in self.subjects if not s["run_id"] or s["run_id"] not in self.subject_runs]
        facts = {"checked": [s["label"] for s in self.subjects], "without_run": missing}
        if missing:
            return CheckOutcome(
                check_id,
                FAIL,
                f"{len(missing)} of {len(self.subjects)} model version(s) have no producing run: "
                f"{', '.join(missing[:3])}.",
                facts,
            )
        return CheckOutcome(
            check_id, PASS, f"All {len(self.subjects)} model version(s) link to the run that produced them.", facts
        )

    def _runs_check(self, check_id, has, what: str, fix: str) -> CheckOutcome:
        if (outcome := self._no_models(check_id)) is not None:
            return outcome
        if not self.subject_runs:
            return CheckOutcome(check_id, FAIL, "No model version links to a run, so its provenance cannot be read.")
        lacking, facts = [], {}
        for subject in self.subjects:
            run = self.subject_runs.get(subject["run_id"])
            if run is None:
                continue
            value = has(run, subject)
            facts[subject["label"]] = value or None
            if not value:
                lacking.append(subject["label"])
        if lacking:
            return CheckOutcome(
                check_id,
                FAIL,
                f"{len(lacking)} producing run(s) do not record {what}: {', '.join(lacking[:3])}. {fix}",
                {"by_version": facts},
            )
        return CheckOutcome(check_id, PASS, f"Every producing run records {what}.", {"by_version": facts})

    def check_run_has_git_commit(self, check_id) -> CheckOutcome:
        return self._runs_check(
            check_id,
            lambda run, _s: _tags(run["data"].get("tags")).get(GIT_COMMIT, ""),
            "the git commit",
            "Train from a script inside the git repository.",
        )

    def check_run_has_source(self, check_id) -> CheckOutcome:
        return self._runs_check(
            check_id,
            lambda run, _s: _tags(run["data"].get("tags")).get(SOURCE_NAME, ""),
            "its entry point",
            "Start runs from a script or job.",
        )

    def check_run_has_dataset_inputs(self, check_id) -> CheckOutcome:
        def datasets(run, _subject):
            found = []
            for item in run.get("inputs", {}).get("dataset_inputs") or []:
                dataset = item.get("dataset", {})
                if dataset.get("name") and dataset.get("digest") and dataset.get("source"):
                    context = _tags(item.get("tags")).get("mlflow.data.context", "")
                    found.append(f"{dataset['name']}@{dataset['digest']}" + (f" ({context})" if context else ""))
            return found

        return self._runs_check(
            check_id, datasets, "dataset inputs with name, digest and source", "Log them with mlflow.log_input."
        )

    def check_run_has_environment(self, check_id) -> CheckOutcome:
        def environment(run, subject):
            files = self._artifact_files(subject, run)
            return sorted({f.rsplit("/", 1)[-1] for f in files} & set(ENVIRONMENT_FILES))

        return self._runs_check(
            check_id,
            environment,
            "an environment artifact (requirements.txt, conda.yaml or python_env.yaml)",
            "Log the model with a flavor's log_model, which records the environment.",
        )

    def _max_age(self, name: str, default: float) -> float:
        return setting_number(self.settings, name, default, minimum=0.001)

    def check_eval_runs_recent(self, check_id) -> CheckOutcome:
        max_age = self._max_age("max_eval_age_days", 30)
        if not self.eval_runs:
            return CheckOutcome(
                check_id,
                FAIL,
                f"No evaluation runs in experiment {self.experiment['name']!r}; run "
                "mlflow.genai.evaluate on the current version.",
                {"experiment": self.experiment["name"]},
            )
        current = self.current
        facts = {
            "evaluation_runs": len(self.eval_runs),
            "current_version": current["label"] if current else None,
            "for_current_version": len(self.current_eval_runs),
        }
        if not self.current_eval_runs:
            return CheckOutcome(
                check_id,
                FAIL,
                f"{len(self.eval_runs)} evaluation run(s) exist but none since the current version "
                f"{current['label']} was registered, nor linked to it by a model input, tags or params naming it, or "
                "lineage; evaluate the current version.",
                facts,
            )
        latest, link = self.current_eval_links[0]
        ended = _ms_to_dt(latest["info"].get("end_time") or latest["info"].get("start_time"))
        age = _age_days(ended, self.now)
        facts.update(latest_run=latest["info"]["run_id"], linked_by=link, latest_age_days=age, max_age_days=max_age)
        subject = facts["current_version"] or "the experiment"
        if age is None or age > max_age:
            return CheckOutcome(
                check_id,
                FAIL,
                f"The latest evaluation of {subject} (linked by {link}) is {age} days old (allowed {max_age:g}); "
                "evaluate again.",
                facts,
            )
        return CheckOutcome(
            check_id,
            PASS,
            f"Latest evaluation of {subject} (linked by {link}) is {age} days old (allowed {max_age:g}).",
            facts,
        )

    def check_eval_required_metrics(self, check_id) -> CheckOutcome:
        latest = self.latest_eval
        if latest is None:
            return CheckOutcome(check_id, FAIL, "No evaluation run, so no metrics; run an evaluation first.")
        keys = sorted(m.get("key", "") for m in latest.get("data", {}).get("metrics", []))
        facts = {"run": latest["info"]["run_id"], "metrics": keys, "required": self.required_metrics}
        if not self.required_metrics:
            return CheckOutcome(
                check_id,
                WARN,
                "No required metrics are configured; list them in the component's required_metrics "
                f"setting (the latest evaluation logged {len(keys)} metric(s)).",
                facts,
            )
        missing = [r for r in self.required_metrics if not any(_metric_matches(k, r) for k in keys)]
        facts["missing"] = missing
        if missing:
            return CheckOutcome(
                check_id, FAIL, f"The latest evaluation lacks required metric(s): {', '.join(missing)}.", facts
            )
        return CheckOutcome(
            check_id, PASS, f"The latest evaluation has all {len(self.required_metrics)} required metric(s).", facts
        )

    def check_eval_dataset_named(self, check_id) -> CheckOutcome:
        latest = self.latest_eval
        if latest is None:
            return CheckOutcome(check_id, FAIL, "No evaluation run, so no evaluation dataset; run an evaluation first.")
        wanted = self._setting("eval_dataset")
        datasets = [item.get("dataset", {}) for item in latest.get("inputs", {}).get("dataset_inputs") or []]
        named = [
            d
            for d in datasets
            if d.get("name") and d.get("digest") and (d["name"] != "dataset" or d.get("source_type") != "code")
        ]
        facts = {
            "run": latest["info"]["run_id"],
            "datasets": [
                {"name": d.get("name"), "digest": d.get("digest"), "source_type": d.get("source_type")}
                for d in datasets
            ],
        }
        if wanted:
            named = [d for d in named if d.get("name") == wanted]
        if named:
            return CheckOutcome(
                check_id,
                PASS,
                f"The latest evaluation ran over {named[0]['name']} (digest {named[0]['digest']}).",
                facts,
            )
        if wanted:
            return CheckOutcome(check_id, FAIL, f"The latest evaluation did not use the dataset {wanted!r}.", facts)
        if datasets:
            return CheckOutcome(
                check_id,
                FAIL,
                "The latest evaluation used an unnamed in-code dataset; use a managed or named dataset.",
                facts,
            )
        return CheckOutcome(check_id, FAIL, "The latest evaluation logged no dataset input.", facts)

    def check_prompts_versioned(self, check_id) -> CheckOutcome:
        prompts = self.prompts
        wanted = as_list(self.settings.get("prompts"), [])
        missing = sorted(set(wanted) - {p.get("name") for p in prompts})
        if not prompts:
            where = ", ".join(wanted) if wanted else f"experiment {self.experiment['name']!r}"
            return CheckOutcome(
                check_id,
                FAIL,
                f"No prompts in the MLflow prompt registry for {where}; register them with "
                "mlflow.genai.register_prompt.",
                {"prompts": wanted},
            )
        facts, without_message = {}, []
        for prompt in prompts:
            versions = self._prompt_versions(prompt["name"])
            facts[prompt["name"]] = {"versions": len(versions)}
            without_message += [f"{prompt['name']} v{v.get('version')}" for v in versions if not v.get("description")]
        facts = {"prompts": facts, "missing": missing, "without_commit_message": without_message}
        if missing:
            return CheckOutcome(check_id, FAIL, f"Prompt(s) not in the registry: {', '.join(missing)}.", facts)
        if without_message:
            return CheckOutcome(
                check_id,
                WARN,
                f"{len(without_message)} prompt version(s) have no commit message: {', '.join(without_message[:3])}.",
                facts,
            )
        return CheckOutcome(
            check_id, PASS, f"{len(prompts)} prompt(s) are versioned in the registry with commit messages.", facts
        )

    def check_traces_present(self, check_id) -> CheckOutcome:
        max_age = self._max_age("max_trace_age_days", 7)
        traces = self.production_traces
        if not traces:
            return CheckOutcome(
                check_id,
                FAIL,
                "No production traces in the experiment; instrument the application with MLflow "
                "Tracing or OpenTelemetry.",
                {"experiment_id": self.traces_experiment_id},
            )
        newest = traces[0].get("request_time", "")
        try:
            newest_at = datetime.fromisoformat(newest.replace("Z", "+00:00"))
        except ValueError:
            newest_at = None
        age = _age_days(newest_at, self.now)
        facts = {
            "newest_trace": traces[0].get("trace_id"),
            "newest_at": newest,
            "age_days": age,
            "sampled": len(traces),
        }
        if age is None or age > max_age:
            return CheckOutcome(
                check_id, FAIL, f"The newest production trace is {age} days old (allowed {max_age:g}).", facts
            )
        return CheckOutcome(check_id, PASS, f"Production traces are recent (newest {age} days old).", facts)

    def check_traces_have_usage(self, check_id) -> CheckOutcome:
        traces = self.production_traces
        if not traces:
            return CheckOutcome(
                check_id,
                FAIL,
                "No production traces in the experiment, so none carries model, token usage or latency; "
                "instrument the application with MLflow Tracing or OpenTelemetry.",
                {"experiment_id": self.traces_experiment_id, "sampled": 0},
            )
        complete, gaps = 0, {}
        for trace in traces[:SPAN_SAMPLE]:
            metadata = trace.get("trace_metadata") or {}
            has_usage = bool(metadata.get("mlflow.trace.tokenUsage"))
            has_latency = bool(trace.get("execution_duration"))
            has_model = False
            for span in self._spans(trace["trace_id"]):
                attributes = _otlp_attributes(span)
                has_model = has_model or any(key in attributes for key in MODEL_KEYS)
                has_usage = has_usage or any(key in attributes for key in USAGE_KEYS)
            missing = [
                name
                for name, ok in (("model", has_model), ("token usage", has_usage), ("latency", has_latency))
                if not ok
            ]
            if missing:
                gaps[trace["trace_id"]] = missing
            else:
                complete += 1
        sampled = min(len(traces), SPAN_SAMPLE)
        facts = {"sampled": sampled, "complete": complete, "gaps": gaps}
        if complete == sampled:
            return CheckOutcome(
                check_id, PASS, f"All {sampled} sampled traces carry model, token usage and latency.", facts
            )
        if complete == 0:
            first = next(iter(gaps.values()))
            return CheckOutcome(
                check_id,
                FAIL,
                f"None of the {sampled} sampled traces carry model, token usage and latency "
                f"(missing e.g. {', '.join(first)}).",
                facts,
            )
        return CheckOutcome(
            check_id, WARN, f"{complete} of {sampled} sampled traces carry model, token usage and latency.", facts
        )
