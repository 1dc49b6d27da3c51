"""The stage gate as the inventory sees it, without importing it: registry imports no app above it.

``gates`` registers its stage-move service here in ``GatesConfig.ready()``. Every registry write that sets a
project's stage (create, update, and so the API, the pages and the import) calls ``move_stage``, so the gate
decides whatever the door. With no gate registered a stage change is refused, never let through. ``gates`` also
registers what it refuses now (``refused_moves``), so the project form offers no move the gate would refuse.
"""

from django.core.exceptions import ImproperlyConfigured, ValidationError

from .choices import STAGE_ORDER

FIRST_STAGE = STAGE_ORDER[0].value  # where every project starts; no gate guards it

_mover = None
_refusals = None


class StageRefused(ValidationError):
    """The gate refused a stage move: a field error on ``stage`` (pages, import) carrying the gate's ``verdict``
    (the API answers it with 409)."""

    def __init__(self, verdict, reasons):
        self.verdict = verdict
        super().__init__({"stage": list(reasons)})


def register(mover, refusals=None):
    """Install ``mover(*, project, stage, actor)``, which moves the project or raises ``StageRefused``, and
    ``refusals(*, project) -> {stage: reasons}``, the moves the gate refuses now."""
    global _mover, _refusals
    _mover = mover
    _refusals = refusals


def move_stage(*, project, stage, actor):
    if _mover is None:
        raise ImproperlyConfigured("No stage gate is registered: 'gates' must be in INSTALLED_APPS.")
    return _mover(project=project, stage=stage, actor=actor)


def refused_moves(*, project) -> dict:
    """``{stage: (reason, ...)}`` for every stage the gate would refuse ``project`` now, nearest first."""
    if _refusals is None:
        raise ImproperlyConfigured("No stage gate is registered: 'gates' must be in INSTALLED_APPS.")
    return _refusals(project=project)
