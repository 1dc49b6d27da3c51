import copy
import json
from pathlib import Path

import pytest

from assessments.scoring import score
from questionnaires.validation import validate_file

DEFINITION = validate_file(Path(__file__).resolve().parents[1] / "data/questionnaires/maturity_small.yaml").definition
RAG = {"project": {"uses_rag": True}}
BEST = {
    "mat.docs.goals": "yes",
    "mat.docs.architecture": "yes",
    "mat.docs.release_notes": "yes",
    "mat.eval.frequency": "commit",
    "mat.eval.methods": ["judge", "expert"],
    "mat.eval.coverage": 4,
    "mat.rag.chunking": "yes",
    "mat.rag.freshness": "yes",
}


def test_all_best_answers_reach_the_top_level():
    result = score(DEFINITION, BEST, RAG)
    assert (result.level, result.level_name, result.score.pct) == (4, "Optimised", 100.0)
    assert result.blocking == () and result.next_actions == ()


def test_an_unmet_level_one_must_have_keeps_level_zero():
    result = score(DEFINITION, {**BEST, "mat.docs.goals": "no"}, RAG)
    assert result.level == 0
    assert result.blocking[0].question_id == "mat.docs.goals"
    assert result.blocking[0].reason == "Must-have for level 1 (Documented): answered “no”."


def test_core_must_have_without_level_gates_level_two():
    result = score(DEFINITION, {**BEST, "mat.docs.architecture": "unknown"}, RAG)
    assert result.level == 1
    assert result.blocking[0].level == 2
    assert "don't know" in result.blocking[0].reason


def test_na_counts_as_met_and_drops_out_of_the_maximum():
    result = score(DEFINITION, {**BEST, "mat.docs.architecture": "na"}, RAG)
    assert result.level == 4
    assert result.score.max == 8.0


def test_a_low_score_blocks_a_level_even_with_every_must_have_met():
    answers = {
        "mat.docs.goals": "yes",
        "mat.docs.architecture": "yes",
        "mat.eval.coverage": 4,
        "mat.rag.chunking": "no",
    }
    result = score(DEFINITION, answers, RAG)
    assert result.score.pct == 37.5
    assert result.level == 1
    assert result.levels[2].score_ok is False and result.levels[2].blocking == ()


def test_contributions_explain_points_per_answer():
    result = score(DEFINITION, {**BEST, "mat.eval.frequency": "release"}, RAG)
    frequency = next(c for c in result.contributions if c.question_id == "mat.eval.frequency")
    assert (frequency.fraction, frequency.points, frequency.max, frequency.section_id) == (0.5, 1.0, 2.0, "mat.eval")


def test_multi_choice_points_are_capped():
    result = score(DEFINITION, {**BEST, "mat.eval.methods": ["heuristic", "judge", "expert"]}, RAG)
    methods = next(c for c in result.contributions if c.question_id == "mat.eval.methods")
    assert methods.fraction == 1.0


def test_sections_hidden_by_the_project_drop_out_and_are_listed():
    result = score(DEFINITION, BEST, {"project": {"uses_rag": False}})
    assert set(result.hidden) == {"mat.rag.chunking", "mat.rag.freshness"}
    rag = next(s for s in result.sections if s.id == "mat.rag")
    assert (rag.visible, rag.max) == (False, 0.0)
    assert result.score.max == 7.0


def test_next_actions_unblock_the_next_level_first_then_by_gain():
    answers = {"mat.docs.goals": "yes", "mat.docs.architecture": "no", "mat.rag.chunking": "no"}
    actions = score(DEFINITION, answers, RAG).next_actions
    assert actions[0].question_id == "mat.docs.architecture"
    assert actions[0].unblocks_level == 2
    assert actions[0].action == "Put this in place, then answer “yes”."
    assert actions[1].question_id == "mat.eval.frequency"
    assert (actions[1].gain_points, actions[1].action) == (2.0, "Reach “On every commit”.")


