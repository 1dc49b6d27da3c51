"""Maturity: section scores as % of applicable points, cumulative levels 0-4 gated by must-haves, and the
verified level, computed again after replacing every evidence-bound claim by what the evidence supports.

``evidence`` maps question ids to the effective state of their bound checks (``connectors.reading``); a bound
question absent from it has no result. Verified is what Plumbline saw: an answer claiming something is in
place earns verified credit only when a check passes (or a waiver / "does not apply" lets it stand).
"""

from dataclasses import dataclass

from questionnaires.definition import evidence_checks
from questionnaires.types import claim_status, claims_in_place, type_of

from .common import (
    Blocking,
    Contribution,
    NextAction,
    Score,
    ScoreResult,
    SectionScore,
    _Dict,
    answer_in_words,
    assess,
    choice_set,
    common_fields,
    fraction_function,
    must_blocking,
    next_actions,
    unmet_musts,
)

# What the evidence makes of a claim is questionnaires.types.claim_status, the one rule the form, the API and the
# reports use too: verified (pass, waived, not applicable), contradicted (fail, warn) or unverified.
VERIFIED, CONTRADICTED, UNVERIFIED = "verified", "contradicted", "unverified"
WARN_CREDIT = 0.5  # partial evidence earns at most half the points, never the full claim


@dataclass(frozen=True)
class LevelStatus(_Dict):
    level: int
    name: str
    description: str
    min_score_pct: float
    reached: bool
    blocking: tuple[str, ...]  # must-have ids gating exactly this level that are not met
    score_ok: bool


@dataclass(frozen=True)
class Discrepancy(_Dict):
    question_id: str
    claimed: object
    check: str
    state: str


@dataclass(frozen=True)
class WhyItem(_Dict):
    """One reason the verified level is not higher (``blocks``: the next level cannot be reached without it)."""

    kind: str  # contradicted_claim | unverified_claim | unmet_must_have | score_short
    question_id: str
    question: str
    check_id: str
    state: str | None
    level: int | None
    gain_points: float
    reason: str
    blocks: bool


@dataclass(frozen=True, kw_only=True)
class MaturityResult(ScoreResult):
    """``level`` is the claimed level (answers as given); ``verified_level`` uses conclusive evidence instead."""

    level: int
    level_name: str
    claimed_level: int
    verified_level: int | None  # None only in results stored before the verified level existed
    verified_score: Score | None
    levels: tuple[LevelStatus, ...]
    verified_level_name: str = ""
    verified_sections: tuple[SectionScore, ...] = ()
    verified_blocking: tuple[Blocking, ...] | None = None  # None only in results stored before it existed
    verified_next_actions: tuple[NextAction, ...] | None = None
    verified_levels: tuple[LevelStatus, ...] = ()
    discrepancies: tuple[Discrepancy, ...] = ()
    unverified: tuple[str, ...] = ()
    why: tuple[WhyItem, ...] = ()

    @property
    def blocking_now(self) -> tuple[Blocking, ...]:
        """What blocks the verified level (the claimed blocking items for results stored before it existed)."""
        return self.blocking if self.verified_blocking is None else self.verified_blocking

    @property
    def next_actions_now(self) -> tuple[NextAction, ...]:
        """Next actions for the verified level (the claimed ones for results stored before it existed)."""
        return self.next_actions if self.verified_next_actions is None else self.verified_next_actions

    @classmethod
    def from_dict(cls, data) -> "MaturityResult | None":
        """The stored ``Assessment.result`` of a maturity assessment, typed: the one place that knows the older
        formats (``level`` before ``claimed_level``; ``verified_score`` as a bare percentage; no verified level
        at all). Keys it does not know are ignored; missing ones read as None. None for no result at all."""
        if not isinstance(data, dict) or not data:
            return None
        claimed = data.get("claimed_level", data.get("level"))
        verified_score = data.get("verified_score")
        if isinstance(verified_score, (int, float)) and not isinstance(verified_score, bool):
            verified_score = {"pct": verified_score}
        return cls(
            model="maturity",
            score=Score.read(data.get("score")) or Score(None, None, None),
            sections=SectionScore.read_all(data.get("sections")),
            contributions=Contribution.read_all(data.get("contributions")),
            blocking=Blocking.read_all(data.get("blocking")),
            next_actions=NextAction.read_all(data.get("next_actions")),
            unanswered=tuple(data.get("unanswered") or ()),
            hidden=tuple(data.get("hidden") or ()),
            level=data.get("level", claimed),
            level_name=data.get("level_name") or "",
            claimed_level=claimed,
            verified_level=data.get("verified_level"),
            verified_score=Score.read(verified_score),
            levels=LevelStatus.read_all(data.get("levels")),
            verified_level_name=data.get("verified_level_name") or "",
            verified_sections=SectionScore.read_all(data.get("verified_sections")),
            verified_blocking=Blocking.read_all(data["verified_blocking"]) if "verified_blocking" in data else None,
            verified_next_actions=(
                NextAction.read_all(data["verified_next_actions"]) if "verified_next_actions" in data else None
            ),
            verified_levels=LevelStatus.read_all(data.get("verified_levels")),
            discrepancies=Discrepancy.read_all(data.get("discrepancies")),
            unverified=tuple(data.get("unverified") or ()),
            why=WhyItem.read_all(data.get("why")),
        )


