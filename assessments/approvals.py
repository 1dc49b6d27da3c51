"""Approvals by domain, as pure rules over plain data: which sign-offs an assessment needs and which it has.

An approval policy (``ApprovalPolicy.rules``, documented in docs/approvals.md) lists, for each kind of assessment
and each risk tier, the sign-offs it needs: a domain (``security``, ``legal``, ``privacy``, ...: a member of that
approver group signs) or ``any`` (any reviewer). Each sign-off is a different person. The assessment stays
submitted until every sign-off is given; one return sends it back to the team.

No ORM, settings or I/O: ``assessments.selectors`` gathers the facts, ``assessments.services`` enforces.
"""

from __future__ import annotations

from dataclasses import dataclass

import jsonschema

ANY = "any"
KINDS = ("impact", "risk", "maturity")
# ``unknown``: no approved risk assessment gives the project a tier yet (a risk assessment uses its own tier).
TIERS = ("low", "medium", "high", "critical", "unknown")
MAX_SIGNOFFS = 10

_STRICT = ["security", "legal", "privacy"]
_PER_TIER = {"low": [ANY], "medium": ["security", ANY], "high": _STRICT, "critical": _STRICT, "unknown": _STRICT}
DEFAULT_RULES = {
    "format": 1,
    "kinds": {kind: {tier: list(steps) for tier, steps in _PER_TIER.items()} for kind in KINDS},
}

_STEPS = {
    "type": "array",
    "minItems": 1,
    "maxItems": MAX_SIGNOFFS,
    "items": {"type": "string", "pattern": "^[a-z][a-z0-9_-]{0,39}$"},
}
SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["format", "kinds"],
    "properties": {
        "format": {"const": 1},
        "kinds": {
            "type": "object",
            "additionalProperties": False,
            "required": list(KINDS),
            "properties": {
                kind: {
                    "type": "object",
                    "additionalProperties": False,
                    "required": list(TIERS),
                    "properties": dict.fromkeys(TIERS, _STEPS),
                }
                for kind in KINDS
            },
        },
    },
}


def validate_rules(rules) -> dict[str, list[str]]:
    """Every error in ``rules`` by JSON path (empty when valid): shape, and no domain named twice for one tier."""
    errors: dict[str, list[str]] = {}
    for error in jsonschema.Draft202012Validator(SCHEMA).iter_errors(rules):
        path = "/".join(str(p) for p in error.absolute_path) or "(top)"
        errors.setdefault(path, []).append(error.message)
    if errors:
        return errors
    for kind, tiers in rules["kinds"].items():
        for tier, steps in tiers.items():
            named = [s for s in steps if s != ANY]
            if len(named) != len(set(named)):
                errors.setdefault(f"kinds/{kind}/{tier}", []).append(
                    "Name each domain once; add 'any' for more reviewers."
                )
    return errors


def required_signoffs(rules, kind, tier) -> tuple[str, ...]:
    """The sign-offs an assessment of ``kind`` needs at risk ``tier`` (``None`` or unknown reads ``unknown``)."""
    tier = tier if tier in TIERS else "unknown"
    return tuple(rules["kinds"][kind][tier])


@dataclass(frozen=True)
class Signoff:
    """One approval already given: by whom, for which required sign-off (a domain or ``any``)."""

    user_id: int
    username: str
    step: str


@dataclass(frozen=True)
class ApprovalStatus:
    required: tuple[str, ...]
    given: tuple[Signoff, ...]
    waiting: tuple[str, ...]
    tier: str

    @property
    def complete(self) -> bool:
        return not self.waiting

    def summary(self) -> str:
        """ "2 of 3 approvals: waiting for legal", or "3 of 3 approvals"."""
        done = f"{len(self.given)} of {len(self.required)} approval{'s' if len(self.required) != 1 else ''}"
        if not self.waiting:
            return done
        return f"{done}: waiting for {', '.join(step_label(s) for s in self.waiting)}"


def step_label(step) -> str:
    return "a reviewer" if step == ANY else step


def status(required, given, tier) -> ApprovalStatus:
    """What is still missing once ``given`` (Signoff, in order) filled the ``required`` steps."""
    waiting = list(required)
    for signoff in given:
        if signoff.step in waiting:
            waiting.remove(signoff.step)
    return ApprovalStatus(tuple(required), tuple(given), tuple(waiting), tier)


def open_steps_for(current: ApprovalStatus, *, user_id, domains, is_reviewer) -> list[str]:
    """The waiting sign-offs this person may give now, their domains first (so a security approver fills the
    security sign-off before a reviewer's): a domain they belong to, or ``any`` when they review or belong to
    some approver group; nobody signs twice."""
    if any(s.user_id == user_id for s in current.given):
        return []
    steps = []
    for step in dict.fromkeys(current.waiting):
        if step == ANY:
            if is_reviewer or domains:
                steps.append(step)
        elif step in domains:
            steps.append(step)
    return sorted(steps, key=lambda step: step == ANY)
