"""The stored maturity result is read through one typed reader (MaturityResult.from_dict), which alone knows the
older formats; the gate, the scorecard, the trend and the assessment list read the same figures from it."""

import json
from pathlib import Path

from assessments.scoring import score
from assessments.scoring.maturity import MaturityResult
from gates.policy import DEFAULT_RULES, GateFacts, evaluate
from questionnaires.validation import validate_file
from tests.unit.test_gate_policy import NOW, assessment, good_checks

DEFINITION = validate_file(Path(__file__).resolve().parents[1] / "data/questionnaires/maturity_small.yaml").definition
ANSWERS = {"mat.docs.goals": "yes", "mat.docs.architecture": "yes", "mat.eval.coverage": 3}

# Written before ``claimed_level`` existed: the claimed level was ``level``, and the verified score a percentage.
LEGACY = {
    "model": "maturity",
    "score": {"points": 6, "max": 8, "pct": 75.0},
    "level": 3,
    "level_name": "Managed",
    "verified_level": 1,
    "verified_score": 40.0,
    "blocking": [{"question_id": "m.q", "text": "Alerts fire", "level": 2, "reason": "answered “no”"}],
}


def stored(result):
    return json.loads(json.dumps(result.to_dict()))


def test_a_stored_result_reads_back_as_the_result_that_was_stored():
    result = score(DEFINITION, ANSWERS, {"project": {"uses_rag": True}}, evidence={"mat.docs.architecture": "fail"})
    assert stored(MaturityResult.from_dict(stored(result))) == stored(result)


def test_an_old_result_reads_with_its_claimed_level_and_verified_score():
    result = MaturityResult.from_dict(LEGACY)
    assert (result.claimed_level, result.level, result.verified_level) == (3, 3, 1)
    assert result.verified_score.pct == 40.0
    assert result.blocking[0].question_id == "m.q" and result.discrepancies == ()


def test_keys_written_by_newer_code_are_ignored_and_missing_ones_read_as_none():
    result = MaturityResult.from_dict({**LEGACY, "why": [{"kind": "contradicted"}], "levels": [{"level": 0}]})
    assert result.levels[0].level == 0 and result.levels[0].reached is None


def test_the_gate_shows_the_claimed_level_of_an_old_result():
    facts = GateFacts(
        "docs-qa",
        "pilot",
        {"uses_rag": False},
        {"risk": assessment("risk", {"tier": "medium"}, pk=2), "maturity": assessment("maturity", LEGACY, pk=3)},
        good_checks(),
        NOW,
        "/reports/x.pdf",
    )
    verdict = evaluate(DEFAULT_RULES, facts, stage="production", policy_version=1)
    assert (verdict.claimed_level, verdict.verified_level) == (3, 1)


def test_no_result_reads_as_none():
    assert MaturityResult.from_dict({}) is None and MaturityResult.from_dict(None) is None
