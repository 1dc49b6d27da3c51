"""``plumbline verify-pack``: check a Plumbline evidence pack offline.

The pack is a zip with ``manifest.json`` (every file's SHA-256), ``manifest.sig`` (base64 Ed25519 signature of
manifest.json's exact bytes) and the files. Verifying reads the zip in memory with bounds on its size, its
number of entries and the bytes read from each entry (counted as read, not taken from the zip's headers), and
never writes a file. Needs the ``cryptography`` package (``pip install 'plumbline-cli[verify]'``); the rest of
the CLI stays standard-library only.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import zipfile
from dataclasses import dataclass, field

MANIFEST, SIGNATURE = "manifest.json", "manifest.sig"
FORMAT = "plumbline-evidence-pack/1"
MAX_BYTES = int(os.environ.get("PLUMBLINE_PACK_MAX_BYTES", 200 * 1024 * 1024))
MAX_ENTRIES = int(os.environ.get("PLUMBLINE_PACK_MAX_ENTRIES", 2000))
MAX_ENTRY_BYTES = int(os.environ.get("PLUMBLINE_PACK_MAX_ENTRY_BYTES", 100 * 1024 * 1024))
CHUNK = 1024 * 1024


class CannotVerify(Exception):
    """The pack could not be checked at all (unreadable, over a limit, no key): neither valid nor altered."""


@dataclass
class Verdict:
    valid: bool = False
    key_id: str = ""
    project: str = ""
    files: int = 0
    problems: list = field(default_factory=list)  # (path, what is wrong)


def _crypto():
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        raise CannotVerify("verify-pack needs the cryptography package: pip install 'plumbline-cli[verify]'") from None
    return InvalidSignature, serialization, Ed25519PublicKey


def load_key(pem: bytes):
    _, serialization, Ed25519PublicKey = _crypto()
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError:
        raise CannotVerify("The key file is not a PEM public key.") from None
    if not isinstance(key, Ed25519PublicKey):
        raise CannotVerify("The key is not an Ed25519 public key.")
    return key


def key_id(key) -> str:
    _, serialization, _ = _crypto()
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def _read(archive, info, limit):
    """The entry's bytes, at most ``limit`` of them whatever its header claims; None when its data is corrupt."""
    size = 0
    data = bytearray()
    try:
        with archive.open(info) as handle:
            while chunk := handle.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise CannotVerify(
                        f"{info.filename} unpacks to more than {limit} bytes (PLUMBLINE_PACK_MAX_ENTRY_BYTES)."
                    )
                data += chunk
    except (zipfile.BadZipFile, EOFError, OSError):
        return None  # a CRC or deflate error: its bytes changed inside the zip
    return bytes(data)


def verify(path: str, key_pem: bytes) -> Verdict:
    """Check the signature of the manifest with ``key_pem`` and every file's hash against the manifest."""
    invalid_signature, _, _ = _crypto()
    key = load_key(key_pem)
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise CannotVerify(f"Cannot read {path}: {exc.strerror}.") from None
    if size > MAX_BYTES:
        raise CannotVerify(f"{path} is {size} bytes, over the {MAX_BYTES}-byte limit (PLUMBLINE_PACK_MAX_BYTES).")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise CannotVerify(f"{path} is not a readable zip file ({exc}).") from None
    verdict = Verdict(key_id=key_id(key))
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ENTRIES:
            raise CannotVerify(
                f"{path} holds {len(entries)} files, over the limit of {MAX_ENTRIES} (PLUMBLINE_PACK_MAX_ENTRIES)."
            )
        by_name = {}
        for info in entries:
            if info.filename in by_name:
                verdict.problems.append((info.filename, "appears twice in the zip"))
            by_name[info.filename] = info
        if MANIFEST not in by_name or SIGNATURE not in by_name:
            missing = MANIFEST if MANIFEST not in by_name else SIGNATURE
            verdict.problems.append((missing, "missing: this is not a Plumbline evidence pack, or it was stripped"))
            return verdict
        manifest_bytes = _read(archive, by_name[MANIFEST], MAX_ENTRY_BYTES)
        signature_text = _read(archive, by_name[SIGNATURE], 4096)
        try:
            signature = base64.b64decode((signature_text or b"").strip(), validate=True)
            key.verify(signature, manifest_bytes or b"")
        except (ValueError, invalid_signature):
            verdict.problems.append(
                (
                    MANIFEST,
                    f"the signature does not match the key {verdict.key_id}: the manifest or its signature "
                    "was changed, or the pack was signed with another key",
                )
            )
            manifest_bytes = manifest_bytes if manifest_bytes is not None else b"{}"
        try:
            manifest = json.loads(manifest_bytes)
            listed = {item["path"]: item["sha256"] for item in manifest["files"]}
        except (ValueError, KeyError, TypeError):
            verdict.problems.append((MANIFEST, "is not a readable pack manifest"))
            return verdict
        verdict.project = str((manifest.get("project") or {}).get("slug", ""))
        signed_by = (manifest.get("signature") or {}).get("key_id")
        if signed_by and signed_by != verdict.key_id and verdict.problems:
            verdict.problems[-1] = (MANIFEST, f"signed with key {signed_by}, not with the key given ({verdict.key_id})")
        for name, expected in sorted(listed.items()):
            info = by_name.get(name)
            if info is None:
                verdict.problems.append((name, "missing from the pack"))
                continue
            data = _read(archive, info, MAX_ENTRY_BYTES)
            if data is None or hashlib.sha256(data).hexdigest() != expected:
                verdict.problems.append((name, "altered: its SHA-256 does not match the manifest"))
            verdict.files += 1
        for name in sorted(set(by_name) - set(listed) - {MANIFEST, SIGNATURE}):
            verdict.problems.append((name, "not listed in the manifest (added after signing)"))
    verdict.valid = not verdict.problems
    return verdict
