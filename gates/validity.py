"""How long a verdict stays true by itself: the earliest moment one of its inputs expires. Pure, no ORM."""

from __future__ import annotations

from datetime import datetime, timedelta

from .policy import GateFacts


def valid_until(rules: dict, facts: GateFacts, *, stage: str, cap: datetime) -> datetime:
    """The earliest future expiry among the verdict's inputs, at most ``cap``.

    Inputs that expire: every approved assessment (its ``expires_at``, and its approval plus the stage's
    ``max_age_days``), every check result (its ``expires_at``, its waiver's expiry, and its check time plus the
    stage's ``max_evidence_age_days``). All check results count, not only the stage's checks: the verified
    maturity level is re-scored against every reading.
    """
    spec = rules.get("stages", {}).get(stage, {})
    now = facts.now
    moments = [cap]
    max_ages = {item["kind"]: item.get("max_age_days") for item in spec.get("assessments", [])}
    for kind, fact in facts.assessments.items():
        moments.append(fact.expires_at)
        if max_ages.get(kind) and fact.decided_at:
            moments.append(fact.decided_at + timedelta(days=max_ages[kind]))
    evidence_age = spec.get("max_evidence_age_days")
    for results in facts.checks.values():
        for fact in results:
            moments += [fact.expires_at, fact.waived_until]
            if evidence_age and fact.checked_at:
                moments.append(fact.checked_at + timedelta(days=evidence_age))
    return min(m for m in moments if m is not None and m > now)
