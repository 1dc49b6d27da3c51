"""Capabilities, not vendors: trace, evaluation, dataset and prompt checks shared by every back-end.

A back-end declares which capabilities it can read and implements one reader method per capability; the
capability modules (``traces``, ``evaluations``, ``datasets``, ``prompts``) own the check ids, the shared settings
and every verdict, the way ``connectors/backends/_vectorstore.py`` does for vector stores. Adding a tracing
back-end is one ``CapabilityConnector`` subclass with its readers (see docs/architecture.md).

| capability | reader method | view | checks |
|---|---|---|---|
| traces | ``read_traces()`` | ``TracesView`` | traces.present, traces.have_usage |
| evaluations | ``read_evaluations()`` | ``EvaluationsView`` | evaluations.recent, .required_metrics, .tiers, and |
| | | | one per tier: .heuristic, .llm_judge, .grounding, .human_review |
| datasets | ``read_evaluations()`` | ``EvaluationsView`` | datasets.named |
| prompts | ``read_prompts()`` | ``PromptsView`` | prompts.versioned |
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cached_property
from typing import ClassVar

from connectors.backends import as_list
from connectors.base import LIST, NOT_APPLICABLE, CheckOutcome, CheckSpec, Connector, Parameter
from connectors.check_ids import canonical

from . import datasets, evaluations, prompts, traces, views

MODULES = {"traces": traces, "evaluations": evaluations, "datasets": datasets, "prompts": prompts}
CAPABILITIES = tuple(MODULES)
CHECKS_PARAMETER = Parameter(
    "checks", "Only these checks", type=LIST, help="Empty: every check of this back-end (old ids accepted)."
)

_risk_tier_source: Callable | None = None
# The checks judged against the project's risk tier (connectors/data/evaluation_tiers.yaml).
NEEDS_RISK_TIER = frozenset({"evaluations.tiers", "evaluations.human_review"})


def set_risk_tier_source(source: Callable) -> None:
    """Told by a higher app (assessments) how to find a project's risk tier: ``source(project) -> str | None``."""
    global _risk_tier_source
    _risk_tier_source = source


def checks_for(names) -> tuple[CheckSpec, ...]:
    _known(names)
    return tuple(spec for name in names for spec in MODULES[name].CHECKS)


def parameters_for(names) -> tuple[Parameter, ...]:
    """The settings the capabilities share (each once), then ``checks``."""
    _known(names)
    found: dict[str, Parameter] = {}
    for name in names:
        for parameter in MODULES[name].PARAMETERS:
            found.setdefault(parameter.name, parameter)
    return (*found.values(), CHECKS_PARAMETER)


def _known(names) -> None:
    unknown = set(names) - set(MODULES)
    if unknown:
        raise ValueError(f"Unknown capabilities {sorted(unknown)}; known: {', '.join(CAPABILITIES)}.")


def selected_checks(settings: dict, specs) -> set[str]:
    """The check ids the ``checks`` setting selects (old ids resolve to new ones); all of them when empty."""
    return {canonical(c) for c in as_list(settings.get("checks"), [spec.id for spec in specs])}


def checks_setting_errors(settings: dict, specs) -> dict[str, list[str]]:
    unknown = {c for c in as_list(settings.get("checks"), []) if canonical(c) not in {s.id for s in specs}}
    if unknown:
        return {"checks": [f"Unknown check(s): {', '.join(sorted(unknown))}."]}
    return {}


class CapabilityConnector(Connector):
    """A back-end that reads capabilities into views; ``run_capabilities`` judges them.

    Subclasses set ``capabilities`` and implement the reader of each (``read_traces``, ``read_evaluations``,
    ``read_prompts``); readers raise ``ConnectorError`` when they cannot look. Views are read once per run and
    only when a selected check needs them.
    """

    capabilities: ClassVar[tuple[str, ...]] = ()

    def read_traces(self) -> views.TracesView:
        raise NotImplementedError

    def read_evaluations(self) -> views.EvaluationsView:
        raise NotImplementedError

    def read_prompts(self) -> views.PromptsView:
        raise NotImplementedError

    @classmethod
    def validate_settings(cls, settings: dict) -> dict[str, list[str]]:
        return {**super().validate_settings(settings), **checks_setting_errors(settings, cls.checks)}

    @cached_property
    def now(self) -> datetime:
        return datetime.now(tz=UTC)

    @cached_property
    def _traces_view(self) -> views.TracesView:
        return self.read_traces()

    @cached_property
    def _evaluations_view(self) -> views.EvaluationsView:
        """The back-end's evaluations, plus the OTel ``gen_ai.evaluation.result`` events on its production traces
        when it also reads traces (results recorded in the traces themselves, by any instrumentation)."""
        view = self.read_evaluations()
        if "traces" not in self.capabilities:
            return view
        events = traces.evaluation_results(self._traces_view)
        return dataclasses.replace(view, results=(*view.results, *events)) if events else view

    @cached_property
    def risk_tier(self) -> str | None:
        """The project's risk tier from its approved risk assessment (None: not assessed, or no project)."""
        project = getattr(self.component, "project", None) if self.component.project_id else None
        if project is None or _risk_tier_source is None:
            return None
        return _risk_tier_source(project)

    def prepare(self) -> None:
        if NEEDS_RISK_TIER & selected_checks(self.settings, self.checks):
            self.risk_tier  # noqa: B018 - read here, in the caller's thread, not in the run's

    def _judge(self, capability: str, selected: set[str]) -> list[CheckOutcome]:
        settings = self.settings
        if capability == "traces":
            return traces.evaluate(self._traces_view, traces.Options.from_settings(settings), now=self.now)
        if capability == "evaluations":
            risk_tier = self.risk_tier if NEEDS_RISK_TIER & selected else None
            options = evaluations.Options.from_settings(settings)
            return evaluations.evaluate(self._evaluations_view, options, risk_tier=risk_tier, now=self.now)
        if capability == "datasets":
            options = datasets.Options.from_settings(settings, self.component.attributes)
            return datasets.evaluate(self._evaluations_view, options)
        return prompts.evaluate(self.read_prompts())

    def run_capabilities(self, own: dict[str, Callable[[str], CheckOutcome]] | None = None) -> list[CheckOutcome]:
        """One outcome per check in ``checks``, in that order: capability checks judged from the views, ``own``
        (check id -> method) for the back-end's own checks, not applicable for checks the setting leaves out."""
        own = own or {}
        selected = selected_checks(self.settings, self.checks)
        judged: dict[str, CheckOutcome] = {}
        for capability in self.capabilities:
            ids = {spec.id for spec in MODULES[capability].CHECKS}
            if ids & selected:
                judged.update({o.check_id: o for o in self._judge(capability, selected)})
        outcomes = []
        for spec in self.checks:
            if spec.id not in selected:
                outcomes.append(
                    CheckOutcome(spec.id, NOT_APPLICABLE, "Not selected in this component's checks setting.")
                )
            elif spec.id in own:
                outcomes.append(own[spec.id](spec.id))
            else:
                outcomes.append(judged[spec.id])
        return outcomes
