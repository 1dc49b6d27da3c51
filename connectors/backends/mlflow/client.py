"""The MLflow tracking server's REST API (``/api/2.0/mlflow``, ``/api/3.0/mlflow``): the calls the MLflow back-end
makes, on the shared HTTP base (``connectors.backends._http``), so the app needs no ``mlflow`` package.

Pitfalls handled: prompts are hidden from plain registry searches unless the ``mlflow.prompt.is_prompt`` tag is in
the filter; empty lists are omitted from responses.
"""

from __future__ import annotations

from connectors.backends._http import HttpSource
from connectors.base import ConnectorError

SYSTEM = "MLflow"
IS_PROMPT_FILTER = "tags.`mlflow.prompt.is_prompt` = 'true'"


def tags(items) -> dict[str, str]:
    """MLflow's ``[{key, value}]`` lists (or a dict already) as a dict."""
    if isinstance(items, dict):
        return items
    return {t.get("key"): t.get("value", "") for t in items or [] if isinstance(t, dict)}


class MLflowClient(HttpSource):
    def __init__(self, *, base_url: str, timeout: float, token: str = ""):
        super().__init__(
            system=SYSTEM,
            base_url=base_url,
            timeout=timeout,
            headers={"Authorization": f"Bearer {token}"} if token else None,
            hint="Check the tracking URL and that the server runs MLflow 3.",
        )

    def paged(self, method: str, path: str, key: str, *, what: str, limit: int, **params) -> list[dict]:
        items: list[dict] = []
        token = None
        while len(items) < limit:
            page = dict(params)
            if token:
                page["page_token"] = token
            if method == "GET":
                body = self.call("GET", path, what=what, params=page)
            else:
                body = self.call("POST", path, what=what, json=page)
            found = body.get(key, [])
            items.extend(item for item in found if isinstance(item, dict))
            token = body.get("next_page_token")
            if not token or not found:
                break
        return items[:limit]

    def experiment(self, name: str) -> dict:
        body = self.call(
            "GET",
            "/api/2.0/mlflow/experiments/get-by-name",
            what="the experiment",
            missing_ok=True,
            params={"experiment_name": name},
        )
        if not body or not isinstance(body.get("experiment"), dict):
            raise ConnectorError(
                f"{SYSTEM} at {self.where} has no experiment named {name!r}; check the experiment setting.",
                transient=False,
            )
        return body["experiment"]

    def run(self, run_id: str) -> dict | None:
        body = self.call("GET", "/api/2.0/mlflow/runs/get", what="a run", missing_ok=True, params={"run_id": run_id})
        run = (body or {}).get("run")
        return run if isinstance(run, dict) else None

    def run_metrics(self, run_id: str) -> dict[str, float] | None:
        """The latest value of each metric the run logged; None when the server has no such run."""
        run = self.run(run_id)
        if run is None:
            return None
        metrics = {}
        for metric in (run.get("data") or {}).get("metrics") or []:
            try:
                metrics[str(metric["key"])] = float(metric["value"])
            except (KeyError, TypeError, ValueError):
                continue
        return metrics

    def search_runs(self, experiment_id: str, *, limit: int) -> list[dict]:
        return self.paged(
            "POST",
            "/api/2.0/mlflow/runs/search",
            "runs",
            what="runs",
            limit=limit,
            experiment_ids=[experiment_id],
            max_results=limit,
            order_by=["attributes.start_time DESC"],
        )

    def registered_model(self, name: str) -> dict | None:
        return self.call(
            "GET", "/api/2.0/mlflow/registered-models/get", what="the registered model", missing_ok=True,
            params={"name": name},
        )  # fmt: skip

    def model_versions(self, name: str, *, limit: int = 200) -> list[dict]:
        return self.paged(
            "GET",
            "/api/2.0/mlflow/model-versions/search",
            "model_versions",
            what="model versions",
            limit=limit,
            filter=f"name='{name}'",
            max_results=limit,
        )

    def logged_models(self, experiment_id: str, *, limit: int = 50) -> list[dict]:
        models = self.paged(
            "POST",
            "/api/2.0/mlflow/logged-models/search",
            "models",
            what="logged models",
            limit=limit,
            experiment_ids=[experiment_id],
            max_results=limit,
        )
        return [m.get("info", m) for m in models]

    def logged_model(self, model_id: str) -> dict | None:
        body = self.call("GET", f"/api/2.0/mlflow/logged-models/{model_id}", what="a logged model", missing_ok=True)
        return ((body or {}).get("model") or {}).get("info")

    def logged_model_files(self, model_id: str) -> list[str]:
        body = self.call(
            "GET",
            f"/api/2.0/mlflow/logged-models/{model_id}/artifacts/directories",
            what="logged model artifacts",
            missing_ok=True,
        )
        return [f.get("path", "") for f in (body or {}).get("files", [])]

    def run_artifacts(self, run_id: str, path: str = "") -> list[dict]:
        params = {"run_id": run_id, **({"path": path} if path else {})}
        body = self.call("GET", "/api/2.0/mlflow/artifacts/list", what="run artifacts", missing_ok=True, params=params)
        return [f for f in (body or {}).get("files", []) if isinstance(f, dict)]

    def prompts(self, *, limit: int = 200) -> list[dict]:
        return self.paged(
            "GET",
            "/api/2.0/mlflow/registered-models/search",
            "registered_models",
            what="prompts",
            limit=limit,
            filter=IS_PROMPT_FILTER,
            max_results=limit,
        )

    def prompt_versions(self, name: str, *, limit: int = 200) -> list[dict]:
        return self.paged(
            "GET",
            "/api/2.0/mlflow/model-versions/search",
            "model_versions",
            what="prompt versions",
            limit=limit,
            filter=f"name='{name}' AND {IS_PROMPT_FILTER}",
            max_results=limit,
        )

    def search_traces(self, experiment_id: str, *, limit: int) -> list[dict]:
        """Trace infos of the experiment, newest first (with their assessments)."""
        return self.paged(
            "POST",
            "/api/3.0/mlflow/traces/search",
            "traces",
            what="traces",
            limit=limit,
            locations=[{"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {"experiment_id": experiment_id}}],
            max_results=min(limit, 100),
            order_by=["timestamp_ms DESC"],
        )

    def trace_spans(self, trace_id: str) -> list[dict]:
        body = self.call(
            "GET", "/api/3.0/mlflow/traces/get", what="a trace", missing_ok=True, params={"trace_id": trace_id}
        )
        spans = ((body or {}).get("trace") or {}).get("spans", [])
        return [s for s in spans if isinstance(s, dict)]
