"""Hooks through which apps above the registry extend it, so the registry imports none of them.

The registry stores a component's connector alias and settings but does not know what a connector accepts;
``connectors`` registers its validation and its settings help here in ``ConnectorsConfig.ready()``. Without a
registered hook (the registry on its own) connector settings are stored unchecked and no help is shown.
"""

from __future__ import annotations

from collections.abc import Callable

# (connector alias, settings dict, component kind, component attributes) -> {"connector" | "connector_settings": [...]}
ConnectorValidator = Callable[..., dict[str, list[str]]]
# () -> [{"alias": ..., "settings": [{"name", "label", "help", "required"}, ...]}]
ConnectorDescriber = Callable[[], list[dict]]

_hooks: dict[str, Callable | None] = {"validate": None, "describe": None}


def register_connector_hooks(*, validate: ConnectorValidator, describe: ConnectorDescriber) -> None:
    _hooks["validate"], _hooks["describe"] = validate, describe


def connector_settings_errors(*, connector, connector_settings, kind, attributes) -> dict[str, list[str]]:
    """Errors, by component field, for this connector and its settings (empty when valid or unchecked)."""
    validate = _hooks["validate"]
    if validate is None:
        return {}
    return validate(connector=connector, connector_settings=connector_settings, kind=kind, attributes=attributes)


def connectors_described() -> list[dict]:
    describe = _hooks["describe"]
    return describe() if describe is not None else []
