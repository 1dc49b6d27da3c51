"""Bounded input: the one place that reads the JSON, YAML and numbers a user supplies.

Every reader here does a bounded amount of work whatever it is given, and refuses with a message that names the
limit (and its setting) instead of freezing the server or ending in a 500:

- JSON: nesting depth (``PLUMBLINE_INPUT_MAX_DEPTH``); a 100,000-deep body used to raise ``RecursionError``.
  NUL and lone UTF-16 surrogates are refused in every string, naming the field.
- YAML: nesting depth, values counted with aliases expanded (``PLUMBLINE_INPUT_MAX_NODES``: 451 bytes of seven
  nested levels of nine aliases used to take 28 s and 650 MB to read, and each level multiplies by nine) and the
  length of one value (``PLUMBLINE_INPUT_MAX_FIELD_CHARS``), all checked on the event stream before any node is
  built.
- Numbers: digits and exponent (``PLUMBLINE_NUMBER_MAX_DIGITS``, ``PLUMBLINE_NUMBER_MAX_EXPONENT``) checked on
  the text before it is converted; turning ``"1e1000000"`` into an integer used to take 24 s or more.

It imports nothing from the apps, so every app (questionnaires, the ground floor, included) may use it.
"""

import json
import re
from decimal import Decimal, InvalidOperation

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError


