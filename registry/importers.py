"""Inventory import: Plumbline CSV/YAML (as exported) and Backstage ``catalog-info.yaml``.

Every project is validated with the API's serializer, so a file row and an API call fail with the same words.
Errors are reported as ``file:line: field: message``. The whole import runs in one transaction and is rolled
back if any row is bad (or for a dry run): nothing is ever half-imported.
"""

import csv
import io
from dataclasses import dataclass, field

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts import permissions
from config import limits, spreadsheet

from . import services
from .api.serializers import ProjectImportSerializer
from .choices import ComponentKind, Stage
from .models import ChangeRecord, Component, Project

LINE = "__line__"
TRUE = {"true", "yes", "y", "1"}
FALSE = {"false", "no", "n", "0", ""}

BACKSTAGE_LIFECYCLE = {"experimental": Stage.POC, "production": Stage.PRODUCTION, "deprecated": Stage.RETIRED}
BACKSTAGE_RESOURCE_KINDS = {
    "vector-store": ComponentKind.VECTOR_STORE,
    "vector-database": ComponentKind.VECTOR_STORE,
    "model": ComponentKind.MODEL_ENDPOINT,
    "llm": ComponentKind.MODEL_ENDPOINT,
    "model-endpoint": ComponentKind.MODEL_ENDPOINT,
    "mlflow": ComponentKind.MLFLOW,
    "mlflow-experiment": ComponentKind.MLFLOW,
    "dataset": ComponentKind.EVAL_DATASET,
    "monitoring": ComponentKind.MONITORING_SOURCE,
    "prompts": ComponentKind.PROMPT_SET,
}
# Annotations that set project fields directly, e.g. ``plumbline.io/exposure: customer_facing``.
ANNOTATION_PREFIX = "plumbline.io/"


class ImportFileError(Exception):
    """The file as a whole cannot be read (bad syntax, unknown format)."""


@dataclass
class Entry:
    """One project to import, with where it came from."""

    source: str
    data: dict


@dataclass
class ImportResult:
    dry_run: bool
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)

    @property
    def ok(self):
        return not self.errors

    def summary(self):
        return f"{len(self.created)} new and {len(self.updated)} updated project(s)"


# --- Reading files ----------------------------------------------------------------------------------


class _LineLoader(yaml.SafeLoader):
    """A safe loader that remembers the line of every mapping, for error messages."""


