"""Pure scoring of questionnaire answers: no Django, no I/O. See docs/questionnaire-format.md, "Scoring API".

``score(definition, answers, context, evidence=None)`` dispatches on ``definition["scoring"]["model"]``.
"""

from collections.abc import Mapping
from typing import Any

from . import impact, maturity, risk
from .common import ScoreResult

MODELS = {"maturity": maturity.score, "risk": risk.score, "impact": impact.score}


def score(
    definition: dict, answers: Mapping[str, Any], context: Mapping, evidence: Mapping[str, str] | None = None
) -> ScoreResult:
    """Score ``answers`` against a normalised definition; the result explains itself (``.to_dict()``)."""
    model = definition.get("scoring", {}).get("model")
    try:
        scorer = MODELS[model]
    except KeyError:
        raise ValueError(f"Unknown scoring model {model!r}: expected one of {', '.join(MODELS)}.") from None
    return scorer(definition, answers or {}, context or {}, evidence)


__all__ = ["MODELS", "ScoreResult", "score"]
