"""The pure gate evaluation: what allows, what refuses, and that the refusal says exactly what is missing."""

import copy
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.reading import effective_state
from gates.policy import DEFAULT_RULES, AssessmentFact, CheckFact, GateFacts, evaluate, validate_rules

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
FLAGS = {"uses_rag": False}


def assessment(kind, result, *, age_days=1, expires_in_days=60, pk=1):
    return AssessmentFact(
        id=pk,
        decided_at=NOW - timedelta(days=age_days),
        expires_at=NOW + timedelta(days=expires_in_days),
        result=result,
    )


def check(check_id, state="pass", *, age_hours=1, ttl_hours=24, waived=False, source="repo"):
    """A fact as the selectors build it: the stored ``state`` read with the one rule of connectors.reading."""
    checked = NOW - timedelta(hours=age_hours)
    expires = checked + timedelta(hours=ttl_hours)
    waived_until = NOW + timedelta(days=3) if waived else None
    return CheckFact(
        check_id,
        effective_state(state=state, expires_at=expires, now=NOW, waived_until=waived_until),
        f"{check_id} observed {state}",
        checked,
        expires,
        source,
        waived_until,
        stored_state=state,
    )


def facts(assessments=None, checks=None, flags=FLAGS):
    return GateFacts("docs-qa", "pilot", flags, assessments or {}, checks or {}, NOW, "/reports/x.pdf")


def good_assessments(tier="medium", verified=2):
    return {
        "impact": assessment("impact", {"recommendation": "proceed"}, pk=1),
        "risk": assessment("risk", {"tier": tier}, pk=2),
        "maturity": assessment(
            "maturity", {"verified_level": verified, "claimed_level": verified, "blocking": []}, pk=3
        ),
    }


def good_checks():
    ids = ["git.tests_present", "git.ci_runs_tests", "ci.eval_results_recent", "traces.present"]
    return {i: (check(i),) for i in ids}


def production(f):
    return evaluate(DEFAULT_RULES, f, stage="production", policy_version=1)


def test_default_rules_are_valid():
    assert validate_rules(DEFAULT_RULES) == {}


def test_it_allows_production_when_everything_is_met():
    verdict = production(facts(good_assessments(), good_checks()))
    assert verdict.allowed
    assert verdict.reasons == ()
    assert (verdict.tier, verdict.verified_level, verdict.required_level, verdict.policy_version) == ("medium", 2, 2, 1)


def test_it_refuses_poc_without_impact_and_risk_assessments_naming_both():
    verdict = evaluate(DEFAULT_RULES, facts(), stage="poc")
    assert not verdict.allowed
    assert verdict.reasons == (
        "Missing: no approved impact assessment.",
        "Missing: no approved risk assessment.",
    )


def test_it_refuses_production_when_verified_level_is_below_the_tiers_requirement():
    assessments = good_assessments(tier="high", verified=2)
    assessments["maturity"] = assessment(
        "maturity",
        {
            "verified_level": 2,
            "blocking": [
                {"question_id": "maturity.monitoring.alerts", "text": "Alerts fire on errors", "level": 3},
                {"question_id": "maturity.x.opt", "text": "Optimised thing", "level": 4},
            ],
        },
    )
    verdict = production(facts(assessments, good_checks()))
    assert not verdict.allowed
    assert verdict.required_level == 3
    assert "Verified maturity level 2 is below level 3 required for high risk." in verdict.reasons
    assert "Must-have not met (level 3): Alerts fire on errors" in verdict.reasons
    assert not any("Optimised thing" in r for r in verdict.reasons)


def test_it_refuses_an_expired_assessment_with_its_date():
    assessments = good_assessments()
    assessments["maturity"] = assessment("maturity", {"verified_level": 2}, expires_in_days=-1, pk=7)
    verdict = production(facts(assessments, good_checks()))
    assert any(r.startswith("Expired: the approved maturity assessment (#7) expired on") for r in verdict.reasons)


def test_it_refuses_an_assessment_older_than_the_policy_allows():
    assessments = good_assessments()
    assessments["risk"] = assessment("risk", {"tier": "medium"}, age_days=200, expires_in_days=10, pk=9)
    verdict = production(facts(assessments, good_checks()))
    assert any("risk assessment (#9)" in r and "at most 180 days" in r for r in verdict.reasons)


def test_it_refuses_a_failing_must_pass_check_with_the_connectors_reason():
    checks = good_checks() | {"git.ci_runs_tests": (check("git.ci_runs_tests", "fail"),)}
    verdict = production(facts(good_assessments(), checks))
    assert verdict.reasons == ("Check git.ci_runs_tests fails on repo: git.ci_runs_tests observed fail",)


def test_it_refuses_a_stale_must_pass_check():
    checks = good_checks() | {"git.tests_present": (check("git.tests_present", age_hours=30),)}
    verdict = production(facts(good_assessments(), checks))
    assert not verdict.allowed
    assert verdict.reasons[0].startswith("Check git.tests_present is stale on repo: last checked")