def _construct_mapping(loader, node):
    mapping = loader.construct_mapping(node, deep=True)
    mapping[LINE] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _strip_lines(value):
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != LINE}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def read_file(name: str, content: bytes) -> tuple[list[Entry], list[str], list[str]]:
    """Entries, errors and warnings found in one file."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [f"{name}: the file is not UTF-8 text; save it as UTF-8 and try again."], []
    if name.lower().endswith(".csv"):
        return _read_csv(name, text)
    if name.lower().endswith((".yaml", ".yml")):
        try:
            limits.check_yaml_budget(text)
            documents = [d for d in yaml.load_all(text, Loader=_LineLoader) if d is not None]
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{name}:{mark.line + 1}" if mark else name
            if isinstance(exc, limits.YamlLimitError):
                return [], [f"{where}: {exc.problem}; split the file or simplify it."], []
            return [], [f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})."], []
        if any(isinstance(d, dict) and str(d.get("apiVersion", "")).startswith("backstage.io/") for d in documents):
            return _read_backstage(name, documents)
        return _read_yaml(name, documents)
    return [], [f"{name}: unknown file type; use .csv, .yaml or .yml."], []


def _read_yaml(name, documents):
    entries, errors = [], []
    for document in documents:
        items = document.get("projects") if isinstance(document, dict) else document
        if not isinstance(items, list):
            line = document.get(LINE, 1) if isinstance(document, dict) else 1
            errors.append(f"{name}:{line}: expected a list under 'projects:' (as export_inventory writes it).")
            continue
        for item in items:
            if not isinstance(item, dict):
                errors.append(f"{name}: each project must be a mapping of field: value.")
                continue
            entries.append(Entry(f"{name}:{item.get(LINE, 1)}", _strip_lines(item)))
    return entries, errors, []


def _parse_bool(value, column):
    lowered = value.strip().lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise ValueError(f"{column}: write true or false, not {value!r}.")


def _money(value, column):
    """Money text, refused here when beyond the number limits (the serializer then checks precision and range)."""
    value = value.strip()
    if value:
        try:
            limits.parse_number(value)
        except ValidationError as exc:
            if exc.code == "limit":
                raise ValueError(f"{column}: {exc.messages[0]}") from None
    return value or None


def _split(value):
    return [item.strip() for item in value.split(",") if item.strip()]


def _csv_rows(reader, name, errors):
    """The rows of ``reader``; a row the csv module cannot read (e.g. a field over its own size limit) ends the
    file with a located error instead of an exception."""
    rows = iter(reader)
    while True:
        start = reader.line_num + 1
        try:
            yield next(rows)
        except StopIteration:
            return
        except csv.Error as exc:
            message = str(exc)
            if "field larger than field limit" in message:
                message = (
                    f"a value is longer than {limits.max_field_chars():,} characters (PLUMBLINE_INPUT_MAX_FIELD_CHARS)"
                )
            errors.append(f"{name}:{start}: the CSV cannot be read: {message}.")
            return


def _read_csv(name, text):
    entries, errors = [], []
    reader = csv.DictReader(io.StringIO(text))
    try:
        fieldnames = reader.fieldnames
    except csv.Error as exc:
        return [], [f"{name}:1: the CSV header cannot be read: {exc}."], []
    if not fieldnames or "slug" not in fieldnames:
        return [], [f"{name}:1: the header row needs at least the columns slug, name and team."], []
    field_limit = limits.max_field_chars()
    line = 2
    for row in _csv_rows(reader, name, errors):
        start, line = line, reader.line_num + 1
        data, row_errors = {}, []
        for column, value in row.items():
            if column is None:
                row_errors.append("this row has more cells than the header has columns.")
                continue
            value = spreadsheet.unescaped_cell(value or "")
            if len(value) > field_limit:
                row_errors.append(
                    f"{column}: {len(value):,} characters; the limit is {field_limit:,} "
                    "(PLUMBLINE_INPUT_MAX_FIELD_CHARS)."
                )
                continue
            try:
                if column in ("uses_rag", "handles_pii", "handles_sensitive", "handles_confidential", "badge_public"):
                    data[column] = _parse_bool(value, column)
                elif column in ("links", "components"):
                    data[column] = limits.json_loads(value) if value.strip() else []
                elif column == "regions":
                    stripped = value.strip()
                    data[column] = limits.json_loads(stripped) if stripped.startswith("[") else _split(stripped)
                elif column == "tags":
                    data[column] = _split(value)
                elif column in ("estimated_build_cost", "run_cost_per_month", "expected_value_per_year"):
                    data[column] = _money(value, column)
                elif column in ("business_owner", "technical_owner"):
                    data[column] = value.strip() or None
                else:
                    data[column] = value
            except limits.InputLimitError as exc:
                row_errors.append(f"{column}: {exc.message}")
            except ValueError as exc:
                row_errors.append(str(exc))
        if row_errors:
            errors.extend(f"{name}:{start}: {message}" for message in row_errors)
        else:
            entries.append(Entry(f"{name}:{start}", data))
    return entries, errors, []


def _owner_slug(owner):
    owner = str(owner or "")
    return owner.split(":", 1)[-1].split("/", 1)[-1]


def _ref_name(ref):
    """``system:default/shop`` -> ``shop``."""
    return _owner_slug(ref) if ref else ""


_BACKSTAGE_SHAPES = (
    (("metadata",), dict),
    (("spec",), dict),
    (("metadata", "annotations"), dict),
    (("metadata", "links"), list),
    (("metadata", "tags"), list),
    (("spec", "dependencyOf"), list),
)


def _backstage_shape_problems(doc):
    """Messages for the parts of a Backstage entity that are not the mapping or list Backstage defines."""
    problems = []
    for path, kind in _BACKSTAGE_SHAPES:
        value = doc
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if value is not None and not isinstance(value, kind):
            what = "a mapping of key: value" if kind is dict else "a list"
            problems.append(
                f"{'.'.join(path)}: must be {what}, not {type(value).__name__} {_strip_lines(value)!r:.60}."
            )
    links = (doc.get("metadata") or {}).get("links") if isinstance(doc.get("metadata"), dict) else None
    if isinstance(links, list) and not all(isinstance(link, dict) for link in links):
        problems.append("metadata.links: each link must be a mapping with url and title.")
    return problems


def _backstage_project(doc, name, line):
    metadata, spec = doc.get("metadata") or {}, doc.get("spec") or {}
    annotations = metadata.get("annotations") or {}
    data = {
        "slug": metadata.get("name"),
        "name": metadata.get("title") or metadata.get("name"),
        "description": metadata.get("description") or "",
        "team": _owner_slug(spec.get("owner")),
        "tags": list(metadata.get("tags") or []),
        "links": [{"label": link.get("title", ""), "url": link.get("url")} for link in metadata.get("links") or []],
        "components": [],
    }
    if spec.get("lifecycle") in BACKSTAGE_LIFECYCLE:
        data["stage"] = BACKSTAGE_LIFECYCLE[spec["lifecycle"]]
    for key, value in annotations.items():
        if key.startswith(ANNOTATION_PREFIX):
            field_name = key.removeprefix(ANNOTATION_PREFIX).replace("-", "_")
            data[field_name] = str(value).split(",") if field_name == "regions" else value
    repository = _repository_component(metadata.get("name"), annotations)
    if repository:
        data["components"].append(repository)
    return Entry(f"{name}:{line}", _strip_lines(data))


def _repository_component(component_name, annotations):
    location = str(annotations.get("backstage.io/source-location", ""))
    url = location.split(":", 1)[1] if location.startswith(("url:", "dir:")) else location
    if not url and annotations.get("github.com/project-slug"):
        url = f"https://github.com/{annotations['github.com/project-slug']}"
    if not url:
        return None
    return {"kind": ComponentKind.CODE_REPOSITORY, "name": f"{component_name} repository", "attributes": {"url": url}}


def _read_backstage(name, documents):
    """System -> project; Component -> project, or a repository of its System's project; Resource -> component."""
    projects, warnings, errors, children = {}, [], [], []
    for doc in documents:
        if not isinstance(doc, dict):
            continue
        line, kind = doc.get(LINE, 1), doc.get("kind")
        if problems := _backstage_shape_problems(doc):
            errors.extend(f"{name}:{line}: {problem}" for problem in problems)
            continue
        spec = doc.get("spec") or {}
        doc_name = (doc.get("metadata") or {}).get("name")
        if not doc_name:
            errors.append(f"{name}:{line}: metadata.name is missing; it becomes the project slug.")
        elif kind == "System" or (kind == "Component" and not spec.get("system")):
            projects[doc_name] = _backstage_project(doc, name, line)
        elif kind in ("Component", "Resource"):
            children.append((doc, line))
        else:
            warnings.append(f"{name}:{line}: kind {kind} skipped (only System, Component and Resource are imported).")
    for doc, line in children:
        metadata, spec = doc.get("metadata") or {}, doc.get("spec") or {}
        parent = _ref_name(spec.get("system")) or _ref_name((spec.get("dependencyOf") or [""])[0])
        if parent not in projects:
            warnings.append(
                f"{name}:{line}: {doc['kind']} {metadata['name']} skipped: its system {parent!r} is not in this import."
            )
            continue
        annotations = metadata.get("annotations") or {}
        if doc["kind"] == "Component":
            component = _repository_component(metadata["name"], annotations)
            if component is None:
                warnings.append(f"{name}:{line}: Component {metadata['name']} skipped: no source-location annotation.")
                continue
            component["name"] = metadata["name"]
        else:
            kind = BACKSTAGE_RESOURCE_KINDS.get(str(spec.get("type", "")).lower())
            if kind is None:
                known = ", ".join(sorted(BACKSTAGE_RESOURCE_KINDS))
                warnings.append(
                    f"{name}:{line}: Resource {metadata['name']} of type {spec.get('type')!r} skipped "
                    f"(known types: {known})."
                )
                continue
            component = {"kind": kind, "name": metadata["name"], "description": metadata.get("description", "")}
        projects[parent].data["components"].append(_strip_lines(component))
    return list(projects.values()), errors, warnings


