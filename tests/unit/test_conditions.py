import pytest

from questionnaires import conditions
from questionnaires.conditions import ConditionError, describe, evaluate, references
from questionnaires.definition import normalise
from questionnaires.visibility import visible_question_ids

CTX = {"project": {"uses_rag": True, "exposure": "public", "regions": ["eu"], "has_component": {"vector_store": True}}}


def test_and_binds_tighter_than_or():
    assert evaluate("true or false and false", {}, CTX) is True
    assert evaluate("(true or false) and false", {}, CTX) is False


def test_not_binds_tighter_than_and():
    assert evaluate("not false and true", {}, CTX) is True
    assert evaluate("not (true and false)", {}, CTX) is True


def test_comparison_binds_tighter_than_not():
    assert evaluate("not a.b == 'x'", {"a.b": "y"}, CTX) is True


def test_it_reads_answers_by_question_id():
    assert evaluate("a.q == 'yes'", {"a.q": "yes"}, CTX)
    assert not evaluate("a.q == 'yes'", {"a.q": "no"}, CTX)


def test_it_reads_nested_project_attributes():
    assert evaluate("project.uses_rag and project.has_component.vector_store", {}, CTX)
    assert not evaluate("project.has_component.model_endpoint", {}, CTX)


def test_unanswered_question_reads_null():
    assert evaluate("a.q == null", {}, CTX)
    assert not evaluate("a.q == 'yes'", {}, CTX)


def test_ordering_with_null_is_false_not_an_error():
    assert not evaluate("a.n < 3", {}, CTX)
    assert not evaluate("a.n >= 3", {}, CTX)
    assert not evaluate("a.n > 'text'", {"a.n": 4}, CTX)


def test_numbers_compare():
    assert evaluate("a.n >= 2.5 and a.n < 10", {"a.n": 3}, CTX)
    assert evaluate("a.n == -1", {"a.n": -1}, CTX)


def test_booleans_are_not_numbers():
    assert not evaluate("a.flag == 1", {"a.flag": True}, CTX)


def test_membership_in_a_literal_list():
    assert evaluate("project.exposure in ['public', 'customer_facing']", {}, CTX)
    assert evaluate("project.exposure not in ['internal']", {}, CTX)


def test_membership_in_a_multi_choice_answer():
    answers = {"a.methods": ["judge", "expert"]}
    assert evaluate("'judge' in a.methods", answers, CTX)
    assert evaluate("'heuristic' not in a.methods", answers, CTX)


def test_membership_in_null_is_false():
    assert not evaluate("'judge' in a.methods", {}, CTX)
    assert evaluate("'judge' not in a.methods", {}, CTX)


def test_answered_and_count():
    answers = {"a.list": [{"x": 1}, {"x": 2}], "a.empty": ""}
    assert evaluate("answered(a.list) and count(a.list) == 2", answers, CTX)
    assert not evaluate("answered(a.empty)", answers, CTX)
    assert evaluate("count(a.missing) == 0", answers, CTX)


def test_empty_condition_always_holds():
    assert evaluate(None, {}, CTX) and evaluate("", {}, CTX)


def test_references_lists_question_ids_only():
    expr = "project.uses_rag and a.one == 'x' or answered(b.two) or result.score_pct > 1"
    assert references(expr) == {"a.one", "b.two"}


def test_compile_is_cached():
    assert conditions.compile("a.q == 'x'") is conditions.compile("a.q == 'x'")


@pytest.mark.parametrize(
    ("expr", "column", "words"),
    [
        ("a.q = 'yes'", 5, "write '=='"),
        ("a.q == 'yes", 8, "unterminated string"),
        ("a.q == 'x' a.r", 12, "join conditions"),
        ("(a.q == 'x'", 12, "')'"),
        ("a.q ==", 7, "ends too early"),
        ("a < b < c", 7, "cannot be chained"),
        ("len(a.q) > 1", 1, "unknown function"),
        ("a.q in [a.r]", 9, "literal values"),
        ("a.q == 'x' && a.r", 12, "unexpected character"),
        ("", 1, "empty"),
    ],
)
def test_errors_name_the_column(expr, column, words):
    with pytest.raises(ConditionError) as info:
        conditions.compile(expr)
    assert info.value.column == column
    assert words in info.value.message


def test_describe_says_the_condition_in_words():
    text = describe("a.q == 'yes' and 'judge' in a.m", label=lambda n: {"a.q": "Q", "a.m": "M"}.get(n, n))
    assert text == "Q is “yes” and M includes “judge”"


def test_describe_names_compared_values_by_their_labels():
    labels = {("a.freq", "weekly"): "Every week", ("a.freq", "daily"): "Every day"}
    text = describe("a.freq in ['weekly', 'daily']", value_label=lambda name, value: labels.get((name, value)))
    assert text == "a.freq is one of “Every week”, “Every day”"


DEFINITION = normalise(
    {
        "slug": "t",
        "version": "1.0.0",
        "kind": "maturity",
        "title": "T",
        "scoring": {"model": "maturity", "levels": []},
        "sections": [
            {
                "id": "s.one",
                "title": "One",
                "questions": [
                    {"id": "s.one.a", "type": "yes_no", "text": "A"},
                    {"id": "s.one.b", "type": "yes_no", "text": "B", "when": "s.one.a == 'yes'"},
                    {"id": "s.one.c", "type": "yes_no", "text": "C", "when": "s.one.b == 'yes'"},
                ],
            },
            {
                "id": "s.rag",
                "title": "RAG",
                "when": "project.uses_rag",
                "questions": [{"id": "s.rag.x", "type": "yes_no", "text": "X"}],
            },
        ],
    }
)


def test_hidden_question_reads_null_so_dependants_hide_too():
    answers = {"s.one.a": "no", "s.one.b": "yes", "s.one.c": "yes"}
    assert visible_question_ids(DEFINITION, answers, CTX) == {"s.one.a", "s.rag.x"}


def test_section_condition_hides_all_its_questions():
    visible = visible_question_ids(DEFINITION, {"s.one.a": "yes"}, {"project": {"uses_rag": False}})
    assert visible == {"s.one.a", "s.one.b"}
