"""OpenAPI conventions shared by every app: each operation documents the errors it can answer, in the one shape.

Every API request may be refused before its view runs (400 for a malformed request, 401 without credentials, 403
for a token's scope), and any operation that names an object in its path, or pages through a list, answers 404
when there is none. Views document what is particular to them (409, 429, ...) with ``extend_schema``; this hook
adds the shared ones they leave out, so schemathesis's ``status_code_conformance`` holds for every operation.
"""

ERROR_SCHEMA = {
    "type": "object",
    "description": 'The one error shape of the API: {"detail": "...", "errors": {"field": ["message", ...]}}.',
    "properties": {
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "description": "Messages by field; a list or nested field has them by index or by its own fields.",
        },
    },
    "required": ["detail", "errors"],
}
DESCRIPTIONS = {
    "400": "The request is malformed or has invalid fields (each named in errors).",
    "401": "No valid credentials: sign in, or send an API token.",
    "403": "Signed in, but this role or token may not do this.",
    "404": "No such object (or page), or not one this user or token may see.",
}


def _may_answer_404(path, operation):
    return "{" in path or any(p.get("name") == "page" for p in operation.get("parameters", []))


FORM_MEDIA_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_file(schema, components, seen=()):
    if isinstance(schema, dict):
        if schema.get("format") == "binary":
            return True
        ref = schema.get("$ref", "")
        if ref and ref not in seen:
            return _has_file(components.get(ref.rsplit("/", 1)[-1], {}), components, (*seen, ref))
        return any(_has_file(value, components, seen) for value in schema.values())
    if isinstance(schema, list):
        return any(_has_file(value, components, seen) for value in schema)
    return False


def _json_request_only(operation, components):
    """The API is documented as JSON; form encodings stay documented only where a file is uploaded (they remain
    accepted for the browsable API, whose HTML-form rules, e.g. an empty list sent as one empty field, differ)."""
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return
    for media_type in FORM_MEDIA_TYPES:
        if media_type in content and not _has_file(content[media_type].get("schema"), components):
            del content[media_type]


def _empty_means_any(operation):
    """A filter left empty (``?kind=``) filters nothing, as the HTML filter forms send it: say so in its enum. A yes/no
    filter is written ``true`` or ``false`` (``registry.filtersets.StrictBooleanField``), or left empty."""
    for parameter in operation.get("parameters", []):
        schema = parameter.get("schema", {})
        if parameter.get("in") == "query" and schema.get("type") == "boolean":
            parameter["schema"] = schema = {"type": "string", "enum": ["true", "false"]}
        if parameter.get("in") == "query" and schema.get("type") == "array":
            schema = schema.get("items", {})  # e.g. ordering: a list of choices, or empty
        if parameter.get("in") == "query" and schema.get("type") == "string" and "" not in schema.get("enum", [""]):
            schema["enum"] = [*schema["enum"], ""]


def error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: add the shared error responses every operation can give."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            _json_request_only(operation, components)
            _empty_means_any(operation)
            responses = operation.setdefault("responses", {})
            codes = ["400", "401", "403"] + (["404"] if _may_answer_404(path, operation) else [])
            for code in codes:
                responses.setdefault(code, {"content": reference, "description": DESCRIPTIONS[code]})
    return result