def test_it_lists_an_unknown_must_pass_check_apart_and_refuses():
    checks = good_checks() | {"ci.eval_results_recent": (check("ci.eval_results_recent", "unknown"),)}
    verdict = production(facts(good_assessments(), checks))
    assert not verdict.allowed
    assert verdict.reasons == ()
    assert verdict.unknown_checks == (
        "Check ci.eval_results_recent is unknown on repo: ci.eval_results_recent observed unknown",
    )
    assert verdict.refusal_lines == verdict.unknown_checks


def test_a_missing_must_pass_check_is_unknown():
    checks = good_checks()
    del checks["git.tests_present"]
    verdict = production(facts(good_assessments(), checks))
    assert not verdict.allowed
    assert verdict.unknown_checks[0].startswith("Check git.tests_present has no result yet")


def test_a_waived_failing_check_does_not_refuse():
    checks = good_checks() | {"git.ci_runs_tests": (check("git.ci_runs_tests", "fail", waived=True),)}
    assert production(facts(good_assessments(), checks)).allowed


def test_a_conditional_check_applies_only_to_matching_projects():
    assert production(facts(good_assessments(), good_checks(), flags={"uses_rag": False})).allowed
    verdict = production(facts(good_assessments(), good_checks(), flags={"uses_rag": True}))
    assert not verdict.allowed
    assert "vectorstore.index_fresh" in verdict.unknown_checks[0]
    assert "vectorstore.chunk_source_metadata" in verdict.unknown_checks[1]


def test_other_unknown_checks_are_listed_but_block_only_when_the_policy_says_so():
    checks = good_checks() | {"git.readme_present": (check("git.readme_present", "unknown"),)}
    verdict = production(facts(good_assessments(), checks))
    assert verdict.allowed
    assert len(verdict.unknown_checks) == 1
    strict = copy.deepcopy(DEFAULT_RULES)
    strict["stages"]["production"]["unknown_checks_block"] = True
    assert not evaluate(strict, facts(good_assessments(), checks), stage="production").allowed


def test_it_refuses_when_no_risk_tier_is_known():
    assessments = good_assessments()
    del assessments["risk"]
    verdict = production(facts(assessments, good_checks()))
    assert verdict.tier is None
    assert (
        "Required maturity level unknown: no approved risk assessment gives the project a risk tier." in verdict.reasons
    )


def test_stages_without_rules_are_allowed():
    assert evaluate(DEFAULT_RULES, facts(), stage="retired").allowed


def test_validate_rules_names_each_bad_field_by_path():
    rules = copy.deepcopy(DEFAULT_RULES)
    rules["stages"]["production"]["required_level"]["high"] = 7
    rules["stages"]["poc"]["assessments"][0]["kind"] = "vibes"
    errors = validate_rules(rules)
    assert set(errors) == {"stages.production.required_level.high", "stages.poc.assessments.0.kind"}


def test_validate_rules_refuses_a_level_without_risk_and_maturity_assessments():
    rules = copy.deepcopy(DEFAULT_RULES)
    rules["stages"]["pilot"]["assessments"] = [{"kind": "impact"}]
    assert "stages.pilot.required_level" in validate_rules(rules)


STATES = st.sampled_from(["pass", "fail", "warn", "unknown", "error", "not_applicable", "waived", "stale"])


@settings(max_examples=300, deadline=None)
@given(
    states=st.dictionaries(st.sampled_from(["a.one", "b.two", "c.three", "d.four"]), STATES, min_size=1),
    must=st.sets(st.sampled_from(["a.one", "b.two", "c.three", "d.four"]), min_size=1),
    unknown_block=st.booleans(),
    tier=st.sampled_from(["low", "medium", "high", "critical"]),
    verified=st.integers(0, 4),
)
def test_a_gate_never_allows_while_a_must_pass_check_is_fail_unknown_or_stale(
    states, must, unknown_block, tier, verified
):
    rules = {
        "format": 1,
        "stages": {
            "production": {
                "assessments": [{"kind": "risk"}, {"kind": "maturity"}],
                "required_level": {"low": 0, "medium": 0, "high": 0, "critical": 0},
                "checks": [{"id": i} for i in sorted(must)],
                "max_evidence_age_days": 7,
                "unknown_checks_block": unknown_block,
            }
        },
    }
    checks = {}
    for check_id, state in states.items():
        if state == "stale":
            checks[check_id] = (check(check_id, "pass", age_hours=24 * 10, ttl_hours=24 * 30),)
        elif state == "waived":
            checks[check_id] = (check(check_id, "fail", waived=True),)
        else:
            checks[check_id] = (check(check_id, state),)
    verdict = evaluate(rules, facts(good_assessments(tier, verified), checks), stage="production")
    blocking = [i for i in must if states.get(i) not in ("pass", "not_applicable", "waived")]
    if blocking:
        assert not verdict.allowed
        assert verdict.refusal_lines
    elif not unknown_block:
        assert verdict.allowed


