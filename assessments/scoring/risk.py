"""Risk: likelihood × severity per risk, residual after chosen mitigations, the overall tier (data-driven
bands and floors), an EU AI Act category from ordered decision rules, the verdict, and the cumulative required
controls.

Every answer in a risk assessment is a fact about a hazard, so no answer earns points: "yes, we do that" to a
prohibited practice is worse, not better. The score is instead the *control* left by the worst residual risk
(higher is safer), so a riskier answer can only lower it. A prohibited practice makes the verdict "Prohibited —
stop" and the score 0 whatever else is answered. Next actions are only mitigations that lower a residual risk.
"""

from dataclasses import dataclass

from questionnaires.conditions import compile as compile_condition

from .common import (
    Blocking,
    NextAction,
    Score,
    ScoreResult,
    _Dict,
    _pct,
    _plan,
    answer_in_words,
    assess,
    choice_set,
    common_fields,
    is_answered,
    rule_context,
)

WORST = 5
MAX_RESIDUAL = 25
STOP_CATEGORY = "prohibited"
STOP_LABEL = "Prohibited — stop"


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


@dataclass(frozen=True)
class Verdict(_Dict):
    """What the team may do: ``stop`` (a prohibited practice) or ``controls`` (go ahead with the tier's controls)."""

    code: str
    label: str
    reason: str


@dataclass(frozen=True)
class MitigationAction(NextAction):
    """A next action that adds one mitigation: ``option`` of the mitigations question of risk ``risk_id``.

    ``gain_points`` is what it takes off that risk's residual; ``gain_pct`` what it adds to the risk score.
    """

    risk_id: str = ""
    option: str = ""


@dataclass(frozen=True, kw_only=True)
class RiskResult(ScoreResult):
    risks: tuple[RiskScore, ...]
    max_residual: int
    tier: str
    tier_reasons: tuple[str, ...]
    eu_ai_act: EuAiAct | None
    verdict: Verdict
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


def control_score(max_residual):
    """The risk score: the control left by the worst residual risk, 1 → 100 %, 25 → 0 % (higher is safer)."""
    points = MAX_RESIDUAL - max(1, max_residual)
    return Score(float(points), float(MAX_RESIDUAL - 1), _pct(points, MAX_RESIDUAL - 1))


def _mitigation_actions(scoring, assessed, risks):
    """Unchosen mitigations that lower a residual risk, with what they take off it and add to the risk score."""
    by_id = {r["id"]: r for r in scoring.get("risks", [])}
    current = control_score(max((r.residual for r in risks), default=0)).pct
    actions = []
    for rs in risks:
        qid = by_id[rs.id].get("mitigations")
        question = assessed.questions.get(qid)
        if not question or qid not in assessed.visible:
            continue
        chosen = sorted(choice_set(assessed.answers.get(qid)), key=str)
        others = max((r.residual for r in risks if r is not rs), default=0)
        for option in question.get("options", []):
            reduces = option.get("reduces") or {}
            if option["value"] in chosen or not (reduces.get("likelihood") or reduces.get("severity")):
                continue
            reduce_l, reduce_s, _ = _reductions(question, [*chosen, option["value"]])
            _, _, residual = _residual(rs.likelihood, rs.severity, reduce_l, reduce_s)
            gain = rs.residual - residual
            if gain > 0:
                actions.append(
                    MitigationAction(
                        question_id=qid,
                        text=question.get("text", ""),
                        gain_points=float(gain),
                        gain_pct=round(control_score(max(others, residual)).pct - current, 2),
                        unblocks_level=None,
                        action=f"Add “{option['label']}” to lower {rs.title} from {rs.residual} to {residual}.",
                        risk_id=rs.id,
                        option=option["value"],
                    )
                )
    return actions


def _unresolved_musts(assessed):
    """Must-haves of a risk assessment must be answered with a fact: unanswered or "don't know" blocks, and no
    answer is better than another (answering "yes" to a hazard never unblocks anything)."""
    blocking = []
    for qid in sorted(assessed.visible, key=assessed.order.__getitem__):
        question = assessed.questions[qid]
        value = assessed.answers.get(qid)
        if question.get("criticality") == "must" and (not is_answered(value) or value == "unknown"):
            reason = f"Must be answered: {answer_in_words(question, value)}."
            blocking.append(Blocking(qid, question.get("text", ""), None, reason))
    return tuple(blocking)


def verdict(category, reason, tier) -> Verdict:
    """The one rule: an EU AI Act category of "prohibited" stops the project; otherwise the tier's controls apply."""
    if category == STOP_CATEGORY:
        return Verdict("stop", STOP_LABEL, reason or "")
    return Verdict(
        "controls", f"Proceed with the {tier}-tier controls", f"Put every control the {tier} tier requires in place."
    )


def stored_verdict(result) -> dict | None:
    """The verdict of a stored risk result, also for results stored before the verdict was recorded."""
    if not result or not result.get("tier"):
        return None
    if result.get("verdict"):
        return result["verdict"]
    eu = result.get("eu_ai_act") or {}
    return verdict(eu.get("category"), eu.get("reason"), result["tier"]).to_dict()


def score(definition, answers, context, evidence=None) -> RiskResult:
    scoring = definition["scoring"]
    assessed = assess(definition, answers, context, exclude=frozenset(_plan(definition).questions))
    risks = _risk_scores(scoring, assessed, context)
    blocking = _unresolved_musts(assessed)

    tiers = scoring.get("tiers", [])  # highest first
    rank = {t["tier"]: len(tiers) - i for i, t in enumerate(tiers)}
    top = max(risks, key=lambda r: r.residual, default=None)
    max_residual = top.residual if top else 0
    control = control_score(max_residual)
    tier = next((t["tier"] for t in tiers if max_residual >= t["min_residual"]), tiers[-1]["tier"] if tiers else "low")
    if top:
        reasons = [f"Highest residual risk: {top.title}, {top.residual} of {MAX_RESIDUAL} → {tier}."]
    else:
        reasons = [f"No risk applies to this project → {tier}."]

    result_names = {"max_residual": max_residual, "score_pct": control.pct, "blocking_count": len(blocking)}
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

    decided = verdict(eu_ai_act and eu_ai_act.category, eu_ai_act and eu_ai_act.reason, tier)
    if decided.code == "stop":
        if tiers and tier != tiers[0]["tier"]:
            tier = tiers[0]["tier"]
            reasons.append(f"Raised to {tier}: {STOP_LABEL}.")
        control = Score(0.0, control.max, 0.0)
        actions = []
    else:
        actions = _mitigation_actions(scoring, assessed, risks)
        actions.sort(key=lambda a: (-a.gain_pct, -a.gain_points, assessed.order[a.question_id]))

    controls = []
    for t in reversed(tiers):
        controls.extend(
            Control(c["id"], c.get("text", ""), t["tier"]) for c in scoring.get("controls", {}).get(t["tier"], [])
        )
        if t["tier"] == tier:
            break

    return RiskResult(
        **{**common_fields(assessed, "risk"), "score": control},
        blocking=blocking,
        next_actions=tuple(actions),
        risks=tuple(risks),
        max_residual=max_residual,
        tier=tier,
        tier_reasons=tuple(reasons),
        eu_ai_act=eu_ai_act,
        verdict=decided,
        required_controls=tuple(controls),
    )
