"""Connector secrets: encrypted at rest, resolved only inside a connector run, redacted from logs.

A component's secret settings are stored as Fernet-encrypted JSON (keys from ``FIELD_ENCRYPTION_KEYS``,
else derived from ``SECRET_KEY``), or a setting names an environment variable (``{"token_env": "MLFLOW_TOKEN"}``).
Every resolved value is remembered for the life of the process so the logging filter can blank it out.
"""

import base64
import hashlib
import json
import logging
import os

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

REDACTED = "[redacted]"
_known_secret_values: set[str] = set()


def _fernet():
    keys = list(settings.FIELD_ENCRYPTION_KEYS)
    if not keys:
        digest = hashlib.sha256(("plumbline-field-encryption:" + settings.SECRET_KEY).encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    return MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])


def encrypt_secrets(values: dict) -> str:
    cleaned = {k: v for k, v in values.items() if v not in (None, "")}
    if not cleaned:
        return ""
    return _fernet().encrypt(json.dumps(cleaned, sort_keys=True).encode()).decode()


def decrypt_secrets(token: str) -> dict:
    if not token:
        return {}
    try:
        values = json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken as exc:
        raise ValueError("The stored connector secrets cannot be decrypted with the configured keys.") from exc
    remember_secrets(values.values())
    return values


def resolve_secret(component, name):
    """The secret ``name`` for a component: from its encrypted field, else from the env var ``<name>_env`` names."""
    stored = decrypt_secrets(component.encrypted_secrets).get(name)
    if stored:
        return stored
    env_name = (component.connector_settings or {}).get(f"{name}_env")
    value = os.environ.get(env_name) if env_name else None
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