def test_must_haves_the_evidence_meets_are_not_listed_when_the_verified_level_falls_short_on_score():
    """A result stored with its verified breakdown: nothing blocks the verified level but the score, so the claimed
    blocking items (which the evidence satisfied) are not listed as unmet must-haves."""
    assessments = good_assessments(tier="high", verified=1)
    result = {
        **assessments["maturity"].result,
        "blocking": [{"question_id": "q.claimed", "text": "Claimed gap", "level": 2, "reason": "answered no"}],
        "verified_blocking": [],
    }
    assessments["maturity"] = assessment("maturity", result, pk=3)
    verdict = production(facts(assessments, good_checks()))
    assert not verdict.allowed
    assert [r.id for r in verdict.requirements if r.kind == "must_have"] == []


def test_a_result_stored_before_the_verified_breakdown_lists_its_blocking_items():
    assessments = good_assessments(tier="high", verified=1)
    result = {
        **assessments["maturity"].result,
        "blocking": [{"question_id": "q.old", "text": "Old gap", "level": 2, "reason": "answered no"}],
    }
    assessments["maturity"] = assessment("maturity", result, pk=3)
    verdict = production(facts(assessments, good_checks()))
    assert [r.id for r in verdict.requirements if r.kind == "must_have"] == ["must_have.q.old"]


MONITORING = ("traces.present", "prometheus.llm_metrics_present")
STATES = ("pass", "fail", "warn", "unknown", "error", "not_applicable", None)  # None: no result


def with_monitoring(states):
    checks = {k: v for k, v in good_checks().items() if k not in MONITORING}
    for check_id, state in zip(MONITORING, states, strict=True):
        if state is not None:
            checks[check_id] = (check(check_id, state),)
    return checks


def monitoring_requirement(verdict):
    return next(r for r in verdict.requirements if r.id == "check." + ",".join(MONITORING))


@given(st.tuples(st.sampled_from(STATES), st.sampled_from(STATES)))
def test_any_of_is_met_exactly_when_one_of_its_checks_is_met(states):
    verdict = production(facts(good_assessments(), with_monitoring(states)))
    one_met = any(s in ("pass", "not_applicable") for s in states)
    looked = all(s in ("fail", "warn") for s in states)
    assert monitoring_requirement(verdict).status == ("met" if one_met else "failed" if looked else "unknown")
    assert verdict.allowed is one_met


@given(st.lists(st.sampled_from(STATES), min_size=1, max_size=4), st.sampled_from(STATES))
def test_adding_an_alternative_to_any_of_never_turns_allowed_into_refused(states, extra):
    ids = [f"mon.check_{i}" for i in range(len(states))]
    rules = copy.deepcopy(DEFAULT_RULES)
    rules["stages"]["production"]["checks"][3] = {"any_of": ids}
    wider = copy.deepcopy(rules)
    wider["stages"]["production"]["checks"][3] = {"any_of": [*ids, "mon.extra"]}
    checks = {k: v for k, v in good_checks().items() if k not in MONITORING}
    for check_id, state in zip([*ids, "mon.extra"], [*states, extra], strict=True):
        if state is not None:
            checks[check_id] = (check(check_id, state),)
    narrow_allowed = evaluate(rules, facts(good_assessments(), checks), stage="production").allowed
    wide_allowed = evaluate(wider, facts(good_assessments(), checks), stage="production").allowed
    assert wide_allowed >= narrow_allowed
    assert validate_rules(rules) == {} and validate_rules(wider) == {}


@given(st.sampled_from(STATES))
def test_any_of_one_check_reads_like_the_check_itself(state):
    rules = copy.deepcopy(DEFAULT_RULES)
    rules["stages"]["production"]["checks"][3] = {"id": "mlflow.traces_present"}
    single = copy.deepcopy(DEFAULT_RULES)
    single["stages"]["production"]["checks"][3] = {"any_of": ["mlflow.traces_present"]}
    checks = with_monitoring((state, None))
    plain = evaluate(rules, facts(good_assessments(), checks), stage="production")
    alone = evaluate(single, facts(good_assessments(), checks), stage="production")
    assert (plain.allowed, plain.reasons, plain.unknown_checks) == (alone.allowed, alone.reasons, alone.unknown_checks)


def test_a_check_item_names_one_id_or_any_of_never_both():
    rules = copy.deepcopy(DEFAULT_RULES)
    rules["stages"]["production"]["checks"][3] = {"id": "a.b", "any_of": ["c.d"]}
    assert "stages.production.checks.3" in validate_rules(rules)
    rules["stages"]["production"]["checks"][3] = {"any_of": []}
    assert "stages.production.checks.3.any_of" in validate_rules(rules)
