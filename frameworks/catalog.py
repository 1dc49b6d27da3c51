"""The shipped framework crosswalks, validated and loaded once per process as frozen dataclasses.

A control's full id carries the edition (``iso42001:2023:A.6.2.4``), so two editions of one framework never mix.
Validation needs the question ids of the questionnaires (read from their YAML files, as the check catalogue
does) and the check ids the installed connectors implement.
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from connectors.loading import all_check_specs
from questionnaires import validation as questionnaire_validation

from . import validation

DATA_DIR = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Control:
    framework: str
    edition: str
    id: str
    title: str
    group_id: str
    group_title: str
    reasoning: str
    questions: tuple = ()
    checks: tuple = ()
    inventory: tuple = ()
    role: str = ""
    applies_when: str = ""

    @property
    def ref(self) -> str:
        return f"{self.framework}:{self.edition}:{self.id}"

    @property
    def mapped(self) -> bool:
        return bool(self.questions or self.checks or self.inventory)


@dataclass(frozen=True)
class Framework:
    id: str
    edition: str
    version: str
    title: str
    short_title: str
    kind: str
    source: str
    controls: tuple

    @property
    def key(self) -> str:
        """The id with its edition, used in URLs and file names (``iso42001-2023``)."""
        return f"{self.id}-{self.edition}"


def data_files(paths=None) -> list[Path]:
    paths = paths or [DATA_DIR]
    files = []
    for path in map(Path, paths):
        files.extend(sorted([*path.glob("*.yaml"), *path.glob("*.yml")]) if path.is_dir() else [path])
    return files


def known_question_ids() -> frozenset:
    """Every question id of the shipped questionnaire definitions (PLUMBLINE_QUESTIONNAIRE_DIRS)."""
    ids = set()
    for directory in settings.PLUMBLINE_QUESTIONNAIRE_DIRS:
        for path in sorted(Path(directory).glob("*.yaml")):
            report = questionnaire_validation.validate_file(path)
            for section in (report.definition or {}).get("sections", []):
                ids.update(q["id"] for q in section["questions"])
    return frozenset(ids)


def known_check_ids() -> frozenset:
    return frozenset(all_check_specs())


def validate(paths=None) -> list[validation.Report]:
    return validation.validate_files(
        data_files(paths), known_questions=known_question_ids(), known_checks=known_check_ids()
    )


def _build(data) -> Framework:
    controls = tuple(
        Control(
            framework=data["id"],
            edition=data["edition"],
            id=str(c["id"]),
            title=c["title"],
            group_id=str(g["id"]),
            group_title=g["title"],
            reasoning=c["reasoning"],
            questions=tuple(c.get("questions", ())),
            checks=tuple(c.get("checks", ())),
            inventory=tuple(c.get("inventory", ())),
            role=c.get("role", ""),
            applies_when=c.get("applies_when", ""),
        )
        for g in data["groups"]
        for c in g["controls"]
    )
    return Framework(
        id=data["id"],
        edition=data["edition"],
        version=data["version"],
        title=data["title"],
        short_title=data.get("short_title", data["title"]),
        kind=data["kind"],
        source=data["source"],
        controls=controls,
    )


@cache
def frameworks() -> tuple[Framework, ...]:
    """Every shipped framework, validated; a broken shipped file stops the server with its problems listed."""
    reports = validate()
    problems = [str(p) for r in reports for p in r.problems]
    if problems:
        raise ImproperlyConfigured("Invalid framework crosswalk(s):\n" + "\n".join(problems))
    return tuple(_build(r.data) for r in reports)


def framework(key: str) -> Framework | None:
    """A framework by ``key`` (``iso42001-2023``) or by id alone (``iso42001``)."""
    return next((f for f in frameworks() if key in (f.key, f.id)), None)
