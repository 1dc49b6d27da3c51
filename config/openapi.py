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
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
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


def error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: add the shared error responses every operation can give."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            codes = ["400", "401", "403"] + (["404"] if _may_answer_404(path, operation) else [])
            for code in codes:
                responses.setdefault(code, {"content": reference, "description": DESCRIPTIONS[code]})
    return result
