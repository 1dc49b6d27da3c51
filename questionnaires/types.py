"""Question types: everything the product knows about one kind of question, in one class each.

A question type says how its definition is normalised, which answers it accepts (and how it stores them), what
an answer earns in scoring, which answer earns full marks, whether an answer *claims something is in place*,
whether an answer survives a new questionnaire version, and how an answer reads in words. Every other module
(scoring, the form, the API, version comparisons, the validator, the demo) asks :data:`TYPES` through
:func:`type_of` instead of testing type names, so a new type is one class here, one template partial
(``templates/assessments/answer/<widget>.html``), one JavaScript handler (``static/js/assessment-form.js``) and one
schema entry (``questionnaires/schema/questionnaire.schema.json``); see docs/architecture.md.

Pure Python: no Django, so scoring and the validator use it too. Answers arrive as stored JSON values.
"""

import datetime
import re
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

YES_NO_LABELS = {"yes": "Yes", "no": "No", "na": "Not applicable", "unknown": "Don't know"}
YES_NO_VALUES = tuple(YES_NO_LABELS)
# Check states that contradict an answer claiming something is in place, and those that cannot confirm it.
CONTRADICTING_STATES = ("fail", "warn")
# A waiver (an approver accepted the result) or "does not apply" lets the claim stand.
VERIFYING_STATES = ("pass", "waived", "not_applicable")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# The pure floor under every number an answer holds; config.limits applies the (stricter) configured limits first.
MAX_NUMBER_DIGITS = 100
MAX_NUMBER_EXPONENT = 100
EMPTY = "—"  # how an unanswered value reads


EVIDENCE_SECONDS = 60  # finding and attaching the evidence a question requires
GROUP_ROWS_ESTIMATED = 2  # rows a repeatable group is expected to get when it asks for no minimum


class AnswerError(ValueError):
    """An answer a question does not accept; the message says what is wrong and what is expected."""

    @property
    def message(self):
        return self.args[0]


def is_answered(value) -> bool:
    """The one meaning of "answered": something other than nothing, an empty text, an empty list or mapping."""
    return value is not None and value != "" and value != [] and value != {}


def yes_no_word(value):
    """YAML 1.1 readers turn a bare ``no`` into False; the format means the answer value "no"."""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return value


def choice_set(value):
    """The option values chosen in a multi-choice answer; anything that is not a list of scalars chooses nothing."""
    if not isinstance(value, list):
        return set()
    return {v for v in value if isinstance(v, (str, int, float))}


def _normalise_option(raw):
    option = {
        "value": yes_no_word(raw.get("value")),
        "label": raw.get("label") or str(yes_no_word(raw.get("value"))),
        "points": raw.get("points"),
        "help": raw.get("help", ""),
        "na": bool(raw.get("na", False)),
    }
    if "reduces" in raw:
        reduces = raw["reduces"] or {}
        option["reduces"] = {"likelihood": reduces.get("likelihood", 0), "severity": reduces.get("severity", 0)}
    return option


def _number(value, *, integer=False):
    if isinstance(value, bool):
        raise AnswerError("Enter a number.")
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise AnswerError("Enter a number, e.g. 1200 or 12.5.") from None
    if not number.is_finite():
        raise AnswerError("Enter a finite number.")
    if number and (abs(number.adjusted()) > MAX_NUMBER_EXPONENT or len(number.as_tuple().digits) > MAX_NUMBER_DIGITS):
        # Checked before any conversion: int(Decimal("1e1000000")) alone takes seconds.
        raise AnswerError(
            f"Enter a number of at most {MAX_NUMBER_DIGITS} digits, between -1e{MAX_NUMBER_EXPONENT} "
            f"and 1e{MAX_NUMBER_EXPONENT}."
        )
    if integer:
        if number != number.to_integral_value():
            raise AnswerError("Enter a whole number.")
        return int(number)
    return int(number) if number == number.to_integral_value() else float(number)


