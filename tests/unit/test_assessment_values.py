"""Answer values are checked per question type, with messages that say what is expected."""

import pytest
from django.core.exceptions import ValidationError

from assessments.questions import choices, display_value, needs_justification, validate_value

YES_NO = {"id": "q", "type": "yes_no", "allow_na": False, "allow_unknown": True}
CHOICE = {
    "id": "c",
    "type": "single_choice",
    "options": [{"value": "a", "label": "A", "points": 0}, {"value": "b", "label": "B", "points": 1}],
}
MULTI = dict(CHOICE, type="multi_choice")


def test_it_accepts_a_yes_no_answer():
    assert validate_value(YES_NO, "yes") == "yes"


def test_it_refuses_not_applicable_when_the_question_does_not_allow_it():
    with pytest.raises(ValidationError, match="Answer one of: Yes, No, Don't know"):
        validate_value(YES_NO, "na")


def test_it_treats_an_empty_value_as_clearing_the_answer():
    assert validate_value(YES_NO, "") is None
    assert validate_value(MULTI, []) is None


def test_it_refuses_an_option_that_does_not_exist():
    with pytest.raises(ValidationError, match="not one of the options"):
        validate_value(CHOICE, "z")


def test_it_orders_and_deduplicates_multi_choice_values():
    assert validate_value(MULTI, ["b", "a", "b"]) == ["a", "b"]


def test_it_parses_scale_values_sent_as_text():
    assert validate_value({"type": "scale"}, "3") == 3


def test_it_refuses_scale_values_out_of_range():
    with pytest.raises(ValidationError, match="from 0 to 4"):
        validate_value({"type": "scale"}, 5)


def test_it_refuses_negative_money():
    with pytest.raises(ValidationError, match="0 or more"):
        validate_value({"type": "money"}, "-10")


def test_it_keeps_money_amounts_as_numbers():
    assert validate_value({"type": "money"}, "1,200.50") == 1200.5
    assert validate_value({"type": "money"}, 5000) == 5000


def test_it_refuses_impossible_dates():
    with pytest.raises(ValidationError, match="not a real date"):
        validate_value({"type": "date"}, "2026-02-30")


def test_it_refuses_web_addresses_without_a_scheme():
    with pytest.raises(ValidationError, match="http:// or https://"):
        validate_value({"type": "url"}, "example.com/doc")


def test_it_checks_every_field_of_a_group_row():
    group = {
        "type": "group",
        "fields": [{"id": "name", "type": "text", "text": "Name"}, {"id": "n", "type": "number", "text": "Count"}],
    }
    with pytest.raises(ValidationError, match="Row 2, Count: Enter a number"):
        validate_value(group, [{"name": "a", "n": 1}, {"name": "b", "n": "many"}])


def test_it_asks_for_a_justification_only_for_the_listed_answers():
    question = {"type": "yes_no", "justify": ["no", "na"]}
    assert needs_justification(question, "no")
    assert not needs_justification(question, "yes")


def test_it_offers_only_the_allowed_yes_no_choices_and_marks_the_given_one():
    offered = choices(YES_NO, "no")
    assert [c["value"] for c in offered] == ["yes", "no", "unknown"]
    assert [c["value"] for c in offered if c["checked"]] == ["no"]


def test_it_displays_choice_answers_by_their_labels():
    assert display_value(MULTI, ["a", "b"]) == "A, B"
    assert display_value(YES_NO, None) == "—"
