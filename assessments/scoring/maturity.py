"""Maturity: section scores as % of applicable points, cumulative levels 0-4 gated by must-haves, and the
verified level, computed again after replacing evidence-bound answers by their conclusive check state.
"""

from dataclasses import dataclass

from questionnaires.definition import evidence_checks
from questionnaires.types import claim_status, type_of

from .common import (
    Blocking,
    Contribution,
    NextAction,
    Score,
    ScoreResult,
    SectionScore,
    _Dict,
    assess,
    common_fields,
    must_blocking,
    next_actions,
    unmet_musts,
)

CONCLUSIVE = ("pass", "fail")


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


@dataclass(frozen=True, kw_only=True)
class MaturityResult(ScoreResult):
    """``level`` is the claimed level (answers as given); ``verified_level`` uses conclusive evidence instead."""

    level: int
    level_name: str
    claimed_level: int
    verified_level: int | None  # None only in results stored before the verified level existed
    verified_score: Score | None
    levels: tuple[LevelStatus, ...]
    discrepancies: tuple[Discrepancy, ...] = ()

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
            discrepancies=Discrepancy.read_all(data.get("discrepancies")),
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


def _verified_answers(assessed, answers, evidence):
    replaced = dict(answers)
    for qid, state in (evidence or {}).items():
        question = assessed.questions.get(qid)
        if question and question.get("evidence") and state in CONCLUSIVE:
            qtype = type_of(question)
            replaced[qid] = qtype.best_answer(question) if state == "pass" else qtype.worst_answer(question)
    return replaced


def score(definition, answers, context, evidence=None) -> MaturityResult:
    claimed = assess(definition, answers, context)
    level, statuses = _levels(claimed, definition)
    names = {lv["level"]: lv["name"] for lv in definition["scoring"].get("levels", [])}

    verified = claimed
    verified_level = level
    if evidence:
        verified = assess(definition, _verified_answers(claimed, answers or {}, evidence), context)
        verified_level, _ = _levels(verified, definition)

    discrepancies = []
    for qid, question in claimed.questions.items():
        answer, state = claimed.answers.get(qid), (evidence or {}).get(qid)
        if qid in claimed.visible and claim_status(question, answer, state) == "contradicted":
            discrepancies.append(Discrepancy(qid, answer, " or ".join(evidence_checks(question)), state))

    blocking = must_blocking(claimed, level_names=names)
    unblocks = {b.question_id: b.level for b in blocking}
    return MaturityResult(
        **common_fields(claimed, "maturity"),
        blocking=blocking,
        next_actions=next_actions(claimed, unblocks=unblocks, first_level=level + 1),
        level=level,
        level_name=names.get(level, str(level)),
        claimed_level=level,
        verified_level=verified_level,
        verified_score=verified.score,
        levels=statuses,
        discrepancies=tuple(discrepancies),
    )
