"""Browser fixtures for functional tests: real headless Debian Chromium driven by Playwright, against
pytest-django's ``live_server``. Never downloads a browser.

Fixtures: ``browser`` (one Chromium per session), ``new_context`` (factory of isolated browser contexts, closed
after the test), ``page`` (a page in a fresh context), ``login(page, user)`` and ``axe_violations(page)``.
Tests that use them need ``@pytest.mark.browser`` and a transactional database (``live_server`` gives one).
"""

import os
import shutil
import threading
from pathlib import Path

import pytest


class _OneRequestAtATime:
    """The live server's WSGI app, one request at a time.

    With the in-memory SQLite test database, every thread of Django's threaded live server uses the one shared
    connection, so two requests at the same instant (a page's autosaves of two answers) interleave their
    savepoints on it: "no such savepoint", then a broken transaction for every later request and test in that
    worker. In production each request has its own connection; this removes the test-only sharing, not a race
    the product has (tests/sqlite_races.py exercises those on a real SQLite file).
    """

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self.lock:
            response = self.app(environ, start_response)
            try:
                return [b"".join(response)]
            finally:
                if hasattr(response, "close"):
                    response.close()


def _serialised_live_server():
    from django.test import testcases

    create_server = testcases.LiveServerThread._create_server

    def _create_server(self, connections_override=None):
        server = create_server(self, connections_override=connections_override)
        if connections_override:  # only the shared in-memory SQLite connection needs it
            set_app = server.set_app
            server.set_app = lambda app: set_app(_OneRequestAtATime(app))
        return server

    testcases.LiveServerThread._create_server = _create_server


_serialised_live_server()

# Playwright's sync API runs an event loop in this thread; Django's async-safety check would then refuse the
# ORM calls the tests make to set up data. The test process is single-threaded per test, so this is safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
TEST_PASSWORD = "pw-for-tests-1"  # the password tests.factories.UserFactory gives every user


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_context(browser, live_server):
    """``new_context()`` opens an isolated browser context (own cookies and storage) on the live server."""
    contexts = []

    def make(**options):
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    return new_context().new_page()


@pytest.fixture
def login():
    """``login(page, user)`` signs in through the login form, as a person would."""

    def sign_in(page, user, password=TEST_PASSWORD):
        page.goto("/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()
        assert "/login/" not in page.url, f"login failed for {user.username}"
        return page

    return sign_in


@pytest.fixture
def axe_violations():
    """``axe_violations(page)`` runs axe-core in the page; returns violations of the given impacts.

    ``review=`` names rules whose "needs review" results count as violations too: axe only asks for a review of
    an ``aria-describedby`` that points at a missing id, yet a screen reader then silently drops the help text
    or the error message it was meant to read.
    """
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run `npm ci` (make test does it).")

    def run(page, impacts=("serious", "critical"), review=()):
        page.add_script_tag(path=str(AXE_JS))
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations', 'incomplete']})")
        found = result["violations"] + [v for v in result["incomplete"] if v["id"] in review]
        return [
            {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in found
            if v["impact"] in impacts
        ]

    return run
