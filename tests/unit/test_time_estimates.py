"""The time a section or questionnaire takes, estimated from its questions' count and types (questionnaires.types)."""

import pytest

from questionnaires.types import EVIDENCE_SECONDS, TYPES, duration_words, estimated_seconds, type_of


def test_every_question_type_carries_its_seconds():
    assert all(t.seconds > 0 for t in TYPES.values())


def test_a_written_answer_takes_longer_than_a_yes_or_no():
    assert type_of("long_text").seconds > type_of("text").seconds > type_of("yes_no").seconds


def test_the_estimate_grows_with_the_number_of_questions_and_required_evidence():
    one = [{"id": "a", "type": "yes_no"}]
    two = [*one, {"id": "b", "type": "yes_no"}]
    with_evidence = [{"id": "a", "type": "yes_no", "evidence_required": True}]
    assert estimated_seconds(two) == 2 * estimated_seconds(one)
    assert estimated_seconds(with_evidence) == estimated_seconds(one) + EVIDENCE_SECONDS


def test_a_group_counts_its_fields_for_the_rows_it_asks_for():
    fields = [{"id": "name", "type": "text"}, {"id": "target", "type": "number"}]
    few = {"id": "kpis", "type": "group", "fields": fields}
    many = {**few, "min_items": 5}
    assert estimated_seconds([many]) - estimated_seconds([few]) == 3 * (
        type_of("text").seconds + type_of("number").seconds
    )


@pytest.mark.parametrize(
    ("seconds", "words"), [(0, "about 1 min"), (20, "about 1 min"), (1500, "about 25 min"), (3600, "about 1 h"),
                           (6000, "about 1 h 40 min")],
)  # fmt: skip
def test_it_reads_in_minutes_and_hours(seconds, words):
    assert duration_words(seconds) == words


def test_the_shipped_questionnaires_take_between_ten_minutes_and_two_hours():
    from pathlib import Path

    import yaml

    from questionnaires.definition import iter_questions, normalise

    folder = Path(__file__).resolve().parents[2] / "questionnaires" / "definitions"
    for kind in ("impact", "risk", "maturity"):
        definition = normalise(yaml.safe_load((folder / f"{kind}.yaml").read_text()))
        assert 10 * 60 <= estimated_seconds(q for _, q in iter_questions(definition)) <= 2 * 3600, kind