class InputLimitError(ValueError):
    """The input is over a limit or malformed; ``message`` is a sentence for the user naming the limit and
    ``field`` the dotted path of the offending value, when one is to blame."""

    def __init__(self, message, *, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


# --- Characters ---------------------------------------------------------------------------------------------------

NUL_MESSAGE = "Null characters are not allowed."
SURROGATE_MESSAGE = "Unpaired surrogate characters (U+D800 to U+DFFF) are not allowed; send valid Unicode text."
_FORBIDDEN = re.compile(r"[\x00\ud800-\udfff]")


def character_problem(text):
    """The message for the first character ``text`` may not hold (NUL, or half of a UTF-16 surrogate pair), else None.

    PostgreSQL cannot store U+0000, and a lone surrogate cannot be encoded as UTF-8, so a page showing either
    fails for everyone; JSON's ``\\ud800`` escape is how one arrives.
    """
    found = _FORBIDDEN.search(text)
    if found is None:
        return None
    return NUL_MESSAGE if found.group() == "\x00" else SURROGATE_MESSAGE


def _printable(key):
    return _FORBIDDEN.sub(lambda m: f"\\u{ord(m.group()):04x}" if m.group() != "\x00" else "\\x00", key)


def forbidden_character(data, path=""):
    """``(dotted path, message)`` of the first key or value holding a forbidden character, else ``None``.

    Walks nested dicts, lists and query dicts (every value of every key) iteratively; uploaded files are not
    walked, since binary content is stored as a file, not as text.
    """
    stack = [(path, data)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            if message := character_problem(value):
                return where or "non_field_errors", message
            continue
        if hasattr(value, "lists"):  # QueryDict / MultiValueDict: every value of a key is named by the key
            for key, values in value.lists():
                key_path = f"{where}.{key}" if where else key
                for text in (key, *values):
                    if isinstance(text, str) and (message := character_problem(text)):
                        return _printable(key_path), message
            continue
        if isinstance(value, dict):
            items = list(value.items())
        elif isinstance(value, (list, tuple)):
            items = list(enumerate(value))
        else:
            continue
        for key, child in reversed(items):
            key_path = f"{where}.{key}" if where else str(key)
            if isinstance(key, str) and (message := character_problem(key)):
                return _printable(key_path), message
            stack.append((key_path, child))
    return None


def check_characters(data):
    """Raise ``InputLimitError`` naming the field when ``data`` holds a forbidden character."""
    if found := forbidden_character(data):
        raise InputLimitError(found[1], field=found[0])
    return data


def max_depth():
    return settings.PLUMBLINE_INPUT_MAX_DEPTH


def max_field_chars():
    return settings.PLUMBLINE_INPUT_MAX_FIELD_CHARS


def _depth_message():
    return f"nested more than {max_depth()} levels deep (PLUMBLINE_INPUT_MAX_DEPTH)"


# --- JSON ---------------------------------------------------------------------------------------------------------


def depth_exceeds(data, limit):
    """Whether lists/dicts in ``data`` nest deeper than ``limit``; iterative, so any depth is safe to check."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, (list, tuple)):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def check_json_depth(data):
    """Raise ``InputLimitError`` when already-parsed JSON nests deeper than the limit."""
    if depth_exceeds(data, max_depth()):
        raise InputLimitError(f"The JSON is {_depth_message()}.")
    return data


def _bounded_int(text):
    if len(text.lstrip("-")) > settings.PLUMBLINE_NUMBER_MAX_DIGITS:
        raise InputLimitError(
            f"The JSON holds a number longer than {settings.PLUMBLINE_NUMBER_MAX_DIGITS} digits "
            "(PLUMBLINE_NUMBER_MAX_DIGITS)."
        )
    return int(text)


def _no_constant(text):
    raise InputLimitError(f"The JSON holds {text}, which is not a number JSON allows.")


def json_loads(text):
    """``json.loads`` with a depth limit, bounded integers and no NUL or lone surrogate in any string; raises
    ``InputLimitError`` for bad JSON too. Every JSON a client sends is read through this."""
    try:
        data = json.loads(text, parse_int=_bounded_int, parse_constant=_no_constant)
    except RecursionError:
        raise InputLimitError(f"The JSON is {_depth_message()}.") from None
    except json.JSONDecodeError as exc:
        raise InputLimitError(f"Not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}.") from None
    except (UnicodeDecodeError, TypeError):
        raise InputLimitError("Not valid JSON: send UTF-8 text.") from None
    return check_characters(check_json_depth(data))


# --- YAML ---------------------------------------------------------------------------------------------------------


class YamlLimitError(yaml.YAMLError):
    """A YAML document over a limit; has ``problem_mark`` and ``problem`` like PyYAML's own errors."""

    def __init__(self, problem, mark):
        super().__init__(problem)
        self.problem = problem
        self.problem_mark = mark

    def __str__(self):
        return self.problem


_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def check_yaml_budget(text, loader_class=_FAST_LOADER):
    """Walk the YAML event stream (no node is built) and raise ``YamlLimitError`` at the first limit exceeded.

    Nodes are counted as the document would be once aliases are expanded, since that is what every consumer
    that walks or copies the data pays for; a scalar is limited in length and collections in nesting depth.
    """
    node_limit, depth_limit, field_limit = settings.PLUMBLINE_INPUT_MAX_NODES, max_depth(), max_field_chars()
    loader = loader_class(text)
    sizes, open_nodes, total = {}, [], 0
    try:
        while (event := loader.get_event()) is not None:
            if isinstance(event, yaml.AliasEvent):
                size = sizes.get(event.anchor, 1)
            elif isinstance(event, yaml.ScalarEvent):
                size = 1
                if len(event.value) > field_limit:
                    raise YamlLimitError(
                        f"a value is {len(event.value):,} characters long; the limit is {field_limit:,} "
                        "(PLUMBLINE_INPUT_MAX_FIELD_CHARS)",
                        event.start_mark,
                    )
                if event.anchor:
                    sizes[event.anchor] = 1
            elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                open_nodes.append((event.anchor, total))
                total += 1
                if len(open_nodes) > depth_limit:
                    raise YamlLimitError(f"the YAML is {_depth_message()}", event.start_mark)
                continue
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                anchor, start = open_nodes.pop()
                if anchor:
                    sizes[anchor] = total - start
                continue
            else:
                continue
            total += size
            if total > node_limit:
                raise YamlLimitError(
                    f"the YAML holds more than {node_limit:,} values once its aliases (*name) are expanded "
                    "(PLUMBLINE_INPUT_MAX_NODES)",
                    event.start_mark,
                )
    finally:
        loader.dispose()


# --- Numbers ------------------------------------------------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?(?P<int>\d*)(?:\.(?P<frac>\d*))?(?:[eE](?P<exp>[+-]?\d+))?")


def number_limit_message():
    digits, exponent = settings.PLUMBLINE_NUMBER_MAX_DIGITS, settings.PLUMBLINE_NUMBER_MAX_EXPONENT
    return (
        f"Numbers may have at most {digits} digits and lie between -1e{exponent} and 1e{exponent} "
        "(PLUMBLINE_NUMBER_MAX_DIGITS, PLUMBLINE_NUMBER_MAX_EXPONENT)."
    )


def parse_number(value):
    """``value`` (text, int or float) as a finite ``Decimal`` within the limits, else ``ValidationError``.

    Digits and exponent are checked on the text, before any conversion, so the work is bounded by the limits.
    Text that is not a number at all raises ``ValidationError`` with code ``invalid``; a number beyond the
    limits or not finite, code ``limit``.
    """
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise ValidationError("Enter a number.", code="invalid")
    if isinstance(value, int) and value.bit_length() > 4 * settings.PLUMBLINE_NUMBER_MAX_DIGITS:
        raise ValidationError(number_limit_message(), code="limit")
    text = str(value).strip().replace(",", "")
    match = _NUMBER.fullmatch(text)
    if not match or not (match["int"] or match["frac"]):
        if text.lower().lstrip("+-") in ("inf", "infinity", "nan", "snan"):
            raise ValidationError("Enter a finite number.", code="limit")
        raise ValidationError("Enter a number.", code="invalid")
    digits = (match["int"] + (match["frac"] or "")).lstrip("0")
    exponent_text = (match["exp"] or "0").lstrip("+-").lstrip("0")
    if len(digits) > settings.PLUMBLINE_NUMBER_MAX_DIGITS or len(exponent_text) > 6:
        raise ValidationError(number_limit_message(), code="limit")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValidationError("Enter a number.", code="invalid") from None
    if number and not (
        -settings.PLUMBLINE_NUMBER_MAX_EXPONENT <= number.adjusted() <= settings.PLUMBLINE_NUMBER_MAX_EXPONENT
    ):
        raise ValidationError(number_limit_message(), code="limit")
    return number


def parse_int(value, *, default=None):
    """A query-string integer within the number limits, else ``default`` (never ``OverflowError``)."""
    try:
        number = parse_number(value)
    except ValidationError:
        return default
    if number != number.to_integral_value():
        return default
    return int(number)


def parse_id(value):
    """A database id from a query string (a positive integer that fits a 64-bit column), else ``None``."""
    number = parse_int(value) if isinstance(value, str) and value.isdigit() else None
    return number if number is not None and 0 < number < 2**63 else None