class QuestionType:
    """A question type that is answered but not scored (free text). Subclasses override what differs."""

    name = ""
    label = ""
    scored = False  # earns points; counts as unanswered when empty even if not required
    widget = "input"  # the template partial templates/assessments/answer/<widget>.html
    input_type = "text"  # the HTML input type of the "input" widget
    numeric = False  # a number the impact model can read as a money/number input
    options = False  # answered by choosing among the question's ``options``
    multiple = False  # the answer is a list of option values
    seconds = 30  # about how long a person takes to answer one (the time estimate shown before starting)

    def answer_seconds(self, question) -> int:
        """About how long answering ``question`` takes: the type's time, plus finding evidence when it is required."""
        return self.seconds + (EVIDENCE_SECONDS if question.get("evidence_required") else 0)

    # definition
    def normalise(self, raw, question):
        """Add this type's keys (with their defaults) to the normalised ``question``."""

    # answers
    def validate(self, question, value):
        """The value to store (already known to be answered), or :class:`AnswerError`."""
        return value

    def still_valid(self, question, value) -> bool:
        """Whether an answer given to an older version of the question is still an answer to ``question``: one of
        its values when they are a finite set."""
        values = self.values(question)
        return values is None or value in values

    def fit(self, question, value):
        """The part of an answer to an older version that ``question`` still asks (checked by ``validate`` next)."""
        return value

    def display(self, question, value) -> str:
        """A short human-readable rendering of an answered value."""
        return str(value)

    def table(self, question, value):
        """``(headers, rows)`` of cell texts when an answer reads best as a table (a group's rows), else None."""
        return None

    def input_attrs(self, question) -> dict:
        """Attributes of the form's input beyond ``type`` (a number's bounds), so the browser refuses what the
        server would and offers the right keyboard."""
        return {}

    def in_words(self, question, value) -> str:
        """How scoring explains an answer: "answered “no”"."""
        return f"answered {value!r}"

    def value_word(self, question, value):
        """How a condition on this question names ``value`` ("not applicable"), or None to show it as written."""
        return None

    def choices(self, question) -> list:
        """The options the form offers, as ``(value, label, help)``; empty for types without options."""
        return []

    def values(self, question):
        """Every value an answer can take (plus None for unanswered), or None when the set is not finite."""
        return None

    def justify_values(self, question):
        """The values a ``justify`` list may name (empty: not checked)."""
        return ()

    def condition_values(self, question, op):
        """The finite set of values a condition ``q.id <op> ...`` can read (None when not finite)."""
        values = self.values(question)
        return None if values is None else [*values, None]

    # scoring
    def fraction_function(self, question):
        """``value -> fraction`` of the weight earned in [0, 1], or None when the question drops out (n/a)."""
        return lambda value: None

    def best_answer(self, question):
        """The answer that earns full marks (what a passing check supports), or None if the type has none."""
        return None

    def worst_answer(self, question):
        """The answer that earns nothing (what a failing check shows), or None if the type has none."""
        return None

    def claims_in_place(self, question, value) -> bool:
        """Whether an answer claims that something is in place: the claim evidence has to back (the attached
        evidence a question requires, the bound check that may contradict it). Any answer to an unscored type;
        an answer that earns credit for a scored one (not "no", "don't know", not applicable or no points)."""
        if not is_answered(value):
            return False
        if not self.scored:
            return True
        fraction = self.fraction_function(question)(value)
        return fraction is not None and fraction > 0

    def improve_action(self, question, value) -> str:
        """One sentence telling the team what would earn the missing points."""
        return "Answer this question."

    def __repr__(self):
        return f"<question type {self.name}>"


class YesNo(QuestionType):
    name = "yes_no"
    seconds = 15
    label = "Yes / no"
    scored = True
    widget = "choices"

    def normalise(self, raw, question):
        question["allow_na"] = raw.get("allow_na", True)
        question["allow_unknown"] = raw.get("allow_unknown", True)

    def _allowed(self, question):
        allowed = ["yes", "no"]
        if question.get("allow_na", True):
            allowed.append("na")
        if question.get("allow_unknown", True):
            allowed.append("unknown")
        return allowed

    def validate(self, question, value):
        allowed = self._allowed(question)
        if value not in allowed:
            raise AnswerError(f"Answer one of: {', '.join(YES_NO_LABELS[v] for v in allowed)}.")
        return value

    def values(self, question):
        return self._allowed(question)

    def display(self, question, value):
        return YES_NO_LABELS.get(value, str(value))

    def in_words(self, question, value):
        return {"no": "answered “no”", "unknown": "answered “don't know”: find out"}.get(value, f"answered “{value}”")

    def justify_values(self, question):
        return YES_NO_VALUES  # every yes/no word, also one a question disallows: naming it there is harmless

    def value_word(self, question, value):
        return YES_NO_LABELS[value].lower() if value in YES_NO_LABELS else None

    def choices(self, question):
        return [(v, YES_NO_LABELS[v], "") for v in self._allowed(question)]

    def fraction_function(self, question):
        return lambda value: None if value == "na" else (1.0 if value == "yes" else 0.0)

    def best_answer(self, question):
        return "yes"

    def worst_answer(self, question):
        return "no"

    def improve_action(self, question, value):
        return "Put this in place, then answer “yes”." if is_answered(value) else "Answer this question."


