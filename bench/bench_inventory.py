"""Inventory list page and API list with 10,000 projects.

Reports SQL queries per request at 10 and at 10,000 projects and at page sizes 25 and 100 (they must not
grow), and time per request as a ratio to a bare Django view rendering the same rows with a plain template,
served through the same middleware in the same run. Runs in a subprocess on a throw-away SQLite file.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.table import Row

NAME = "inventory"
ROOT = Path(__file__).resolve().parents[1]
PROJECTS = 10_000
SMALL = 10
PAGE_SIZES = (25, 100)
REPEAT = 20


def run():
    with tempfile.TemporaryDirectory(prefix="plumbline-bench-inventory-") as tmp:
        env = dict(
            os.environ,
            DATABASE_URL=f"sqlite:///{tmp}/bench.sqlite3",
            DJANGO_SETTINGS_MODULE="config.test_settings",
            PYTHONPATH=str(ROOT),
            LOG_LEVEL="ERROR",
        )
        env.pop("CELERY_BROKER_URL", None)
        done = subprocess.run(
            [sys.executable, "-m", "bench.bench_inventory"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=1800,
        )
    if done.returncode:
        raise RuntimeError(f"inventory benchmark failed: {done.stderr[-2000:]}")
    return [Row(**row) for row in json.loads(done.stdout.strip().splitlines()[-1])]


def _measure():
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    call_command("migrate", verbosity=0)
    client = Client()
    client.force_login(_seed(SMALL))
    urlconf = _urlconf()
    urls = {"list page": "/projects/?page_size={n}", "API list": "/api/v1/projects/?page_size={n}"}

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200, url
        return len(captured)

    def seconds(url):
        client.get(url)
        started = time.perf_counter()
        for _ in range(REPEAT):
            client.get(url)
        return (time.perf_counter() - started) / REPEAT

    rows = []

    def add(measure, value, unit, ratio, baseline):
        rows.append({"benchmark": NAME, "measure": measure, "value": value, "unit": unit, "ratio": ratio,
                     "baseline": baseline})  # fmt: skip

    with override_settings(ROOT_URLCONF=urlconf, DEBUG=False):
        small = {(what, n): queries(url.format(n=n)) for what, url in urls.items() for n in PAGE_SIZES}
        _seed(PROJECTS, start=SMALL)
        for (what, n), at_small in small.items():
            at_large = queries(urls[what].format(n=n))
            add(f"{what} queries, {SMALL} projects, {n}/page", at_small, "queries", 1.0, f"{SMALL} projects")
            add(f"{what} queries, {PROJECTS:,} projects, {n}/page", at_large, "queries", at_large / at_small,
                f"{SMALL} projects")  # fmt: skip
        for n in PAGE_SIZES:
            bare = seconds(f"/bench/bare/?page_size={n}")
            for what, url in urls.items():
                took = seconds(url.format(n=n))
                add(f"{what} time, {PROJECTS:,} projects, {n}/page", round(took * 1000, 2), "ms/request",
                    took / bare, f"bare Django view, same {n} rows ({bare * 1000:.1f} ms)")  # fmt: skip
    print(json.dumps(rows))


def _urlconf():
    """The production URLs plus /bench/bare/: the same rows through a plain template, nothing else (baseline)."""
    from types import ModuleType

    from django.http import HttpResponse
    from django.template import engines
    from django.urls import path

    from config.urls import urlpatterns
    from registry.models import Project

    template = engines["django"].from_string(
        "<table>{% for p in rows %}<tr><td>{{ p.name }}</td><td>{{ p.team.name }}</td><td>{{ p.stage }}</td>"
        "<td>{{ p.exposure }}</td></tr>{% endfor %}</table>"
    )

    def bare(request):
        size = int(request.GET["page_size"])
        rows = Project.objects.filter(archived_at__isnull=True).select_related("team").order_by("name")[:size]
        return HttpResponse(template.render({"rows": rows}))

    module = ModuleType("bench_inventory_urls")
    module.urlpatterns = [path("bench/bare/", bare), *urlpatterns]
    return module


def _seed(count, start=0):
    """``count`` projects over 4 teams, each with 2 tags and a component; returns an admin user."""
    from accounts.models import User
    from registry.models import Component, Project, Tag, Team

    admin, _ = User.objects.get_or_create(username="bench-admin", defaults={"role": User.Role.ADMIN})
    teams = [Team.objects.get_or_create(slug=f"team-{i}", defaults={"name": f"Team {i}"})[0] for i in range(4)]
    tags = [Tag.objects.get_or_create(slug=f"tag-{i}", defaults={"name": f"tag-{i}"})[0] for i in range(8)]
    stages = ["idea", "poc", "pilot", "production"]
    projects = Project.objects.bulk_create(
        [
            Project(
                name=f"Project {n:05}",
                slug=f"project-{n:05}",
                team=teams[n % 4],
                stage=stages[n % 4],
                technical_owner=admin,
                run_cost_per_month=n,
            )
            for n in range(start, start + count)
        ],
        batch_size=1000,
    )
    Through = Project.tags.through
    Through.objects.bulk_create(
        [Through(project_id=p.pk, tag_id=tags[(p.pk + k) % 8].pk) for p in projects for k in (0, 1)], batch_size=2000
    )
    Component.objects.bulk_create(
        [Component(project=p, kind="model_endpoint", name="Endpoint") for p in projects], batch_size=2000
    )
    return admin


if __name__ == "__main__":
    _measure()
