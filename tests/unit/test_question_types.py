"""Question types live in one registry (questionnaires/types.py): one rule per question for what an answer earns,
what it claims and when evidence contradicts it, shared by the form, the stored result and the validator."""

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from assessments import selectors
from assessments.questions import QuestionIndex
from assessments.scoring import score
from questionnaires.definition import normalise
from questionnaires.types import QUESTION_TYPES, TYPES, claim_status, type_of

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "questionnaires/schema/questionnaire.schema.json").read_text())


def maturity(question):
    """A one-question maturity definition whose question is bound to one check."""
    raw = {
        "slug": "one",
        "version": "1.0.0",
        "kind": "maturity",
        "title": "One",
        "scoring": {
            "model": "maturity",
            "levels": [{"level": n, "name": f"L{n}", "min_score_pct": 0} for n in range(5)],
        },
        "sections": [
            {
                "id": "m.s",
                "title": "S",
                "questions": [{"id": "m.s.q", "text": "In place?", "evidence": {"check": "c.x"}, **question}],
            }
        ],
    }
    return normalise(raw)


MULTI = {
    "type": "multi_choice",
    "options": [{"value": "a", "label": "A", "points": 1}, {"value": "b", "label": "B", "points": 1}],
}
CASES = [
    ({"type": "yes_no"}, "yes"),
    ({"type": "scale"}, 4),
    ({"type": "scale"}, 2),
    (
        {
            "type": "single_choice",
            "options": [{"value": "x", "label": "X", "points": 0}, {"value": "y", "label": "Y", "points": 2}],
        },
        "y",
    ),
    (MULTI, ["a", "b"]),
]


@pytest.mark.parametrize(("question", "answer"), CASES)
def test_the_form_and_the_stored_result_flag_the_same_contradicted_claims(question, answer):
    definition = maturity(question)
    form = selectors.discrepancies(
        QuestionIndex(definition), {"m.s.q": SimpleNamespace(value=answer)}, {"m.s.q": {"state": "fail"}}
    )
    stored = score(definition, {"m.s.q": answer}, {}, evidence={"m.s.q": "fail"}).discrepancies
    assert form == {"m.s.q"}
    assert [d.question_id for d in stored] == ["m.s.q"]


def test_a_claim_contradicted_by_partial_evidence_is_a_discrepancy():
    definition = maturity({"type": "yes_no"})
    result = score(definition, {"m.s.q": "yes"}, {}, evidence={"m.s.q": "warn"})
    assert [(d.question_id, d.state) for d in result.discrepancies] == [("m.s.q", "warn")]
    form = selectors.discrepancies(
        QuestionIndex(definition), {"m.s.q": SimpleNamespace(value="yes")}, {"m.s.q": {"state": "warn"}}
    )
    assert form == {"m.s.q"}


def test_an_unscored_answer_contradicted_by_its_check_is_flagged_in_the_form_and_the_result():
    definition = maturity({"type": "number"})
    form = selectors.discrepancies(
        QuestionIndex(definition), {"m.s.q": SimpleNamespace(value=5)}, {"m.s.q": {"state": "fail"}}
    )
    stored = score(definition, {"m.s.q": 5}, {}, evidence={"m.s.q": "fail"}).discrepancies
    assert form == {"m.s.q"}
    assert [d.question_id for d in stored] == ["m.s.q"]


@pytest.mark.parametrize(
    ("answer", "states", "status"),
    [
        ("yes", "pass", "verified"),
        ("yes", ["fail", "pass"], "verified"),  # any_of: one passing check is enough
        ("yes", "fail", "contradicted"),
        ("yes", "warn", "contradicted"),
        ("yes", "unknown", "unverified"),
        ("yes", "error", "unverified"),
        ("yes", "stale", "unverified"),
        ("yes", None, "unverified"),
        ("no", "fail", None),
        ("unknown", "fail", None),
        ("na", "pass", None),
        (None, "fail", None),
    ],
)
def test_claim_status_is_one_rule(answer, states, status):
    question = maturity({"type": "yes_no"})["sections"][0]["questions"][0]
    assert claim_status(question, answer, states) == status


def test_a_question_without_a_bound_check_has_no_claim_status():
    question = normalise(
        {
            **_bare(),
            "sections": [{"id": "m.s", "title": "S", "questions": [{"id": "m.s.q", "type": "yes_no", "text": "?"}]}],
        }
    )
    assert claim_status(question["sections"][0]["questions"][0], "yes", "fail") is None


def _bare():
    return {"slug": "one", "version": "1.0.0", "kind": "maturity", "title": "One", "scoring": {"model": "maturity"}}


def test_every_schema_type_has_a_class_and_a_template_partial():
    question_enum = SCHEMA["$defs"]["question"]["properties"]["type"]["enum"]
    assert set(question_enum) == set(QUESTION_TYPES)
    for qtype in TYPES.values():
        assert (ROOT / "templates/assessments/answer" / f"{qtype.widget}.html").is_file(), qtype


def test_the_best_answer_of_every_scored_type_earns_full_marks():
    definition = maturity(MULTI)
    for question in [
        definition["sections"][0]["questions"][0],
        *(maturity(q)["sections"][0]["questions"][0] for q, _ in CASES),
    ]:
        qtype = type_of(question)
        assert qtype.fraction_function(question)(qtype.best_answer(question)) == 1.0
        assert qtype.fraction_function(question)(qtype.worst_answer(question)) == 0.0


PRODUCT_DIRS = ("accounts", "assessments", "config", "connectors", "gates", "questionnaires", "registry", "reports")


def test_question_type_names_appear_only_in_the_type_registry():
    # The names that cannot be anything else ("text", "number", "date" are also ordinary keys of JSON data).
    distinct = [name for name in QUESTION_TYPES if "_" in name or name in ("scale", "money")]
    names = re.compile("[\"']({})[\"']".format("|".join(distinct)))
    offenders = []
    for directory in PRODUCT_DIRS:
        for path in (ROOT / directory).rglob("*.py"):
            if path.name == "types.py" or "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if names.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []
