"""The ``prompts.*`` checks over a ``PromptsView``: are prompts kept in a prompt registry, versioned with messages?"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from connectors.backends import as_list
from connectors.base import FAIL, LIST, PASS, WARN, CheckOutcome, CheckSpec, Parameter

from .views import PromptsView

CHECKS = (
    CheckSpec(
        "prompts.versioned",
        "Prompts live in a prompt registry with versions and commit messages",
        "Register prompts in the registry (mlflow.genai.register_prompt(..., commit_message=...), Phoenix "
        "prompts with a version description) and load them by version in the application.",
        ttl=timedelta(hours=24),
        passes="The prompts (named in prompts, or linked to the experiment/project) are in the prompt registry and "
        "every version has a commit message.",
        fails="There are no prompts in the registry, or a named prompt is missing.",
        warns="A prompt version has no commit message.",
    ),
)

PARAMETERS = (Parameter("prompts", "Prompt names", type=LIST, help="Empty: the prompts linked to the experiment."),)


@dataclass(frozen=True)
class Options:
    wanted: tuple[str, ...]

    @classmethod
    def from_settings(cls, settings: dict) -> Options:
        return cls(wanted=tuple(as_list(settings.get("prompts"), [])))


def evaluate(view: PromptsView) -> list[CheckOutcome]:
    check_id = "prompts.versioned"
    missing = sorted(set(view.wanted) - {p.name for p in view.prompts})
    if not view.prompts:
        where = ", ".join(view.wanted) if view.wanted else view.where
        return [
            CheckOutcome(
                check_id,
                FAIL,
                f"No prompts in the prompt registry for {where}; register them with versions and commit messages.",
                {"where": view.where, "prompts": list(view.wanted)},
            )
        ]
    without_message = [f"{p.name} v{v.version}" for p in view.prompts for v in p.versions if not v.message]
    facts = {
        "where": view.where,
        "prompts": {p.name: {"versions": len(p.versions)} for p in view.prompts},
        "missing": missing,
        "without_commit_message": without_message,
    }
    if missing:
        return [CheckOutcome(check_id, FAIL, f"Prompt(s) not in the registry: {', '.join(missing)}.", facts)]
    if without_message:
        return [
            CheckOutcome(
                check_id,
                WARN,
                f"{len(without_message)} prompt version(s) have no commit message: {', '.join(without_message[:3])}.",
                facts,
            )
        ]
    return [
        CheckOutcome(
            check_id, PASS, f"{len(view.prompts)} prompt(s) are versioned in the registry with commit messages.", facts
        )
    ]
