"""Reads of loaded questionnaire versions, and the comparisons between two versions."""

import re
from functools import cache
from pathlib import Path
from typing import NamedTuple

import yaml
from django.conf import settings
from django.shortcuts import get_object_or_404

from .conditions import describe
from .definition import check_bindings, question_count, question_index
from .models import QuestionnaireKind, QuestionnaireVersion
from .types import type_of


@cache
def _questions_by_check(paths: tuple[str, ...], stamp: tuple[float, ...]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in paths:
        definition = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        for question_id, check_ids in check_bindings(definition).items():
            for check_id in check_ids:
                found.setdefault(check_id, []).append(question_id)
    return found


def questions_by_check() -> dict[str, list[str]]:
    """Check id -> questionnaire question ids bound to it, read from the shipped YAML definitions (the check
    catalogue lists them; it is generated without a database, so it reads the files, not the loaded versions)."""
    paths = sorted(str(p) for d in settings.PLUMBLINE_QUESTIONNAIRE_DIRS for p in Path(d).glob("*.yaml"))
    return _questions_by_check(tuple(paths), tuple(Path(p).stat().st_mtime for p in paths))


def _semver(version):
    return tuple(int(n) for n in re.findall(r"\d+", version)[:3])


def version_list():
    """Every loaded version, newest first within each questionnaire (one query)."""
    versions = list(QuestionnaireVersion.objects.all())
    versions.sort(key=lambda v: (v.slug, _semver(v.version)), reverse=True)
    versions.sort(key=lambda v: v.slug)
    for v in versions:
        v.question_count = question_count(v.definition)
    return versions


def latest_version(kind_or_slug) -> QuestionnaireVersion | None:
    """The newest loaded version (highest semantic version) of a kind (impact/risk/maturity) or of a slug."""
    field = "kind" if kind_or_slug in QuestionnaireKind.values else "slug"
    candidates = QuestionnaireVersion.objects.filter(**{field: kind_or_slug})
    return max(candidates, key=lambda v: (_semver(v.version), v.loaded_at), default=None)


def version_detail(*, slug, version):
    return get_object_or_404(QuestionnaireVersion, slug=slug, version=version)


def previous_version(current: QuestionnaireVersion) -> QuestionnaireVersion | None:
    """The highest version of the same questionnaire below ``current``."""
    older = [
        v
        for v in QuestionnaireVersion.objects.filter(slug=current.slug).exclude(pk=current.pk)
        if _semver(v.version) < _semver(current.version)
    ]
    return max(older, key=lambda v: _semver(v.version), default=None)


def _definition(obj):
    return obj.definition if hasattr(obj, "definition") else obj


_UNCHANGED_KEYS = ("tags",)


def version_diff(old, new) -> dict:
    """Question ids that are ``new``, ``removed`` or ``changed`` (text, type, options, scoring...) between versions.

    Accepts versions or definitions. A change of tags alone is not a change of the question.
    """
    before, after = question_index(_definition(old)), question_index(_definition(new))

    def comparable(question):
        return {k: v for k, v in question.items() if k not in _UNCHANGED_KEYS}

    return {
        "new": [qid for qid in after if qid not in before],
        "removed": [qid for qid in before if qid not in after],
        "changed": [qid for qid in after if qid in before and comparable(before[qid]) != comparable(after[qid])],
    }


class CarriedAnswers(NamedTuple):
    answers: dict
    dropped: list


def carry_forward(answers, old_definition, new_definition) -> CarriedAnswers:
    """Answers kept by question id for a new version; dropped: removed questions, changed types, lost options."""
    old, new = question_index(_definition(old_definition)), question_index(_definition(new_definition))
    kept, dropped = {}, []
    for qid, value in answers.items():
        question = new.get(qid)
        if (
            question is None
            or (qid in old and old[qid]["type"] != question["type"])
            or not type_of(question).still_valid(question, value)
        ):
            dropped.append(qid)
        else:
            kept[qid] = value
    return CarriedAnswers(kept, dropped)


PROJECT_LABELS = {
    "uses_rag": "the project uses retrieval (RAG)",
    "fine_tuned": "the model is fine-tuned",
    "customer_facing": "the project is customer-facing",
    "handles_pii": "the project handles personal data",
    "handles_sensitive": "the project handles sensitive data",
    "handles_confidential": "the project handles confidential data",
}


def _labeller(questions):
    def label(name):
        if name.startswith("project."):
            attr = name.removeprefix("project.")
            if attr.startswith("has_component."):
                return f"the project has a {attr.removeprefix('has_component.').replace('_', ' ')} component"
            return PROJECT_LABELS.get(attr, f"the project's {attr.replace('_', ' ')}")
        if name.startswith("result."):
            return f"the {name.removeprefix('result.').replace('_', ' ')}"
        question = questions.get(name)
        return f"“{question['text']}”" if question else name

    return label


def _value_labeller(questions):
    def value_label(name, value):
        question = questions.get(name)
        if question is None:
            return None
        return type_of(question).value_word(question, value)

    return value_label


def version_document(version: QuestionnaireVersion) -> dict:
    """The definition arranged for reading: conditions in words, type names, and what changed since the
    previous version (one extra query)."""
    definition = version.definition
    questions = question_index(definition)
    label = _labeller(questions)
    value_label = _value_labeller(questions)
    sections = []
    for section in definition.get("sections", []):
        rows = []
        for question in section.get("questions", []):
            rows.append(
                {
                    **question,
                    "type_label": type_of(question).label or question["type"],
                    "when_words": describe(question.get("when"), label=label, value_label=value_label),
                }
            )
        sections.append(
            {**section, "when_words": describe(section.get("when"), label=label, value_label=value_label), "rows": rows}
        )
    scoring = definition.get("scoring", {})

    def rules(key):
        return [
            {**rule, "when_words": describe(rule.get("when"), label=label, value_label=value_label)}
            for rule in scoring.get(key, [])
        ]

    previous = previous_version(version)
    return {
        "scoring": scoring,
        "rules": {key: rules(key) for key in ("tier_floors", "eu_ai_act", "recommendations", "risks")},
        "sections": sections,
        "question_count": len(questions),
        "previous": previous,
        "diff": version_diff(previous, version) if previous else None,
        "questions": questions,
    }
