"""Validate a framework crosswalk file: the JSON Schema first, then what a schema cannot say (unique ids, every
mapped question and check exists, ``applies_when`` parses and names known things). Every problem is located
(file, line, column, field path), the way the questionnaire validator reports, and the YAML is read with the
same bounded reader (``questionnaires.yamlread``: input limits checked before any node is built).

The known question and check ids are passed in, so this module stays free of the database and the connectors.
"""

import difflib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator

from questionnaires import conditions, yamlread
from questionnaires.validation import Problem, _schema_message, dotted

SCHEMA_PATH = Path(__file__).parent / "schema" / "framework.schema.json"


@dataclass(frozen=True)
class Report:
    file: str
    problems: tuple
    data: dict | None

    @property
    def ok(self):
        return not self.problems


@cache
def schema_validator():
    return Draft202012Validator(json.loads(SCHEMA_PATH.read_text()))


class _Checker:
    def __init__(self, file, document, known_questions, known_checks):
        self.file = file
        self.doc = document
        self.known_questions = frozenset(known_questions)
        self.known_checks = frozenset(known_checks)
        self.problems = []

    def add(self, path, message, *, key=False):
        line, column = self.doc.where(path, key=key)
        self.problems.append(Problem(self.file, line, column, dotted(path), message))

    def schema(self, data):
        seen = set()
        for error in sorted(schema_validator().iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
            path, message = _schema_message(error)
            if (tuple(path), message) not in seen:
                seen.add((tuple(path), message))
                self.add(path, message, key=error.validator == "additionalProperties")

    def _unknown(self, path, ident, known, what, fix):
        close = difflib.get_close_matches(ident, known, n=1)
        hint = f"did you mean '{close[0]}'?" if close else fix
        self.add(path, f"unknown {what} '{ident}': {hint}")

    def semantics(self, data):
        groups_seen, controls_seen = {}, {}
        for gi, group in enumerate(data["groups"]):
            gpath = ["groups", gi]
            if group["id"] in groups_seen:
                line = groups_seen[group["id"]]
                self.add([*gpath, "id"], f"duplicate group id '{group['id']}': already used at line {line}")
            groups_seen.setdefault(group["id"], self.doc.where([*gpath, "id"])[0])
            for ci, control in enumerate(group["controls"]):
                cpath = [*gpath, "controls", ci]
                if control["id"] in controls_seen:
                    self.add(
                        [*cpath, "id"],
                        f"duplicate control id '{control['id']}': already used at line {controls_seen[control['id']]}",
                    )
                controls_seen.setdefault(control["id"], self.doc.where([*cpath, "id"])[0])
                for qi, qid in enumerate(control.get("questions", [])):
                    if qid not in self.known_questions:
                        self._unknown(
                            [*cpath, "questions", qi], qid, self.known_questions, "question id",
                            "map only to questions of the shipped questionnaires",
                        )  # fmt: skip
                for ki, check_id in enumerate(control.get("checks", [])):
                    if check_id not in self.known_checks:
                        self._unknown(
                            [*cpath, "checks", ki], check_id, self.known_checks, "check id",
                            "see docs/checks.md (manage.py list_checks) for the checks that exist",
                        )  # fmt: skip
                if "applies_when" in control:
                    self.applies_when([*cpath, "applies_when"], control["applies_when"])

    def applies_when(self, path, expr):
        try:
            condition = conditions.compile(expr)
        except conditions.ConditionError as exc:
            self.add(path, f"invalid condition: {exc.message}")
            return
        for name, _column in condition.refs():
            head, _, rest = name.partition(".")
            if head == "project" and rest:
                if rest.split(".")[0] not in conditions.PROJECT_ATTRIBUTES:
                    known = ", ".join(sorted(conditions.PROJECT_ATTRIBUTES))
                    self.add(path, f"unknown project attribute '{name}'; known: {known}")
            elif name not in self.known_questions:
                self._unknown(path, name, self.known_questions, "question id in the condition", "check the spelling")


def validate_text(text: str, file: str = "<text>", *, known_questions, known_checks) -> Report:
    """Validate crosswalk YAML text against the known question and check ids; never raises on bad input."""
    document = yamlread.read(text)
    checker = _Checker(file, document, known_questions, known_checks)
    for problem in document.problems:
        checker.problems.append(Problem(file, problem.line, problem.column, dotted(problem.path), problem.message))
    if document.data is None or checker.problems:
        return Report(file, tuple(checker.problems), None)
    if not isinstance(document.data, dict):
        checker.add((), "the file must be a mapping (id:, edition:, version:, groups:, ...)")
        return Report(file, tuple(checker.problems), None)
    checker.schema(document.data)
    if not checker.problems:
        checker.semantics(document.data)
    problems = tuple(sorted(checker.problems, key=lambda p: (p.line, p.column)))
    return Report(file, problems, None if problems else document.data)


def validate_file(path, *, known_questions, known_checks) -> Report:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return Report(str(path), (Problem(str(path), 1, 1, "", f"cannot read the file: {exc}"),), None)
    return validate_text(text, str(path), known_questions=known_questions, known_checks=known_checks)


def validate_files(paths, *, known_questions, known_checks) -> list[Report]:
    """Each file's report, plus a problem on any framework id and edition used by two files."""
    reports = [validate_file(p, known_questions=known_questions, known_checks=known_checks) for p in paths]
    seen = {}
    out = []
    for report in reports:
        if report.ok:
            key = (report.data["id"], report.data["edition"])
            if key in seen:
                message = f"framework '{key[0]}' edition {key[1]} is also defined in {seen[key]}"
                problem = Problem(report.file, 1, 1, "id", message)
                report = Report(report.file, (problem,), None)
            else:
                seen[key] = report.file
        out.append(report)
    return out
