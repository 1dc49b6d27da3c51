"""Validation shared by the forms, the API serializers and the importers, so all three say the same thing."""

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

_url = URLValidator(schemes=["http", "https"])


def clean_links(value) -> list[dict]:
    """A list of ``{"label", "url"}`` with http(s) URLs; a bare URL string is accepted with its host as label."""
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ValidationError('Links must be a list of {"label": ..., "url": ...}.')
    links, errors = [], []
    for index, item in enumerate(value, start=1):
        if isinstance(item, str):
            item = {"label": "", "url": item}
        if not isinstance(item, dict) or not isinstance(item.get("url"), str):
            errors.append(f'Link {index}: expected {{"label": ..., "url": ...}}.')
            continue
        url = item["url"].strip()
        try:
            _url(url)
        except ValidationError:
            errors.append(f"Link {index}: {url!r} is not an http(s) URL; write it as https://host/path.")
            continue
        label = str(item.get("label") or "").strip() or urlsplit(url).hostname or url
        links.append({"label": label[:100], "url": url})
    if errors:
        raise ValidationError(errors)
    return links


def clean_regions(value) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError("Regions must be a list of names, e.g. EU, UK, US.")
    return list(dict.fromkeys(v.strip() for v in value if v.strip()))
