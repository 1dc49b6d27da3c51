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