class _Choice(QuestionType):
    scored = True
    widget = "choices"
    seconds = 25
    options = True

    def normalise(self, raw, question):
        question["options"] = [_normalise_option(o) for o in raw.get("options", [])]

    @staticmethod
    def option_values(question):
        return [option["value"] for option in question.get("options", [])]

    @staticmethod
    def ranked(question):
        """Options that count (not "not applicable"), fewest points first."""
        return sorted((o for o in question.get("options", []) if not o["na"]), key=lambda o: o["points"] or 0)

    def choices(self, question):
        return [(o["value"], o.get("label", o["value"]), o.get("help", "")) for o in question.get("options", [])]

    def justify_values(self, question):
        return self.option_values(question)

    def value_word(self, question, value):
        return next((o["label"] for o in question.get("options", []) if o["value"] == value), None)

    def display(self, question, value):
        labels = {o["value"]: o.get("label", o["value"]) for o in question.get("options", [])}
        values = value if isinstance(value, list) else [value]
        return ", ".join(str(labels.get(v, v)) for v in values)


class SingleChoice(_Choice):
    name = "single_choice"
    label = "Single choice"

    def validate(self, question, value):
        if value not in self.option_values(question):
            raise AnswerError(f"{value!r} is not one of the options; choose one of {self.option_values(question)}.")
        return value

    def values(self, question):
        return self.option_values(question)

    def in_words(self, question, value):
        labels = {o["value"]: o["label"] for o in question["options"]}
        return f"answered “{labels.get(value, value)}”"

    def fraction_function(self, question):
        top = max((o["points"] or 0 for o in question["options"] if not o["na"]), default=0)
        table = {
            o["value"]: None if o["na"] else (max(0.0, min(1.0, (o["points"] or 0) / top)) if top > 0 else 0.0)
            for o in question["options"]
        }
        return lambda value: table.get(value, 0.0) if isinstance(value, (str, int, float)) else 0.0

    def best_answer(self, question):
        ranked = self.ranked(question)
        return ranked[-1]["value"] if ranked else None

    def worst_answer(self, question):
        ranked = self.ranked(question)
        return ranked[0]["value"] if ranked else None

    def improve_action(self, question, value):
        ranked = self.ranked(question)
        return f"Reach “{ranked[-1]['label']}”." if ranked else "Answer this question."


class MultiChoice(_Choice):
    name = "multi_choice"
    label = "Multiple choice"
    multiple = True

    def normalise(self, raw, question):
        super().normalise(raw, question)
        positive = sum(o["points"] for o in question["options"] if (o["points"] or 0) > 0)
        question["cap"] = raw.get("cap", positive)

    def validate(self, question, value):
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise AnswerError("Choose a list of options.")
        order = self.option_values(question)
        unknown = [v for v in value if v not in order]
        if unknown:
            raise AnswerError(f"Not an option: {', '.join(map(str, unknown))}.")
        return sorted(set(value), key=order.index)

    def still_valid(self, question, value):
        return isinstance(value, list) and set(value) <= set(self.option_values(question))

    def condition_values(self, question, op):
        if op not in ("in", "not in"):
            return None
        return [[v] for v in self.option_values(question)] + [[], None]

    def fraction_function(self, question):
        cap = question.get("cap") or 0
        points = {o["value"]: o["points"] or 0 for o in question["options"]}
        if cap <= 0:
            return lambda value: None
        return lambda value: max(0.0, min(sum(points.get(v, 0) for v in choice_set(value)), cap) / cap)

    def best_answer(self, question):
        return [o["value"] for o in self.ranked(question) if (o["points"] or 0) > 0]

    def worst_answer(self, question):
        return []

    def improve_action(self, question, value):
        chosen = choice_set(value)
        missing = [o["label"] for o in question["options"] if (o["points"] or 0) > 0 and o["value"] not in chosen]
        return "Add: " + ", ".join(missing) + "." if missing else "Answer this question."


