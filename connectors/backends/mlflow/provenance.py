"""MLflow model provenance: does each registered model version (or logged model) link to the run that produced
it, and does that run record its commit, entry point, datasets and environment?

These checks keep their ``mlflow.*`` ids: model-registry lineage is MLflow's own, no other tracing back-end has it.
A model version logged with ``log_model(registered_model_name=...)`` carries ``source = "models:/m-..."`` and no
``model_id`` field, so the logged model id is parsed from the source.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cached_property

from connectors.base import FAIL, PASS, UNKNOWN, CheckOutcome, CheckSpec

from .client import MLflowClient, tags

GIT_COMMIT = "mlflow.source.git.commit"
SOURCE_NAME = "mlflow.source.name"
ENVIRONMENT_FILES = ("requirements.txt", "conda.yaml", "python_env.yaml")
MAX_SUBJECTS = 10
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
)


def ms_to_dt(ms) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(ms) / 1000, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


class Provenance:
    """The model versions (or logged models) of a component and their producing runs, fetched lazily."""

    def __init__(self, client: MLflowClient, *, experiment: dict, registered_model: str):
        self.client = client
        self.experiment = experiment
        self.registered_model = registered_model

    @cached_property
    def model_versions(self) -> list[dict] | None:
        """Versions of the registered model, newest first; None when the model does not exist."""
        if not self.registered_model:
            return []
        if self.client.registered_model(self.registered_model) is None:
            return None
        versions = self.client.model_versions(self.registered_model)
        return sorted(versions, key=lambda v: _int(v.get("version")), reverse=True)

    @cached_property
    def subjects(self) -> list[dict]:
        """What traceability is checked on, newest first: {"label", "version", "run_id", "model_id", "created"}."""
        subjects = []
        if self.registered_model:
            for version in (self.model_versions or [])[:MAX_SUBJECTS]:
                source = str(version.get("source", ""))
                model_id = source.removeprefix("models:/") if source.startswith("models:/m-") else ""
                run_id = version.get("run_id", "")
                if not run_id and model_id:
                    run_id = (self.client.logged_model(model_id) or {}).get("source_run_id", "")
                subjects.append(
                    {
                        "label": f"{self.registered_model} v{version.get('version')}",
                        "version": str(version.get("version", "")),
                        "run_id": run_id,
                        "model_id": model_id,
                        "created": ms_to_dt(version.get("creation_timestamp")),
                    }
                )
        else:
            models = self.client.logged_models(self.experiment["experiment_id"])
            models.sort(key=lambda m: _int(m.get("creation_timestamp_ms")), reverse=True)
            for model in models[:MAX_SUBJECTS]:
                subjects.append(
                    {
                        "label": f"logged model {model.get('name', '')} ({model.get('model_id')})",
                        "version": "",
                        "run_id": model.get("source_run_id", ""),
                        "model_id": model.get("model_id", ""),
                        "created": ms_to_dt(model.get("creation_timestamp_ms")),
                    }
                )
        return subjects

    @property
    def current(self) -> dict | None:
        return self.subjects[0] if self.subjects else None

    @cached_property
    def subject_runs(self) -> dict[str, dict]:
        """The producing runs of the subjects, by run id (missing runs are left out)."""
        runs = {}
        for run_id in dict.fromkeys(s["run_id"] for s in self.subjects if s["run_id"]):
            if (run := self.client.run(run_id)) is not None:
                runs[run_id] = run
        return runs

    # --- checks ---

    def checks(self) -> dict:
        return {
            "mlflow.model_version_has_run": self.check_model_version_has_run,
            "mlflow.run_has_git_commit": self.check_run_has_git_commit,
            "mlflow.run_has_source": self.check_run_has_source,
            "mlflow.run_has_dataset_inputs": self.check_run_has_dataset_inputs,
            "mlflow.run_has_environment": self.check_run_has_environment,
        }

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
            lambda run, _s: tags(run["data"].get("tags")).get(GIT_COMMIT, ""),
            "the git commit",
            "Train from a script inside the git repository.",
        )

    def check_run_has_source(self, check_id) -> CheckOutcome:
        return self._runs_check(
            check_id,
            lambda run, _s: tags(run["data"].get("tags")).get(SOURCE_NAME, ""),
            "its entry point",
            "Start runs from a script or job.",
        )

    def check_run_has_dataset_inputs(self, check_id) -> CheckOutcome:
        def datasets(run, _subject):
            found = []
            for item in run.get("inputs", {}).get("dataset_inputs") or []:
                dataset = item.get("dataset", {})
                if dataset.get("name") and dataset.get("digest") and dataset.get("source"):
                    context = tags(item.get("tags")).get("mlflow.data.context", "")
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

    def _artifact_files(self, subject: dict, run: dict | None) -> list[str]:
        files: list[str] = []
        if subject["model_id"]:
            files += self.client.logged_model_files(subject["model_id"])
        if run is not None and not any(f.rsplit("/", 1)[-1] in ENVIRONMENT_FILES for f in files):
            run_id = run["info"]["run_id"]
            top = self.client.run_artifacts(run_id)
            files += [f.get("path", "") for f in top]
            for directory in [f["path"] for f in top if f.get("is_dir") and f.get("path")][:5]:
                files += [f.get("path", "") for f in self.client.run_artifacts(run_id, directory)]
        return files


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
