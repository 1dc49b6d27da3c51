"""Connector settings checked against the back-end's declared parameters, when a component is saved.

A configuration that can never work is refused at save with an error naming the setting and what is allowed,
instead of being accepted and failing at the next refresh: unknown keys (a typo is otherwise silently ignored),
a secret typed in clear, an environment variable connectors may not read, a value of the wrong type, a missing
required setting, a ``file://`` or other non-http URL, a relative or disallowed local path, and (by the back-end)
a local store of another type. ``registry`` calls this through the hook ``connectors.apps`` registers.
"""

from __future__ import annotations

import math

from .backends import FILE_URL_REFUSED
from .base import BOOLEAN, INTEGER, LIST, LOCATION, NUMBER, TEXT, URL, Parameter
from .local_sources import local_path_refusal
from .secrets import ENV_SUFFIX, env_name_refusal

TRUE_WORDS = {"true", "yes", "1"}  # what the back-ends read as true
FALSE_WORDS = {"false", "no", "0", ""}


def _given(value) -> bool:
    return value not in (None, "", [], {})


def _number(value) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _range_error(p: Parameter, number: float) -> str | None:
    low, high = p.minimum, p.maximum
    if (low is not None and number < low) or (high is not None and number > high):
        if low is not None and high is not None:
            return f"Enter a number from {low:g} to {high:g}."
        return f"Enter at least {low:g}." if low is not None else f"Enter at most {high:g}."
    return None


def _type_errors(cls, p: Parameter, value) -> list[str]:
    if p.type == TEXT:
        return [] if isinstance(value, str) else ["Enter text."]
    if p.type in (NUMBER, INTEGER):
        number = _number(value)
        if number is None or (p.type == INTEGER and not number.is_integer()):
            return ["Enter a whole number." if p.type == INTEGER else "Enter a number."]
        error = _range_error(p, number)
        return [error] if error else []
    if p.type == BOOLEAN:
        ok = isinstance(value, bool) or (isinstance(value, str) and value.strip().lower() in TRUE_WORDS | FALSE_WORDS)
        return [] if ok else ["Enter true or false."]
    if p.type == LIST:
        ok = isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))
        return [] if ok else ["Enter a list of names (a JSON list of strings, or comma-separated text)."]
    if p.type in (URL, LOCATION):
        if not isinstance(value, str):
            return ["Enter a URL." if p.type == URL else "Enter a URL or a local path."]
        return _location_errors(cls, p, value.strip())
    return []


def _location_errors(cls, p: Parameter, location: str) -> list[str]:
    scheme = location.split("://", 1)[0].lower() if "://" in location else ""
    if scheme in ("http", "https"):
        return []
    if p.type == URL:
        return ["Use an http:// or https:// URL."]
    if scheme == "file":
        return [FILE_URL_REFUSED]
    if scheme:
        return [f"Use an http:// or https:// URL or an absolute local path, not {scheme}://."]
    refusal = local_path_refusal(location)
    if refusal:
        return [refusal]
    return cls.local_source_errors(p.name, location)


def schema_errors(cls, settings: dict, *, attributes: dict, options: dict) -> dict[str, list[str]]:
    """Field errors of ``settings`` against ``cls.parameters``, by setting name."""
    errors: dict[str, list[str]] = {}
    parameters = {p.name: p for p in cls.parameters}
    secrets = {p.name for p in cls.parameters if p.secret}
    env_keys = {f"{name}{ENV_SUFFIX}": name for name in secrets}
    allowed = sorted([n for n in parameters if n not in secrets] + list(env_keys))
    for key, value in settings.items():
        if key in env_keys:
            if _given(value):
                refusal = env_name_refusal(value)
                if refusal:
                    errors.setdefault(key, []).append(refusal)
        elif key in secrets:
            errors.setdefault(key, []).append(
                f"{key} is a secret: put it in the component's secrets (stored encrypted), or name an allowed "
                f"environment variable with {key}{ENV_SUFFIX}."
            )
        elif key not in parameters:
            errors.setdefault(key, []).append(
                f"Unknown setting for the {cls.name} connector. Allowed: {', '.join(allowed) or 'none'}."
            )
        elif _given(value):
            messages = _type_errors(cls, parameters[key], value)
            if messages:
                errors.setdefault(key, []).extend(messages)

    def present(name: str) -> bool:
        p = parameters.get(name)
        from_attribute = bool(p and p.attribute and _given((attributes or {}).get(p.attribute)))
        return _given(settings.get(name)) or _given(options.get(name)) or from_attribute

    for p in cls.parameters:
        fallback = (attributes or {}).get(p.attribute) if p.attribute else None
        if p.type in (URL, LOCATION) and not _given(settings.get(p.name)) and isinstance(fallback, str) and fallback:
            # The back-end reads this attribute instead: a location there must be as acceptable as in a setting.
            for message in _location_errors(cls, p, fallback.strip()):
                errors.setdefault(p.name, []).append(f"(from the component's {p.attribute} attribute) {message}")
        if p.secret or present(p.name) or p.name in errors:
            continue
        if p.required:
            where = f" (or the component's {p.attribute} attribute)" if p.attribute else ""
            errors.setdefault(p.name, []).append(f"{p.label} is required{where}.")
        elif p.required_unless and not any(present(other) for other in p.required_unless):
            errors.setdefault(p.name, []).append(
                f"{p.label} is required unless {' or '.join(p.required_unless)} is given."
            )
    return errors