class Scale(QuestionType):
    name = "scale"
    seconds = 20
    label = "Scale 0–4"
    scored = True
    widget = "choices"
    top = 4

    def normalise(self, raw, question):
        question["labels"] = {str(k): v for k, v in (raw.get("labels") or {}).items()}  # as JSON stores them

    def _labels(self, question):
        return {int(k): v for k, v in (question.get("labels") or {}).items()}

    def validate(self, question, value):
        number = _number(value, integer=True)
        if not 0 <= number <= self.top:
            raise AnswerError(f"Choose a value from 0 to {self.top}.")
        return number

    def values(self, question):
        return list(range(self.top + 1))

    def display(self, question, value):
        labels = self._labels(question)
        return f"{value} – {labels[value]}" if value in labels else str(value)

    def choices(self, question):
        labels = self._labels(question)
        return [(n, f"{n} – {labels[n]}" if n in labels else str(n), "") for n in self.values(question)]

    def fraction_function(self, question):
        top = float(self.top)
        return lambda value: (
            0.0 if isinstance(value, bool) or not isinstance(value, (int, float)) else max(0.0, min(top, value)) / top
        )

    def best_answer(self, question):
        return self.top

    def worst_answer(self, question):
        return 0

    def improve_action(self, question, value):
        label = question.get("labels", {}).get(str(self.top))
        return f"Reach {self.top} on the scale ({label})." if label else f"Reach {self.top} on the scale."


class Number(QuestionType):
    name = "number"
    label = "Number"
    input_type = "number"
    numeric = True
    floor = None  # the lowest value when the question sets no ``min``

    def normalise(self, raw, question):
        for key in ("min", "max", "step", "unit"):
            question[key] = raw.get(key)

    def validate(self, question, value):
        number = _number(value)
        low, high, step = question.get("min"), question.get("max"), question.get("step")
        if low is None:
            low = self.floor
        if low is not None and number < low:
            raise AnswerError(f"Enter {low} or more.")
        if high is not None and number > high:
            raise AnswerError(f"Enter {high} or less.")
        if step and (Decimal(str(number)) - Decimal(str(low or 0))) % Decimal(str(step)):
            start = f" from {low}" if low else ""
            raise AnswerError(f"Enter a value in steps of {step}{start}, e.g. {low or 0} or {(low or 0) + step}.")
        return number

    def input_attrs(self, question):
        low, high, step = question.get("min"), question.get("max"), question.get("step")
        attrs = {"min": self.floor if low is None else low, "max": high, "step": step or "any", "inputmode": "decimal"}
        return {key: value for key, value in attrs.items() if value is not None}


class Money(Number):
    name = "money"
    seconds = 60
    label = "Amount of money"
    floor = 0


class Date(QuestionType):
    name = "date"
    seconds = 20
    label = "Date"
    input_type = "date"

    def validate(self, question, value):
        if not isinstance(value, str) or not _DATE.match(value):
            raise AnswerError("Enter a date as YYYY-MM-DD.")
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            raise AnswerError(f"{value} is not a real date.") from None
        return value


class Text(QuestionType):
    name = "text"
    seconds = 45
    label = "Short text"
    limit = 500

    def validate(self, question, value):
        if not isinstance(value, str):
            raise AnswerError("Enter text.")
        if len(value) > self.limit:
            raise AnswerError(f"Keep it under {self.limit} characters (this is {len(value)}).")
        return value


class LongText(Text):
    name = "long_text"
    seconds = 150
    label = "Long text"
    widget = "long_text"
    limit = 20_000


class Url(QuestionType):
    name = "url"
    seconds = 45
    label = "Link"
    input_type = "url"

    def validate(self, question, value):
        if not isinstance(value, str):
            raise AnswerError("Enter a web address.")
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise AnswerError("Enter a full web address starting with http:// or https://.")
        return value.strip()


