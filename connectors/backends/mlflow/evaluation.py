"""MLflow evaluations read into an ``EvaluationsView``: which finished runs are evaluations, how each is linked to
the current model version, the datasets it ran over, and the assessments (feedback) on its traces.

Evaluation runs are recognised by the ``genai_evaluate`` run type *or* by evaluation metrics, because classic
``mlflow.models.evaluate`` sets no run type. An evaluation counts for the current model version when it is linked
to it, strongest link first:
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

Assessments (MLflow 3 feedback, embedded in trace search results) become ``EvaluationResult``s with their source
type (CODE, LLM_JUDGE, HUMAN): those on an evaluation's traces (``mlflow.sourceRun``) belong to that run, those on
production traces (human review of live answers) to the view. Expectations (ground truth), overridden
(``valid: false``) and failed feedback are not results.
"""

from __future__ import annotations

from collections import defaultdict

from connectors.capabilities.views import (
    CODE,
    HUMAN,
    LLM_JUDGE,
    UNSPECIFIED,
    DatasetRef,
    EvaluationResult,
    EvaluationRun,
    EvaluationsView,
)

from .client import MLflowClient, tags
from .provenance import Provenance, ms_to_dt
from .traces import source_run_of

RUN_TYPE = "mlflow.runType"
PARENT_RUN = "mlflow.parentRunId"
RUN_PAGE = 200
ASSESSED_TRACES = 500  # newest traces whose assessments are read, per experiment
# Metrics that only an evaluation logs (classic mlflow.models.evaluate and genai scorers' "<name>/mean").
CLASSIC_EVAL_METRICS = {"accuracy_score", "f1_score", "precision_score", "recall_score", "example_count", "roc_auc"}
MODEL_NAME_KEYS = ("mlflow.registeredModelName", "registered_model_name", "registered_model", "model_name")
MODEL_VERSION_KEYS = (
    "mlflow.registeredModelVersion",
    "registered_model_version",
    "model_version",
    "plumbline.model_version",
)
MODEL_URI_KEY = "model_uri"
SOURCE_TYPES = {"CODE": CODE, "LLM_JUDGE": LLM_JUDGE, "AI_JUDGE": LLM_JUDGE, "HUMAN": HUMAN}


def _metric_keys(run: dict) -> list[str]:
    return [str(m.get("key", "")) for m in (run.get("data") or {}).get("metrics") or [] if isinstance(m, dict)]


def is_eval_run(run: dict, required_metrics) -> bool:
    if tags((run.get("data") or {}).get("tags")).get(RUN_TYPE) == "genai_evaluate":
        return True
    keys = _metric_keys(run)
    if any(k in CLASSIC_EVAL_METRICS or k.endswith("/mean") for k in keys):
        return True
    return any(k == r or k.startswith(r + "/") for k in keys for r in required_metrics)


def named_version(run: dict) -> tuple[str, str, str | None, bool] | None:
    """(keys read, model name, version or None, strict) when the run's tags (first) or params name a registered
    model. ``strict``: the keys can only mean the registered model (``model_uri``, ``mlflow.registeredModelName``,
    ``registered_model_name``, ``registered_model``); ``model_name`` often names the LLM behind the application
    instead, so it links a run when it matches but never rules one out."""
    data = run.get("data", {})
    for where, values in (("tags", tags(data.get("tags"))), ("params", tags(data.get("params")))):
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


def link_to_current(run: dict, provenance: Provenance) -> str | None:
    """How an evaluation run is linked to the current version (see the module docstring), or None."""
    current = provenance.current
    if current is None:
        return "the experiment (no model version to link to)"
    model_ids = {m.get("model_id") for m in ((run.get("inputs") or {}).get("model_inputs") or [])}
    if current["model_id"] and current["model_id"] in model_ids:
        return f"model input {current['model_id']}"
    named = named_version(run) if provenance.registered_model else None
    if named is not None:
        keys, name, version, strict = named
        if name == provenance.registered_model and version == current["version"]:
            return keys
        if strict and (name != provenance.registered_model or version is not None):
            return None  # it names another model, or another version of this one
    run_id, parent = run["info"].get("run_id"), tags((run.get("data") or {}).get("tags")).get(PARENT_RUN)
    if current["run_id"] and current["run_id"] in (run_id, parent):
        if run_id == current["run_id"]:
            return "lineage (logged on the run that produced the version)"
        return "lineage (a child run of the run that produced the version)"
    started = ms_to_dt(run["info"].get("start_time"))
    if started and current["created"] and started >= current["created"]:
        return "start after the version was registered"
    return None


def _datasets(run: dict) -> tuple[DatasetRef, ...]:
    found = []
    for item in (run.get("inputs") or {}).get("dataset_inputs") or []:
        dataset = item.get("dataset") if isinstance(item, dict) else None
        if not isinstance(dataset, dict):
            continue
        found.append(
            DatasetRef(
                name=str(dataset.get("name") or ""),
                version=str(dataset.get("digest") or ""),
                source_type=str(dataset.get("source_type") or ""),
            )
        )
    return tuple(found)


def results_of(info: dict) -> list[EvaluationResult]:
    """The feedback assessments on one trace as evaluation results."""
    found = []
    for assessment in info.get("assessments") or []:
        if not isinstance(assessment, dict) or assessment.get("valid") is False:
            continue
        feedback = assessment.get("feedback")
        if not isinstance(feedback, dict) or feedback.get("error"):
            continue
        source = assessment.get("source") if isinstance(assessment.get("source"), dict) else {}
        found.append(
            EvaluationResult(
                name=str(assessment.get("assessment_name") or assessment.get("name") or ""),
                source_kind=SOURCE_TYPES.get(str(source.get("source_type", "")).upper(), UNSPECIFIED),
                item_id=str(assessment.get("trace_id") or info.get("trace_id") or ""),
                value=feedback.get("value"),
                source_id=str(source.get("source_id") or ""),
            )
        )
    return found


def read_evaluations(
    client: MLflowClient,
    *,
    experiment: dict,
    provenance: Provenance,
    required_metrics,
    trace_experiment_ids=(),
) -> EvaluationsView:
    runs = [
        r
        for r in client.search_runs(experiment["experiment_id"], limit=RUN_PAGE)
        if isinstance(r.get("info"), dict)
        and r["info"].get("status") == "FINISHED"
        and is_eval_run(r, required_metrics)
    ]
    by_run: dict[str, list[EvaluationResult]] = defaultdict(list)
    production: list[EvaluationResult] = []
    if runs or trace_experiment_ids:
        for experiment_id in dict.fromkeys([experiment["experiment_id"], *trace_experiment_ids]):
            for info in client.search_traces(experiment_id, limit=ASSESSED_TRACES):
                source_run = source_run_of(info)
                (by_run[source_run] if source_run else production).extend(results_of(info))
    current = provenance.current
    view_runs = []
    for run in runs:
        info = run["info"]
        view_runs.append(
            EvaluationRun(
                run_id=str(info.get("run_id", "")),
                name=str(info.get("run_name", "")),
                finished_at=ms_to_dt(info.get("end_time") or info.get("start_time")),
                link=link_to_current(run, provenance),
                metrics=tuple(sorted(_metric_keys(run))),
                datasets=_datasets(run),
                results=tuple(by_run.get(str(info.get("run_id", "")), ())),
            )
        )
    return EvaluationsView(
        where=f"MLflow experiment {experiment.get('name', '')!r}",
        current_version=current["label"] if current else None,
        runs=tuple(view_runs),
        results=tuple(production),
    )
