"""Connector secrets: encrypted at rest, resolved only inside a connector run, redacted from logs.

A component's secret settings are stored as Fernet-encrypted JSON (keys from ``FIELD_ENCRYPTION_KEYS``,
else derived from ``SECRET_KEY``), or a setting names an environment variable of the worker
(``{"token_env": "PLUMBLINE_SECRET_MLFLOW_TOKEN"}``). Project members type those names, so a name is usable only
when an administrator allowed it (``PLUMBLINE_CONNECTOR_SECRET_ENV``: names and ``PREFIX*`` patterns) and it is
not one of the variables Plumbline's own settings read (``settings_environment_variables``): otherwise a member
could have the worker send SECRET_KEY or DATABASE_URL as a token to a server of their choosing. Names are checked
when settings are saved and again when a connector runs.
Every resolved value is remembered for the life of the process so the logging filter can blank it out.
"""

import ast
import importlib.util
import logging
import os
from functools import cache

from django.conf import settings

from registry.encryption import decrypt_secrets as _decrypt
from registry.encryption import encrypt_secrets

__all__ = ["decrypt_secrets", "encrypt_secrets", "redact", "remember_secrets", "resolve_secret"]

REDACTED = "[redacted]"
_known_secret_values: set[str] = set()


def decrypt_secrets(token: str) -> dict:
    """The component's stored secrets, remembered so that no log line can show them."""
    values = _decrypt(token)
    remember_secrets(values.values())
    return values


ENV_SUFFIX = "_env"
ENV_SETTING = "PLUMBLINE_CONNECTOR_SECRET_ENV"
# Read by Django and Plumbline themselves rather than by config/settings.py.
FRAMEWORK_VARIABLES = frozenset({"DJANGO_SETTINGS_MODULE", "PYTHONPATH"})
_ENV_CALL_OWNERS = {"env", "environ", "os"}


class SecretNotAllowed(ValueError):
    """A setting names an environment variable that connectors may not read."""


def _variables_read_in(path: str) -> set[str]:
    """Names a settings file reads from the environment: ``env("X")``, ``env.bool("X")``, ``env.db("X")``,
    ``os.environ.get("X")``, ``os.environ.setdefault("X", ...)``, ``os.getenv("X")``, ``os.environ["X"]`` and
    ``"X" in env.ENVIRON``."""
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read(), filename=path)
    found = set()

    def is_environment(node) -> bool:
        names = []
        while isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name):
            names.append(node.id)
        return bool(names) and names[-1] in _ENV_CALL_OWNERS and (names[-1] != "os" or len(names) > 1)

    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and is_environment(node.func):
            first = node.args[0]
        elif isinstance(node, ast.Subscript) and is_environment(node.value):
            first = node.slice
        elif isinstance(node, ast.Compare) and any(is_environment(c) for c in node.comparators):
            first = node.left
        else:
            continue
        if isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value.strip():
            found.add(first.value)
    return found


@cache
def _settings_variables(modules: tuple[str, ...]) -> frozenset[str]:
    found = set(FRAMEWORK_VARIABLES)
    for module in modules:
        spec = importlib.util.find_spec(module)
        if spec and spec.origin and spec.origin.endswith(".py"):
            found |= _variables_read_in(spec.origin)
    return frozenset(found)


def settings_environment_variables() -> frozenset[str]:
    """Every environment variable Plumbline's settings read (derived from the settings files, so a new setting is
    covered the day it is added): never readable by a connector, whatever the allow-list says."""
    modules = dict.fromkeys(("config.settings", getattr(settings, "SETTINGS_MODULE", "") or "config.settings"))
    return _settings_variables(tuple(modules))


def allowed_env_names() -> list[str]:
    value = getattr(settings, ENV_SETTING, [])
    entries = value.split(",") if isinstance(value, str) else value
    return [entry.strip() for entry in entries if entry and entry.strip()]


def env_name_refusal(name) -> str | None:
    """Why a connector may not read the environment variable ``name`` (None when it may)."""
    if not isinstance(name, str) or not name.strip():
        return "Give the name of an environment variable."
    if name in settings_environment_variables():
        return f"{name} holds one of Plumbline's own settings; connectors can never read it."
    allowed = allowed_env_names()
    if not any(name.startswith(entry[:-1]) if entry.endswith("*") else name == entry for entry in allowed):
        listed = ", ".join(allowed) or "nothing"
        return (
            f"{name} is not allowed for connector secrets (the administrator's {ENV_SETTING} allows {listed}); "
            "store the secret in the component's secrets instead, or ask an administrator."
        )
    return None


def resolve_secret(component, name):
    """The secret ``name`` for a component: from its encrypted field, else from the env var ``<name>_env`` names.

    Raises SecretNotAllowed when the variable is not one connectors may read (settings saved before names were
    checked, or an allow-list since narrowed)."""
    stored = decrypt_secrets(component.encrypted_secrets).get(name)
    if stored:
        return stored
    env_name = (component.connector_settings or {}).get(f"{name}{ENV_SUFFIX}")
    if env_name in (None, ""):
        return None
    refusal = env_name_refusal(env_name)
    if refusal:
        raise SecretNotAllowed(f"Setting {name}{ENV_SUFFIX}: {refusal}")
    value = os.environ.get(env_name)
    if value:
        remember_secrets([value])
    return value


def remember_secrets(values):
    for value in values:
        if isinstance(value, str) and len(value) >= 4:
            _known_secret_values.add(value)


def redact(text: str) -> str:
    for value in _known_secret_values:
        if value in text:
            text = text.replace(value, REDACTED)
    return text


class RedactSecretsFilter(logging.Filter):
    """Blanks out any known secret value from a log record, whatever logged it."""

    def filter(self, record):
        if _known_secret_values:
            message = record.getMessage()
            cleaned = redact(message)
            if cleaned != message:
                record.msg, record.args = cleaned, None
        return True
