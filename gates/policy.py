"""Pure stage-gate evaluation: policy rules (plain JSON) + facts about one project -> a verdict that explains itself.

No ORM, settings or I/O here, so the rules can be tested exhaustively (tests/unit/test_gate_policy.py) and the
same function serves the page, the API, the CLI, the badge and the stage move. The rules format is documented
in docs/gate-policy.md; ``validate_rules`` gives every error with its JSON path.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

import jsonschema

from assessments.scoring.maturity import MaturityResult
from connectors.check_ids import canonical

ASSESSMENT_KINDS = ("impact", "risk", "maturity")
TIERS = ("low", "medium", "high", "critical")
GATED_STAGES = ("poc", "pilot", "production")
MAX_LEVEL = 4
# Check states that satisfy a must-pass check. Anything else (fail, warn, unknown, error, stale, missing) blocks.
SATISFIED_STATES = ("pass", "not_applicable", "waived")
INCONCLUSIVE_STATES = ("unknown", "error")
# Project attributes a check's ``only_if`` may name (booleans of registry.selectors.project_context).
CONDITION_ATTRIBUTES = (
    "uses_rag",
    "fine_tuned",
    "customer_facing",
    "handles_pii",
    "handles_sensitive",
    "handles_confidential",
)

DEFAULT_RULES: dict[str, Any] = {
    "format": 1,
    "stages": {
        "poc": {
            "assessments": [{"kind": "impact"}, {"kind": "risk", "max_age_days": 180}],
            "checks": [],
            "unknown_checks_block": False,
        },
        "pilot": {
            "assessments": [
                {"kind": "impact"},
                {"kind": "risk", "max_age_days": 180},
                {"kind": "maturity", "max_age_days": 90},
            ],
            "required_level": {"low": 1, "medium": 1, "high": 2, "critical": 3},
            "checks": [{"id": "git.tests_present"}],
            "max_evidence_age_days": 14,
            "unknown_checks_block": False,
        },
        "production": {
            "assessments": [
                {"kind": "impact"},
                {"kind": "risk", "max_age_days": 180},
                {"kind": "maturity", "max_age_days": 90},
            ],
            "required_level": {"low": 1, "medium": 2, "high": 3, "critical": 4},
            "checks": [
                {"id": "git.tests_present"},
                {"id": "git.ci_runs_tests"},
                {"id": "ci.eval_results_recent"},
                {"id": "vectorstore.index_fresh", "only_if": "uses_rag"},
            ],
            "max_evidence_age_days": 7,
            "unknown_checks_block": False,
        },
    },
}

RULES_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["format", "stages"],
    "additionalProperties": False,
    "properties": {
        "format": {"const": 1},
        "stages": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                stage: {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "assessments": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["kind"],
                                "additionalProperties": False,
                                "properties": {
                                    "kind": {"enum": list(ASSESSMENT_KINDS)},
                                    "max_age_days": {"type": "integer", "minimum": 1},
                                },
                            },
                        },
                        "required_level": {
                            "type": "object",
                            "required": list(TIERS),
                            "additionalProperties": False,
                            "properties": {
                                tier: {"type": "integer", "minimum": 0, "maximum": MAX_LEVEL} for tier in TIERS
                            },
                        },
                        "checks": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["id"],
                                "additionalProperties": False,
                                "properties": {
                                    "id": {"type": "string", "pattern": r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$"},
                                    "only_if": {"enum": list(CONDITION_ATTRIBUTES)},
                                },
                            },
                        },
                        "max_evidence_age_days": {"type": "integer", "minimum": 1},
                        "unknown_checks_block": {"type": "boolean"},
                    },
                }
                for stage in GATED_STAGES
            },
        },
    },
}


def _path(error) -> str:
    parts = [str(p) for p in error.absolute_path]
    return ".".join(parts) if parts else "(top level)"


def validate_rules(rules: Any) -> dict[str, list[str]]:
    """Every problem in ``rules``, keyed by JSON path (``stages.production.required_level.high``); empty if valid."""
    errors: dict[str, list[str]] = {}
    for error in sorted(jsonschema.Draft202012Validator(RULES_SCHEMA).iter_errors(rules), key=_path):
        errors.setdefault(_path(error), []).append(error.message)
    if errors:
        return errors
    for stage, spec in rules["stages"].items():
        kinds = [a["kind"] for a in spec.get("assessments", [])]
        if "required_level" in spec and ("maturity" not in kinds or "risk" not in kinds):
            errors.setdefault(f"stages.{stage}.required_level", []).append(
                "A required maturity level needs both a risk assessment (for the tier) and a maturity assessment "
                "in this stage's assessments."
            )
        for kind in {k for k in kinds if kinds.count(k) > 1}:
            errors.setdefault(f"stages.{stage}.assessments", []).append(f"Assessment kind {kind!r} is listed twice.")
        ids = [c["id"] for c in spec.get("checks", [])]
        for check_id in {c for c in ids if ids.count(c) > 1}:
            errors.setdefault(f"stages.{stage}.checks", []).append(f"Check {check_id!r} is listed twice.")
    return errors


@dataclass(frozen=True)
class AssessmentFact:
    """The latest approved assessment of one kind: when it was approved, when it expires, its scoring result."""

    id: int
    decided_at: datetime | None
    expires_at: datetime | None
    result: dict


@dataclass(frozen=True)
class CheckFact:
    """The current result of one check on one component (or of the pushed CI evidence)."""

    check_id: str
    state: str
    reason: str
    checked_at: datetime | None
    expires_at: datetime | None
    source: str = ""  # component name, or "CI push"
    waived_until: datetime | None = None
    stored_state: str = ""  # what the connector observed; ``state`` is the effective one (connectors.reading)


@dataclass(frozen=True)
class GateFacts:
    project_slug: str
    project_stage: str
    project_flags: dict[str, bool]
    assessments: dict[str, AssessmentFact]
    checks: dict[str, tuple[CheckFact, ...]]
    now: datetime
    scorecard_url: str = ""
    # ``{question_id: {"state", "check_id", "reason", ...}}`` behind the approved maturity assessment's claims.
    question_evidence: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Requirement:
    """One thing the gate asks for, and how it stands: ``met``, ``failed`` or ``unknown`` (could not tell)."""

    id: str
    kind: str  # assessment | level | must_have | check
    title: str
    status: str
    message: str


@dataclass(frozen=True)
class WhyItem:
    """One plain-words reason the project is held back, most unblocking first (``why`` in the gate API)."""

    # assessment | contradicted_claim | unverified_claim | unmet_must_have | score_short | check | unknown_check
    kind: str
    question_id: str
    question: str
    check_id: str
    reason: str


@dataclass(frozen=True)
class GateVerdict:
    allowed: bool
    stage: str
    policy_version: int | None
    verified_level: int | None
    required_level: int | None
    tier: str | None
    reasons: tuple[str, ...]
    unknown_checks: tuple[str, ...]
    scorecard_url: str
    project: str = ""
    level_name: str = ""
    claimed_level: int | None = None
    requirements: tuple[Requirement, ...] = field(default_factory=tuple)
    why: tuple[WhyItem, ...] = field(default_factory=tuple)
    verified_level_name: str = ""

    @property
    def refusal_lines(self) -> tuple[str, ...]:
        """Everything that stands in the way, failures first, then blocking unknowns."""
        blocking_unknown = tuple(r.message for r in self.requirements if r.status == "unknown")
        return () if self.allowed else self.reasons + blocking_unknown

    def to_dict(self) -> dict:
        data = asdict(self)
        data["requirements"] = [asdict(r) for r in self.requirements]
        data["why"] = [asdict(w) for w in self.why]
        data["reasons"] = list(self.reasons)
        data["unknown_checks"] = list(self.unknown_checks)
        return data


def _fmt_date(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "never"


def _assessment_requirements(spec, facts) -> list[Requirement]:
    out = []
    for item in spec.get("assessments", []):
        kind = item["kind"]
        req_id = f"assessment.{kind}"
        title = f"Approved {kind} assessment"
        fact = facts.assessments.get(kind)
        if fact is None:
            out.append(Requirement(req_id, "assessment", title, "failed", f"Missing: no approved {kind} assessment."))
            continue
        if fact.expires_at and fact.expires_at <= facts.now:
            out.append(
                Requirement(
                    req_id,
                    "assessment",
                    title,
                    "failed",
                    f"Expired: the approved {kind} assessment (#{fact.id}) expired on {_fmt_date(fact.expires_at)}; "
                    "start a re-assessment.",
                )
            )
            continue
        max_age = item.get("max_age_days")
        if max_age and fact.decided_at and facts.now - fact.decided_at > timedelta(days=max_age):
            out.append(
                Requirement(
                    req_id,
                    "assessment",
                    title,
                    "failed",
                    f"Too old: the approved {kind} assessment (#{fact.id}) was approved on "
                    f"{_fmt_date(fact.decided_at)}; this gate accepts at most {max_age} days.",
                )
            )
            continue
        out.append(Requirement(req_id, "assessment", title, "met", f"Approved {kind} assessment #{fact.id}."))
    return out


def _maturity_result(facts) -> MaturityResult | None:
    """The approved maturity assessment's stored result, typed (None without one)."""
    maturity = facts.assessments.get("maturity")
    return MaturityResult.from_dict(maturity.result) if maturity else None


