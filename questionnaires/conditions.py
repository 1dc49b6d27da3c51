"""The safe expression language of questionnaire `when` conditions and scoring rules.

An expression is tokenised, parsed by recursive descent into a small AST of tuples and compiled once into a
Python closure (cached by expression text), so evaluating a condition for thousands of assessments costs a
function call, never a parse and never ``eval``. Errors carry the 1-based column of the problem so the
validator can point at it inside the YAML file. The grammar and semantics are in docs/questionnaire-format.md.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["PROJECT_ATTRIBUTES", "Condition", "ConditionError", "compile", "describe", "evaluate", "references"]

PROJECT_ATTRIBUTES = frozenset(
    {
        "slug",
        "archetype",
        "llm_usage",
        "uses_rag",
        "fine_tuned",
        "exposure",
        "customer_facing",
        "stage",
        "handles_pii",
        "handles_sensitive",
        "handles_confidential",
        "regions",
        "has_component",
    }
)
FUNCTIONS = ("answered", "count")
COMPARISONS = ("==", "!=", "<", "<=", ">", ">=", "in", "not in")
KEYWORDS = {"and", "or", "not", "in", "true", "false", "null"}


class ConditionError(ValueError):
    """A condition that cannot be parsed; ``column`` is 1-based within the expression."""

    def __init__(self, message, *, expr, column):
        super().__init__(f"{message} (column {column} of {expr!r})")
        self.message = message
        self.expr = expr
        self.column = column


_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)
  | (?P<op>==|!=|<=|>=|<|>|\(|\)|\[|\]|,)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str  # number, string, name, keyword, op, end
    value: object
    column: int


def tokenise(expr):
    tokens = []
    pos = 0
    while pos < len(expr):
        match = _TOKEN.match(expr, pos)
        if match is None:
            char = expr[pos]
            if char in "'\"":
                raise ConditionError("unterminated string: add the closing quote", expr=expr, column=pos + 1)
            if char == "=":
                raise ConditionError("'=' is not an operator: write '==' to compare", expr=expr, column=pos + 1)
            raise ConditionError(f"unexpected character {char!r}", expr=expr, column=pos + 1)
        kind = match.lastgroup
        text = match.group()
        column = pos + 1
        pos = match.end()
        if kind == "ws":
            continue
        if kind == "number":
            tokens.append(Token("literal", float(text) if "." in text else int(text), column))
        elif kind == "string":
            body = text[1:-1]
            tokens.append(Token("literal", re.sub(r"\\(.)", r"\1", body), column))
        elif kind == "name" and text in KEYWORDS:
            literal = {"true": True, "false": False, "null": None}
            if text in literal:
                tokens.append(Token("literal", literal[text], column))
            else:
                tokens.append(Token("keyword", text, column))
        else:
            tokens.append(Token(kind, text, column))
    tokens.append(Token("end", None, len(expr) + 1))
    return tokens


class _Parser:
    """Recursive descent: or > and > not > comparison > primary. Comparisons do not chain."""

    def __init__(self, expr):
        self.expr = expr
        self.tokens = tokenise(expr)
        self.pos = 0

    def error(self, message, token=None):
        token = token or self.peek()
        return ConditionError(message, expr=self.expr, column=token.column)

    def peek(self, offset=0):
        return self.tokens[min(self.pos + offset, len(self.tokens) - 1)]

    def take(self):
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def at(self, kind, value=None):
        token = self.peek()
        return token.kind == kind and (value is None or token.value == value)

    def expect_op(self, value, what):
        if not self.at("op", value):
            found = self.peek()
            shown = "the end" if found.kind == "end" else repr(found.value)
            raise self.error(f"expected {what}, found {shown}")
        return self.take()

    def parse(self):
        if self.at("end"):
            raise self.error("the condition is empty")
        node = self.parse_or()
        if not self.at("end"):
            token = self.peek()
            raise self.error(f"unexpected {token.value!r}: join conditions with 'and' / 'or'")
        return node

    def parse_or(self):
        node = self.parse_and()
        while self.at("keyword", "or"):
            self.take()
            node = ("or", node, self.parse_and())
        return node

    def parse_and(self):
        node = self.parse_not()
        while self.at("keyword", "and"):
            self.take()
            node = ("and", node, self.parse_not())
        return node

    def parse_not(self):
        if self.at("keyword", "not"):
            self.take()
            return ("not", self.parse_not())
        return self.parse_comparison()

    def parse_comparison(self):
        left = self.parse_primary()
        token = self.peek()
        op = None
        if token.kind == "op" and token.value in ("==", "!=", "<", "<=", ">", ">="):
            op = self.take().value
        elif self.at("keyword", "in"):
            self.take()
            op = "in"
        elif self.at("keyword", "not") and self.peek(1).kind == "keyword" and self.peek(1).value == "in":
            self.take()
            self.take()
            op = "not in"
        if op is None:
            return left
        node = ("cmp", op, left, self.parse_primary())
        following = self.peek()
        if (following.kind == "op" and following.value in COMPARISONS) or self.at("keyword", "in"):
            raise self.error("comparisons cannot be chained: join them with 'and'")
        return node

    def parse_primary(self):
        token = self.peek()
        if token.kind == "literal":
            self.take()
            return ("lit", token.value)
        if token.kind == "op" and token.value == "(":
            self.take()
            node = self.parse_or()
            self.expect_op(")", "')' to close the parenthesis")
            return node
        if token.kind == "op" and token.value == "[":
            return self.parse_list()
        if token.kind == "name":
            self.take()
            if self.at("op", "("):
                return self.parse_call(token)
            return ("ref", token.value, token.column)
        if token.kind == "end":
            raise self.error("the condition ends too early: a value is missing")
        raise self.error(f"expected a value, a question id or '(', found {token.value!r}")

    def parse_list(self):
        self.take()
        items = []
        while not self.at("op", "]"):
            token = self.peek()
            if token.kind != "literal":
                raise self.error("lists may only hold literal values ('text', numbers, true, false, null)")
            items.append(self.take().value)
            if not self.at("op", "]"):
                self.expect_op(",", "',' or ']' in the list")
        self.take()
        return ("list", tuple(items))

    def parse_call(self, name_token):
        if name_token.value not in FUNCTIONS:
            raise self.error(
                f"unknown function {name_token.value!r}: use answered(question.id) or count(question.id)", name_token
            )
        self.take()
        arg = self.peek()
        if arg.kind != "name":
            raise self.error(f"{name_token.value}() takes one question id")
        self.take()
        self.expect_op(")", f"')' after the question id of {name_token.value}()")
        return ("call", name_token.value, ("ref", arg.value, arg.column))


def _lookup(name):
    """A closure reading one reference: project./result. from the context, anything else from the answers."""
    head, _, rest = name.partition(".")
    if head in ("project", "result") and rest:
        parts = rest.split(".")

        def read_context(answers, context):
            value = context.get(head)
            for part in parts:
                if not isinstance(value, dict):
                    return None
                value = value.get(part)
            return value

        return read_context
    return lambda answers, context: answers.get(name)


def _same_kind(a, b):
    return isinstance(a, bool) == isinstance(b, bool)


def _equal(a, b):
    return _same_kind(a, b) and a == b


def _ordered(op):
    def compare(a, b):
        if a is None or b is None or not _same_kind(a, b):
            return False
        if isinstance(a, (int, float)) != isinstance(b, (int, float)):
            return False
        try:
            return op(a, b)
        except TypeError:
            return False

    return compare


def _member(item, container):
    if isinstance(container, (list, tuple, set, frozenset)):
        return any(_equal(item, other) for other in container)
    if isinstance(container, str) and isinstance(item, str):
        return item == container
    return False


_OPERATORS = {
    "==": _equal,
    "!=": lambda a, b: not _equal(a, b),
    "<": _ordered(lambda a, b: a < b),
    "<=": _ordered(lambda a, b: a <= b),
    ">": _ordered(lambda a, b: a > b),
    ">=": _ordered(lambda a, b: a >= b),
    "in": _member,
    "not in": lambda a, b: not _member(a, b),
}


def _answered(value):
    return value is not None and value != "" and value != []


def _build(node):
    kind = node[0]
    if kind == "lit":
        value = node[1]
        return lambda answers, context: value
    if kind == "list":
        items = list(node[1])
        return lambda answers, context: items
    if kind == "ref":
        return _lookup(node[1])
    if kind == "call":
        read = _lookup(node[2][1])
        if node[1] == "answered":
            return lambda answers, context: _answered(read(answers, context))
        return lambda answers, context: len(value) if isinstance(value := read(answers, context), list) else 0
    if kind == "not":
        inner = _build(node[1])
        return lambda answers, context: not inner(answers, context)
    if kind == "and":
        left, right = _build(node[1]), _build(node[2])
        return lambda answers, context: bool(left(answers, context)) and bool(right(answers, context))
    if kind == "or":
        left, right = _build(node[1]), _build(node[2])
        return lambda answers, context: bool(left(answers, context)) or bool(right(answers, context))
    op = _OPERATORS[node[1]]
    left, right = _build(node[2]), _build(node[3])
    return lambda answers, context: op(left(answers, context), right(answers, context))


def _walk_refs(node):
    kind = node[0]
    if kind == "ref":
        yield node
    elif kind == "call":
        yield node[2]
    elif kind in ("and", "or"):
        yield from _walk_refs(node[1])
        yield from _walk_refs(node[2])
    elif kind == "not":
        yield from _walk_refs(node[1])
    elif kind == "cmp":
        yield from _walk_refs(node[2])
        yield from _walk_refs(node[3])


@dataclass(frozen=True)
class Condition:
    """A compiled expression: the AST, the names it reads, and a fast ``test(answers, context) -> bool``."""

    expr: str
    ast: tuple
    _fn: object

    def test(self, answers, context):
        return bool(self._fn(answers, context))

    def refs(self):
        """Every reference as ``(name, column)``, in reading order."""
        return [(node[1], node[2]) for node in _walk_refs(self.ast)]

    @property
    def question_ids(self):
        return frozenset(name for name, _ in self.refs() if not name.startswith(("project.", "result.")))


@lru_cache(maxsize=4096)
def compile(expr: str) -> Condition:
    """Parse and compile ``expr`` once; later calls with the same text return the cached Condition."""
    if not isinstance(expr, str):
        raise ConditionError("a condition must be a string", expr=str(expr), column=1)
    ast = _Parser(expr).parse()
    return Condition(expr, ast, _build(ast))


def evaluate(expr, answers, context=None) -> bool:
    """True when ``expr`` holds for these answers and context. An empty condition always holds."""
    if expr is None or expr == "":
        return True
    return compile(expr).test(answers, context or {})


def references(expr) -> set[str]:
    """The question ids ``expr`` reads (``project.`` and ``result.`` names excluded)."""
    if not expr:
        return set()
    return set(compile(expr).question_ids)


_OP_WORDS = {
    "==": "is",
    "!=": "is not",
    "<": "is less than",
    "<=": "is at most",
    ">": "is more than",
    ">=": "is at least",
    "in": "is one of",
    "not in": "is not one of",
}


def describe(expr, *, label=None, value_label=None) -> str:
    """The condition in words, for the questionnaire page.

    ``label(name)`` names a reference (e.g. by its question text); ``value_label(name, value)`` names a value
    compared with that reference (e.g. by its option label), or returns None to keep the value.
    """
    if not expr:
        return ""
    label = label or (lambda name: name)
    value_label = value_label or (lambda name, value: None)

    def literal(value, name=None):
        if value is None:
            return "unanswered"
        if isinstance(value, bool):
            return "yes" if value else "no"
        named = value_label(name, value) if name else None
        return f"“{named or value}”"

    def words(node, name=None):
        kind = node[0]
        if kind == "lit":
            return literal(node[1], name)
        if kind == "list":
            return ", ".join(literal(v, name) for v in node[1]) or "nothing"
        if kind == "ref":
            return label(node[1])
        if kind == "call":
            verb = "has been answered" if node[1] == "answered" else "(number of entries)"
            return f"{label(node[2][1])} {verb}"
        if kind == "not":
            return f"not ({words(node[1])})"
        if kind in ("and", "or"):
            return f"{words(node[1])} {kind} {words(node[2])}"
        op, left, right = node[1], node[2], node[3]
        if op in ("in", "not in") and right[0] == "ref":
            verb = "includes" if op == "in" else "does not include"
            return f"{words(right)} {verb} {words(left, right[1])}"
        left_name = left[1] if left[0] == "ref" else None
        right_name = right[1] if right[0] == "ref" else None
        return f"{words(left, right_name)} {_OP_WORDS[op]} {words(right, left_name)}"

    return words(compile(expr).ast)
