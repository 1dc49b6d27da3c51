from pathlib import Path

from assessments.scoring import score
from questionnaires.validation import validate_file

DEFINITION = validate_file(Path(__file__).resolve().parents[1] / "data/questionnaires/impact_small.yaml").definition
GOOD = {
    "impact.problem.defined": "yes",
    "impact.problem.owner": "yes",
    "impact.need.simpler_solution": "no",
    "impact.cost.build": 10000,
    "impact.cost.run_monthly": 1000,
    "impact.value.annual": 44000,
}


def test_clear_case_proceeds_with_the_ratio():
    result = score(DEFINITION, GOOD, {})
    assert (result.recommendation, result.value_to_cost) == ("proceed", 2.0)
    assert result.reasons == ("Clear problem, owner and value.", "First-year value-to-cost ratio: 2.00.")
    assert result.costs.to_dict() == {"build": 10000.0, "run_per_month": 1000.0, "value_per_year": 44000.0}


def test_undefined_problem_stops():
    result = score(DEFINITION, {**GOOD, "impact.problem.defined": "no"}, {})
    assert result.recommendation == "stop"
    assert result.reasons[0] == "The problem is not defined."


def test_a_simpler_solution_means_reconsider():
    result = score(DEFINITION, {**GOOD, "impact.need.simpler_solution": "yes"}, {})
    assert result.recommendation == "reconsider"
    assert result.recommendation_label == "Reconsider: a simpler solution is likely enough"


def test_value_below_cost_stops():
    result = score(DEFINITION, {**GOOD, "impact.value.annual": 11000}, {})
    assert (result.recommendation, result.value_to_cost) == ("stop", 0.5)


def test_open_must_haves_give_conditions_and_are_listed_in_the_reasons():
    result = score(DEFINITION, {**GOOD, "impact.problem.owner": "no"}, {})
    assert result.recommendation == "proceed_with_conditions"
    assert "Must-have “A business owner is named.”: answered “no”." in result.reasons
    assert result.next_actions[0].question_id == "impact.problem.owner"


def test_unknown_costs_give_no_ratio_and_say_what_to_enter():
    result = score(DEFINITION, {**GOOD, "impact.cost.build": None}, {})
    assert result.value_to_cost is None
    assert "enter the build cost" in result.reasons[1]


SHIPPED = validate_file(Path(__file__).resolve().parents[2] / "questionnaires/definitions/impact.yaml").definition
CHECKLISTS = ("impact.need.alternatives_assessed", "impact.value.drivers")
JUST_UNDER = {
    "impact.problem.defined": "yes",
    "impact.problem.business_owner": "yes",
    "impact.problem.kpi": "yes",
    "impact.alignment.objective": "direct",
    "impact.alignment.sponsor": "yes",
    "impact.need.alternatives_considered": "yes",
    "impact.need.alternatives_assessed": ["rules"],
    "impact.need.simpler_solution": "no",
    "impact.cost.build": 60000,
    "impact.cost.run_monthly": 2000,
    "impact.cost.confidence": "guess",
    "impact.timeline.plan": "no",
    "impact.value.annual": 250000,
    "impact.value.drivers": ["productivity"],
    "impact.value.measurable": "no",
    "impact.data.available": "needs_work",
    "impact.data.rights": "yes",
    "impact.data.eval_examples": "no",
    "impact.users.involved": "yes",
    "impact.users.workflow_fit": "no",
    "impact.users.adoption_plan": "no",
}


def test_ticking_more_alternatives_and_value_drivers_never_changes_the_recommendation():
    ticked = {
        **JUST_UNDER,
        "impact.need.alternatives_assessed": ["rules", "search", "templates", "classic_ml"],
        "impact.value.drivers": ["productivity", "savings", "revenue"],
    }
    before, after = score(SHIPPED, JUST_UNDER, {}), score(SHIPPED, ticked, {})
    assert after.recommendation == before.recommendation
    assert (after.score, after.value_to_cost) == (before.score, before.value_to_cost)


def test_next_actions_never_suggest_ticking_a_checklist():
    result = score(SHIPPED, JUST_UNDER, {})
    assert result.next_actions
    assert not {a.question_id for a in result.next_actions} & set(CHECKLISTS)


def test_the_result_names_the_neutral_checklists():
    assert score(SHIPPED, JUST_UNDER, {}).neutral == CHECKLISTS
