"""The one reading of a check result: what a stored result means now, for every page, report, API and the gate.

Pure functions over plain values (no ORM, no settings), so the evidence panel, maturity scoring (verified level
and contradicted claims), the stage gate, the scorecard, the portfolio, the CSV exports, the badge, the API and
the CLI cannot read the same result three ways. ``connectors.selectors.check_readings`` gathers the inputs for
one project or a whole portfolio in constant queries.

The rule, in order:

1. a fresh ``pass`` or ``not_applicable`` reads as itself (a waiver never hides good evidence);
2. an active waiver reads ``waived`` (the approver accepted the result, whatever it was);
3. a ``pass``/``fail``/``warn``/``not_applicable`` past its validity (``expires_at``) reads ``stale``: it was
   looked at once, but too long ago to trust, so it verifies nothing and blocks a gate until refreshed;
4. otherwise the stored state (``fail``, ``warn``, ``unknown`` = could not look, ``error`` = broken set-up).

A stage's maximum evidence age is not part of the reading: the gate asks for evidence fresher than that as a
requirement of its own and says so ("passes, but was checked 9 days ago; production accepts 7").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from .base import ERROR, FAIL, NOT_APPLICABLE, PASS, UNKNOWN, WAIVED, WARN

STALE = "stale"
EFFECTIVE_STATES = (PASS, FAIL, WARN, NOT_APPLICABLE, UNKNOWN, ERROR, WAIVED, STALE)
LABELS = {
    PASS: "Pass",
    FAIL: "Fail",
    WARN: "Warning",
    NOT_APPLICABLE: "Not applicable",
    UNKNOWN: "Unknown",
    ERROR: "Error",
    WAIVED: "Waived",
    STALE: "Stale",
}
# States whose evidence can go stale: something was observed, and the observation ages.
OBSERVED = (PASS, FAIL, WARN, NOT_APPLICABLE)
# States that satisfy a check: it holds, does not apply, or an approver accepted it.
SATISFIED = (PASS, NOT_APPLICABLE, WAIVED)
# States that contradict a claim: the evidence was looked at and the thing is not (fully) in place.
CONTRADICTING = (FAIL, WARN)
# When several components answer one check and none is conclusive, the most telling state speaks.
INCONCLUSIVE_ORDER = (WAIVED, STALE, ERROR, UNKNOWN, NOT_APPLICABLE)
# For an ``any_of`` binding the most favourable check speaks for the question: one pass verifies it, and it
# reads fail only when every bound check that answered failed (an unknown one might still pass).
ANY_OF_ORDER = (PASS, WAIVED, NOT_APPLICABLE, WARN, STALE, UNKNOWN, ERROR, FAIL)


def effective_state(
    *, state: str, expires_at: datetime | None, now: datetime, waived_until: datetime | None = None
) -> str:
    """The state people and the gate read for one stored result (see the module docstring for the rule)."""
    stale = state in OBSERVED and expires_at is not None and expires_at <= now
    if state in (PASS, NOT_APPLICABLE) and not stale:
        return state
    if waived_until is not None and waived_until > now:
        return WAIVED
    if stale:
        return STALE
    return state


@dataclass(frozen=True)
class Reading:
    """One stored result of one check on one component (or of the CI push), read with the rule above."""

    check_id: str
    state: str  # effective state
    stored_state: str
    reason: str
    checked_at: datetime | None
    expires_at: datetime | None
    source: str = ""  # component name, or "CI push"
    component_id: int | None = None
    waived_until: datetime | None = None

    @property
    def stale(self) -> bool:
        return self.state == STALE

    @property
    def label(self) -> str:
        return LABELS.get(self.state, self.state)

    @property
    def shown_reason(self) -> str:
        """The reason a person reads: the waiver or the staleness first, then what the connector saw."""
        if self.state == WAIVED:
            return f"Waived until {self.waived_until:%Y-%m-%d} (was {self.stored_state}): {self.reason}"
        if self.state == STALE:
            when = f"{self.checked_at:%Y-%m-%d}" if self.checked_at else "an unknown date"
            return f"Too old to trust (was {self.stored_state} on {when}); refresh the evidence: {self.reason}"
        return self.reason


def read(
    *,
    check_id: str,
    state: str,
    reason: str,
    checked_at: datetime | None,
    expires_at: datetime | None,
    now: datetime,
    source: str = "",
    component_id: int | None = None,
    waived_until: datetime | None = None,
) -> Reading:
    return Reading(
        check_id=check_id,
        state=effective_state(state=state, expires_at=expires_at, now=now, waived_until=waived_until),
        stored_state=state,
        reason=reason,
        checked_at=checked_at,
        expires_at=expires_at,
        source=source,
        component_id=component_id,
        waived_until=waived_until if waived_until and waived_until > now else None,
    )


def waiver_until(waivers: Iterable[Mapping], check_id: str, component_id: int | None) -> datetime | None:
    """The latest expiry among active waivers of ``check_id`` covering the component (or the whole project)."""
    dates = [
        w["expires_at"] for w in waivers if w["check_id"] == check_id and w["component_id"] in (None, component_id)
    ]
    return max(dates) if dates else None


def combine(readings: Sequence[Reading]) -> tuple[Reading, str]:
    """The reading that speaks for one check across components, and the reason to show.

    The worst conclusive result counts (one failing vector store fails "chunks carry their source"); with none
    conclusive the most telling inconclusive state speaks.
    """
    conclusive = [r for r in readings if r.state in (PASS, FAIL, WARN)]
    if conclusive:
        order = (FAIL, WARN, PASS)
        chosen = min(conclusive, key=lambda r: order.index(r.state))
    else:
        chosen = min(readings, key=lambda r: INCONCLUSIVE_ORDER.index(r.state) if r.state in INCONCLUSIVE_ORDER else 99)
    reason = chosen.shown_reason
    if len(readings) > 1:
        if conclusive:
            bad = sum(1 for r in conclusive if r.state != PASS)
            summary = (
                f"{bad} of {len(readings)} components do not pass this check; the worst result counts. "
                if bad
                else f"All {len(conclusive)} conclusive results of {len(readings)} components pass. "
            )
        else:
            summary = f"None of the {len(readings)} components gave a conclusive result. "
        reason = f"{summary}{chosen.source}: {reason}"
    return chosen, reason


@dataclass(frozen=True)
class QuestionEvidence:
    """What the evidence says about one question bound to checks."""

    state: str
    check_id: str
    reason: str
    checked_at: datetime | None
    source: str

    @property
    def stale(self) -> bool:
        return self.state == STALE


def question_evidence(
    bindings: Mapping[str, Sequence[str]], readings_by_check: Mapping[str, Sequence[Reading]]
) -> dict[str, QuestionEvidence]:
    """``{question_id: QuestionEvidence}`` for the bound questions with at least one result."""
    out = {}
    for question_id, check_ids in bindings.items():
        candidates = [(c, *combine(readings_by_check[c])) for c in check_ids if readings_by_check.get(c)]
        if not candidates:
            continue
        check_id, chosen, reason = min(candidates, key=lambda c: ANY_OF_ORDER.index(c[1].state))
        if len(check_ids) > 1:
            reason = f"{check_id} (any of {', '.join(check_ids)}): {reason}"
        out[question_id] = QuestionEvidence(
            state=chosen.state, check_id=check_id, reason=reason, checked_at=chosen.checked_at, source=chosen.source
        )
    return out
