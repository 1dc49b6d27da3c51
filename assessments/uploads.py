"""What an evidence upload may be: its name normalised first, then its type checked three ways.

``report2.xhtml `` (a trailing space) once passed the type check, which looked the name up as given, and was
stored as ``report2.xhtml`` because the storage strips spaces; served inline, its script ran as the viewer. So
the name is normalised (Unicode NFKC, invisible and control characters removed, whitespace collapsed, leading
and trailing dots and spaces stripped) BEFORE anything is checked, and the normalised name is the one stored.
Then the extension must be on the allow-list, the declared type must agree with it, and the content must look
like it (magic bytes for binary formats; UTF-8 text without NUL bytes or an HTML/SVG/XML start for text), so an
``.exe`` renamed ``fake.pdf`` is refused. Evidence is only ever served by the download view, as an attachment.
"""

import codecs
import unicodedata
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError

# Extension -> the one content type it is stored and served as.
EXTENSION_TYPES = {
    ".pdf": "application/pdf",
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".csv": "text/csv",
    ".json": "application/json",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}
# Declared types browsers and operating systems send for these extensions besides the type itself.
GENERIC_TYPES = {"", "application/octet-stream"}
DECLARED_ALIASES = {
    "text/markdown": {"text/x-markdown", "text/plain"},
    "text/csv": {"application/vnd.ms-excel", "application/csv", "text/plain"},
    "application/json": {"text/json", "text/plain"},
    "image/jpeg": {"image/pjpeg"},
}
MAGIC = {
    "application/pdf": (b"%PDF-", "a PDF"),
    "image/png": (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    "image/jpeg": (b"\xff\xd8\xff", "a JPEG image"),
}
# Text that a browser would treat as markup if it ever rendered it.
MARKUP_STARTS = ("<!doctype", "<html", "<head", "<body", "<script", "<svg", "<?xml", "<iframe", "<object")
TEXT_SAMPLE = 64 * 1024
MAX_NAME = 200


def normalised_filename(name):
    """The name as it will be checked, stored and shown (see the module docstring); never empty."""
    name = unicodedata.normalize("NFKC", str(name)).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(" " if ch.isspace() else ch for ch in name if ch.isspace() or unicodedata.category(ch)[0] != "C")
    name = " ".join(name.split()).strip(" .")
    if len(name) > MAX_NAME:
        path = PurePosixPath(name)
        name = path.stem[: MAX_NAME - len(path.suffix[:20])] + path.suffix[:20]
    return name or "evidence"


def allowed_extensions():
    allowed = settings.PLUMBLINE_UPLOAD_CONTENT_TYPES
    return sorted(ext for ext, content_type in EXTENSION_TYPES.items() if content_type in allowed)


def _refuse(message):
    raise ValidationError({"file": [message]})


def _head(upload, size):
    upload.seek(0)
    head = upload.read(size)
    upload.seek(0)
    return head


def _check_content(upload, content_type, name):
    if content_type in MAGIC:
        magic, what = MAGIC[content_type]
        if _head(upload, len(magic)) != magic:
            _refuse(f"{name} does not look like {what}: its content is not in that format. Upload the real file.")
        return
    sample = _head(upload, TEXT_SAMPLE)
    try:
        codecs.getincrementaldecoder("utf-8-sig")().decode(sample, final=len(sample) < TEXT_SAMPLE)
    except UnicodeDecodeError:
        _refuse(f"{name} is not UTF-8 text; save it as UTF-8, or upload a PDF.")
    if b"\x00" in sample:
        _refuse(f"{name} holds binary data, not text; upload a PDF or an image instead.")
    start = sample.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith(tuple(marker.encode() for marker in MARKUP_STARTS)):
        _refuse(f"{name} looks like a web page (HTML, SVG or XML), which is not accepted; upload a PDF instead.")


def check_evidence_upload(upload):
    """``(normalised name, content type)`` of an acceptable upload; else ``ValidationError`` on ``file``."""
    limit = settings.PLUMBLINE_UPLOAD_MAX_BYTES
    if upload.size > limit:
        _refuse(f"The file is {upload.size:,} bytes; the limit is {limit:,} bytes. Link to it instead.")
    name = normalised_filename(upload.name)
    extensions = ", ".join(allowed_extensions())
    suffix = PurePosixPath(name).suffix.lower()
    content_type = EXTENSION_TYPES.get(suffix)
    if content_type is None or content_type not in settings.PLUMBLINE_UPLOAD_CONTENT_TYPES:
        _refuse(f"Files like {name!r} are not accepted; use one of {extensions}.")
    declared = (upload.content_type or "").split(";")[0].strip().lower()
    if declared != content_type and declared not in GENERIC_TYPES | DECLARED_ALIASES.get(content_type, set()):
        _refuse(f"{name} was sent as {declared}, which does not match its extension {suffix} ({content_type}).")
    _check_content(upload, content_type, name)
    return name, content_type
