"""The normalised form of a questionnaire definition, and small helpers to walk it.

Everything downstream (scoring, the web form, reports) reads the normalised dict stored in
``QuestionnaireVersion.definition``, so defaults live here, once, instead of ``.get(x, default)`` everywhere.
Pure Python: no Django imports, so the scoring can use it too.
"""

import copy
import hashlib
import json

from .types import type_of, yes_no_word

CRITICALITIES = ("must", "should", "may")
DEFAULT_VALIDITY_DAYS = {"impact": 365, "risk": 180, "maturity": 90}
# A must-have without an explicit ``level`` gates level 2 in a core section (the basics) and level 4 elsewhere.
CORE_DEFAULT_LEVEL = 2
NON_CORE_DEFAULT_LEVEL = 4


def normalise_question(raw, *, kind, core):
    qtype = raw.get("type")
    question = {
        "id": raw.get("id"),
        "type": qtype,
        "text": raw.get("text", ""),
        "help": raw.get("help", ""),
        "weight": raw.get("weight", 1),
        "criticality": raw.get("criticality", "should"),
        "level": raw.get("level"),
        "required": raw.get("required", True),
        "when": raw.get("when"),
        "tags": list(raw.get("tags", [])),
        "evidence_required": raw.get("evidence_required", False),
        "evidence": raw.get("evidence"),
        "justify": [yes_no_word(v) for v in raw.get("justify", [])],
        "pass_at": raw.get("pass_at", 1.0),
    }
    if kind == "maturity" and question["criticality"] == "must" and question["level"] is None:
        question["level"] = CORE_DEFAULT_LEVEL if core else NON_CORE_DEFAULT_LEVEL
    type_of(qtype).normalise(raw, question)
    return question


def _normalise_scoring(raw):
    scoring = copy.deepcopy(raw)
    if scoring.get("model") == "maturity":
        scoring["levels"] = [
            {
                "level": lv.get("level"),
                "name": lv.get("name", ""),
                "description": lv.get("description", ""),
                "min_score_pct": lv.get("min_score_pct", 0),
            }
            for lv in scoring.get("levels", [])
        ]
    if scoring.get("model") == "risk":
        scoring.setdefault("tier_floors", [])
        scoring.setdefault("eu_ai_act", [])
        scoring.setdefault("controls", {})
        for risk in scoring.get("risks", []):
            risk.setdefault("tags", [])
            risk.setdefault("when", None)
            risk.setdefault("mitigations", None)
    return scoring


def normalise(raw: dict) -> dict:
    """A complete definition with every default filled in; ``raw`` must already be schema-valid."""
    kind = raw.get("kind")
    return {
        "slug": raw.get("slug"),
        "version": str(raw.get("version")),
        "kind": kind,
        "title": raw.get("title", ""),
        "description": raw.get("description", ""),
        "validity_days": raw.get("validity_days", DEFAULT_VALIDITY_DAYS.get(kind, 365)),
        "scoring": _normalise_scoring(raw.get("scoring") or {}),
        "sections": [
            {
                "id": section.get("id"),
                "title": section.get("title", ""),
                "description": section.get("description", ""),
                "when": section.get("when"),
                "core": bool(section.get("core", False)),
                "questions": [
                    normalise_question(q, kind=kind, core=bool(section.get("core", False)))
                    for q in section.get("questions", [])
                ],
            }
            for section in raw.get("sections", [])
        ],
    }


def content_hash(definition: dict) -> str:
    """SHA-256 of the canonical JSON of a normalised definition: same content, same hash, whatever the layout."""
    canonical = json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def iter_sections(definition):
    yield from definition.get("sections", [])


def iter_questions(definition):
    """Every ``(section, question)`` pair, in document order."""
    for section in definition.get("sections", []):
        for question in section.get("questions", []):
            yield section, question


def evidence_checks(question) -> tuple[str, ...]:
    """The check ids bound to a question: ``evidence: {check: X}`` or ``evidence: {any_of: [X, Y]}``.

    ``any_of`` serves practices with more than one valid home (prompts versioned in git *or* in the MLflow
    prompt registry): a pass of any bound check verifies the answer.
    """
    binding = question.get("evidence") or {}
    if binding.get("check"):
        return (binding["check"],)
    return tuple(binding.get("any_of") or ())


def check_bindings(definition) -> dict[str, tuple[str, ...]]:
    """Question id -> bound check ids, for the questions of ``definition`` with an ``evidence`` binding."""
    found = {}
    for _section, question in iter_questions(definition):
        checks = evidence_checks(question)
        if checks:
            found[question["id"]] = checks
    return found


def question_index(definition) -> dict:
    """Question id -> question dict."""
    return {q["id"]: q for _, q in iter_questions(definition)}


def question_count(definition) -> int:
    return sum(len(s.get("questions", [])) for s in definition.get("sections", []))
