"""Validate a questionnaire file: the JSON Schema first, then the checks a schema cannot express (ids,
conditions, cycles, reachability, scoring references, bands). Every problem is located (file, line, column,
field path) and said in words, so an author can fix it without reading code. Pure Python: no Django.
"""

import difflib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator

from . import conditions, yamlread
from .definition import normalise
from .hooks import known_checks
from .types import YesNo, type_names, type_of

SCHEMA_PATH = Path(__file__).parent / "schema" / "questionnaire.schema.json"
RESULT_NAMES = {
    "maturity": set(),
    "risk": {"max_residual", "score_pct", "blocking_count", "tier"},
    "impact": {"score_pct", "value_to_cost", "blocking_count"},
}
RESERVED_PREFIXES = ("project.", "result.")
TIER_NAMES = ("low", "medium", "high", "critical")


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    column: int
    path: str
    message: str

    def __str__(self):
        return f"{self.file}:{self.line}:{self.column}: {self.path or '(top)'}: {self.message}"


@dataclass(frozen=True)
class Report:
    """The outcome of validating one file: its problems and, when there are none, the normalised definition."""

    file: str
    problems: tuple
    definition: dict | None

    @property
    def ok(self):
        return not self.problems


@cache
def schema_validator():
    return Draft202012Validator(json.loads(SCHEMA_PATH.read_text()))


def dotted(path):
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _Collector:
    def __init__(self, file, document):
        self.file = file
        self.doc = document
        self.problems = []

    def add(self, path, message, *, offset=None, key=False):
        line, column = self.doc.where_in_value(path, offset) if offset else self.doc.where(path, key=key)
        self.problems.append(Problem(self.file, line, column, dotted(path), message))


def _json_type(value):
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "empty" if value is None else type(value).__name__


