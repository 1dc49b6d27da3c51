"""What ``registry`` asks connectors about a component's connector before saving it (see ``registry.hooks``)."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from .loading import connector_options, get_connector_class


def component_connector_errors(*, connector, connector_settings, kind, attributes) -> dict[str, list[str]]:
    """Errors by component field: ``connector`` when the back-end cannot load, else ``connector_settings`` with one
    ``"<setting>: <what is wrong and what is allowed>"`` line per problem."""
    try:
        cls = get_connector_class(connector)
    except ImproperlyConfigured as exc:
        return {"connector": [f"Connector {connector!r} is not available on this server: {exc}"]}
    errors = cls.settings_errors(connector_settings, attributes=attributes, options=connector_options(connector))
    lines = [f"{name}: {message}" for name, messages in errors.items() for message in messages]
    return {"connector_settings": lines} if lines else {}


def connectors_described() -> list[tuple[str, str, str]]:
    """``(alias, settings, secrets)`` in words, for the component form's help table."""
    from django.conf import settings

    described = []
    for alias in settings.PLUMBLINE_CONNECTORS:
        try:
            parameters = get_connector_class(alias).parameters
        except ImproperlyConfigured:
            continue
        options = ", ".join(p.name + (" (required)" if p.required else "") for p in parameters if not p.secret)
        secrets = ", ".join(f"{p.name} (or {p.name}_env)" for p in parameters if p.secret)
        described.append((alias, options or "none", secrets or "none"))
    return described
