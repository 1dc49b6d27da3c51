"""Assessment form: saving one answer (the autosave endpoint) and rendering a section of 10 and 100 questions.

SQL queries per request must not grow with the number of questions (reported at 100 with the 10-question
count as baseline); time per request is reported as a ratio to a bare login-protected view through the same
middleware. Runs on a throw-away test database, never the demo data.
"""

import json
import statistics
import time

from bench.django_setup import run_in_test_db
from bench.table import Row

NAME = "assessments"
REPEAT = 30
SIZES = (10, 100)


def bare(request):
    from django.http import HttpResponse

    return HttpResponse("ok")


def _install_urls():
    """This module doubles as the URLconf of the run: the app's URLs plus the bare baseline view."""
    from django.urls import include, path

    globals()["urlpatterns"] = [path("bench/bare/", bare), path("", include("config.urls"))]


def _median_ms(fn, repeat=REPEAT):
    fn()  # warm caches (templates, compiled conditions)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def _queries(fn):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured)


def _draft(size, project, member):
    """A draft of a ``size``-question maturity questionnaire, half answered, some questions conditional."""
    from assessments.models import Answer, Assessment
    from questionnaires.definition import content_hash, normalise
    from questionnaires.models import QuestionnaireVersion

    questions = []
    for i in range(size):
        question = {"id": f"b.s.q{i:03d}", "type": "yes_no", "text": f"Statement {i} holds.", "help": "Help text."}
        if i % 10 == 9:
            question["when"] = f"b.s.q{i - 1:03d} == 'yes'"
        questions.append(question)
    definition = normalise(
        {
            "slug": f"bench-{size}",
            "version": "1.0.0",
            "kind": "maturity",
            "title": f"Bench {size}",
            "scoring": {"model": "maturity", "levels": [{"level": 0, "name": "Ad hoc"}]},
            "sections": [{"id": "b.s", "title": "Everything", "questions": questions}],
        }
    )
    version = QuestionnaireVersion.objects.create(
        slug=f"bench-{size}",
        version="1.0.0",
        kind="maturity",
        title=f"Bench {size}",
        definition=definition,
        content_hash=content_hash(definition),
    )
    assessment = Assessment.objects.create(project=project, questionnaire=version, kind="maturity", created_by=member)
    Answer.objects.bulk_create(
        Answer(assessment=assessment, question_id=q["id"], value="yes", version=1, answered_by=member)
        for q in questions[: size // 2]
    )
    return assessment


def _measure():
    from django.test import Client
    from django.test.utils import override_settings

    from accounts.models import User
    from tests.factories import ProjectFactory, TeamFactory, make_user

    team = TeamFactory(name="Bench", slug="bench")
    member = make_user(User.Role.MEMBER, teams=[team], username="bench-member")
    project = ProjectFactory(team=team, name="Bench project", slug="bench-project", technical_owner=member)
    client = Client()
    client.force_login(member)
    drafts = {size: _draft(size, project, member) for size in SIZES}

    def save(size):
        def request():
            answer = drafts[size].answers.get(question_id="b.s.q000")
            response = client.post(
                f"/assessments/{drafts[size].pk}/answers/b.s.q000/",
                data=json.dumps(
                    {"value": "no" if answer.value == "yes" else "yes", "expected_version": answer.version}
                ),
                content_type="application/json",
            )
            assert response.status_code == 200, response.content

        return request

    def render(size):
        def request():
            response = client.get(f"/assessments/{drafts[size].pk}/?section=b.s")
            assert response.status_code == 200

        return request

    def bare_view():
        assert client.get("/bench/bare/").status_code == 200

    rows = []
    _install_urls()
    with override_settings(ROOT_URLCONF=__name__):
        bare_ms = _median_ms(bare_view)
        for label, make in (("save one answer", save), ("render a section", render)):
            # The answer lookup inside ``save`` is bench bookkeeping, not part of the request: subtract it.
            overhead = 1 if make is save else 0
            counts = {size: _queries(make(size)) - overhead for size in SIZES}
            rows.append(
                Row(
                    NAME,
                    f"{label}: SQL queries at {SIZES[1]} questions",
                    counts[SIZES[1]],
                    "queries",
                    counts[SIZES[1]] / counts[SIZES[0]],
                    f"{counts[SIZES[0]]} queries at {SIZES[0]} questions",
                )
            )
            for size in SIZES:
                ms = _median_ms(make(size))
                rows.append(
                    Row(
                        NAME,
                        f"{label}: time at {size} questions",
                        ms,
                        "ms",
                        ms / bare_ms,
                        f"bare login-protected view {bare_ms:.2f} ms",
                    )
                )
    return rows


def run():
    return run_in_test_db(_measure)