def _level_requirements(spec, facts, tier, verified_level) -> tuple[list[Requirement], int | None]:
    levels = spec.get("required_level")
    if not levels:
        return [], None
    title = "Verified maturity level"
    if tier not in TIERS:
        return [
            Requirement(
                "maturity.level",
                "level",
                title,
                "failed",
                "Required maturity level unknown: no approved risk assessment gives the project a risk tier.",
            )
        ], None
    required = levels[tier]
    if verified_level is None:
        return [
            Requirement(
                "maturity.level",
                "level",
                title,
                "failed",
                f"Maturity level {required} required for {tier} risk, but no approved maturity assessment "
                "gives a verified level.",
            )
        ], required
    if verified_level < required:
        out = [
            Requirement(
                "maturity.level",
                "level",
                title,
                "failed",
                f"Verified maturity level {verified_level} is below level {required} required for {tier} risk.",
            )
        ]
        maturity = _maturity_result(facts)
        for item in maturity.blocking_now if maturity else ():
            level = item.level
            if level is not None and level <= required:
                out.append(
                    Requirement(
                        f"must_have.{item.question_id}",
                        "must_have",
                        str(item.text or "")[:200],
                        "failed",
                        f"Must-have not met (level {level}): {item.text or item.question_id}"
                        + (f" — {item.reason}" if item.reason else ""),
                    )
                )
        return out, required
    return [
        Requirement(
            "maturity.level",
            "level",
            title,
            "met",
            f"Verified maturity level {verified_level} meets level {required} required for {tier} risk.",
        )
    ], required


