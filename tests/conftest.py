import copy
import os
import shutil
import uuid

import pytest

from accounts.models import User
from tests.factories import ProjectFactory, TeamFactory, make_user


def pytest_configure(config):
    """``make test-integration`` runs with ``-p no:xdist``; keep ``xdist_group`` known to --strict-markers there."""
    config.addinivalue_line("markers", "xdist_group(name): tests sharing a session server run on one xdist worker")


# Fixtures (module.name) that need something beyond the test process, and the marker a test using one gets.
FIXTURE_NEEDS = {
    "tests.integration.mlflow_server.mlflow_server": "needs_server",
    "tests.integration.phoenix_server.phoenix_server": "needs_server",
    "tests.integration.test_capability_parity.mlflow_server": "needs_server",
    "tests.integration.servers.prometheus": "needs_server",
    "tests.integration.servers.chroma_server": "needs_server",
    "tests.integration.servers.git_http": "needs_server",
    "tests.functional.conftest.browser": "browser",
}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Mark tests by what they need (before ``-m`` selects), then skip those whose infrastructure is not
    configured, saying what to set, instead of failing."""
    _mark_needs(items)
    database_url = os.environ.get("DATABASE_URL", "")
    broker_url = os.environ.get("CELERY_BROKER_URL", "")
    for item in items:
        if "postgres" in item.keywords and not database_url.startswith(("postgres://", "postgresql://")):
            item.add_marker(pytest.mark.skip(reason="needs DATABASE_URL=postgres://... (run by .ci/run)"))
        if ("celery_worker" in item.keywords or "redis" in item.keywords) and not broker_url.startswith("redis://"):
            item.add_marker(pytest.mark.skip(reason="needs CELERY_BROKER_URL=redis://... (run by .ci/run)"))
        if "browser" in item.keywords and not shutil.which("chromium"):
            item.add_marker(pytest.mark.skip(reason="needs Debian chromium (make test installs it)"))
    _group_for_xdist(config, items)


def _mark_needs(items):
    """A test using a server or the browser fixture is marked so even when its file forgets: `make test-fast`
    selects by these markers and must never start a server."""
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        for definitions in info.name2fixturedefs.values() if info else ():
            function = definitions[-1].func  # the definition this test gets (a closer one may shadow a name)
            need = FIXTURE_NEEDS.get(f"{function.__module__}.{function.__name__}")
            if need and need not in item.keywords:
                item.add_marker(need)


def _group_for_xdist(config, items):
    """Make ``--dist loadgroup`` work on pytest 9: xdist 3.8 tags ``item._nodeid``, which pytest 9 no longer reads
    (it keeps ``item._id``), so without this every xdist_group is ignored and session servers start per worker."""
    if not getattr(config.option, "loadgroup", False):
        return
    from _pytest.nodeid import NodeId

    for item in items:
        groups = {m.args[0] if m.args else m.kwargs.get("name", "default") for m in item.iter_markers("xdist_group")}
        if groups and "@" not in item.nodeid:
            item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(sorted(map(str, groups)))}")


@pytest.fixture(autouse=True)
def fresh_questionnaire_definitions():
    """Questionnaire definitions are cached per process by version id (versions are immutable); a test database
    rolled back on SQLite hands the same id to another version, so each test starts with an empty cache."""
    from assessments import selectors

    selectors._DEFINITIONS.clear()


@pytest.fixture(autouse=True)
def cache_key_prefix(settings):
    """A fresh cache namespace per test: rate-limit counts and connector slots never leak between tests, and the
    shared Redis (the integration run's cache, also Celery's broker) is never flushed under a running worker."""
    prefix = f"plumbline-test-{uuid.uuid4().hex[:12]}"
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["KEY_PREFIX"] = prefix
    settings.CACHES = caches
    return prefix


@pytest.fixture
def eager_celery():
    """Run Celery tasks in-process even when the integration run has a broker (the tests marked celery_worker run
    a real worker)."""
    from config.celery import app as celery_app

    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def team(db):
    return TeamFactory(name="Search", slug="search")


@pytest.fixture
def other_team(db):
    return TeamFactory(name="Support", slug="support")


@pytest.fixture
def admin_user(db):
    return make_user(User.Role.ADMIN, username="admin")


@pytest.fixture
def reviewer(db):
    return make_user(User.Role.REVIEWER, username="reviewer")


@pytest.fixture
def member(db, team):
    return make_user(User.Role.MEMBER, teams=[team], username="member")


@pytest.fixture
def outsider(db, other_team):
    return make_user(User.Role.MEMBER, teams=[other_team], username="outsider")


@pytest.fixture
def viewer(db):
    return make_user(User.Role.VIEWER, username="viewer")


@pytest.fixture
def project(db, team, member):
    return ProjectFactory(team=team, name="Docs Q&A", slug="docs-qa", technical_owner=member, uses_rag=True)


@pytest.fixture
def assessment_questionnaires(db):
    """The small impact, risk and maturity questionnaires of tests/data/assessments/, loaded as versions."""
    from pathlib import Path

    from tests.factories import questionnaire_version_from_yaml

    folder = Path(__file__).parent / "data" / "assessments"
    return {
        kind: questionnaire_version_from_yaml(folder / f"{kind}-small.yaml") for kind in ("impact", "risk", "maturity")
    }


@pytest.fixture
def project_repo(project, tmp_path):
    """The project's code repository: a real git repository (one commit on main) read by the git connector, so
    a CI push naming its head commit corroborates. Returns the head commit."""
    from tests.factories import make_project_repository

    return make_project_repository(project, tmp_path / "project-repo")


@pytest.fixture
def one_reviewer_policy(db):
    """An approval policy where one reviewer approves everything: for tests about something other than
    approvals by domain (the default policy asks security, legal and privacy when the risk tier is unknown)."""
    from tests.factories import make_approval_policy

    return make_approval_policy()
