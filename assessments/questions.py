"""Reading a normalised questionnaire definition the way the form needs it, and checking answer values.

The definition format is the contract in docs/questionnaire-format.md. Values are checked here, once, so the
web form, the API and the demo seed all refuse the same things with the same words.
"""

import datetime
import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

from config import limits

YES_NO_LABELS = {"yes": "Yes", "no": "No", "na": "Not applicable", "unknown": "Don't know"}
SCORED_TYPES = ("yes_no", "single_choice", "multi_choice", "scale")
MONEY_INPUT_FIELDS = {
    "build_cost": "estimated_build_cost",
    "run_cost_per_month": "run_cost_per_month",
    "expected_value_per_year": "expected_value_per_year",
}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


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


def is_answered(value):
    return value is not None and value != "" and value != [] and value != {}


def is_required(question):
    return bool(question.get("required", True))


def needs_justification(question, value):
    justify = question.get("justify") or []
    if not justify or not is_answered(value):
        return False
    values = value if isinstance(value, list) else [value]
    return any(v in justify for v in values)


def option_values(question):
    return [option["value"] for option in question.get("options", [])]


def validate_value(question, value):
    """The value to store for ``question``, or ``ValidationError`` saying what is wrong and what is expected.

    ``None`` (or an empty string/list) clears the answer.
    """
    if not is_answered(value):
        return None
    kind = question.get("type")
    checker = _CHECKERS.get(kind)
    if checker is None:
        raise ValidationError(f"Questions of type {kind!r} cannot be answered here.")
    return checker(question, value)


def _yes_no(question, value):
    allowed = ["yes", "no"]
    if question.get("allow_na", True):
        allowed.append("na")
    if question.get("allow_unknown", True):
        allowed.append("unknown")
    if value not in allowed:
        raise ValidationError(f"Answer one of: {', '.join(YES_NO_LABELS[v] for v in allowed)}.")
    return value


def _single_choice(question, value):
    if value not in option_values(question):
        raise ValidationError(f"{value!r} is not one of the options; choose one of {option_values(question)}.")
    return value


def _multi_choice(question, value):
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise ValidationError("Choose a list of options.")
    unknown = [v for v in value if v not in option_values(question)]
    if unknown:
        raise ValidationError(f"Not an option: {', '.join(map(str, unknown))}.")
    order = option_values(question)
    return sorted(set(value), key=order.index)


def _number(value, *, integer=False):
    try:
        number = limits.parse_number(value)
    except ValidationError as exc:
        if exc.code == "invalid":
            raise ValidationError("Enter a number, e.g. 1200 or 12.5.") from None
        raise
    if integer:
        if number != number.to_integral_value():
            raise ValidationError("Enter a whole number.")
        return int(number)
    return int(number) if number == number.to_integral_value() else float(number)


def _scale(question, value):
    number = _number(value, integer=True)
    if not 0 <= number <= 4:
        raise ValidationError("Choose a value from 0 to 4.")
    return number


def _numeric(question, value):
    number = _number(value)
    low, high = question.get("min"), question.get("max")
    if question.get("type") == "money" and low is None:
        low = 0
    if low is not None and number < low:
        raise ValidationError(f"Enter {low} or more.")
    if high is not None and number > high:
        raise ValidationError(f"Enter {high} or less.")
    return number


def _date(question, value):
    if not isinstance(value, str) or not _DATE.match(value):
        raise ValidationError("Enter a date as YYYY-MM-DD.")
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"{value} is not a real date.") from None
    return value


def _text(question, value):
    if not isinstance(value, str):
        raise ValidationError("Enter text.")
    limit = 500 if question.get("type") == "text" else 20_000
    if len(value) > limit:
        raise ValidationError(f"Keep it under {limit} characters (this is {len(value)}).")
    return value


def _url(question, value):
    if not isinstance(value, str):
        raise ValidationError("Enter a web address.")
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError("Enter a full web address starting with http:// or https://.")
    return value.strip()


def _group(question, value):
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ValidationError("Enter a list of rows.")
    fields = {f["id"]: f for f in question.get("fields", [])}
    if question.get("max_items") is not None and len(value) > question["max_items"]:
        raise ValidationError(f"At most {question['max_items']} rows.")
    if len(value) < question.get("min_items", 0):
        raise ValidationError(f"At least {question['min_items']} rows.")
    rows = []
    for number, item in enumerate(value, start=1):
        unknown = set(item) - set(fields)
        if unknown:
            raise ValidationError(f"Row {number}: unknown field {', '.join(sorted(unknown))}.")
        row = {}
        for field_id, field_value in item.items():
            try:
                checked = validate_value(fields[field_id], field_value)
            except ValidationError as exc:
                raise ValidationError(
                    f"Row {number}, {fields[field_id].get('text', field_id)}: {exc.messages[0]}"
                ) from None
            if checked is not None:
                row[field_id] = checked
        rows.append(row)
    return rows


_CHECKERS = {
    "yes_no": _yes_no,
    "single_choice": _single_choice,
    "multi_choice": _multi_choice,
    "scale": _scale,
    "number": _numeric,
    "money": _numeric,
    "date": _date,
    "text": _text,
    "long_text": _text,
    "url": _url,
    "group": _group,
}


def evidence_prefill_value(question):
    """The answer a passing check supports: full marks for a scored question, or ``None`` if it cannot say."""
    kind = question.get("type")
    if kind == "yes_no":
        return "yes"
    if kind == "scale":
        return 4
    if kind == "single_choice" and question.get("options"):
        return max(question["options"], key=lambda o: o.get("points", 0))["value"]
    return None


def display_value(question, value):
    """A short human-readable rendering of an answer, for comparisons, records and e-mails."""
    if not is_answered(value):
        return "—"
    kind = question.get("type") if question else None
    if kind == "yes_no":
        return YES_NO_LABELS.get(value, str(value))
    if kind in ("single_choice", "multi_choice"):
        labels = {o["value"]: o.get("label", o["value"]) for o in question.get("options", [])}
        values = value if isinstance(value, list) else [value]
        return ", ".join(str(labels.get(v, v)) for v in values)
    if kind == "scale":
        labels = {int(k): v for k, v in (question.get("labels") or {}).items()}
        return f"{value} – {labels[value]}" if value in labels else str(value)
    if kind == "group":
        return f"{len(value)} row(s)"
    return str(value)


def choices(question, value):
    """The options a choice-type question offers, as ``[{"value", "label", "help", "checked"}]``."""
    kind = question.get("type")
    selected = value if isinstance(value, list) else [value]
    if kind == "yes_no":
        options = [("yes", "Yes", ""), ("no", "No", "")]
        if question.get("allow_na", True):
            options.append(("na", YES_NO_LABELS["na"], ""))
        if question.get("allow_unknown", True):
            options.append(("unknown", YES_NO_LABELS["unknown"], ""))
    elif kind == "scale":
        labels = {int(k): v for k, v in (question.get("labels") or {}).items()}
        options = [(n, f"{n} – {labels[n]}" if n in labels else str(n), "") for n in range(5)]
    elif kind in ("single_choice", "multi_choice"):
        options = [(o["value"], o.get("label", o["value"]), o.get("help", "")) for o in question.get("options", [])]
    else:
        return []
    return [
        {"value": v, "label": label, "help": help_text, "checked": is_answered(value) and v in selected}
        for v, label, help_text in options
    ]