def _check_requirement(check_id, results, facts, max_age) -> Requirement:
    """How one must-pass check stands. ``results`` carry effective states (``connectors.reading``); the stage's
    maximum evidence age is a requirement of the gate on top of that reading."""
    title = f"Check {check_id} passes"
    if not results:
        return Requirement(
            f"check.{check_id}",
            "check",
            title,
            "unknown",
            f"Check {check_id} has no result yet: connect a component that provides it "
            "(or push CI evaluation results), then refresh the evidence.",
        )
    worst = None
    for fact in results:
        state = fact.state
        where = f" on {fact.source}" if fact.source else ""
        if state in ("fail", "warn"):
            return Requirement(
                f"check.{check_id}", "check", title, "failed", f"Check {check_id} {state}s{where}: {fact.reason}"
            )
        if state == "stale":
            worst = worst or Requirement(
                f"check.{check_id}",
                "check",
                title,
                "failed",
                f"Check {check_id} is stale{where}: last checked {_fmt_date(fact.checked_at)}, past its validity; "
                "refresh the evidence.",
            )
        elif state == "pass" and max_age and fact.checked_at and facts.now - fact.checked_at > max_age:
            worst = worst or Requirement(
                f"check.{check_id}",
                "check",
                title,
                "failed",
                f"Check {check_id} passed{where}, but on {_fmt_date(fact.checked_at)}: this gate accepts evidence "
                f"at most {max_age.days} days old; refresh the evidence.",
            )
        elif state not in SATISFIED_STATES:
            worst = worst or Requirement(
                f"check.{check_id}",
                "check",
                title,
                "unknown",
                f"Check {check_id} is {state}{where}: {fact.reason}",
            )
    if worst:
        return worst
    return Requirement(f"check.{check_id}", "check", title, "met", f"Check {check_id} passes.")


