"""Risk: likelihood × severity per risk, residual after chosen mitigations, the overall tier (data-driven
bands and floors), an EU AI Act category from ordered decision rules, and the cumulative required controls.

The likelihood, severity and mitigation questions are explained per risk, not as points: their option
points mean "how bad", so they are left out of the common points score.
"""

from dataclasses import dataclass

from questionnaires.conditions import compile as compile_condition

from .common import (
    NextAction,
    ScoreResult,
    _Dict,
    assess,
    choice_set,
    common_fields,
    must_blocking,
    next_actions,
    rule_context,
)

WORST = 5
MAX_RESIDUAL = 25


@dataclass(frozen=True)
class RiskScore(_Dict):
    id: str
    title: str
    tags: tuple[str, ...]
    likelihood: int
    severity: int
    inherent: int
    residual_likelihood: int
    residual_severity: int
    residual: int
    mitigations: tuple[str, ...]  # labels of the chosen mitigations
    assumed_worst: tuple[str, ...]  # unanswered likelihood/severity question ids counted as 5


@dataclass(frozen=True)
class Control(_Dict):
    id: str
    text: str
    tier: str


@dataclass(frozen=True)
class EuAiAct(_Dict):
    category: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class RiskResult(ScoreResult):
    risks: tuple[RiskScore, ...]
    max_residual: int
    tier: str
    tier_reasons: tuple[str, ...]
    eu_ai_act: EuAiAct | None
    required_controls: tuple[Control, ...]


def _points_of(question, value):
    for option in question.get("options", []):
        if option["value"] == value:
            return option["points"]
    return None


def _reductions(question, chosen):
    chosen = choice_set(chosen)
    options = [o for o in (question or {}).get("options", []) if o["value"] in chosen]
    return (
        sum(o.get("reduces", {}).get("likelihood", 0) for o in options),
        sum(o.get("reduces", {}).get("severity", 0) for o in options),
        tuple(o["label"] for o in options),
    )


def _residual(likelihood, severity, reduce_l, reduce_s):
    rl = max(1, likelihood - reduce_l)
    rs = max(1, severity - reduce_s)
    return rl, rs, rl * rs


def _risk_scores(scoring, assessed, context):
    """One RiskScore per applicable risk: its `when` holds and its likelihood question is visible."""
    risks = []
    for risk in scoring.get("risks", []):
        if risk.get("when") and not compile_condition(risk["when"]).test(assessed.answers, context):
            continue
        if risk["likelihood"] not in assessed.visible:
            continue
        values, worst = [], []
        for key in ("likelihood", "severity"):
            qid = risk[key]
            points = _points_of(assessed.questions[qid], assessed.answers.get(qid))
            if points is None:
                worst.append(qid)
                points = WORST
            values.append(int(points))
        likelihood, severity = values
        mitigation_q = assessed.questions.get(risk.get("mitigations"))
        reduce_l, reduce_s, labels = _reductions(mitigation_q, assessed.answers.get(risk.get("mitigations")))
        rl, rs, residual = _residual(likelihood, severity, reduce_l, reduce_s)
        risks.append(
            RiskScore(
                risk["id"], risk.get("title", risk["id"]), tuple(risk.get("tags", [])), likelihood, severity,
                likelihood * severity, rl, rs, residual, labels, tuple(worst),
            )
        )  # fmt: skip
    return risks


def _mitigation_actions(scoring, assessed, risks):
    """Unchosen mitigations, each with the residual score it would take off its risk."""
    by_id = {r["id"]: r for r in scoring.get("risks", [])}
    actions = []
    for rs in risks:
        qid = by_id[rs.id].get("mitigations")
        question = assessed.questions.get(qid)
        if not question or qid not in assessed.visible:
            continue
        chosen = assessed.answers.get(qid)
        chosen = list(chosen) if isinstance(chosen, list) else []
        for option in question.get("options", []):
            reduces = option.get("reduces") or {}
            if option["value"] in chosen or not (reduces.get("likelihood") or reduces.get("severity")):
                continue
            reduce_l, reduce_s, _ = _reductions(question, [*chosen, option["value"]])
            _, _, residual = _residual(rs.likelihood, rs.severity, reduce_l, reduce_s)
            gain = rs.residual - residual
            if gain > 0:
                actions.append(
                    NextAction(
                        question_id=qid,
                        text=question.get("text", ""),
                        gain_points=float(gain),
                        gain_pct=round(100.0 * gain / MAX_RESIDUAL, 2),
                        unblocks_level=None,
                        action=f"Add “{option['label']}” to lower {rs.title} from {rs.residual} to {residual}.",
                    )
                )
    return actions


def score(definition, answers, context, evidence=None) -> RiskResult:
    scoring = definition["scoring"]
    risk_inputs = {
        r[k] for r in scoring.get("risks", []) for k in ("likelihood", "severity", "mitigations") if r.get(k)
    }
    assessed = assess(definition, answers, context, exclude=risk_inputs)
    risks = _risk_scores(scoring, assessed, context)
    blocking = must_blocking(assessed)

    tiers = scoring.get("tiers", [])  # highest first
    rank = {t["tier"]: len(tiers) - i for i, t in enumerate(tiers)}
    top = max(risks, key=lambda r: r.residual, default=None)
    max_residual = top.residual if top else 0
    tier = next((t["tier"] for t in tiers if max_residual >= t["min_residual"]), tiers[-1]["tier"] if tiers else "low")
    if top:
        reasons = [f"Highest residual risk: {top.title}, {top.residual} of {MAX_RESIDUAL} → {tier}."]
    else:
        reasons = [f"No risk applies to this project → {tier}."]

    result_names = {"max_residual": max_residual, "score_pct": assessed.score.pct, "blocking_count": len(blocking)}
    for floor in scoring.get("tier_floors", []):
        rules = rule_context(context, {**result_names, "tier": tier})
        if compile_condition(floor["when"]).test(assessed.answers, rules) and rank.get(floor["tier"], 0) > rank.get(
            tier, 0
        ):
            tier = floor["tier"]
            reasons.append(f"Raised to {tier}: {floor.get('reason', floor['when'])}")

    rules = rule_context(context, {**result_names, "tier": tier})
    eu_ai_act = None
    for rule in scoring.get("eu_ai_act", []):
        if not rule.get("when") or compile_condition(rule["when"]).test(assessed.answers, rules):
            eu_ai_act = EuAiAct(rule["category"], rule.get("reason", ""))
            break

    controls = []
    for t in reversed(tiers):
        controls.extend(
            Control(c["id"], c.get("text", ""), t["tier"]) for c in scoring.get("controls", {}).get(t["tier"], [])
        )
        if t["tier"] == tier:
            break

    actions = _mitigation_actions(scoring, assessed, risks)
    actions.sort(key=lambda a: (-a.gain_points, assessed.order[a.question_id]))
    return RiskResult(
        **common_fields(assessed, "risk"),
        blocking=blocking,
        next_actions=(*actions, *next_actions(assessed)),
        risks=tuple(risks),
        max_residual=max_residual,
        tier=tier,
        tier_reasons=tuple(reasons),
        eu_ai_act=eu_ai_act,
        required_controls=tuple(controls),
    )
