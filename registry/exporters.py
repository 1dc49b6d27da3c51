"""Inventory export in the formats ``registry.importers`` reads back (CSV, YAML). Secrets are never exported."""

import csv
import io
import json

import yaml

from config import spreadsheet

from .models import PROJECT_EDITABLE_FIELDS
from .selectors import project_classification
from .services import COMPONENT_FIELDS

# Slug first so a spreadsheet reads naturally; components (as JSON) last.
CSV_FIELDS = ["slug", *(f for f in PROJECT_EDITABLE_FIELDS if f != "slug"), "components"]


def project_document(project) -> dict:
    """One project as plain data; owners by username, team by slug, components without secrets."""
    return {
        "slug": project.slug,
        "name": project.name,
        "team": project.team.slug,
        "description": project.description,
        "business_owner": project.business_owner.username if project.business_owner else None,
        "technical_owner": project.technical_owner.username if project.technical_owner else None,
        "business_goal": project.business_goal,
        "kpis": project.kpis,
        **project_classification(project),
        "estimated_build_cost": _money(project.estimated_build_cost),
        "run_cost_per_month": _money(project.run_cost_per_month),
        "expected_value_per_year": _money(project.expected_value_per_year),
        "links": list(project.links or []),
        "tags": [t.name for t in project.tags.all()],
        "badge_public": project.badge_public,
        "components": [
            {field: getattr(c, field) for field in COMPONENT_FIELDS}
            for c in sorted(project.components.all(), key=lambda c: (c.kind, c.name))
        ],
    }


def _money(value):
    return None if value is None else str(value)


def export_yaml(projects) -> str:
    documents = [project_document(p) for p in projects]
    return yaml.safe_dump({"projects": documents}, sort_keys=False, allow_unicode=True, width=120)


def export_csv(projects) -> str:
    """One row per project; list and nested values (regions, links, tags, components) are JSON in their cell.

    Formula-like text is escaped (``config.spreadsheet``); the import reads it back unchanged."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for project in projects:
        row = project_document(project)
        for key in ("regions", "links", "components"):
            row[key] = json.dumps(row[key], ensure_ascii=False) if row[key] else ""
        row["tags"] = ", ".join(row["tags"])
        for key, value in row.items():
            if isinstance(value, bool):
                row[key] = "true" if value else "false"
            else:
                row[key] = spreadsheet.safe_cell(value)
        writer.writerow(row)
    return out.getvalue()
