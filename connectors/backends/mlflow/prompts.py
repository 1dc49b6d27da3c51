"""MLflow's prompt registry read into a ``PromptsView``: prompts are registered models tagged
``mlflow.prompt.is_prompt`` (hidden from plain searches), linked to experiments by ``_mlflow_experiment_ids``;
a version's commit message is its description."""

from __future__ import annotations

from connectors.capabilities.views import Prompt, PromptsView, PromptVersion

from .client import MLflowClient, tags
from .provenance import ms_to_dt


def read_prompts(client: MLflowClient, *, experiment: dict | None, wanted: tuple[str, ...]) -> PromptsView:
    models = client.prompts()
    if wanted:
        chosen = [m for m in models if m.get("name") in wanted]
        where = ", ".join(wanted)
    else:
        experiment_id = (experiment or {}).get("experiment_id", "")
        chosen = [m for m in models if f",{experiment_id}," in tags(m.get("tags")).get("_mlflow_experiment_ids", "")]
        where = f"experiment {(experiment or {}).get('name', '')!r}"
    prompts = []
    for model in chosen:
        name = str(model.get("name", ""))
        versions = tuple(
            PromptVersion(
                version=str(v.get("version", "")),
                message=str(v.get("description") or ""),
                created_at=ms_to_dt(v.get("creation_timestamp")),
            )
            for v in client.prompt_versions(name)
        )
        prompts.append(Prompt(name=name, versions=versions))
    return PromptsView(where=f"MLflow prompt registry ({where})", wanted=wanted, prompts=tuple(prompts))
