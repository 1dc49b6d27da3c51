"""Impact: is the project worth building? Value-to-cost ratio (first-year view) and a recommendation from
ordered rules (data in the definition), with the reasons that led to it.

Checklists (multi-choice questions: which alternatives were assessed, where the value comes from) describe the
case; they do not change its value or its cost. They are *neutral*: they earn no points, are never suggested as a
next action, and so ticking more boxes can never move the score or the recommendation. The value side is the
expected yearly value the team enters, the cost side the build and running costs.
"""

from dataclasses import dataclass

from questionnaires.conditions import compile as compile_condition
from questionnaires.types import type_of

from .common import ScoreResult, _Dict, _plan, assess, common_fields, must_blocking, next_actions, rule_context

RECOMMENDATION_LABELS = {
    "proceed": "Proceed",
    "proceed_with_conditions": "Proceed with conditions",
    "reconsider": "Reconsider: a simpler solution is likely enough",
    "stop": "Stop",
}


@dataclass(frozen=True)
class Costs(_Dict):
    build: float | None
    run_per_month: float | None
    value_per_year: float | None


@dataclass(frozen=True, kw_only=True)
class ImpactResult(ScoreResult):
    recommendation: str
    recommendation_label: str
    reasons: tuple[str, ...]
    value_to_cost: float | None
    costs: Costs
    neutral: tuple[str, ...]  # checklist question ids that never count (see the module docstring)


def _number(value):
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def value_to_cost(costs: Costs):
    """Expected value per year ÷ (build + 12 × monthly run cost); None when a figure is missing or costs are 0."""
    if None in (costs.build, costs.run_per_month, costs.value_per_year):
        return None
    first_year_cost = costs.build + 12 * costs.run_per_month
    return round(costs.value_per_year / first_year_cost, 4) if first_year_cost > 0 else None


def neutral_questions(definition) -> tuple[str, ...]:
    """The checklists of an impact definition, in document order: ticking their boxes changes no value or cost."""
    return tuple(qid for qid, q in _plan(definition).questions.items() if type_of(q).multiple)


def score(definition, answers, context, evidence=None) -> ImpactResult:
    scoring = definition["scoring"]
    neutral = neutral_questions(definition)
    assessed = assess(definition, answers, context, exclude=frozenset(neutral))
    inputs = scoring.get("inputs", {})
    costs = Costs(
        *(
            _number(assessed.answers.get(inputs.get(k)))
            for k in ("build_cost", "run_cost_per_month", "expected_value_per_year")
        )
    )
    ratio = value_to_cost(costs)
    blocking = must_blocking(assessed)
    rules = rule_context(
        context, {"score_pct": assessed.score.pct, "value_to_cost": ratio, "blocking_count": len(blocking)}
    )
    chosen = next(
        (
            r
            for r in scoring.get("recommendations", [])
            if not r.get("when") or compile_condition(r["when"]).test(assessed.answers, rules)
        ),
        {"recommendation": "reconsider", "reason": "No recommendation rule matched; review the definition."},
    )
    reasons = [chosen.get("reason", "")]
    if ratio is None:
        reasons.append(
            "Value-to-cost is unknown: enter the build cost, the monthly run cost and the expected yearly value."
        )
    else:
        reasons.append(f"First-year value-to-cost ratio: {ratio:.2f}.")
    reasons.extend(b.reason.replace("Must-have", f"Must-have “{b.text}”", 1) for b in blocking)
    return ImpactResult(
        **common_fields(assessed, "impact"),
        blocking=blocking,
        next_actions=next_actions(assessed),
        recommendation=chosen["recommendation"],
        recommendation_label=RECOMMENDATION_LABELS.get(chosen["recommendation"], chosen["recommendation"]),
        reasons=tuple(r for r in reasons if r),
        value_to_cost=ratio,
        costs=costs,
        neutral=neutral,
    )
