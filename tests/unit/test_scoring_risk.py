from pathlib import Path

import pytest

from assessments.scoring import score
from questionnaires.validation import validate_file

DEFINITION = validate_file(Path(__file__).resolve().parents[1] / "data/questionnaires/risk_small.yaml").definition
SHIPPED = validate_file(Path(__file__).resolve().parents[2] / "questionnaires/definitions/risk.yaml").definition
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


def test_no_answer_earns_points_in_a_risk_assessment():
    result = score(DEFINITION, answers("certain", "certain", **{"risk.euact.prohibited": "no"}), INTERNAL)
    assert result.contributions == ()


def test_an_unknown_must_have_is_blocking():
    result = score(DEFINITION, answers("rare", "rare", **{"risk.euact.prohibited": "unknown"}), INTERNAL)
    assert [b.question_id for b in result.blocking] == ["risk.euact.prohibited"]
    assert result.blocking[0].reason == "Must be answered: answered “don't know”: find out."


def test_answering_no_to_a_must_have_hazard_blocks_nothing():
    result = score(DEFINITION, answers("rare", "rare", **{"risk.euact.prohibited": "no"}), INTERNAL)
    assert result.blocking == ()


def test_the_risk_score_is_the_control_left_by_the_worst_residual_risk():
    result = score(DEFINITION, answers("likely", "certain", ["grounding"], **{"risk.euact.prohibited": "no"}), INTERNAL)
    assert result.max_residual == 10
    assert (result.score.points, result.score.max, result.score.pct) == (15, 24, 62.5)


def test_a_fully_mitigated_project_scores_full_control():
    result = score(DEFINITION, answers("rare", "rare", **{"risk.euact.prohibited": "no"}), INTERNAL)
    assert result.score.pct == 100.0


def test_a_prohibited_practice_stops_whatever_else_is_answered():
    result = score(DEFINITION, answers("rare", "rare", ["grounding"], **{"risk.euact.prohibited": "yes"}), INTERNAL)
    assert (result.verdict.code, result.verdict.label) == ("stop", "Prohibited — stop")
    assert result.verdict.reason == "A prohibited practice."
    assert result.score.pct == 0.0
    assert result.next_actions == ()


def test_without_a_prohibited_practice_the_verdict_is_to_apply_the_tier_controls():
    result = score(DEFINITION, answers("likely", "likely", **{"risk.euact.prohibited": "no"}), INTERNAL)
    assert (result.verdict.code, result.verdict.label) == ("controls", "Proceed with the high-tier controls")


def test_next_actions_are_only_mitigations_never_hazard_answers():
    result = score(DEFINITION, answers("likely", "certain", [], **{"risk.euact.prohibited": "no"}), INTERNAL)
    assert {a.question_id for a in result.next_actions} == {"risk.hallucination.mitigations"}
    assert [(a.option, a.risk_id) for a in result.next_actions] == [
        ("grounding", "hallucination"), ("review", "hallucination"), ("disclaimer", "hallucination"),
    ]  # fmt: skip


def test_a_mitigation_gains_only_the_control_it_adds_to_the_headline_score():
    both = {"project": {"handles_pii": True}}
    extra = {"risk.euact.prohibited": "no", "risk.pii.likelihood": "likely", "risk.pii.severity": "likely"}
    result = score(DEFINITION, answers("likely", "certain", [], **extra), both)
    gains = {a.option: (a.gain_points, a.gain_pct) for a in result.next_actions}
    assert gains["grounding"] == (10.0, round(100 * 4 / 24, 2))  # 20 -> 10, but privacy still 16: 5 -> 9 of 24
    assert gains["disclaimer"] == (4.0, round(100 * 4 / 24, 2))  # 20 -> 16


def _shipped(level, **overrides):
    """Every risk of the shipped questionnaire rated at ``level`` (1..5), no mitigation; an honest EU section."""
    questions = {q["id"]: q for s in SHIPPED["sections"] for q in s["questions"]}
    out = {
        "risk.context.tools": "no",
        "risk.context.downstream": "no",
        "risk.euact.eu_nexus": "yes",
        "risk.euact.prohibited_practice": "no",
        "risk.euact.annex_i_product": "no",
        "risk.euact.annex_iii_areas": ["none"],
        "risk.euact.interacts_with_people": "yes",
        "risk.euact.synthetic_content": "no",
        "risk.euact.deepfake_or_public_text": "no",
        "risk.euact.emotion_or_biometric": "no",
    }
    for risk in SHIPPED["scoring"]["risks"]:
        for key in ("likelihood", "severity"):
            out[risk[key]] = questions[risk[key]]["options"][level - 1]["value"]
        out[risk["mitigations"]] = []
    return {**out, **overrides}


def test_shipped_the_dishonest_answer_never_scores_better_than_the_honest_one():
    honest = score(SHIPPED, _shipped(3), INTERNAL)
    prohibited = score(SHIPPED, _shipped(3, **{"risk.euact.prohibited_practice": "yes"}), INTERNAL)
    assert prohibited.score.pct < honest.score.pct
    assert (prohibited.verdict.label, prohibited.tier) == ("Prohibited — stop", "critical")
    assert honest.verdict.code == "controls"


def test_shipped_next_actions_never_say_to_answer_yes_to_a_prohibited_practice():
    result = score(SHIPPED, _shipped(3), INTERNAL)
    assert "risk.euact.prohibited_practice" not in {a.question_id for a in result.next_actions}
    assert all(a.action.startswith("Add “") for a in result.next_actions)
