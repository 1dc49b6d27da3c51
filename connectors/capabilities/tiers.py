"""The evaluation tier policy (``connectors/data/evaluation_tiers.yaml``) and which tiers a set of results shows.

Pure over plain data once loaded: ``tiers_found(results, policy)`` says, for each tier, whether it exists and from
which results; ``requirement(policy, risk_tier)`` what the project's risk tier asks for. The YAML is validated
when first read and a broken file fails with ``ImproperlyConfigured`` naming the entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jsonschema
import yaml
from django.core.exceptions import ImproperlyConfigured

from .views import CODE, HUMAN, LLM_JUDGE, EvaluationResult

POLICY = Path(__file__).resolve().parent.parent / "data" / "evaluation_tiers.yaml"
HEURISTIC, JUDGE, GROUNDING, HUMAN_REVIEW = "heuristic", "llm_judge", "grounding", "human"
TIERS = (HEURISTIC, JUDGE, GROUNDING, HUMAN_REVIEW)
TIER_LABELS = {
    HEURISTIC: "heuristic/code metrics",
    JUDGE: "LLM-as-judge",
    GROUNDING: "grounding against sources",
    HUMAN_REVIEW: "human review",
}

SCHEMA = {
    "type": "object",
    "required": ["version", "grounding_names", "risk_tiers", "unassessed"],
    "additionalProperties": False,
    "properties": {
        "version": {"type": "integer", "minimum": 1},
        "grounding_names": {"type": "array", "minItems": 1, "items": {"type": "string", "pattern": r"^\S+$"}},
        "risk_tiers": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": {
                "type": "object",
                "required": ["required"],
                "additionalProperties": False,
                "properties": {
                    "required": {"type": "array", "uniqueItems": True, "items": {"enum": list(TIERS)}},
                    "min_human_items": {"type": "integer", "minimum": 1},
                },
            },
        },
        "unassessed": {"type": "string"},
    },
}


@dataclass(frozen=True)
class Requirement:
    risk_tier: str
    required: tuple[str, ...]
    min_human_items: int


@dataclass(frozen=True)
class Policy:
    version: int
    grounding_names: frozenset[str]
    risk_tiers: dict[str, Requirement]
    unassessed: str


def parse(data) -> Policy:
    errors = sorted(jsonschema.Draft202012Validator(SCHEMA).iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path) or "(top)"
        raise ImproperlyConfigured(f"{POLICY.name}: {where}: {errors[0].message}")
    tiers = {
        name: Requirement(name, tuple(entry["required"]), int(entry.get("min_human_items", 1)))
        for name, entry in data["risk_tiers"].items()
    }
    if data["unassessed"] not in tiers:
        raise ImproperlyConfigured(f"{POLICY.name}: unassessed: {data['unassessed']!r} is not one of risk_tiers.")
    return Policy(
        version=data["version"],
        grounding_names=frozenset(n.lower() for n in data["grounding_names"]),
        risk_tiers=tiers,
        unassessed=data["unassessed"],
    )


@cache
def policy() -> Policy:
    return parse(yaml.safe_load(POLICY.read_text(encoding="utf-8")))


def requirement(policy: Policy, risk_tier: str | None) -> tuple[Requirement, bool]:
    """What ``risk_tier`` requires, and whether it was assessed (False: the ``unassessed`` tier's rules apply)."""
    if risk_tier and risk_tier in policy.risk_tiers:
        return policy.risk_tiers[risk_tier], True
    return policy.risk_tiers[policy.unassessed], False


def _base_name(name: str) -> str:
    """``groundedness/mean`` and ``Groundedness`` both read as ``groundedness``."""
    return name.split("/", 1)[0].strip().lower()


@dataclass(frozen=True)
class TierEvidence:
    tier: str
    results: int
    names: tuple[str, ...]
    items: int  # distinct items evaluated (what "how many were reviewed" counts for humans)

    @property
    def present(self) -> bool:
        return self.results > 0


def tiers_found(results: list[EvaluationResult], policy: Policy) -> dict[str, TierEvidence]:
    buckets: dict[str, list[EvaluationResult]] = {tier: [] for tier in TIERS}
    for result in results:
        if result.source_kind == CODE:
            buckets[HEURISTIC].append(result)
        elif result.source_kind == LLM_JUDGE:
            buckets[JUDGE].append(result)
        elif result.source_kind == HUMAN:
            buckets[HUMAN_REVIEW].append(result)
        if _base_name(result.name) in policy.grounding_names:
            buckets[GROUNDING].append(result)
    return {
        tier: TierEvidence(
            tier=tier,
            results=len(found),
            names=tuple(sorted({r.name for r in found})),
            items=len({r.item_id for r in found}),
        )
        for tier, found in buckets.items()
    }