# --- Validating and importing -----------------------------------------------------------------------


class _Rollback(Exception):
    pass


def _flatten(errors, prefix=""):
    if isinstance(errors, dict):
        for key, value in errors.items():
            yield from _flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(errors, list) and errors and all(isinstance(e, str) for e in errors):
        for message in errors:
            yield f"{prefix}: {message}" if prefix and prefix != "non_field_errors" else str(message)
    elif isinstance(errors, list):
        for index, value in enumerate(errors, start=1):
            if value:
                yield from _flatten(value, f"{prefix}[{index}]")
    else:
        yield f"{prefix}: {errors}"


def _import_entry(entry, actor, result):
    slug = entry.data.get("slug")
    existing = Project.objects.filter(slug=slug).first() if isinstance(slug, str) else None
    if existing is not None and actor is not None and not permissions.can_edit_project(actor, existing):
        result.errors.append(
            f"{entry.source}: slug: you cannot change {slug!r}, which belongs to team {existing.team}."
        )
        return
    serializer = ProjectImportSerializer(
        instance=existing, data=entry.data, partial=existing is not None, context={"user": actor}
    )
    if not serializer.is_valid():
        result.errors.extend(f"{entry.source}: {message}" for message in _flatten(serializer.errors))
        return
    data = dict(serializer.validated_data)
    tags = data.pop("tags", None)
    components = data.pop("components", [])
    note = f"Imported from {entry.source}"
    if existing is None:
        project = services.project_create(
            actor=actor, tags=tags or (), action=ChangeRecord.Action.IMPORT, note=note, **data
        )
        result.created.append(project.slug)
    else:
        data.pop("slug", None)
        project = services.project_update(
            actor=actor, project=existing, tags=tags, action=ChangeRecord.Action.IMPORT, note=note, **data
        )
        result.updated.append(project.slug)
    current = {c.name: c for c in Component.objects.filter(project=project)}
    for item in components:
        item = dict(item)
        if item["name"] in current:
            services.component_update(actor=actor, component=current[item["name"]], note=note, **item)
        else:
            services.component_create(
                actor=actor, project=project, action=ChangeRecord.Action.IMPORT, note=note, **item
            )


def import_files(files, *, actor=None, dry_run=False) -> ImportResult:
    """Import ``[(name, bytes), ...]`` as one transaction; with errors or ``dry_run`` nothing is kept."""
    result = ImportResult(dry_run=dry_run)
    entries = []
    for name, content in files:
        found, errors, warnings = read_file(name, content)
        entries.extend(found)
        result.errors.extend(errors)
        result.warnings.extend(warnings)
    seen = {}
    for entry in entries:
        slug = entry.data.get("slug")
        if slug in seen:
            result.errors.append(f"{entry.source}: slug: {slug!r} appears twice (also at {seen[slug]}).")
        seen.setdefault(slug, entry.source)
    # Rows that read fine are still validated (inside the rolled-back transaction) so one run reports all errors.
    try:
        with transaction.atomic():
            for entry in entries:
                try:
                    with transaction.atomic():
                        _import_entry(entry, actor, result)
                except ValidationError as exc:
                    messages = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
                    result.errors.extend(f"{entry.source}: {m}" for m in _flatten(messages))
            if result.errors or dry_run:
                raise _Rollback
    except _Rollback:
        pass
    return result
