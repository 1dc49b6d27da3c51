"""What ``registry`` asks connectors about a component's connector before saving it (see ``registry.hooks``)."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from .loading import connector_options, get_connector_class
from .secrets import ENV_SUFFIX, allowed_env_names


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


def connectors_described() -> list[dict]:
    """Each loadable connector and the settings a component may give it, for the component form: ``{"alias",
    "settings": [{"name", "label", "help", "required"}]}``. A secret appears as its ``<name>_env`` setting only: its
    value goes in the write-only secrets box."""
    from django.conf import settings

    described = []
    for alias in settings.PLUMBLINE_CONNECTORS:
        try:
            parameters = get_connector_class(alias).parameters
        except ImproperlyConfigured:
            continue
        fields = []
        for p in parameters:
            if p.secret:
                fields.append(
                    {
                        "name": f"{p.name}{ENV_SUFFIX}",
                        "label": f"{p.label}: environment variable",
                        "help": f"Or name an environment variable of the workers holding it (allowed names: "
                        f"{', '.join(allowed_env_names()) or 'none'}); better: put {p.name}=… in the secrets box.",
                        "required": False,
                    }
                )
            else:
                required = p.required or bool(p.required_unless)
                fields.append({"name": p.name, "label": p.label, "help": p.help, "required": required})
        described.append({"alias": alias, "settings": fields})
    return described


def known_check_ids() -> set[str]:
    """Every check id a questionnaire binding may name: the installed back-ends' checks and their old ids."""
    from .check_ids import ALIASES
    from .loading import all_check_specs

    known = set(all_check_specs())
    return known | {old for old, new in ALIASES.items() if new in known}
