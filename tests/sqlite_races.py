"""Concurrent writes against a real file-backed SQLite database configured exactly as ``config.settings`` does.

Run as ``python -m tests.sqlite_races PATH`` (``DATABASE_URL`` must name ``sqlite:///PATH``): migrates, builds a
little inventory, then releases each scenario's requests in threads at the same instant through Django's full
request stack and prints, as JSON, the status (or exception) each request got and what was stored. The
in-memory test database cannot show this: SQLite's locking only bites between connections to one file.
"""

import json
import os
import sys
from pathlib import Path

THREADS = 8


def main():
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from accounts.models import User
    from assessments.models import Assessment
    from tests.concurrency import run_at_once
    from tests.factories import ProjectFactory, TeamFactory, make_user, questionnaire_version_from_yaml

    call_command("migrate", verbosity=0)
    folder = Path(__file__).parent / "data" / "assessments"
    for kind in ("impact", "risk", "maturity"):
        questionnaire_version_from_yaml(folder / f"{kind}-small.yaml")
    team = TeamFactory(name="Search", slug="search")
    members = [make_user(User.Role.MEMBER, teams=[team], username=f"member{i}") for i in range(THREADS)]
    project = ProjectFactory(team=team, name="Docs Q&A", slug="docs-qa")

    def request(user, method, url, **kwargs):
        def work():
            client = Client(raise_request_exception=False)
            client.force_login(user)
            return getattr(client, method)(url, **kwargs).status_code

        return work

    def outcome(results):
        return [r if isinstance(r, int) else f"{type(r).__name__}: {r}" for r in results]

    report = {}
    # A double-clicked (or many-clicked) "start assessment".
    started = run_at_once(
        [request(m, "post", "/projects/docs-qa/assessments/start/", data={"kind": "maturity"}) for m in members]
    )
    draft = Assessment.objects.filter(project=project, kind="maturity").first()
    report["start"] = {
        "statuses": outcome(started),
        "assessments": Assessment.objects.filter(project=project, kind="maturity").count(),
    }
    # Autosaves of different answers at once.
    questions = ["m.docs.readme", "m.docs.owner", "m.ops.uses_api", "m.rag.chunking"]
    values = {"m.docs.readme": "yes", "m.docs.owner": "Alice", "m.ops.uses_api": "no", "m.rag.chunking": "yes"}
    saved = run_at_once(
        [
            request(
                m,
                "post",
                f"/assessments/{draft.pk}/answers/{q}/",
                data=json.dumps({"value": values[q], "expected_version": 0}),
                content_type="application/json",
            )
            for m, q in zip(members, questions, strict=False)
        ]
    )
    report["autosave"] = {"statuses": outcome(saved), "answered": draft.answers.exclude(value=None).count()}
    # Project edits and stage moves at once, through the API.
    edits = [
        request(
            m,
            "patch",
            "/api/v1/projects/docs-qa/",
            data=json.dumps({"description": f"Edit {i}"}),
            content_type="application/json",
        )
        for i, m in enumerate(members[: THREADS // 2])
    ]
    moves = [
        request(
            m,
            "post",
            "/api/v1/projects/docs-qa/stage",
            data=json.dumps({"stage": "retired"}),
            content_type="application/json",
        )
        for m in members[THREADS // 2 :]
    ]
    changed = run_at_once(edits + moves)
    project.refresh_from_db()
    report["edits"] = {"statuses": outcome(changed[: len(edits)]), "description": project.description}
    report["moves"] = {"statuses": outcome(changed[len(edits) :]), "stage": project.stage}
    print(json.dumps(report))


if __name__ == "__main__":
    sys.exit(main())
