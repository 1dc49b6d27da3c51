"""Read questionnaire YAML keeping every node's position, so each validation error can point at a line and column.

Booleans follow YAML 1.2 (only ``true``/``false``): in YAML 1.1 a bare ``no`` or ``yes`` is a boolean, which
would silently turn the answer value "no" into False. Duplicate keys, which PyYAML accepts by keeping the
last one, are reported instead.
"""

import re
from dataclasses import dataclass

import yaml

from config import limits

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class QuestionnaireLoader(_Base):
    """Safe loader with YAML 1.2 booleans."""


QuestionnaireLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
QuestionnaireLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
QuestionnaireLoader.add_constructor(
    "tag:yaml.org,2002:bool", lambda loader, node: loader.construct_scalar(node).lower() == "true"
)


@dataclass(frozen=True)
class YamlProblem:
    line: int
    column: int
    message: str
    path: tuple = ()


@dataclass
class Document:
    """The parsed data and, for every path (tuple of keys / indexes), the node of its value and of its key."""

    data: object
    values: dict
    keys: dict
    problems: list

    def where(self, path, *, key=False):
        """``(line, column)`` (1-based) of the value at ``path`` (its key with ``key``), else of the nearest parent."""
        path = tuple(path)
        while True:
            node = (self.keys.get(path) if key else None) or self.values.get(path)
            if node is not None:
                return node.start_mark.line + 1, node.start_mark.column + 1
            if not path:
                return 1, 1
            path = path[:-1]

    def where_in_value(self, path, offset):
        """Position of character ``offset`` (1-based) inside the scalar value at ``path`` (for condition errors)."""
        node = self.values.get(tuple(path))
        if node is None:
            return self.where(path)
        line, column = node.start_mark.line + 1, node.start_mark.column + 1
        if getattr(node, "style", None) in ("'", '"'):
            column += 1
        if node.start_mark.line == node.end_mark.line:
            return line, column + offset - 1
        return line, column


def _syntax_problem(exc, text):
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = getattr(exc, "problem", None) or str(exc)
    lines = text.splitlines()
    source_line = lines[line - 1] if 0 < line <= len(lines) else ""
    if "\t" in source_line[: len(source_line) - len(source_line.lstrip())] or "\t" in source_line[column - 1 : column]:
        column = source_line.index("\t") + 1
        message = "a tab character is used for indentation; YAML only allows spaces: replace the tab with spaces"
    else:
        context = getattr(exc, "context", None)
        message = f"the YAML cannot be read: {problem}" + (f" ({context})" if context else "")
        message += "; check the indentation, quotes and colons around here"
    return YamlProblem(line, column, message)


def _walk(node, path, values, keys, problems):
    values[path] = node
    if isinstance(node, yaml.MappingNode):
        seen = {}
        for key_node, value_node in node.value:
            key = key_node.value
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag == "tag:yaml.org,2002:int":
                key = int(key)
            if key in seen:
                problems.append(
                    YamlProblem(
                        key_node.start_mark.line + 1,
                        key_node.start_mark.column + 1,
                        f"duplicate key '{key}' (first at line {seen[key]}): YAML would silently keep only the last "
                        "one; remove or rename one of them",
                        (*path, key),
                    )
                )
                continue
            seen[key] = key_node.start_mark.line + 1
            keys[(*path, key)] = key_node
            _walk(value_node, (*path, key), values, keys, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), values, keys, problems)


def read(text: str) -> Document:
    """Parse ``text``; syntax errors become a located problem with ``data`` None, never an exception.

    The event stream is first checked against the input limits (aliases expanded, depth, value length), so a
    hostile file costs bounded work before any node is built or walked.
    """
    try:
        limits.check_yaml_budget(text, QuestionnaireLoader)
    except limits.YamlLimitError as exc:
        mark = exc.problem_mark
        return Document(
            None, {}, {}, [YamlProblem(mark.line + 1, mark.column + 1, f"{exc.problem}; simplify the file")]
        )
    except yaml.YAMLError:
        pass  # a syntax error: reported below, with its position, by the parser proper
    loader = QuestionnaireLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return Document(None, {}, {}, [YamlProblem(1, 1, "the file is empty: it needs a questionnaire definition")])
        values, keys, problems = {}, {}, []
        _walk(node, (), values, keys, problems)
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        return Document(None, {}, {}, [_syntax_problem(exc, text)])
    finally:
        loader.dispose()
    return Document(data, values, keys, problems)
