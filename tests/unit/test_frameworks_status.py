"""The one status rule for a framework control: verified answers and check readings, never a bare claim."""

from dataclasses import dataclass
from datetime import UTC, datetime

from frameworks import status
from frameworks.status import AnswerFact, CheckFact, control_status

NOW = datetime(2026, 12, 1, tzinfo=UTC)
BOUND = {"id": "q.bound", "type": "yes_no", "text": "Bound", "evidence": {"check": "git.readme_present"}}
FREE = {"id": "q.free", "type": "yes_no", "text": "Free"}


@dataclass(frozen=True)
class Control:
    questions: tuple = ()
    checks: tuple = ()
    applies_when: str = ""
    inventory: tuple = ()


def _status(control, answers=None, checks=None, context=None):
    return control_status(control, answers=answers or {}, checks=checks or {}, context=context or {})


def test_a_claim_backed_by_a_passing_check_is_verified_with_its_date():
    got = _status(Control(("q.bound",)), {"q.bound": AnswerFact(BOUND, "yes", evidence_state="pass", checked_at=NOW)})
    assert (got.status, got.last_verified) == (status.VERIFIED, NOW)


def test_a_claim_without_evidence_is_claimed_only():
    got = _status(Control(("q.bound", "q.free")), {
        "q.bound": AnswerFact(BOUND, "yes", evidence_state="pass", checked_at=NOW),
        "q.free": AnswerFact(FREE, "yes"),
    })  # fmt: skip
    assert got.status == status.CLAIMED
    assert "1 of 2 parts verified" in got.why


def test_a_claim_the_check_contradicts_is_contradicted():
    got = _status(Control(("q.bound",)), {"q.bound": AnswerFact(BOUND, "yes", evidence_state="fail")})
    assert got.status == status.CONTRADICTED


def test_a_failing_named_check_contradicts_a_claim():
    got = _status(Control(("q.free",), ("git.readme_present",)), {"q.free": AnswerFact(FREE, "yes")},
                  {"git.readme_present": CheckFact("fail", "no README")})  # fmt: skip
    assert got.status == status.CONTRADICTED and "no README" in got.why


def test_a_failing_check_with_nothing_claimed_is_not_in_place():
    got = _status(Control((), ("git.readme_present",)), checks={"git.readme_present": CheckFact("fail")})
    assert got.status == status.NOT_IN_PLACE


def test_an_unknown_check_is_not_evidence_either_way():
    got = _status(Control((), ("git.readme_present",)), checks={"git.readme_present": CheckFact("unknown")})
    assert got.status == status.NOT_ASSESSED


def test_a_no_answer_is_not_in_place_and_a_mix_is_partial():
    assert _status(Control(("q.free",)), {"q.free": AnswerFact(FREE, "no")}).status == status.NOT_IN_PLACE
    mixed = {"q.free": AnswerFact(FREE, "no"), "q.bound": AnswerFact(BOUND, "yes", evidence_state="pass")}
    assert _status(Control(("q.free", "q.bound")), mixed).status == status.PARTIAL


def test_not_applicable_answers_hidden_questions_and_false_conditions():
    assert _status(Control(("q.free",)), {"q.free": AnswerFact(FREE, "na")}).status == status.NOT_APPLICABLE
    assert _status(Control(("q.free",)), {"q.free": AnswerFact(FREE, "yes", visible=False)}).status == (
        status.NOT_APPLICABLE
    )
    rag = Control(("q.free",), applies_when="project.uses_rag")
    assert _status(rag, {"q.free": AnswerFact(FREE, "yes")}, context={"uses_rag": False}).status == (
        status.NOT_APPLICABLE
    )
    assert _status(rag, {"q.free": AnswerFact(FREE, "yes")}, context={"uses_rag": True}).status == status.CLAIMED


def test_unmapped_and_unanswered_controls_are_unknown_not_fail():
    assert _status(Control()).status == status.NOT_COVERED
    assert _status(Control(("q.free",))).status == status.NOT_ASSESSED


def test_summary_puts_the_verified_figure_beside_the_claimed_one():
    got = status.summary([status.VERIFIED, status.CLAIMED, status.CONTRADICTED, status.NOT_APPLICABLE])
    assert (got["verified_pct"], got["claimed_pct"], got["applicable"]) == (33.3, 100.0, 3)


def test_a_hidden_unanswered_question_does_not_apply_and_an_unanswered_one_tells_nothing():
    assert _status(Control(("q.free",)), {"q.free": AnswerFact(FREE, None, visible=False)}).status == (
        status.NOT_APPLICABLE
    )
    assert _status(Control(("q.free",)), {"q.free": AnswerFact(FREE, None)}).status == status.NOT_ASSESSED
