"""What every connector back-end is: a small class that inspects one real system and returns check outcomes.

Back-ends are registered by dotted path in ``settings.PLUMBLINE_CONNECTORS`` (alias -> BACKEND/OPTIONS), like
Django's cache and storage back-ends, and attached to a ``registry.Component`` by alias. The framework
(``connectors.services``) runs them in Celery tasks, applies timeouts, retries transient errors, stores
results with their time-to-live, and turns a broken connector into ``error`` / an unreachable system into
``unknown`` — never ``pass`` or ``fail``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, ClassVar

PASS = "pass"
FAIL = "fail"
WARN = "warn"
NOT_APPLICABLE = "not_applicable"
UNKNOWN = "unknown"
ERROR = "error"
WAIVED = "waived"
STATES = (PASS, FAIL, WARN, NOT_APPLICABLE, UNKNOWN, ERROR, WAIVED)
CONCLUSIVE_STATES = (PASS, FAIL)


@dataclass(frozen=True)
class CheckSpec:
    """A named check with a stable id, documented in the generated checks list (docs/checks.md).

    ``passes``, ``fails``, ``warns`` and ``unknown`` say, in a reader's words, what makes the check read each
    state; docs/checks.md prints them for every check. An empty ``warns`` means the check never warns; ``unknown``
    lists what is particular to the check, on top of what makes every check unknown (the system could not be
    reached or read in time, or the evidence is older than ``ttl``).
    """

    id: str  # e.g. "mlflow.run_has_git_commit"; stable, never reused
    title: str  # what it verifies, one line
    fix: str  # how to fix a failure, one or two sentences
    questions: tuple[str, ...] = ()  # questionnaire question ids it can verify
    ttl: timedelta = timedelta(hours=24)  # evidence older than this reads unknown (stale)
    passes: str = ""
    fails: str = ""
    warns: str = ""
    unknown: str = ""


@dataclass(frozen=True)
class CheckOutcome:
    """What one check observed. ``reason`` is one line a person can act on; ``facts`` is JSON-able."""

    check_id: str
    state: str
    reason: str
    facts: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        if self.state not in STATES:
            raise ValueError(f"Unknown check state {self.state!r}")


class ConnectorError(Exception):
    """The connector could not inspect the system. ``transient`` says whether a retry may help.

    Transient (timeouts, connection refused, HTTP 5xx, 429) -> retried with back-off, then ``unknown``.
    Permanent (bad credentials, bad settings, garbage responses) -> ``error`` at once, with the message.
    The message must never contain a secret.
    """

    def __init__(self, message: str, *, transient: bool):
        super().__init__(message)
        self.transient = transient


# What a setting holds, for validation at save and for the form. A "location" is an http(s) URL or an absolute
# local path (under PLUMBLINE_LOCAL_SOURCE_ROOTS); a "url" only the former.
TEXT, NUMBER, INTEGER, BOOLEAN, LIST, URL, LOCATION = "text", "number", "integer", "boolean", "list", "url", "location"
PARAMETER_TYPES = (TEXT, NUMBER, INTEGER, BOOLEAN, LIST, URL, LOCATION)


@dataclass(frozen=True)
class Parameter:
    """One setting of a back-end: the schema its values are checked against when a component is saved.

    ``required_unless``: required unless one of these other settings is given. ``attribute``: the component
    attribute the back-end falls back on when the setting is empty (so a required setting may come from there).
    """

    name: str
    label: str
    required: bool = False
    secret: bool = False  # stored encrypted or named by an env var; never rendered, logged or returned
    help: str = ""
    type: str = TEXT
    minimum: float | None = None
    maximum: float | None = None
    required_unless: tuple[str, ...] = ()
    attribute: str = ""

    def __post_init__(self):
        if self.type not in PARAMETER_TYPES:
            raise ValueError(f"Unknown parameter type {self.type!r}")


class Connector:
    """Base class for back-ends. Subclasses set the class attributes and implement ``run``.

    ``component`` is the ``registry.Component`` being inspected; ``settings`` its ``connector_settings``
    merged over the alias OPTIONS; ``secrets`` the resolved secret parameters (never log them);
    ``timeout`` the per-call timeout in seconds the back-end must pass to every network call.
    """

    name: ClassVar[str] = ""
    version: ClassVar[str] = "1"
    component_kinds: ClassVar[tuple[str, ...]] = ()
    parameters: ClassVar[tuple[Parameter, ...]] = ()
    checks: ClassVar[tuple[CheckSpec, ...]] = ()
    # Limit on concurrent calls to one target system (per host), enforced by the framework.
    max_concurrency: ClassVar[int] = 4
    # True for back-ends that read only Plumbline's own database (no network): the framework then runs them in
    # the calling thread, without the wall-clock helper thread (whose separate DB connection would not see the
    # caller's uncommitted rows).
    local_only: ClassVar[bool] = False

    def __init__(self, *, component, settings: dict, secrets: dict, timeout: float):
        self.component = component
        self.settings = settings
        self.secrets = secrets
        self.timeout = timeout

    def target(self) -> str:
        """The system this instance talks to (host or path), for concurrency limits and messages."""
        return ""

    def prepare(self) -> None:
        """Read what the run needs from Plumbline's own database. The framework calls it in its own thread before
        ``run``, which then talks only to the system: a run in the wall-clock helper thread that touched the
        database would open (and close) a database connection of its own for every component."""

    def run(self) -> list[CheckOutcome]:
        """Inspect the system and return one outcome per check in ``checks``. Raise ConnectorError if it cannot."""
        raise NotImplementedError

    @classmethod
    def validate_settings(cls, settings: dict) -> dict[str, list[str]]:
        """Back-end specific field errors beyond the declared schema (empty when valid); see ``settings_errors``."""
        return {}

    @classmethod
    def settings_errors(cls, settings: dict, *, attributes: dict | None = None, options: dict | None = None):
        """Field errors for a component's connector settings, by setting name (empty when valid).

        The declared ``parameters`` are the schema: unknown keys, secrets typed in clear, environment variables
        connectors may not read, wrong types, missing required values and unusable locations are refused here,
        then the back-end's own ``validate_settings`` adds what a schema cannot say.
        """
        from .schema import schema_errors

        errors = schema_errors(cls, settings, attributes=attributes or {}, options=options or {})
        # Where both speak about one setting, the back-end's message is the more specific one.
        errors.update({name: list(messages) for name, messages in cls.validate_settings(settings).items()})
        return errors

    @classmethod
    def local_source_errors(cls, name: str, path: str) -> list[str]:
        """Errors about what an allowed local path holds (e.g. another store type); back-ends override."""
        return []
