"""Receivers of the lower apps' signals: every change that can alter a verdict recomputes the project's verdicts.

Connected in ``GatesConfig.ready``. The explicit signals name the input that changed (for the history); the
model signals below catch writes that bypass the services (admin, data fixes) and only mark verdicts as due.
"""

from registry.models import Project

from . import services


def input_changed(sender, *, project_id, cause, **kwargs):
    project = Project.objects.filter(pk=project_id).first()
    if project is not None:
        services.verdicts_refresh(project=project, cause=cause)


def row_saved(sender, instance, **kwargs):
    if getattr(instance, "state", None) == "draft":
        return  # a draft assessment is no input of any verdict
    services.verdicts_invalidate(project_id=instance.project_id)


def policy_saved(sender, instance, **kwargs):
    services.verdicts_invalidate()


def push_rejudged(sender, *, project_id, cause, **kwargs):
    """An assessment decision may change the risk tier, and with it the policy's default thresholds for the
    project: judge its newest CI push again (stored, and so announced, only when the judgement changes)."""
    project = Project.objects.filter(pk=project_id).first()
    if project is not None:
        services.evaluation_rejudge(project=project, cause=cause)


def thresholds_of(project_id):
    """The provider ``connectors.pushed.thresholds_from`` is given: the thresholds in force for a project."""
    from .selectors import thresholds_in_force

    return thresholds_in_force(project_id=project_id).thresholds
