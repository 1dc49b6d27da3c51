"""Writes of the questionnaire app: loading validated definitions as immutable versions."""

import logging
from dataclasses import dataclass

from django.db import transaction

from .definition import content_hash
from .models import QuestionnaireVersion
from .validation import Report, validate_file

logger = logging.getLogger(__name__)


class QuestionnaireLoadError(Exception):
    """A file that cannot be loaded: invalid, or a published version whose content changed."""

    def __init__(self, message, *, problems=()):
        super().__init__(message)
        self.problems = tuple(problems)


@dataclass(frozen=True)
class LoadOutcome:
    version: QuestionnaireVersion
    created: bool


def questionnaire_load_definition(*, definition, source_path="") -> LoadOutcome:
    """Store a validated, normalised definition as an immutable version.

    The change history records the new version (``registry.audit.record_questionnaire_load``). The same slug and
    version with the same content is a no-op; with different content it is refused,
    because assessments are pinned to the exact text they were answered against.
    """
    digest = content_hash(definition)
    with transaction.atomic():
        existing = (
            QuestionnaireVersion.objects.select_for_update()
            .filter(slug=definition["slug"], version=definition["version"])
            .first()
        )
        if existing is not None:
            if existing.content_hash == digest:
                return LoadOutcome(existing, False)
            raise QuestionnaireLoadError(
                f"{definition['slug']} version {definition['version']} is already loaded with different content "
                f"(hash {existing.content_hash[:12]}, this file {digest[:12]}). A published version is never "
                "edited: give the changed file a new version number."
            )
        version = QuestionnaireVersion.objects.create(
            slug=definition["slug"],
            version=definition["version"],
            kind=definition["kind"],
            title=definition["title"],
            description=definition["description"],
            definition=definition,
            content_hash=digest,
            source_path=str(source_path)[:500],
            validity_days=definition["validity_days"],
        )
    logger.info("Loaded questionnaire %s %s (%s)", version.slug, version.version, digest[:12])
    return LoadOutcome(version, True)


def questionnaire_load_file(*, path) -> LoadOutcome:
    """Validate one YAML file, then load it; invalid files raise QuestionnaireLoadError with the problems."""
    report: Report = validate_file(path)
    if not report.ok:
        raise QuestionnaireLoadError(
            f"{path} has {len(report.problems)} problem(s); run manage.py validate_questionnaires {path}",
            problems=report.problems,
        )
    return questionnaire_load_definition(definition=report.definition, source_path=path)
