"""The one rule for where a project stands on one framework control, from verified answers and check readings.

Pure: plain values in (the control's mapping, the answers of the newest approved assessments with the state of
their bound checks, the readings of the checks the control names), a frozen ``ControlStatus`` out that explains
itself. ``frameworks.selectors`` gathers the inputs; every page, export, OSCAL document and report reads this.

What each mapped item says:

- a question hidden for the project, or answered "not applicable", does not apply;
- an unanswered question, or a check that could not look (unknown, error, stale, no result), tells nothing;
- an answer that says the thing is not in place ("no", nothing chosen) is *absent*: looked at, and missing;
- an answer that claims it is in place is *verified* when its bound check backs it, *contradicted* when the
  check reads fail or warn, and *claimed* otherwise (``questionnaires.types.claim_status``, the one claim rule);
- a check the control names directly is *verified* when it passes (or is waived), *failed* on fail or warn.

The control, in order: not applicable when ``applies_when`` is false or nothing mapped applies; not covered
when nothing is mapped (Plumbline cannot look: assess it by hand); contradicted when a claim is contradicted,
or a named check fails while an answer claims the control; not in place when the answers say so or a named
check fails and nothing claims it; partly in place when some parts are in place and some are absent; verified
when every part in place is backed by evidence; claimed only when some part is only claimed; not assessed when
nothing mapped has been answered or checked yet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from questionnaires import conditions
from questionnaires.types import CONTRADICTING_STATES, claim_status, claims_in_place, is_answered, type_of

VERIFIED = "verified"
CLAIMED = "claimed_only"
CONTRADICTED = "contradicted"
PARTIAL = "partial"
NOT_IN_PLACE = "not_in_place"
NOT_APPLICABLE = "not_applicable"
NOT_ASSESSED = "not_assessed"
NOT_COVERED = "not_covered"

LABELS = {
    VERIFIED: "Verified",
    CLAIMED: "Claimed only",
    CONTRADICTED: "Contradicted",
    PARTIAL: "Partly in place",
    NOT_IN_PLACE: "Not in place",
    NOT_APPLICABLE: "Not applicable",
    NOT_ASSESSED: "Not assessed",
    NOT_COVERED: "Not covered by Plumbline",
}
#: Worst first: the order a list of controls is sorted in for a reader, and how a framework is summarised.
ORDER = (CONTRADICTED, NOT_IN_PLACE, PARTIAL, CLAIMED, NOT_ASSESSED, NOT_COVERED, VERIFIED, NOT_APPLICABLE)
#: ISO 42001 SoA "implementation status" and OSCAL implementation-status words for each status.
IMPLEMENTATION = {
    VERIFIED: "implemented",
    CLAIMED: "implemented",
    CONTRADICTED: "partial",
    PARTIAL: "partial",
    NOT_IN_PLACE: "planned",
    NOT_APPLICABLE: "not-applicable",
    NOT_ASSESSED: "",
    NOT_COVERED: "",
}
VERIFYING_CHECK_STATES = ("pass", "waived")


@dataclass(frozen=True)
class AnswerFact:
    """One question's answer in the newest approved assessment, with what its bound check reads now."""

    question: Mapping
    value: object
    visible: bool = True
    evidence_state: str | None = None  # effective state of the question's bound check(s), if any
    checked_at: datetime | None = None
    links: tuple = ()  # evidence links and files attached to the answer: ({"label", "url"}, ...)
    assessment_id: int | None = None


@dataclass(frozen=True)
class CheckFact:
    state: str  # effective state (connectors.reading)
    reason: str = ""
    checked_at: datetime | None = None


@dataclass(frozen=True)
class Item:
    """What one mapped question or check says about the control."""

    kind: str  # "question" | "check"
    id: str
    outcome: str  # verified | claimed | contradicted | absent | failed | na | none
    words: str
    checked_at: datetime | None = None
    links: tuple = ()


@dataclass(frozen=True)
class ControlStatus:
    status: str
    why: str
    items: tuple = ()
    last_verified: datetime | None = None
    links: tuple = field(default=())

    @property
    def label(self) -> str:
        return LABELS[self.status]

    @property
    def applicable(self) -> bool:
        return self.status != NOT_APPLICABLE

    @property
    def implementation(self) -> str:
        return IMPLEMENTATION[self.status]

    @property
    def verified_count(self) -> int:
        return sum(1 for i in self.items if i.outcome == "verified")

    @property
    def in_place_count(self) -> int:
        return sum(1 for i in self.items if i.outcome in ("verified", "claimed", "contradicted"))


