from pathlib import Path

import pytest

from assessments.scoring import score
from questionnaires.validation import validate_file

DEFINITION = validate_file(Path(__file__).resolve().parents[1] / "data/questionnaires/risk_small.yaml").definition
INTERNAL = {"project": {"customer_facing": False, "handles_pii": False}}


def answers(likelihood, severity, mitigations=None, **extra):
    out = {"risk.hallucination.likelihood": likelihood, "risk.hallucination.severity": severity}
    if mitigations is not None:
        out["risk.hallucination.mitigations"] = mitigations
    return {**out, **extra}


def test_mitigations_lower_the_residual_score():
    risk = score(DEFINITION, answers("likely", "possible", ["grounding"]), INTERNAL).risks[0]
    assert (risk.inherent, risk.residual_likelihood, risk.residual_severity, risk.residual) == (12, 2, 3, 6)
    assert risk.mitigations == ("Grounding checks",)


def test_residual_never_drops_below_one_per_factor():
    risk = score(DEFINITION, answers("unlikely", "rare", ["grounding", "review", "disclaimer"]), INTERNAL).risks[0]
    assert risk.residual == 1


@pytest.mark.parametrize(
    ("likelihood", "severity", "tier"),
    [("likely", "certain", "critical"), ("likely", "likely", "high"), ("possible", "likely", "high"),
     ("unlikely", "possible", "medium"), ("rare", "certain", "low")],
)  # fmt: skip
def test_tier_follows_the_highest_residual_with_exact_edges(likelihood, severity, tier):
    assert score(DEFINITION, answers(likelihood, severity), INTERNAL).tier == tier


def test_unanswered_likelihood_and_severity_count_as_worst_case():
    result = score(DEFINITION, {}, INTERNAL)
    assert result.risks[0].residual == 25
    assert result.risks[0].assumed_worst == ("risk.hallucination.likelihood", "risk.hallucination.severity")
    assert result.tier == "critical"


def test_a_risk_whose_condition_is_false_is_left_out():
    ids = [r.id for r in score(DEFINITION, answers("rare", "rare"), INTERNAL).risks]
    assert ids == ["hallucination"]
    with_pii = score(DEFINITION, answers("rare", "rare"), {"project": {"handles_pii": True}})
    assert [r.id for r in with_pii.risks] == ["hallucination", "pii"]


def test_a_floor_raises_the_tier_and_says_why():
    result = score(DEFINITION, answers("rare", "rare"), {"project": {"customer_facing": True}})
    assert result.tier == "medium"
    assert result.tier_reasons[-1] == "Raised to medium: Customer-facing systems are at least medium risk."


def test_a_floor_never_lowers_the_tier():
    result = score(DEFINITION, answers("certain", "certain"), {"project": {"customer_facing": True}})
    assert result.tier == "critical" and len(result.tier_reasons) == 1


@pytest.mark.parametrize(
    ("extra", "project", "category"),
    [({"risk.euact.prohibited": "yes"}, {}, "prohibited"), ({"risk.euact.domain": "credit"}, {}, "high_risk"),
     ({}, {"customer_facing": True}, "transparency"), ({}, {}, "minimal")],
)  # fmt: skip
def test_eu_ai_act_category_comes_from_the_first_matching_rule(extra, project, category):
    result = score(DEFINITION, answers("rare", "rare", **extra), {"project": project})
    assert result.eu_ai_act.category == category
    assert result.eu_ai_act.reason


def test_required_controls_are_cumulative():
    result = score(DEFINITION, answers("likely", "likely"), INTERNAL)
    assert [c.id for c in result.required_controls] == ["ctl.owner", "ctl.monitoring", "ctl.human_review"]


def test_next_actions_are_the_mitigations_ordered_by_the_reduction_they_bring():
    actions = score(DEFINITION, answers("likely", "certain", []), INTERNAL).next_actions
    assert [a.gain_points for a in actions[:3]] == [10.0, 8.0, 4.0]
    assert actions[0].action == "Add “Grounding checks” to lower Hallucination from 20 to 10."


def test_risk_inputs_do_not_count_as_points():
    result = score(DEFINITION, answers("certain", "certain"), INTERNAL)
    assert {c.question_id for c in result.contributions} == {"risk.euact.prohibited", "risk.euact.domain"}


def test_an_unmet_must_have_is_blocking():
    result = score(DEFINITION, answers("rare", "rare", **{"risk.euact.prohibited": "unknown"}), INTERNAL)
    assert [b.question_id for b in result.blocking] == ["risk.euact.prohibited"]
