"""The ``datasets.*`` checks over an ``EvaluationsView``: did the evaluation run over a named, versioned dataset?"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from connectors.base import FAIL, PASS, CheckOutcome, CheckSpec, Parameter

from .evaluations import latest
from .views import DatasetRef, EvaluationsView

CHECKS = (
    CheckSpec(
        "datasets.named",
        "The evaluation ran over a named, versioned dataset",
        "Evaluate on a managed dataset (mlflow.genai.datasets.create_dataset, a Phoenix dataset) or log the data "
        "with a name and a digest (mlflow.data.from_pandas(..., name=...)).",
        ttl=timedelta(hours=12),
        passes="The latest evaluation ran over a named dataset with a version or digest (the eval_dataset one when "
        "set).",
        fails="It used an unnamed in-code dataset, another dataset than eval_dataset, or none; or there is no "
        "evaluation.",
    ),
)

PARAMETERS = (
    Parameter(
        "eval_dataset",
        "Evaluation dataset name",
        attribute="eval_dataset",
        help="Empty: any named, versioned dataset.",
    ),
)


@dataclass(frozen=True)
class Options:
    wanted: str

    @classmethod
    def from_settings(cls, settings: dict, attributes: dict | None = None) -> Options:
        value = settings.get("eval_dataset") or (attributes or {}).get("eval_dataset") or ""
        return cls(wanted=str(value).strip())


def is_named(dataset: DatasetRef) -> bool:
    """A name of its own and a version: MLflow calls an in-code list ``dataset`` with source type ``code``."""
    return bool(dataset.name and dataset.version) and not (dataset.name == "dataset" and dataset.source_type == "code")


def evaluate(view: EvaluationsView, options: Options) -> list[CheckOutcome]:
    check_id = "datasets.named"
    run = latest(view)
    if run is None:
        return [CheckOutcome(check_id, FAIL, "No evaluation, so no evaluation dataset; run an evaluation first.")]
    facts = {
        "run": run.run_id,
        "datasets": [{"name": d.name, "version": d.version, "source_type": d.source_type} for d in run.datasets],
    }
    named = [d for d in run.datasets if is_named(d)]
    if options.wanted:
        named = [d for d in named if d.name == options.wanted]
    if named:
        return [
            CheckOutcome(
                check_id, PASS, f"The latest evaluation ran over {named[0].name} (version {named[0].version}).", facts
            )
        ]
    if options.wanted:
        reason = f"The latest evaluation did not use the dataset {options.wanted!r}."
    elif run.datasets:
        reason = "The latest evaluation used an unnamed in-code dataset; use a managed or named dataset."
    else:
        reason = "The latest evaluation logged no dataset input."
    return [CheckOutcome(check_id, FAIL, reason, facts)]