def _levels(assessed, definition):
    """The reached level and each level's status; level L needs L-1, its must-haves and its minimum score."""
    levels = sorted(definition["scoring"].get("levels", []), key=lambda lv: lv["level"])
    unmet_by_level = {}
    for question, _ in unmet_musts(assessed):
        unmet_by_level.setdefault(question.get("level"), []).append(question["id"])
    reached = 0
    climbing = True
    statuses = []
    for lv in levels:
        number = lv["level"]
        blocking = tuple(unmet_by_level.get(number, ()))
        score_ok = round(assessed.score.pct, 6) >= float(lv.get("min_score_pct") or 0)
        is_reached = number == 0 or (climbing and not blocking and score_ok)
        climbing = is_reached
        if is_reached:
            reached = number
        statuses.append(
            LevelStatus(
                number,
                lv["name"],
                lv.get("description", ""),
                lv.get("min_score_pct") or 0,
                is_reached,
                blocking,
                score_ok,
            )
        )
    return reached, tuple(statuses)


def _candidates(question, claimed):
    """Answers no better than ``claimed`` to choose a partial credit from (``_capped``)."""
    qtype = type_of(question)
    if qtype.multiple:
        points = {o["value"]: o["points"] or 0 for o in question.get("options", [])}
        chosen = sorted(choice_set(claimed), key=lambda v: (-points.get(v, 0), str(v)))
        return [chosen[:i] for i in range(len(chosen) + 1)]
    return [value for value, _label, _help in qtype.choices(question)]


def _capped(question, claimed, cap):
    """The best answer no better than ``claimed`` that earns at most ``cap`` of the question's points."""
    fraction_of = fraction_function(question)
    if (fraction_of(claimed) or 0.0) <= cap:
        return claimed
    fitting = [(fraction_of(c) or 0.0, c) for c in _candidates(question, claimed)]
    fitting = [pair for pair in fitting if pair[0] <= cap + 1e-9]
    return max(fitting, key=lambda pair: pair[0])[1] if fitting else type_of(question).worst_answer(question)


def _claims(assessed):
    """Visible evidence-bound questions whose answer claims something is in place: ``{question_id: answer}``."""
    return {
        qid: assessed.answers.get(qid)
        for qid, question in assessed.questions.items()
        if question.get("evidence") and qid in assessed.visible and claims_in_place(question, assessed.answers.get(qid))
    }


def _verified_answers(assessed, answers, evidence):
    """The answers with every evidence-bound claim replaced by what the evidence supports.

    A pass earns full points; a waiver or not-applicable lets the claim stand; a warning (partial evidence)
    earns at most ``WARN_CREDIT`` of the points; a fail, and a claim nothing could verify, earn none.
    """
    replaced = dict(answers)
    evidence = evidence or {}
    claims = _claims(assessed)
    for qid, question in assessed.questions.items():
        if not question.get("evidence") or qid not in assessed.visible:
            continue
        state = evidence.get(qid)
        if state == "pass":
            replaced[qid] = type_of(question).best_answer(question)
        elif qid not in claims or state in ("waived", "not_applicable"):
            continue
        elif state == "warn":
            replaced[qid] = _capped(question, answers.get(qid), WARN_CREDIT)
        else:
            replaced[qid] = type_of(question).worst_answer(question)
    return replaced