def _why(requirements, facts) -> tuple[WhyItem, ...]:
    """Everything that holds the project back, in plain words, most unblocking first.

    Missing assessments first, then what keeps the verified maturity level below the next level (contradicted
    and unverifiable claims with the check's own reason, unmet must-haves), then failing and unreadable checks.
    Unreadable checks of one component with one cause collapse into one line.
    """
    items = [
        WhyItem("assessment", "", "", "", r.message)
        for r in requirements
        if r.kind == "assessment" and r.status != "met"
    ]
    level = next((r for r in requirements if r.kind == "level"), None)
    maturity = facts.assessments.get("maturity")
    if level is not None and level.status != "met" and maturity is not None:
        for item in maturity.result.get("why") or []:
            evidence = facts.question_evidence.get(item.get("question_id") or "")
            reason = item.get("reason", "")
            if evidence and evidence.get("reason"):
                reason = f"{reason} {evidence.get('component') or ''}: {evidence['reason']}".strip()
            items.append(
                WhyItem(
                    item.get("kind", ""),
                    item.get("question_id", ""),
                    item.get("question", ""),
                    (evidence or {}).get("check_id") or item.get("check_id", ""),
                    reason,
                )
            )
    elif level is not None and level.status != "met":
        items.append(WhyItem("assessment", "", "", "", level.message))
    unknown_by_cause: dict[tuple[str, str], list[str]] = {}
    for r in requirements:
        if r.kind != "check" or r.status == "met":
            continue
        check_id = r.id.split(".", 1)[1]
        if r.status == "failed":
            items.append(WhyItem("check", "", "", check_id, r.message))
            continue
        facts_of = facts.checks.get(check_id) or ()
        cause = next(((f.source, f.reason) for f in facts_of if f.state not in SATISFIED_STATES), ("", r.message))
        unknown_by_cause.setdefault(cause, []).append(check_id)
    for (source, reason), check_ids in unknown_by_cause.items():
        if len(check_ids) == 1:
            message = next(r.message for r in requirements if r.id == f"check.{check_ids[0]}")
        else:
            where = f" on {source}" if source else ""
            message = f"{len(check_ids)} checks could not be read{where}: {reason}"
        items.append(WhyItem("unknown_check", "", "", ", ".join(check_ids), message))
    return tuple(items)


def evaluate(rules: dict, facts: GateFacts, *, stage: str, policy_version: int | None = None) -> GateVerdict:
    """Whether the project may enter ``stage``. Stages without rules (idea, retired) are always allowed.

    Must-pass checks must pass (or be waived / not applicable); fail, warn, stale, unknown and missing all
    refuse. Unknown must-pass checks are listed in ``unknown_checks`` as well as refusing; other unknown checks
    are listed there and refuse only when the stage's ``unknown_checks_block`` is true.
    """
    spec = rules.get("stages", {}).get(stage, {})
    risk = facts.assessments.get("risk")
    maturity = _maturity_result(facts)
    tier = (risk.result or {}).get("tier") if risk else None
    verified_level = maturity.verified_level if maturity else None
    claimed_level = maturity.claimed_level if maturity else None
    level_name = maturity.level_name if maturity else ""

    requirements = _assessment_requirements(spec, facts)
    level_reqs, required_level = _level_requirements(spec, facts, tier, verified_level)
    requirements += level_reqs

    max_age_days = spec.get("max_evidence_age_days")
    max_age = timedelta(days=max_age_days) if max_age_days else None
    required_ids = []
    for item in spec.get("checks", []):
        condition = item.get("only_if")
        if condition and not facts.project_flags.get(condition):
            continue
        check_id = canonical(item["id"])  # a policy naming an old id (mlflow.traces_present) means the new one
        required_ids.append(check_id)
        requirements.append(_check_requirement(check_id, facts.checks.get(check_id, ()), facts, max_age))

    other_unknown = []
    for check_id in sorted(set(facts.checks) - set(required_ids)):
        req = _check_requirement(check_id, facts.checks[check_id], facts, max_age)
        if req.status == "unknown":
            other_unknown.append(req)
    if spec.get("unknown_checks_block"):
        requirements += other_unknown

    reasons = tuple(r.message for r in requirements if r.status == "failed")
    unknown = tuple(r.message for r in requirements if r.status == "unknown")
    if not spec.get("unknown_checks_block"):
        unknown += tuple(r.message for r in other_unknown)
    allowed = all(r.status == "met" for r in requirements)
    verified_name = maturity.verified_level_name if maturity else ""
    return GateVerdict(
        allowed=allowed,
        stage=stage,
        policy_version=policy_version,
        verified_level=verified_level,
        required_level=required_level,
        tier=tier,
        reasons=reasons,
        unknown_checks=unknown,
        scorecard_url=facts.scorecard_url,
        project=facts.project_slug,
        level_name=level_name,
        claimed_level=claimed_level,
        requirements=tuple(requirements),
        why=() if allowed else _why(requirements, facts),
        verified_level_name=verified_name,
    )