def _schema_message(error):
    """One jsonschema error, said in words, with the path it is about."""
    path = list(error.absolute_path)
    instance, kind, expected = error.instance, error.validator, error.validator_value
    if kind == "required":
        missing = [k for k in expected if isinstance(instance, dict) and k not in instance]
        name = missing[0] if missing else expected
        if name == "points" and len(path) >= 2 and path[-2] == "options":
            return path, (
                f"option {instance.get('value')!r} has no points: every option of a scored choice question needs "
                "`points` (use 0 for the worst answer)"
            )
        return path, f"missing required field '{name}': add it"
    if kind == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extras = [k for k in instance if k not in allowed]
        extra = extras[0] if extras else "?"
        close = difflib.get_close_matches(str(extra), allowed, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"allowed here: {', '.join(allowed)}"
        return [*path, extra], f"unknown field '{extra}': {hint}"
    if kind == "enum":
        return path, f"{instance!r} is not allowed here; use one of: {', '.join(map(str, expected))}"
    if kind == "type":
        wanted = expected if isinstance(expected, str) else " or ".join(expected)
        words = {"string": "text", "number": "a number", "integer": "a whole number", "boolean": "true or false",
                 "array": "a list", "object": "a mapping (key: value lines)"}  # fmt: skip
        wanted = " or ".join(words.get(w, w) for w in wanted.split(" or "))
        hint = " (put it in quotes)" if "text" in wanted and isinstance(instance, (int, float)) else ""
        return path, f"must be {wanted}, not {_json_type(instance)}{hint}"
    if kind == "pattern":
        description = error.schema.get("description", f"the pattern {expected}")
        return path, f"{instance!r} is not in the expected form: {description}"
    if kind in ("minItems", "maxItems"):
        return path, f"needs {'at least' if kind == 'minItems' else 'at most'} {expected} item(s), has {len(instance)}"
    if kind == "minLength":
        return path, "must not be empty"
    if kind in ("minimum", "exclusiveMinimum"):
        return path, f"must be {'at least' if kind == 'minimum' else 'more than'} {expected}, not {instance}"
    if kind in ("maximum", "exclusiveMaximum"):
        return path, f"must be at most {expected}, not {instance}"
    if kind == "not" and isinstance(instance, dict):
        if "options" in instance:
            return [
                *path,
                "options",
            ], f"a {instance.get('type')} question has no options: remove them or change the type"
        return path, f"allow_na and allow_unknown apply to {YesNo.name} questions only, not to {instance.get('type')}"
    if kind == "propertyNames":
        return path, f"{error.message}; use one of the allowed keys"
    if kind == "oneOf" and path and path[-1] == "evidence" and isinstance(instance, dict):
        return path, (
            "an evidence binding names either one `check` or several `any_of` checks, not both and not neither"
        )
    return path, error.message


def _schema_problems(collector, data):
    seen = set()
    for error in sorted(schema_validator().iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        path, message = _schema_message(error)
        if (tuple(path), message) not in seen:
            seen.add((tuple(path), message))
            collector.add(path, message, key=error.validator == "additionalProperties")


class _Semantics:
    """The checks over a schema-valid definition, with the raw paths they report at."""

    def __init__(self, collector, raw):
        self.c = collector
        self.raw = raw
        self.d = normalise(raw)
        self.kind = self.d["kind"]
        self.questions = {}  # id -> (index in document order, question, path, section index)
        self.sections = {}  # id -> (section, path, index of its first question)
        self.graph = {}  # question id -> question ids its visibility depends on

    def run(self):
        model_matches = self.d["scoring"].get("model") == self.kind
        if not model_matches:
            self.c.add(["scoring", "model"], f"the scoring model must match kind '{self.kind}'")
        self.check_ids()
        self.check_evidence()
        self.check_conditions()
        self.check_cycles()
        self.check_reachability()
        if model_matches:
            getattr(self, f"check_{self.kind}")()

    # ids
    def check_ids(self):
        seen = {}
        order = 0
        for si, section in enumerate(self.d["sections"]):
            spath = ["sections", si]
            self._claim(seen, section["id"], [*spath, "id"], "section")
            self.sections.setdefault(section["id"], (section, spath, order))
            for qi, question in enumerate(section["questions"]):
                qpath = [*spath, "questions", qi]
                self._claim(seen, question["id"], [*qpath, "id"], "question")
                if self.kind != "maturity" and "level" in self.raw["sections"][si]["questions"][qi]:
                    self.c.add([*qpath, "level"], "`level` is for maturity questionnaires only: remove it")
                self.questions.setdefault(question["id"], (order, question, qpath, si))
                order += 1
                self._check_options(question, qpath)
            if section["core"] and self.kind != "maturity":
                self.c.add([*spath, "core"], "`core` is for maturity questionnaires only: remove it")

    def check_evidence(self):
        """Bindings name checks a connector provides (when connectors registered their catalogue)."""
        known = known_checks()
        if known is None:
            return
        for _order, question, qpath, _si in self.questions.values():
            binding = question.get("evidence") or {}
            named = [("check", binding["check"])] if binding.get("check") else []
            named += [(("any_of", i), c) for i, c in enumerate(binding.get("any_of") or [])]
            for where, check_id in named:
                if check_id not in known:
                    path = [*qpath, "evidence", *(where if isinstance(where, tuple) else (where,))]
                    self.c.add(
                        path,
                        f"evidence names check '{check_id}', which no connector provides; use an id listed in "
                        "docs/checks.md (manage.py list_checks)",
                    )

    def _claim(self, seen, ident, path, what):
        if ident.startswith(RESERVED_PREFIXES):
            self.c.add(
                path, f"{what} id '{ident}' must not start with 'project.' or 'result.': those names are reserved"
            )
        if ident in seen:
            line = self.c.doc.where(seen[ident])[0]
            self.c.add(path, f"duplicate id '{ident}': already used at line {line}; ids must be unique in the file")
        else:
            seen[ident] = path

    def _check_options(self, question, qpath):
        values = {}
        for oi, option in enumerate(question.get("options", [])):
            if option["value"] in values:
                self.c.add(
                    [*qpath, "options", oi, "value"],
                    f"duplicate option value {option['value']!r} (also option {values[option['value']] + 1}); "
                    "option values must be unique within a question",
                )
            values.setdefault(option["value"], oi)
        allowed = set(type_of(question).justify_values(question))
        for ji, answer in enumerate(question["justify"]):
            if allowed and answer not in allowed:
                self.c.add([*qpath, "justify", ji], f"{answer!r} is not a possible answer of this question")
        fields = [f["id"] for f in question.get("fields", [])]
        for fi, field_id in enumerate(fields):
            if field_id in fields[:fi]:
                self.c.add([*qpath, "fields", fi, "id"], f"duplicate field id '{field_id}' in this group")

    # conditions
    def _compile(self, path, expr):
        try:
            return conditions.compile(expr)
        except conditions.ConditionError as exc:
            self.c.add(path, f"invalid condition: {exc.message}", offset=exc.column)
            return None

    def _check_refs(self, path, condition, *, before=None, results=None):
        """Unknown names, and (with ``before``) references to questions that are not earlier than ``before``."""
        for name, column in condition.refs():
            head, _, rest = name.partition(".")
            if head == "project" and rest:
                if rest.split(".")[0] not in conditions.PROJECT_ATTRIBUTES:
                    known = ", ".join(sorted(conditions.PROJECT_ATTRIBUTES))
                    self.c.add(path, f"unknown project attribute '{name}'; known: {known}", offset=column)
            elif head == "result" and rest:
                if results is None:
                    self.c.add(path, f"'{name}' can only be used in scoring rules", offset=column)
                elif rest not in results:
                    known = ", ".join(f"result.{n}" for n in sorted(results)) or "none for this model"
                    self.c.add(path, f"unknown result name '{name}'; available: {known}", offset=column)
            elif name not in self.questions:
                close = difflib.get_close_matches(name, self.questions, n=1)
                hint = f": did you mean '{close[0]}'?" if close else ": check the spelling of the question id"
                self.c.add(path, f"unknown question id '{name}' in the condition{hint}", offset=column)
            elif before is not None and self.questions[name][0] >= before and name not in self._cyclic:
                self.c.add(
                    path,
                    f"refers to '{name}', which comes later in the file; conditions may only use earlier questions",
                    offset=column,
                )

    def check_conditions(self):
        self.compiled = {}
        for qid, (_, question, _path, si) in self.questions.items():
            deps = set()
            section = self.d["sections"][si]
            if section["when"]:
                deps |= conditions.references(section["when"]) if self._parses(section["when"]) else set()
            if question["when"]:
                deps |= conditions.references(question["when"]) if self._parses(question["when"]) else set()
            self.graph[qid] = {d for d in deps if d in self.questions}
        self._cyclic = self._cyclic_nodes()
        for sid, (section, spath, first) in self.sections.items():
            if section["when"] and (cond := self._compile([*spath, "when"], section["when"])):
                self.compiled[("section", sid)] = cond
                self._check_refs([*spath, "when"], cond, before=first)
        for qid, (order, question, qpath, _) in self.questions.items():
            if question["when"] and (cond := self._compile([*qpath, "when"], question["when"])):
                self.compiled[("question", qid)] = cond
                self._check_refs([*qpath, "when"], cond, before=order)
        results = RESULT_NAMES.get(self.kind, set())
        scoring = self.d["scoring"]
        for key, rule_results in (("tier_floors", results), ("eu_ai_act", results), ("recommendations", results)):
            for i, rule in enumerate(scoring.get(key, [])):
                if rule.get("when") and (cond := self._compile(["scoring", key, i, "when"], rule["when"])):
                    self._check_refs(["scoring", key, i, "when"], cond, results=rule_results)
        for i, risk in enumerate(scoring.get("risks", [])):
            if risk.get("when") and (cond := self._compile(["scoring", "risks", i, "when"], risk["when"])):
                self._check_refs(["scoring", "risks", i, "when"], cond)

    @staticmethod
    def _parses(expr):
        try:
            conditions.compile(expr)
        except conditions.ConditionError:
            return False
        return True

    def _cyclic_nodes(self):
        """Question ids on a cycle of visibility dependencies (Tarjan's strongly connected components)."""
        index, low, stack, on_stack, cyclic = {}, {}, [], set(), set()
        self.cycles = []

        def visit(node):
            index[node] = low[node] = len(index)
            stack.append(node)
            on_stack.add(node)
            for dep in self.graph.get(node, ()):
                if dep not in index:
                    visit(dep)
                    low[node] = min(low[node], low[dep])
                elif dep in on_stack:
                    low[node] = min(low[node], index[dep])
            if low[node] == index[node]:
                component = []
                while True:
                    item = stack.pop()
                    on_stack.discard(item)
                    component.append(item)
                    if item == node:
                        break
                if len(component) > 1 or node in self.graph.get(node, ()):
                    cyclic.update(component)
                    self.cycles.append(sorted(component, key=lambda q: self.questions[q][0]))

        for node in self.graph:
            if node not in index:
                visit(node)
        return cyclic

    def check_cycles(self):
        for cycle in self.cycles:
            first = cycle[0]
            _, question, qpath, si = self.questions[first]
            where = [*qpath, "when"] if question["when"] else ["sections", si, "when"]
            chain = " → ".join([*cycle, first])
            self.c.add(where, f"cycle in conditions: {chain}; each question's visibility depends on the next one")

    # reachability
    def _domain(self, qid, always_hidden, op):
        """The finite set of values question ``qid`` can read as, or None when it is not finite."""
        if qid in always_hidden:
            return [None]
        question = self.questions[qid][1]
        return type_of(question).condition_values(question, op)

    def _never_true(self, node, always_hidden):
        """Why ``node`` can never hold (a sentence), or None when it might."""
        kind = node[0]
        if kind == "and":
            return self._never_true(node[1], always_hidden) or self._never_true(node[2], always_hidden)
        if kind == "or":
            left = self._never_true(node[1], always_hidden)
            right = left and self._never_true(node[2], always_hidden)
            return f"{left}, and {right}" if right else None
        hidden_reason = "'{}' is always hidden, so it reads null"
        if kind == "ref":
            return hidden_reason.format(node[1]) if node[1] in always_hidden else None
        if kind == "call" and node[1] == "answered":
            return hidden_reason.format(node[2][1]) if node[2][1] in always_hidden else None
        if kind != "cmp":
            return None
        op, left, right = node[1], node[2], node[3]
        for ref, other, ref_on_left in ((left, right, True), (right, left, False)):
            if ref[0] != "ref" or other[0] not in ("lit", "list") or ref[1] not in self.questions:
                continue
            domain = self._domain(ref[1], always_hidden, op)
            if domain is None:
                return None
            other_value = other[1] if other[0] == "lit" else list(other[1])
            test = conditions._OPERATORS[op]
            if any(test(v, other_value) if ref_on_left else test(other_value, v) for v in domain):
                return None
            if ref[1] in always_hidden:
                return hidden_reason.format(ref[1])
            values = ", ".join(repr(v[0] if isinstance(v, list) else v) for v in domain if v not in (None, []))
            return f"'{ref[1]}' {op} {other_value!r} never holds: its possible answers are {values}"
        return None

    def check_reachability(self):
        always_hidden = set()
        for sid, (section, spath, _) in self.sections.items():
            cond = self.compiled.get(("section", sid))
            why = self._never_true(cond.ast, always_hidden) if cond else None
            if why:
                self.c.add([*spath, "when"], f"section '{sid}' can never be shown: {why}")
            for question in section["questions"]:
                qcond = self.compiled.get(("question", question["id"]))
                qwhy = None if why or not qcond else self._never_true(qcond.ast, always_hidden)
                if why or qwhy:
                    always_hidden.add(question["id"])
                if qwhy:
                    self.c.add(
                        [*self.questions[question["id"]][2], "when"],
                        f"question '{question['id']}' can never be shown: {qwhy}",
                    )

    # scoring blocks
    def _question_ref(self, path, qid, *, types, what):
        if qid not in self.questions:
            close = difflib.get_close_matches(qid, self.questions, n=1)
            hint = f": did you mean '{close[0]}'?" if close else ""
            self.c.add(path, f"unknown question id '{qid}'{hint}")
            return None
        question = self.questions[qid][1]
        if question["type"] not in types:
            self.c.add(path, f"'{qid}' is a {question['type']} question; {what} must be {' or '.join(types)}")
            return None
        return question

    def check_maturity(self):
        levels = self.d["scoring"]["levels"]
        numbers = [lv["level"] for lv in levels]
        if numbers != [0, 1, 2, 3, 4]:
            missing = sorted(set(range(5)) - set(numbers))
            dupes = sorted({n for n in numbers if numbers.count(n) > 1})
            detail = "; ".join(
                part
                for part in (
                    f"missing {missing}" if missing else "",
                    f"repeated {dupes}" if dupes else "",
                    "not in order" if not missing and not dupes else "",
                )
                if part
            )
            self.c.add(["scoring", "levels"], f"levels must be 0, 1, 2, 3, 4, each once and in order ({detail})")
        previous = 0
        for i, lv in enumerate(levels):
            if lv["min_score_pct"] < previous:
                self.c.add(
                    ["scoring", "levels", i, "min_score_pct"],
                    f"min_score_pct {lv['min_score_pct']} is lower than the level below ({previous}): bands must not "
                    "overlap, a higher level needs at least the score of the one below",
                )
            previous = max(previous, lv["min_score_pct"])

    def check_risk(self):
        scoring = self.d["scoring"]
        seen = set()
        for i, risk in enumerate(scoring["risks"]):
            path = ["scoring", "risks", i]
            if risk["id"] in seen:
                self.c.add([*path, "id"], f"duplicate risk id '{risk['id']}'")
            seen.add(risk["id"])
            for key in ("likelihood", "severity"):
                question = self._question_ref(
                    [*path, key], risk[key], types=type_names(lambda t: t.options and not t.multiple), what=key
                )
                if question is None:
                    continue
                bad = [o["value"] for o in question["options"] if not o["na"] and o["points"] not in (1, 2, 3, 4, 5)]
                if bad:
                    self.c.add(
                        [*path, key],
                        f"the options of '{risk[key]}' must carry points 1 to 5 ({key} scale); check: {bad}",
                    )
            if risk.get("mitigations"):
                question = self._question_ref(
                    [*path, "mitigations"],
                    risk["mitigations"],
                    types=type_names(lambda t: t.options and t.multiple),
                    what="mitigations",
                )
                if question and not any("reduces" in o for o in question["options"]):
                    self.c.add(
                        [*path, "mitigations"],
                        f"none of the options of '{risk['mitigations']}' says what it `reduces`; add "
                        "reduces: {likelihood: N, severity: N} to the mitigations",
                    )
        tiers = scoring["tiers"]
        names = [t["tier"] for t in tiers]
        for i, tier in enumerate(tiers):
            if names.count(tier["tier"]) > 1 and names.index(tier["tier"]) != i:
                self.c.add(["scoring", "tiers", i, "tier"], f"tier '{tier['tier']}' is listed twice")
            if i and tier["min_residual"] >= tiers[i - 1]["min_residual"]:
                self.c.add(
                    ["scoring", "tiers", i, "min_residual"],
                    f"tiers overlap: min_residual {tier['min_residual']} is not below the previous tier's "
                    f"{tiers[i - 1]['min_residual']}; list tiers from the highest band down, each lower than the last",
                )
        if tiers and tiers[-1]["min_residual"] > 1:
            self.c.add(
                ["scoring", "tiers", len(tiers) - 1, "min_residual"],
                f"gap in tiers: residual scores below {tiers[-1]['min_residual']} match no tier; the last tier "
                "needs min_residual 0",
            )
        for i, floor in enumerate(scoring["tier_floors"]):
            if floor["tier"] not in names:
                self.c.add(["scoring", "tier_floors", i, "tier"], f"tier '{floor['tier']}' is not one of the tiers")
        for tier in scoring["controls"]:
            if tier not in names:
                self.c.add(["scoring", "controls", tier], f"controls for '{tier}', which is not one of the tiers")
        self._check_fallback("eu_ai_act", "category")

    def _check_fallback(self, key, what):
        rules = self.d["scoring"].get(key, [])
        for i, rule in enumerate(rules[:-1]):
            if not rule.get("when"):
                self.c.add(
                    ["scoring", key, i],
                    f"this rule has no `when`, so it always matches and the rules after it are never used; only the "
                    f"last {what} rule may omit `when`",
                )
        if rules and rules[-1].get("when"):
            self.c.add(
                ["scoring", key, len(rules) - 1, "when"],
                f"the last rule must have no `when`, so that some {what} always applies",
            )

    def check_impact(self):
        for key, qid in self.d["scoring"]["inputs"].items():
            self._question_ref(["scoring", "inputs", key], qid, types=type_names(lambda t: t.numeric), what=key)
        self._check_fallback("recommendations", "recommendation")


def validate_text(text: str, file: str = "<text>") -> Report:
    """Validate questionnaire YAML text; never raises on bad input."""
    document = yamlread.read(text)
    collector = _Collector(file, document)
    for problem in document.problems:
        collector.problems.append(Problem(file, problem.line, problem.column, dotted(problem.path), problem.message))
    if document.data is None or collector.problems:
        return Report(file, tuple(collector.problems), None)
    if not isinstance(document.data, dict):
        collector.add((), "the file must be a mapping (slug:, version:, kind:, ...), not " + _json_type(document.data))
        return Report(file, tuple(collector.problems), None)
    _schema_problems(collector, document.data)
    if collector.problems:
        return Report(file, tuple(collector.problems), None)
    semantics = _Semantics(collector, document.data)
    semantics.run()
    problems = tuple(sorted(collector.problems, key=lambda p: (p.line, p.column)))
    return Report(file, problems, None if problems else semantics.d)


def validate_file(path) -> Report:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return Report(str(path), (Problem(str(path), 1, 1, "", f"cannot read the file: {exc}"),), None)
    return validate_text(text, str(path))


def definition_files(paths):
    """The YAML files named by ``paths`` (files, or directories searched for *.yaml / *.yml), sorted."""
    files = []
    for path in map(Path, paths):
        if path.is_dir():
            files.extend(sorted([*path.glob("*.yaml"), *path.glob("*.yml")]))
        else:
            files.append(path)
    return files
