"""Reading a normalised questionnaire definition the way the form needs it, and checking answer values.

The definition format is the contract in docs/questionnaire-format.md. Values are checked here, once, so the
web form, the API and the demo seed all refuse the same things with the same words.
"""

from django.core.exceptions import ValidationError

from config import limits
from questionnaires import types
from questionnaires.types import is_answered, type_of

MONEY_INPUT_FIELDS = {
    "build_cost": "estimated_build_cost",
    "run_cost_per_month": "run_cost_per_month",
    "expected_value_per_year": "expected_value_per_year",
}


class QuestionIndex:
    """Sections and questions of a definition in file order, with lookups by id."""

    def __init__(self, definition):
        self.definition = definition
        self.sections = list(definition.get("sections", []))
        self.questions = {}
        self.section_of = {}
        for section in self.sections:
            for question in section.get("questions", []):
                self.questions[question["id"]] = question
                self.section_of[question["id"]] = section["id"]

    def section(self, section_id):
        return next((s for s in self.sections if s["id"] == section_id), None)

    def money_inputs(self):
        """``{project field: question id}`` for the impact model's money inputs."""
        inputs = (self.definition.get("scoring") or {}).get("inputs") or {}
        return {MONEY_INPUT_FIELDS[key]: qid for key, qid in inputs.items() if key in MONEY_INPUT_FIELDS}


def index_for(version):
    """The index of a ``QuestionnaireVersion``, built once per version object."""
    cached = getattr(version, "_question_index", None)
    if cached is None:
        cached = QuestionIndex(version.definition)
        version._question_index = cached
    return cached


def is_required(question):
    return bool(question.get("required", True))


def needs_justification(question, value):
    justify = question.get("justify") or []
    if not justify or not is_answered(value):
        return False
    values = value if isinstance(value, list) else [value]
    return any(v in justify for v in values)


def validate_value(question, value):
    """The value to store for ``question``, or ``ValidationError`` saying what is wrong and what is expected.

    ``None`` (or an empty string/list) clears the answer. The rules are the question type's
    (``questionnaires.types``); this only says them in Django's error type for forms and the API.
    """
    if is_answered(value) and type_of(question).numeric and not isinstance(value, (list, dict)):
        _bounded(value)
    if is_answered(value) and isinstance(value, list) and question.get("fields"):
        numeric = [f["id"] for f in question["fields"] if type_of(f).numeric]
        for row in value:
            for field in numeric if isinstance(row, dict) else ():
                if is_answered(row.get(field)):
                    _bounded(row[field])
    try:
        return types.validate(question, value)
    except types.AnswerError as exc:
        raise ValidationError(exc.message) from None


def _bounded(value):
    """Numbers are bounded by digits and exponent before anything converts them (config.limits, the settings)."""
    try:
        limits.parse_number(value)
    except ValidationError as exc:
        if exc.code != "invalid":
            raise


def evidence_prefill_value(question):
    """The answer a passing check supports: full marks for a scored question, or ``None`` if it cannot say."""
    return type_of(question).best_answer(question)


display_value = types.display
answer_table = types.table


def choices(question, value):
    """The options a choice-type question offers, as ``[{"value", "label", "help", "checked"}]``."""
    selected = value if isinstance(value, list) else [value]
    return [
        {"value": v, "label": label, "help": help_text, "checked": is_answered(value) and v in selected}
        for v, label, help_text in type_of(question).choices(question)
    ]