def test_unanswered_questions_are_listed_and_earn_nothing():
    result = score(DEFINITION, {"mat.docs.goals": "yes"}, RAG)
    assert "mat.eval.coverage" in result.unanswered
    assert "mat.rag.freshness" not in result.unanswered  # hidden until chunking is "yes"


def test_failed_check_lowers_the_verified_level_and_is_a_discrepancy():
    result = score(DEFINITION, BEST, RAG, evidence={"mat.docs.architecture": "fail"})
    assert (result.claimed_level, result.verified_level) == (4, 1)
    assert result.discrepancies[0].to_dict() == {
        "question_id": "mat.docs.architecture",
        "claimed": "yes",
        "check": "git.architecture_doc_present",
        "state": "fail",
    }


def test_passed_check_counts_as_full_points_for_the_verified_level():
    result = score(DEFINITION, {**BEST, "mat.docs.architecture": "no"}, RAG, evidence={"mat.docs.architecture": "pass"})
    assert (result.claimed_level, result.verified_level) == (1, 4)
    assert result.discrepancies == ()


@pytest.mark.parametrize("state", ["waived", "not_applicable"])
def test_a_waiver_or_not_applicable_lets_the_claim_stand(state):
    result = score(DEFINITION, BEST, RAG, evidence={"mat.docs.architecture": state})
    assert result.verified_level == 4 and result.verified_score == result.score
    assert result.discrepancies == () and result.unverified == ()


def test_a_warning_contradicts_the_claim_and_never_earns_the_full_claim():
    result = score(DEFINITION, BEST, RAG, evidence={"mat.docs.architecture": "warn"})
    assert [(d.question_id, d.state) for d in result.discrepancies] == [("mat.docs.architecture", "warn")]
    assert result.verified_level < result.claimed_level
    assert result.verified_score.points < result.score.points


def test_partial_evidence_earns_partial_credit_on_a_scale():
    definition = copy.deepcopy(DEFINITION)
    coverage = next(q for s in definition["sections"] for q in s["questions"] if q["id"] == "mat.eval.coverage")
    coverage["evidence"] = {"check": "evaluations.coverage"}
    evidence = {"mat.eval.coverage": "warn", "mat.docs.architecture": "pass"}
    claimed, result = score(definition, BEST, RAG), score(definition, BEST, RAG, evidence=evidence)
    earned = {c.question_id: c for c in result.contributions}["mat.eval.coverage"]
    assert earned.fraction == 1.0
    assert claimed.score.points - result.verified_score.points == 0.5 * earned.max
    assert [d.question_id for d in result.discrepancies] == ["mat.eval.coverage"]


@pytest.mark.parametrize("state", ["unknown", "error", "stale", None])
def test_a_claim_nothing_could_verify_earns_no_verified_credit_and_says_why(state):
    evidence = {"mat.docs.architecture": state} if state else {}
    result = score(DEFINITION, BEST, RAG, evidence=evidence)
    assert result.claimed_level == 4 and result.verified_level == 1
    assert result.unverified == ("mat.docs.architecture",)
    assert result.discrepancies == ()
    why = result.why[0]
    assert (why.kind, why.question_id, why.check_id, why.blocks) == (
        "unverified_claim",
        "mat.docs.architecture",
        "git.architecture_doc_present",
        True,
    )


def test_a_contradicted_must_have_is_the_first_reason_the_verified_level_is_not_higher():
    result = score(DEFINITION, BEST, RAG, evidence={"mat.docs.architecture": "fail"})
    assert result.why[0].kind == "contradicted_claim"
    assert result.why[0].level == 2 and "reads fail" in result.why[0].reason


def test_result_is_json_with_the_documented_keys():
    data = json.loads(json.dumps(score(DEFINITION, BEST, RAG).to_dict()))
    common = ["model", "score", "sections", "contributions", "blocking", "next_actions", "unanswered", "hidden"]
    maturity = ["level", "level_name", "claimed_level", "verified_level", "verified_score", "levels", "discrepancies"]
    assert set(common + maturity) <= set(data)
    assert data["levels"][1]["name"] == "Documented"