def _question_item(qid: str, fact: AnswerFact | None) -> Item:
    if fact is None:
        return Item("question", qid, "none", f"{qid}: not answered")
    text = (fact.question or {}).get("text", qid)
    if not fact.visible:
        return Item("question", qid, "na", f"{text}: does not apply to this project")
    if not is_answered(fact.value):
        return Item("question", qid, "none", f"{text}: not answered")
    qtype = type_of(fact.question)
    answer = qtype.in_words(fact.question, fact.value)
    if qtype.scored and qtype.fraction_function(fact.question)(fact.value) is None:
        return Item("question", qid, "na", f"{text}: answered not applicable", links=fact.links)
    if not claims_in_place(fact.question, fact.value):
        return Item("question", qid, "absent", f"{text}: answered {answer}", links=fact.links)
    claim = claim_status(fact.question, fact.value, fact.evidence_state)
    if claim == "verified":
        return Item("question", qid, "verified", f"{text}: {answer}, verified", fact.checked_at, fact.links)
    if claim == "contradicted":
        return Item("question", qid, "contradicted", f"{text}: {answer}, but the evidence reads {fact.evidence_state}",
                    fact.checked_at, fact.links)  # fmt: skip
    return Item("question", qid, "claimed", f"{text}: {answer} (claimed, not verified)", links=fact.links)


def _check_item(check_id: str, fact: CheckFact | None) -> Item:
    if fact is None:
        return Item("check", check_id, "none", f"{check_id}: no result yet")
    if fact.state in VERIFYING_CHECK_STATES:
        return Item("check", check_id, "verified", f"{check_id}: {fact.state}", fact.checked_at)
    if fact.state == "not_applicable":
        return Item("check", check_id, "na", f"{check_id}: not applicable")
    if fact.state in CONTRADICTING_STATES:
        return Item("check", check_id, "failed", f"{check_id}: {fact.state}: {fact.reason}".rstrip(": "),
                    fact.checked_at)  # fmt: skip
    return Item("check", check_id, "none", f"{check_id}: {fact.state} (could not tell)")


def _applies(control, answers: Mapping[str, AnswerFact], context: Mapping) -> bool:
    if not getattr(control, "applies_when", ""):
        return True
    values = {qid: f.value for qid, f in answers.items() if f.visible and is_answered(f.value)}
    return conditions.evaluate(control.applies_when, values, {"project": dict(context)})


def _list(items, outcome):
    return "; ".join(i.words for i in items if i.outcome == outcome)


def control_status(
    control,
    *,
    answers: Mapping[str, AnswerFact],
    checks: Mapping[str, CheckFact],
    context: Mapping | None = None,
) -> ControlStatus:
    """Where the project stands on ``control`` (anything with ``questions``, ``checks`` and ``applies_when``)."""
    if not _applies(control, answers, context or {}):
        return ControlStatus(NOT_APPLICABLE, f"Does not apply: {control.applies_when}")
    items = tuple(
        [_question_item(q, answers.get(q)) for q in control.questions]
        + [_check_item(c, checks.get(c)) for c in control.checks]
    )
    links = tuple(link for i in items for link in i.links)
    verified_at = [i.checked_at for i in items if i.outcome == "verified" and i.checked_at]
    last = max(verified_at) if verified_at else None
    if not items:
        if getattr(control, "inventory", ()):
            return ControlStatus(NOT_ASSESSED, "Filled from the inventory only: nothing here is verified.")
        return ControlStatus(NOT_COVERED, "No Plumbline question or check maps to this control: assess it by hand.")
    outcomes = [i.outcome for i in items]
    relevant = [o for o in outcomes if o not in ("na", "none")]
    claims = {"verified", "claimed", "contradicted"} & set(outcomes)

    def done(status, why):
        return ControlStatus(status, why, items, last, links)

    if not relevant:
        if all(o == "na" for o in outcomes):
            return done(NOT_APPLICABLE, "Nothing mapped applies to this project: " + _list(items, "na"))
        return done(NOT_ASSESSED, "Nothing mapped has been answered in an approved assessment or checked yet.")
    if "contradicted" in outcomes or ("failed" in outcomes and claims):
        found = "; ".join(i.words for i in items if i.outcome in ("contradicted", "failed"))
        return done(CONTRADICTED, f"Claimed in place, but the evidence says otherwise: {found}")
    if not claims:
        found = "; ".join(i.words for i in items if i.outcome in ("absent", "failed"))
        return done(NOT_IN_PLACE, f"Not in place: {found}")
    if "absent" in outcomes:
        return done(PARTIAL, f"Partly in place. Missing: {_list(items, 'absent')}")
    verified = outcomes.count("verified")
    in_place = verified + outcomes.count("claimed")
    if verified == in_place:
        return done(VERIFIED, f"Verified by evidence ({verified} of {in_place}): {_list(items, 'verified')}")
    return done(
        CLAIMED,
        f"{verified} of {in_place} parts verified; claimed without evidence: {_list(items, 'claimed')}",
    )


def summary(statuses: Sequence[str]) -> dict:
    """Counts per status and the verified coverage: verified controls among the applicable ones, in percent."""
    counts = dict.fromkeys(ORDER, 0)
    for s in statuses:
        counts[s] += 1
    applicable = len(statuses) - counts[NOT_APPLICABLE]
    claimed = counts[VERIFIED] + counts[CLAIMED] + counts[CONTRADICTED]
    return {
        "counts": counts,
        "total": len(statuses),
        "applicable": applicable,
        "verified_pct": round(100 * counts[VERIFIED] / applicable, 1) if applicable else None,
        "claimed_pct": round(100 * claimed / applicable, 1) if applicable else None,
    }
