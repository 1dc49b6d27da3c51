"""Encryption of a component's write-only secrets (``Component.encrypted_secrets``): Fernet-encrypted JSON.

Keys come from ``FIELD_ENCRYPTION_KEYS`` (newest first, so keys can be rotated), else are derived from
``SECRET_KEY``. The field belongs to the registry, so its encryption lives here; ``connectors.secrets`` decrypts
through this module when a connector runs and remembers the values for log redaction.
"""

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


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
        return json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken as exc:
        raise ValueError("The stored connector secrets cannot be decrypted with the configured keys.") from exc
