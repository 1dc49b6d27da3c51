"""The ``evaluations.*`` checks, once for every evaluation back-end (MLflow, Phoenix, ...), over an
``EvaluationsView``: is the current version evaluated recently, with the required metrics, in the tiers its risk
requires (``connectors/data/evaluation_tiers.yaml``, see ``connectors.capabilities.tiers``)?

The back-end decides which evaluation belongs to the current version (``EvaluationRun.link``); when none does,
``required_metrics`` still reads the newest evaluation of any version, as before, and says so in the facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from connectors.backends import as_list, setting_number
from connectors.base import FAIL, LIST, NUMBER, PASS, WARN, CheckOutcome, CheckSpec, Parameter

from . import tiers as tier_policy
from .traces import age_days
from .views import EvaluationResult, EvaluationRun, EvaluationsView

HOURS = timedelta(hours=1)

CHECKS = (
    CheckSpec(
        "evaluations.recent",
        "Evaluations exist for the current model or prompt version, recent enough",
        "Evaluate the current version (mlflow.genai.evaluate, a Phoenix experiment, ...), e.g. in CI on every "
        "release, and keep it within the configured age.",
        ttl=12 * HOURS,
        passes=(
            "The latest finished evaluation linked to the current version is within max_eval_age_days (default "
            "30); the reason gives the link and the age. How an evaluation is linked depends on the back-end "
            "(MLflow: model input, tags/params naming the version, lineage, or a start after registration)."
        ),
        fails="There is no evaluation, none is linked to the current version, or the latest is too old.",
    ),
    CheckSpec(
        "evaluations.required_metrics",
        "The latest evaluation has the metrics the project requires (heuristic, LLM-judge, groundedness)",
        "Add scorers / evaluators for every metric listed in the component's required_metrics to the evaluation.",
        ttl=12 * HOURS,
        passes=(
            "The latest evaluation (of the current version, else any) produced every metric in required_metrics "
            "(as name or name/...)."
        ),
        fails="A required metric is missing, or there is no evaluation.",
        warns="No required_metrics are configured.",
    ),
    CheckSpec(
        "evaluations.tiers",
        "The current version is evaluated in the tiers its risk tier requires (code, LLM judge, grounding, human)",
        "Add the missing tiers: code scorers (heuristics), an LLM judge, a groundedness/faithfulness scorer "
        "against the retrieved sources, and review by domain experts (MLflow human feedback, Phoenix HUMAN "
        "annotations) on enough items.",
        ttl=12 * HOURS,
        passes=(
            "The evaluation results of the current version (its linked evaluations and the results recorded on "
            "production traces) show every tier connectors/data/evaluation_tiers.yaml requires for the project's "
            "risk tier, human review on at least min_human_items distinct items. Without an approved risk "
            "assessment, the requirements of the file's unassessed tier apply and the reason says so."
        ),
        fails="A required tier is absent, or the current version has no evaluation results.",
        warns="Every tier is present but domain experts reviewed fewer items than required.",
    ),
)

TIER_CHECKS = {
    tier_policy.HEURISTIC: "evaluations.heuristic",
    tier_policy.JUDGE: "evaluations.llm_judge",
    tier_policy.GROUNDING: "evaluations.grounding",
    tier_policy.HUMAN_REVIEW: "evaluations.human_review",
}
TIER_FIXES = {
    tier_policy.HEURISTIC: "Add code scorers (format, exact or fuzzy match, required phrases) to the evaluation.",
    tier_policy.JUDGE: "Add an LLM-as-judge scorer (MLflow LLM_JUDGE feedback, a Phoenix LLM evaluator) and "
    "calibrate it against human labels.",
    tier_policy.GROUNDING: "Add a groundedness or faithfulness scorer that checks answers against the retrieved "
    "sources (a name listed in connectors/data/evaluation_tiers.yaml).",
    tier_policy.HUMAN_REVIEW: "Have domain experts grade a sample of outputs and record it (MLflow HUMAN feedback, "
    "Phoenix HUMAN annotations).",
}
CHECKS = (
    *CHECKS,
    *(
        CheckSpec(
            TIER_CHECKS[tier],
            f"The current version is evaluated by {tier_policy.TIER_LABELS[tier]}",
            TIER_FIXES[tier],
            ttl=12 * HOURS,
            passes=(
                f"The current version's evaluation results include {tier_policy.TIER_LABELS[tier]}"
                + (
                    " on at least the min_human_items distinct items the project's risk tier requires "
                    "(connectors/data/evaluation_tiers.yaml)."
                    if tier == tier_policy.HUMAN_REVIEW
                    else "."
                )
            ),
            fails="They include none (whether or not the risk tier requires it), or there are no results.",
            warns="People reviewed fewer items than the risk tier requires."
            if tier == tier_policy.HUMAN_REVIEW
            else "",
        )
        for tier in tier_policy.TIERS
    ),
)

PARAMETERS = (
    Parameter(
        "required_metrics",
        "Required evaluation metrics",
        type=LIST,
        help="Comma-separated metric names, e.g. exact_match, groundedness, relevance_to_query.",
    ),
    Parameter("max_eval_age_days", "Maximum age of the latest evaluation (days)", type=NUMBER, help="Default 30."),
)


@dataclass(frozen=True)
class Options:
    max_age_days: float
    required_metrics: tuple[str, ...]

    @classmethod
    def from_settings(cls, settings: dict) -> Options:
        return cls(
            max_age_days=setting_number(settings, "max_eval_age_days", 30, minimum=0.001),
            required_metrics=tuple(as_list(settings.get("required_metrics"), [])),
        )


def metric_matches(key: str, required: str) -> bool:
    return key == required or key.startswith(required + "/")


def linked(view: EvaluationsView) -> list[EvaluationRun]:
    return [run for run in view.runs if run.link]


def latest(view: EvaluationsView) -> EvaluationRun | None:
    """The newest evaluation of the current version, else the newest of any."""
    runs = linked(view) or list(view.runs)
    return runs[0] if runs else None


def current_results(view: EvaluationsView) -> list[EvaluationResult]:
    return [result for run in linked(view) for result in run.results] + list(view.results)


def evaluate(
    view: EvaluationsView, options: Options, *, risk_tier: str | None = None, now: datetime | None = None
) -> list[CheckOutcome]:
    now = now or datetime.now(UTC)
    return [
        _recent(view, options, now),
        _required_metrics(view, options),
        _tiers(view, risk_tier),
        *(_tier(view, tier, risk_tier) for tier in tier_policy.TIERS),
    ]


def _recent(view, options, now) -> CheckOutcome:
    check_id = "evaluations.recent"
    if not view.runs:
        return CheckOutcome(
            check_id,
            FAIL,
            f"No evaluations in {view.where}; evaluate the current version.",
            {"where": view.where},
        )
    current = linked(view)
    facts = {
        "where": view.where,
        "evaluation_runs": len(view.runs),
        "current_version": view.current_version,
        "for_current_version": len(current),
    }
    if not current:
        return CheckOutcome(
            check_id,
            FAIL,
            f"{len(view.runs)} evaluation(s) exist but none is linked to the current version "
            f"{view.current_version or 'of ' + view.where}; evaluate the current version.",
            facts,
        )
    newest = current[0]
    age = age_days(newest.finished_at, now)
    facts.update(
        latest_run=newest.run_id, linked_by=newest.link, latest_age_days=age, max_age_days=options.max_age_days
    )
    subject = view.current_version or view.where
    if age is None or age > options.max_age_days:
        return CheckOutcome(
            check_id,
            FAIL,
            f"The latest evaluation of {subject} (linked by {newest.link}) is {age} days old "
            f"(allowed {options.max_age_days:g}); evaluate again.",
            facts,
        )
    return CheckOutcome(
        check_id,
        PASS,
        f"Latest evaluation of {subject} (linked by {newest.link}) is {age} days old "
        f"(allowed {options.max_age_days:g}).",
        facts,
    )


def _required_metrics(view, options) -> CheckOutcome:
    check_id = "evaluations.required_metrics"
    run = latest(view)
    if run is None:
        return CheckOutcome(check_id, FAIL, "No evaluation, so no metrics; run an evaluation first.")
    keys = sorted(set(run.metrics) | {r.name for r in run.results})
    required = list(options.required_metrics)
    facts = {"run": run.run_id, "for_current_version": bool(run.link), "metrics": keys, "required": required}
    if not required:
        return CheckOutcome(
            check_id,
            WARN,
            "No required metrics are configured; list them in the component's required_metrics setting "
            f"(the latest evaluation produced {len(keys)} metric(s)).",
            facts,
        )
    missing = [r for r in required if not any(metric_matches(k, r) for k in keys)]
    facts["missing"] = missing
    if missing:
        return CheckOutcome(
            check_id, FAIL, f"The latest evaluation lacks required metric(s): {', '.join(missing)}.", facts
        )
    return CheckOutcome(check_id, PASS, f"The latest evaluation has all {len(required)} required metric(s).", facts)


def _tiers(view, risk_tier) -> CheckOutcome:
    check_id = "evaluations.tiers"
    policy = tier_policy.policy()
    need, assessed = tier_policy.requirement(policy, risk_tier)
    found = tier_policy.tiers_found(current_results(view), policy)
    judged_as = (
        f"risk tier {need.risk_tier}"
        if assessed
        else f"the {need.risk_tier} tier (applied while the project has no approved risk assessment)"
    )
    facts = {
        "where": view.where,
        "current_version": view.current_version,
        "risk_tier": risk_tier,
        "judged_as": need.risk_tier,
        "required": list(need.required),
        "min_human_items": need.min_human_items if tier_policy.HUMAN_REVIEW in need.required else None,
        "tiers": {
            tier: {"present": e.present, "results": e.results, "items": e.items, "names": list(e.names)}
            for tier, e in found.items()
        },
        "policy_version": policy.version,
    }
    present = [tier_policy.TIER_LABELS[t] for t in tier_policy.TIERS if found[t].present]
    shown = ", ".join(present) or "no tier"
    missing = [t for t in need.required if not found[t].present]
    if not any(e.present for e in found.values()):
        return CheckOutcome(
            check_id,
            FAIL,
            f"No evaluation results for the current version in {view.where}; {judged_as} requires "
            f"{_words(need.required)}.",
            facts,
        )
    if missing:
        return CheckOutcome(
            check_id,
            FAIL,
            f"Evaluated with {shown}; {judged_as} also requires {_words(missing)}.",
            facts,
        )
    human = found[tier_policy.HUMAN_REVIEW]
    if tier_policy.HUMAN_REVIEW in need.required and human.items < need.min_human_items:
        return CheckOutcome(
            check_id,
            WARN,
            f"Evaluated with {shown}, but domain experts reviewed {human.items} item(s); {judged_as} requires "
            f"{need.min_human_items}.",
            facts,
        )
    reviewed = f" ({human.items} item(s) reviewed by people)" if human.present else ""
    return CheckOutcome(check_id, PASS, f"Evaluated with {shown}{reviewed}: every tier {judged_as} requires.", facts)


def _words(tiers) -> str:
    return ", ".join(tier_policy.TIER_LABELS[t] for t in tiers)


def _tier(view, tier, risk_tier) -> CheckOutcome:
    """One tier on its own, for the questionnaire question about that practice (a team claiming an LLM judge is
    contradicted only by the absence of LLM-judge results, not by a missing human review)."""
    check_id = TIER_CHECKS[tier]
    policy = tier_policy.policy()
    need, assessed = tier_policy.requirement(policy, risk_tier)
    found = tier_policy.tiers_found(current_results(view), policy)[tier]
    label = tier_policy.TIER_LABELS[tier]
    required = tier in need.required
    facts = {
        "where": view.where,
        "current_version": view.current_version,
        "results": found.results,
        "items": found.items,
        "names": list(found.names),
        "risk_tier": risk_tier,
        "required_by_risk_tier": required,
    }
    if not found.present:
        why = f" ({need.risk_tier} risk requires it)" if required and assessed else ""
        return CheckOutcome(
            check_id, FAIL, f"No {label} among the current version's evaluation results in {view.where}{why}.", facts
        )
    names = ", ".join(found.names[:5])
    if tier == tier_policy.HUMAN_REVIEW:
        facts["min_human_items"] = need.min_human_items if required else None
        if required and found.items < need.min_human_items:
            judged = f"risk tier {need.risk_tier}" if assessed else f"the {need.risk_tier} tier (no risk assessment)"
            return CheckOutcome(
                check_id,
                WARN,
                f"People reviewed {found.items} item(s) ({names}); {judged} requires {need.min_human_items}.",
                facts,
            )
        return CheckOutcome(check_id, PASS, f"People reviewed {found.items} item(s) ({names}).", facts)
    return CheckOutcome(check_id, PASS, f"{found.results} {label} result(s) on {found.items} item(s): {names}.", facts)