def _why(claimed, verified, verified_level, statuses, evidence, names):
    """Why the verified level is not higher: what blocks the next level, most unblocking first."""
    target = verified_level + 1
    level = next((s for s in statuses if s.level == target), None)
    if level is None:
        return ()
    evidence = evidence or {}
    claims = _claims(claimed)
    items = []
    for question, c in unmet_musts(verified):
        if (question.get("level") or 0) > target:
            continue
        qid = c.question_id
        state = evidence.get(qid)
        checks = " or ".join(evidence_checks(question))
        if qid in claims:
            status = claim_status(question, claims[qid], state)
            kind = "contradicted_claim" if status == CONTRADICTED else "unverified_claim"
            reason = (
                f"Answered as in place, but {checks} reads {state}."
                if status == CONTRADICTED
                else f"Answered as in place, but {checks} "
                + ("has no result yet" if state is None else f"reads {state}")
                + ": connect or refresh the evidence."
            )
        else:
            kind = "unmet_must_have"
            checks = ""
            reason = f"Must-have for level {question.get('level')}: {answer_in_words(question, c.answer)}."
        items.append(
            WhyItem(kind, qid, question.get("text", ""), checks, state, question.get("level"), 0.0, reason, True)
        )
    if not level.score_ok:
        short = float(level.min_score_pct) - verified.score.pct
        gains = []
        claimed_points = {c.question_id: c.points for c in claimed.contributions}
        for c in verified.contributions:
            qid = c.question_id
            if qid not in claims or any(i.question_id == qid for i in items):
                continue
            lost = claimed_points.get(qid, 0.0) - c.points
            if lost <= 0:
                continue
            question = claimed.questions[qid]
            state = evidence.get(qid)
            status = claim_status(question, claims[qid], state)
            checks = " or ".join(evidence_checks(question))
            gains.append(
                WhyItem(
                    "contradicted_claim" if status == CONTRADICTED else "unverified_claim",
                    qid,
                    question.get("text", ""),
                    checks,
                    state,
                    target,
                    round(lost, 4),
                    f"Counts for the level {target} score ({short:.1f} points short): answered as in place, but "
                    + checks
                    + (" has no result yet." if state is None else f" reads {state}."),
                    False,
                )
            )
        gains.sort(key=lambda i: (-i.gain_points, claimed.order[i.question_id]))
        items += gains
        if not gains:
            items.append(
                WhyItem(
                    "score_short",
                    "",
                    f"Level {target} ({names.get(target, target)}) needs {level.min_score_pct}% of the points; "
                    f"the verified score is {verified.score.pct}%.",
                    "",
                    None,
                    target,
                    0.0,
                    "Improve the answers with the largest gain (see next actions).",
                    True,
                )
            )
    order = {"contradicted_claim": 0, "unverified_claim": 1, "unmet_must_have": 2, "score_short": 3}
    items.sort(key=lambda i: (0, order[i.kind]) if i.blocks else (1, 0))
    return tuple(items)


def score(definition, answers, context, evidence=None) -> MaturityResult:
    claimed = assess(definition, answers, context)
    level, statuses = _levels(claimed, definition)
    names = {lv["level"]: lv["name"] for lv in definition["scoring"].get("levels", [])}

    verified = assess(definition, _verified_answers(claimed, answers or {}, evidence), context)
    verified_level, verified_statuses = _levels(verified, definition)

    discrepancies, unverified = [], []
    for qid, answer in _claims(claimed).items():
        question = claimed.questions[qid]
        state = (evidence or {}).get(qid)
        status = claim_status(question, answer, state)
        if status == CONTRADICTED:
            discrepancies.append(Discrepancy(qid, answer, " or ".join(evidence_checks(question)), state))
        elif status == UNVERIFIED:
            unverified.append(qid)

    blocking = must_blocking(claimed, level_names=names)
    unblocks = {b.question_id: b.level for b in blocking}
    verified_blocking = must_blocking(verified, level_names=names)
    verified_unblocks = {b.question_id: b.level for b in verified_blocking}
    return MaturityResult(
        **common_fields(claimed, "maturity"),
        blocking=blocking,
        next_actions=next_actions(claimed, unblocks=unblocks, first_level=level + 1),
        level=level,
        level_name=names.get(level, str(level)),
        claimed_level=level,
        verified_level=verified_level,
        verified_level_name=names.get(verified_level, str(verified_level)),
        verified_score=verified.score,
        verified_sections=verified.sections,
        verified_blocking=verified_blocking,
        verified_next_actions=next_actions(verified, unblocks=verified_unblocks, first_level=verified_level + 1),
        levels=statuses,
        verified_levels=verified_statuses,
        discrepancies=tuple(discrepancies),
        unverified=tuple(unverified),
        why=_why(claimed, verified, verified_level, verified_statuses, evidence, names),
    )