class Group(QuestionType):
    name = "group"
    seconds = 60
    label = "Repeatable group"
    widget = "group"

    def normalise(self, raw, question):
        from .definition import normalise_question

        question["fields"] = [normalise_question(f, kind=None, core=False) for f in raw.get("fields", [])]
        question["min_items"] = raw.get("min_items", 0)
        question["max_items"] = raw.get("max_items")

    def answer_seconds(self, question) -> int:
        """The group's own time plus its fields for the rows it asks at least (two when it sets no minimum)."""
        rows = max(int(question.get("min_items") or 0), GROUP_ROWS_ESTIMATED)
        fields = sum(type_of(f).answer_seconds(f) for f in question.get("fields", []))
        return super().answer_seconds(question) + rows * fields

    def validate(self, question, value):
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise AnswerError("Enter a list of rows.")
        fields = {f["id"]: f for f in question.get("fields", [])}
        if question.get("max_items") is not None and len(value) > question["max_items"]:
            raise AnswerError(f"At most {question['max_items']} rows.")
        if len(value) < question.get("min_items", 0):
            raise AnswerError(f"At least {question['min_items']} rows.")
        rows = []
        for number, item in enumerate(value, start=1):
            unknown = set(item) - set(fields)
            if unknown:
                raise AnswerError(f"Row {number}: unknown field {', '.join(sorted(unknown))}.")
            row = {}
            for field_id, field_value in item.items():
                try:
                    checked = validate(fields[field_id], field_value)
                except AnswerError as exc:
                    raise AnswerError(
                        f"Row {number}, {fields[field_id].get('text', field_id)}: {exc.message}"
                    ) from None
                if checked is not None:
                    row[field_id] = checked
            rows.append(row)
        return rows

    def fit(self, question, value):
        """The rows without the fields a new version no longer asks, so the rest of each row is carried forward."""
        if not isinstance(value, list):
            return value
        fields = {f["id"] for f in question.get("fields", [])}
        rows = [{k: v for k, v in row.items() if k in fields} for row in value if isinstance(row, dict)]
        return [row for row in rows if row]

    def display(self, question, value):
        headers, rows = self.table(question, value)
        return "; ".join(
            ", ".join(f"{header}: {cell}" for header, cell in zip(headers, row, strict=True) if cell != EMPTY)
            for row in rows
        )

    def table(self, question, value):
        fields = question.get("fields", [])
        headers = [field.get("text") or field["id"] for field in fields]
        rows = [[display(field, row.get(field["id"])) for field in fields] for row in value if isinstance(row, dict)]
        return headers, rows


TYPES = {
    t.name: t
    for t in (
        YesNo(),
        SingleChoice(),
        MultiChoice(),
        Scale(),
        Number(),
        Money(),
        Date(),
        Text(),
        LongText(),
        Url(),
        Group(),
    )
}
QUESTION_TYPES = tuple(TYPES)
SCORED_TYPES = frozenset(name for name, t in TYPES.items() if t.scored)
_UNKNOWN = QuestionType()


def type_of(question) -> QuestionType:
    """The type of a question dict (or a type name); an unknown type answers like an unscored question."""
    name = question if isinstance(question, str) else (question or {}).get("type")
    return TYPES.get(name, _UNKNOWN)


def estimated_seconds(questions) -> int:
    """About how long answering ``questions`` (question dicts) takes, from each type's time: the one estimate of a
    section's or a questionnaire's length shown before starting and in the form."""
    return sum(type_of(q).answer_seconds(q) for q in questions)


def duration_words(seconds) -> str:
    """``estimated_seconds`` in words a person plans with: "about 1 min", "about 25 min", "about 1 h 40 min"."""
    minutes = max(1, round(seconds / 60))
    if minutes < 60:
        return f"about {minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"about {hours} h {rest} min" if rest else f"about {hours} h"


def type_names(test) -> tuple[str, ...]:
    """The names of the types for which ``test(type)`` holds, e.g. ``type_names(lambda t: t.numeric)``."""
    return tuple(name for name, t in TYPES.items() if test(t))


def validate(question, value):
    """The value to store for ``question`` (None when unanswered), or :class:`AnswerError`."""
    if not is_answered(value):
        return None
    qtype = TYPES.get((question or {}).get("type"))
    if qtype is None:
        raise AnswerError(f"Questions of type {question.get('type')!r} cannot be answered here.")
    return qtype.validate(question, value)


def display(question, value) -> str:
    """A short human-readable rendering of an answer, for comparisons, records and e-mails."""
    if not is_answered(value):
        return EMPTY
    return type_of(question).display(question, value)


def table(question, value):
    """``(headers, rows)`` of cell texts for an answer that reads best as a table (records, PDFs), else None."""
    if not is_answered(value):
        return None
    return type_of(question).table(question, value)


def claims_in_place(question, value) -> bool:
    return type_of(question).claims_in_place(question, value)


def claim_status(question, answer, evidence_states):
    """What the evidence bound to ``question`` says about ``answer``: the one rule for a contradicted claim.

    ``evidence_states`` is the effective state of each bound check (one state or several; ``stale`` for a
    result older than its validity). None when the question has no bound check or the answer claims nothing;
    ``verified`` when a bound check passes, is waived or does not apply (``any_of``: one is enough);
    ``contradicted`` when a bound check reads fail or warn (partial evidence is not the claim); ``unverified`` when
    the checks cannot tell (unknown, error, stale or no result yet).
    """
    if not (question or {}).get("evidence") or not claims_in_place(question, answer):
        return None
    states = [evidence_states] if isinstance(evidence_states, str) or evidence_states is None else evidence_states
    states = [s for s in states if s]
    if any(s in VERIFYING_STATES for s in states):
        return "verified"
    if any(s in CONTRADICTING_STATES for s in states):
        return "contradicted"
    return "unverified"
