"""Connector back-ends by alias, Django-style: ``settings.PLUMBLINE_CONNECTORS[alias]["BACKEND"]`` is a dotted path.

Classes are imported once per process and cached; a bad path fails with ``ImproperlyConfigured`` naming the
alias and the path, so a typo in settings is found at the first use, not as a mysterious task error.
"""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from .base import CheckSpec, Connector


def aliases() -> list[str]:
    return sorted(settings.PLUMBLINE_CONNECTORS)


@cache
def _load(alias: str, path: str) -> type[Connector]:
    try:
        cls = import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(
            f"PLUMBLINE_CONNECTORS[{alias!r}] names {path!r}, which cannot be imported ({exc}). "
            "Fix the dotted path in settings."
        ) from exc
    if not (isinstance(cls, type) and issubclass(cls, Connector)):
        raise ImproperlyConfigured(
            f"PLUMBLINE_CONNECTORS[{alias!r}] names {path!r}, which is not a connectors.base.Connector subclass."
        )
    return cls


def get_connector_class(alias: str) -> type[Connector]:
    """The back-end class registered under ``alias``; ImproperlyConfigured when it is unknown or broken."""
    config = settings.PLUMBLINE_CONNECTORS.get(alias)
    if not config or not config.get("BACKEND"):
        known = ", ".join(aliases()) or "none"
        raise ImproperlyConfigured(f"No connector is registered as {alias!r} (known: {known}).")
    return _load(alias, config["BACKEND"])


def connector_options(alias: str) -> dict:
    return dict(settings.PLUMBLINE_CONNECTORS.get(alias, {}).get("OPTIONS") or {})


def connector_for_component(component, *, secrets: dict | None = None, timeout: float | None = None) -> Connector:
    """An instance of the component's back-end with the alias OPTIONS overlaid by the component's settings."""
    if not component.connector:
        raise ImproperlyConfigured(f"Component {component} has no connector.")
    cls = get_connector_class(component.connector)
    merged = {**connector_options(component.connector), **(component.connector_settings or {})}
    return cls(
        component=component,
        settings=merged,
        secrets=secrets or {},
        timeout=timeout if timeout is not None else settings.PLUMBLINE_CONNECTOR_TIMEOUT,
    )


def all_check_specs() -> dict[str, tuple[CheckSpec, list[str]]]:
    """Every check id of every loadable back-end -> (spec, aliases that implement it), sorted by id.

    Back-ends that cannot be imported (a missing optional dependency) are left out rather than breaking the
    checks page; ``get_connector_class`` still reports them loudly when a component uses them.
    """
    found: dict[str, tuple[CheckSpec, list[str]]] = {}
    for alias in aliases():
        try:
            cls = get_connector_class(alias)
        except ImproperlyConfigured:
            continue
        for spec in cls.checks:
            if spec.id in found:
                found[spec.id][1].append(alias)
            else:
                found[spec.id] = (spec, [alias])
    return dict(sorted(found.items()))


def check_spec(check_id: str) -> CheckSpec | None:
    entry = all_check_specs().get(check_id)
    return entry[0] if entry else None
