"""Which questions apply, given the answers so far and the project: section and question `when` conditions.

A hidden question reads as null to every later condition, so hiding a question also hides what depends on
it (a cascade). That works in one pass because conditions may only refer to earlier questions.
"""

from typing import NamedTuple

from .conditions import compile as compile_condition


class Visibility(NamedTuple):
    sections: set
    questions: set
    answers: dict  # the answers of visible questions only: what conditions and scoring read


def resolve(definition, answers, context) -> Visibility:
    """Visible section ids, visible question ids and the answers restricted to visible questions."""
    context = context or {}
    sections, questions, effective = set(), set(), {}
    for section in definition.get("sections", []):
        when = section.get("when")
        if when and not compile_condition(when).test(effective, context):
            continue
        sections.add(section["id"])
        for question in section.get("questions", []):
            qwhen = question.get("when")
            if qwhen and not compile_condition(qwhen).test(effective, context):
                continue
            qid = question["id"]
            questions.add(qid)
            if qid in answers:
                effective[qid] = answers[qid]
    return Visibility(sections, questions, effective)


def visible_question_ids(definition, answers, context) -> set[str]:
    """Ids of the questions that apply; the others drop out of the form, the score and the maximum."""
    return resolve(definition, answers, context).questions
