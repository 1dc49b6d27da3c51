"""The git back-end ignores the worker's own git configuration and saved credentials.

git reads ``~/.gitconfig`` (and ``$XDG_CONFIG_HOME/git/config``) and its libcurl reads ``~/.netrc``: on a worker, a
URL rewrite there would send a clone elsewhere than the checked location, and a saved login would be sent to any
host a project team names. The tests give the worker process (the connector runs in-process here) a HOME holding
such files and clone from real smart-HTTP git servers (dulwich) on 127.0.0.1.
"""

import threading
from wsgiref.simple_server import make_server

import pytest
from dulwich.repo import Repo
from dulwich.server import DictBackend
from dulwich.web import WSGIRequestHandlerLogger, WSGIServerLogger, make_wsgi_chain

from connectors.backends.git import GitRepositoryConnector
from connectors.base import PASS, ConnectorError
from registry.choices import ComponentKind
from tests.factories import ComponentFactory
from tests.integration.servers import make_repo

pytest_plugins = ["tests.integration.servers"]
pytestmark = [
    pytest.mark.integration,
    pytest.mark.needs_server,
    pytest.mark.xdist_group("git"),
    pytest.mark.usefixtures("loopback_allowed"),
]


@pytest.fixture
def git_cache(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


@pytest.fixture
def worker_home(monkeypatch, tmp_path):
    """The HOME of the worker process, where its owner keeps a git configuration and saved logins."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    return home


@pytest.fixture
def private_git_server(tmp_path):
    """A real smart-HTTP git server on 127.0.0.1 that asks for a login (HTTP Basic) and serves /origin to anyone
    who sends one; ``authorizations`` lists the Authorization header of every request (None when absent)."""
    origin = make_repo(tmp_path / "private", [{"README.md": "# Private\n", "tests/test_app.py": "def test(): pass\n"}])
    app = make_wsgi_chain(DictBackend({"/origin": Repo(str(origin))}))
    authorizations = []

    def login_required(environ, start_response):
        authorizations.append(environ.get("HTTP_AUTHORIZATION"))
        if "HTTP_AUTHORIZATION" not in environ:
            start_response("401 Unauthorized", [("WWW-Authenticate", 'Basic realm="git"'), ("Content-Length", "0")])
            return [b""]
        return app(environ, start_response)

    server = make_server(
        "127.0.0.1", 0, login_required, handler_class=WSGIRequestHandlerLogger, server_class=WSGIServerLogger
    )
    server.base = f"http://127.0.0.1:{server.server_port}"
    server.authorizations = authorizations
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def run(location: str):
    component = ComponentFactory.build(kind=ComponentKind.CODE_REPOSITORY, attributes={"url": location})
    outcomes = GitRepositoryConnector(component=component, settings={}, secrets={}, timeout=10).run()
    return {o.check_id: o for o in outcomes}


@pytest.mark.usefixtures("git_cache")
def test_it_ignores_a_url_rewrite_in_the_workers_gitconfig(tmp_path, worker_home, git_http, private_git_server):
    url = git_http.serve("public", make_repo(tmp_path / "public", [{"tests/test_a.py": "def test_a(): pass\n"}]))
    (worker_home / ".gitconfig").write_text(f'[url "{private_git_server.base}/"]\n\tinsteadOf = {git_http.base}/\n')

    results = run(url)

    assert results["git.tests_present"].state == PASS
    assert private_git_server.authorizations == []


@pytest.mark.usefixtures("git_cache")
def test_it_does_not_ask_the_credential_helper_of_the_workers_gitconfig(worker_home, private_git_server):
    (worker_home / ".gitconfig").write_text(
        '[credential]\n\thelper = "!f() { echo username=worker; echo password=worker-secret; }; f"\n'
    )

    with pytest.raises(ConnectorError) as caught:
        run(f"{private_git_server.base}/origin")

    assert not caught.value.transient
    assert private_git_server.authorizations
    assert set(private_git_server.authorizations) == {None}


@pytest.mark.usefixtures("git_cache")
def test_it_does_not_send_the_workers_netrc_login(worker_home, private_git_server):
    netrc = worker_home / ".netrc"
    netrc.write_text("machine 127.0.0.1 login worker password worker-secret\n")
    netrc.chmod(0o600)

    with pytest.raises(ConnectorError) as caught:
        run(f"{private_git_server.base}/origin")

    assert not caught.value.transient
    assert private_git_server.authorizations
    assert set(private_git_server.authorizations) == {None}
