"""The server's Ed25519 signing key: load it, name it, sign with it, publish its public half (and retired ones).

The private key is read from the file ``PLUMBLINE_SIGNING_KEY`` names and never leaves this module: no template,
log line, API answer or pack holds it. A key id is the first 16 hex digits of the SHA-256 of the raw 32-byte public
key, so a verifier can tell which public key a pack needs (``docs/evidence-packs.md``, key rotation).
"""

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

ALGORITHM = "Ed25519"


class SigningKeyError(Exception):
    """The signing key is missing or unreadable; the message says which setting to fix (never the key)."""


@dataclass(frozen=True)
class PublicKey:
    kid: str
    pem: str
    current: bool


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_pem(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode(
        "ascii"
    )


def generate(path: Path) -> None:
    """A new key written with owner-only permissions; an existing file is never overwritten."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # another process made it first: use theirs
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)


def private_key() -> Ed25519PrivateKey:
    path = Path(settings.PLUMBLINE_SIGNING_KEY) if settings.PLUMBLINE_SIGNING_KEY else None
    if path is None:
        raise SigningKeyError("No signing key: set PLUMBLINE_SIGNING_KEY to the path of an Ed25519 private key (PEM).")
    if not path.exists() and settings.PLUMBLINE_SIGNING_KEY_GENERATE:
        generate(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningKeyError(
            f"The signing key file named by PLUMBLINE_SIGNING_KEY cannot be read ({exc.strerror}); create it with "
            "`manage.py signing_key_create` or point the setting at an existing key."
        ) from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise SigningKeyError(
            "The file named by PLUMBLINE_SIGNING_KEY is not an unencrypted PEM private key."
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError("The key named by PLUMBLINE_SIGNING_KEY is not an Ed25519 key.")
    return key


def sign(data: bytes) -> tuple[str, bytes]:
    """``(key id, signature)`` of ``data`` with the current key."""
    key = private_key()
    return key_id(key.public_key()), key.sign(data)


def _retired() -> list[Ed25519PublicKey]:
    keys = []
    for name in settings.PLUMBLINE_SIGNING_RETIRED_KEYS:
        try:
            key = serialization.load_pem_public_key(Path(name).read_bytes())
        except (OSError, ValueError) as exc:
            raise SigningKeyError(
                f"A retired public key listed in PLUMBLINE_SIGNING_RETIRED_KEYS cannot be read ({name}): "
                f"{getattr(exc, 'strerror', None) or 'not a PEM public key'}."
            ) from None
        if not isinstance(key, Ed25519PublicKey):
            raise SigningKeyError(f"The retired key {name} is not an Ed25519 public key.")
        keys.append(key)
    return keys


def public_keys() -> list[PublicKey]:
    """The current public key first, then every retired one still served (older packs verify against those)."""
    current = private_key().public_key()
    out = [PublicKey(kid=key_id(current), pem=public_pem(current), current=True)]
    seen = {out[0].kid}
    for key in _retired():
        kid = key_id(key)
        if kid not in seen:
            seen.add(kid)
            out.append(PublicKey(kid=kid, pem=public_pem(key), current=False))
    return out
