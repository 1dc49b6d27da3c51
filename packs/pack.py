"""The evidence pack format: a zip of files, a manifest of their SHA-256 hashes, and an Ed25519 signature of it.

Pure: bytes in, bytes out; the caller gathers the files and passes the signer. ``plumbline verify-pack``
(cli/plumbline_cli/pack.py) checks a pack offline against the public key; docs/evidence-packs.md describes both.
"""

import base64
import hashlib
import io
import json
import zipfile

FORMAT = "plumbline-evidence-pack/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
RESERVED = {MANIFEST, SIGNATURE}
# A fixed timestamp in every entry: the zip's bytes depend only on its content.
ZIP_EPOCH = (2000, 1, 1, 0, 0, 0)

README = """Plumbline evidence pack

manifest.json lists every file in this pack with its SHA-256 hash; manifest.sig is the Ed25519 signature of
manifest.json's exact bytes (base64) by the Plumbline server whose key id manifest.json names.

Check it offline with the public key (served at /.well-known/plumbline-signing-key.pem, or by key id at
/.well-known/plumbline-signing-keys.json):

    plumbline verify-pack THIS.zip --key plumbline-signing-key.pem

It exits 0 when the signature and every hash match, and 1 naming each altered, missing or unlisted file.
Assessment records (records/*.json) also carry their own content hash: the SHA-256 of the record's canonical
JSON (sorted keys, no spaces, UTF-8), taken when the assessment was submitted.
"""


def manifest_bytes(*, files: dict[str, bytes], meta: dict, key_id: str, algorithm: str) -> bytes:
    manifest = {
        "format": FORMAT,
        **meta,
        "signature": {"algorithm": algorithm, "key_id": key_id, "file": SIGNATURE},
        "files": [
            {"path": path, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            for path, data in sorted(files.items())
        ],
    }
    return json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False).encode()


def build(*, files: dict[str, bytes], meta: dict, key_id: str, algorithm: str, sign) -> bytes:
    """The pack's zip: ``files`` plus README.txt, the manifest and its signature (``sign(bytes) -> bytes``)."""
    if RESERVED & set(files):
        raise ValueError(f"{', '.join(sorted(RESERVED & set(files)))} is reserved for the pack's own manifest")
    files = {"README.txt": README.encode(), **files}
    manifest = manifest_bytes(files=files, meta=meta, key_id=key_id, algorithm=algorithm)

    signature = base64.b64encode(sign(manifest)) + b"\n"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, data in [(MANIFEST, manifest), (SIGNATURE, signature), *sorted(files.items())]:
            info = zipfile.ZipInfo(path, date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return out.getvalue()
