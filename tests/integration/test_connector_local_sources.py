"""Local paths (git repositories, embedded Qdrant/Chroma stores): only under PLUMBLINE_LOCAL_SOURCE_ROOTS, resolved
first, never Plumbline's own folders, and refused with one message whether or not the path exists.

Components are stored directly (as those saved before paths were checked are) and refreshed for real.
"""

import os

import chromadb
import pytest
from django.conf import settings as django_settings
from qdrant_client import QdrantClient, models

from connectors import services
from connectors.backends.chroma import ChromaConnector
from connectors.backends.git import GitRepositoryConnector
from connectors.base import ConnectorError
from connectors.models import CheckResult
from registry.models import Component
from tests.factories import ComponentFactory
from tests.integration.fingerprints import fingerprint
from tests.integration.servers import make_repo

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

FILES = {"README.md": "# Demo\n", "tests/test_x.py": "def test_x():\n    pass\n"}


@pytest.fixture
def root(tmp_path, settings):
    folder = tmp_path / "sources"
    folder.mkdir()
    settings.PLUMBLINE_LOCAL_SOURCE_ROOTS = [str(folder)]
    return folder


@pytest.fixture
def outside(tmp_path):
    return make_repo(tmp_path / "elsewhere" / "private-repo", [FILES])


def git_component(project, location):
    settings = {"location": location}
    return ComponentFactory(
        project=project, kind="code_repository", attributes={}, connector="git", connector_settings=settings
    )


def states_and_reasons(component):
    services.component_check(component=component)
    return {(r.state, r.reason) for r in CheckResult.objects.filter(component=component)}


def test_a_repository_under_a_root_is_read(project, root):
    repo = make_repo(root / "team-repo", [FILES])

    results = states_and_reasons(git_component(project, str(repo)))

    assert "error" not in {state for state, _ in results}, results
    assert any(state == "pass" for state, _ in results)


@pytest.mark.parametrize("how", ["absolute", "dot-dot", "symlink"])
def test_a_repository_outside_the_roots_is_not_read(project, root, outside, how):
    location = {
        "absolute": str(outside),
        "dot-dot": f"{root}/../elsewhere/private-repo",
        "symlink": str(root / "link"),
    }[how]
    if how == "symlink":
        os.symlink(outside, root / "link")

    results = states_and_reasons(git_component(project, location))

    assert len(results) == 1
    state, reason = results.pop()
    assert state == "error"
    roots = f"the allowed local source roots ({root})"
    assert reason == f"No readable directory at {location} under {roots}; check the path."


def test_a_missing_path_and_a_forbidden_one_read_the_same(project, root, outside):
    missing = str(outside.parent / "no-such-repo")

    def reason_for(location):
        with pytest.raises(ConnectorError) as caught:
            GitRepositoryConnector(
                component=Component(attributes={}), settings={"location": location}, secrets={}, timeout=5
            ).run()
        assert not caught.value.transient
        return str(caught.value).replace(location, "<path>")

    assert reason_for(str(outside)) == reason_for(missing) == reason_for("/etc")


def test_plumblines_own_checkout_is_refused_even_under_a_root(project, settings):
    settings.PLUMBLINE_LOCAL_SOURCE_ROOTS = [str(django_settings.BASE_DIR.parent)]

    results = states_and_reasons(git_component(project, str(django_settings.BASE_DIR)))

    assert {state for state, _ in results} == {"error"}


def test_the_media_folder_and_the_clone_cache_are_refused_even_under_a_root(project, root, settings):
    settings.MEDIA_ROOT = root / "media"
    settings.VAR_DIR = root / "var"
    media_repo = make_repo(root / "media" / "uploaded", [FILES])
    cached_repo = make_repo(root / "var" / "connector-cache" / "git" / "0123abcd", [FILES])

    for repo in (media_repo, cached_repo):
        assert {state for state, _ in states_and_reasons(git_component(project, str(repo)))} == {"error"}


def test_a_git_file_pointing_outside_the_roots_is_refused(project, root, outside):
    worktree = root / "pointer"
    worktree.mkdir()
    (worktree / ".git").write_text(f"gitdir: {outside / '.git'}\n")

    results = states_and_reasons(git_component(project, str(worktree)))

    assert {state for state, _ in results} == {"error"}


def test_without_roots_local_paths_are_refused(project, settings, tmp_path):
    settings.PLUMBLINE_LOCAL_SOURCE_ROOTS = []
    repo = make_repo(tmp_path / "repo", [FILES])

    results = states_and_reasons(git_component(project, str(repo)))

    assert len(results) == 1
    state, reason = results.pop()
    assert state == "error" and "PLUMBLINE_LOCAL_SOURCE_ROOTS" in reason


# --- embedded stores: right type, never changed --------------------------------------------------------------


def qdrant_store(path):
    client = QdrantClient(path=str(path))
    client.create_collection("docs", vectors_config=models.VectorParams(size=3, distance=models.Distance.COSINE))
    client.upsert("docs", points=[models.PointStruct(id=1, vector=[0.1, 0.2, 0.3], payload={"source_doc_id": "a"})])
    client.close()
    return path


def chroma_store(path):
    client = chromadb.PersistentClient(path=str(path), settings=chromadb.Settings(anonymized_telemetry=False))
    client.create_collection("docs", embedding_function=None).add(
        ids=["a"], embeddings=[[0.1, 0.2, 0.3]], metadatas=[{"source_doc_id": "a"}]
    )
    client.close()
    return path


@pytest.mark.parametrize(
    ("connector", "make", "says"),
    [
        ("chroma", qdrant_store, "This is a Qdrant store, not Chroma"),
        ("qdrant", chroma_store, "This is a Chroma store, not Qdrant"),
    ],
)
def test_a_store_of_the_other_type_reads_error_and_is_left_untouched(project, root, connector, make, says):
    store = make(root / "store")
    before = fingerprint(store)
    component = ComponentFactory(
        project=project,
        kind="vector_store",
        attributes={},
        connector=connector,
        connector_settings={"location": str(store), "collection": "docs"},
    )

    results = states_and_reasons(component)

    assert {state for state, _ in results} == {"error"}
    assert all(reason.startswith(says) for _, reason in results)
    assert fingerprint(store) == before


def test_an_empty_folder_is_not_turned_into_a_chroma_store(root):
    empty = root / "empty"
    empty.mkdir()
    connector = ChromaConnector(
        component=Component(attributes={}),
        settings={"location": str(empty), "collection": "docs"},
        secrets={},
        timeout=5,
    )

    with pytest.raises(ConnectorError, match="No Chroma store"):
        connector.run()
    assert list(empty.iterdir()) == []


@pytest.mark.parametrize(("connector", "make"), [("chroma", chroma_store), ("qdrant", qdrant_store)])
def test_reading_an_embedded_store_changes_no_file(project, root, connector, make):
    store = make(root / "store")
    before = fingerprint(store)
    component = ComponentFactory(
        project=project,
        kind="vector_store",
        attributes={},
        connector=connector,
        connector_settings={"location": str(store), "collection": "docs"},
    )

    results = states_and_reasons(component)

    assert "error" not in {state for state, _ in results}, results
    assert fingerprint(store) == before


# --- at save: the API refuses what can never work, naming the setting ------------------------------------------


def post_component(client, member, **fields):
    client.force_login(member)
    body = {"project": "docs-qa", "name": "Source", **fields}
    return client.post("/api/v1/components/", body, content_type="application/json")


def refused(response, key):
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"detail", "errors"}
    messages = [m for m in body["errors"].get("connector_settings", []) if m.startswith(f"{key}: ")]
    assert messages, body
    return messages[0]


def test_the_api_refuses_a_path_outside_the_roots(client, member, project, root, outside):
    message = refused(
        post_component(
            client, member, kind="code_repository", connector="git", connector_settings={"location": str(outside)}
        ),
        "location",
    )
    assert "No readable directory" in message
    assert not Component.objects.filter(name="Source").exists()


def test_the_api_refuses_a_relative_path(client, member, project, root):
    message = refused(
        post_component(client, member, kind="code_repository", connector="git", connector_settings={"location": "r"}),
        "location",
    )
    assert "relative path" in message and "absolute" in message


def test_the_api_refuses_a_file_url_and_says_local_paths_work(client, member, project, root):
    message = refused(
        post_component(
            client,
            member,
            kind="code_repository",
            connector="git",
            connector_settings={"location": f"file://{root}/repo"},
        ),
        "location",
    )
    assert "absolute local path" in message and "PLUMBLINE_LOCAL_SOURCE_ROOTS" in message


def test_the_api_accepts_a_repository_under_a_root(client, member, project, root):
    repo = make_repo(root / "ok-repo", [FILES])
    response = post_component(
        client, member, kind="code_repository", connector="git", connector_settings={"location": str(repo)}
    )
    assert response.status_code == 201, response.content


def test_the_api_refuses_a_qdrant_store_wired_to_the_chroma_connector(client, member, project, root):
    store = qdrant_store(root / "store")
    message = refused(
        post_component(
            client,
            member,
            kind="vector_store",
            connector="chroma",
            connector_settings={"location": str(store), "collection": "docs"},
        ),
        "location",
    )
    assert "This is a Qdrant store, not Chroma: use the qdrant connector" in message


def test_the_api_refuses_a_path_outside_the_roots_given_as_the_location_attribute(client, member, project, root):
    response = post_component(
        client,
        member,
        kind="vector_store",
        attributes={"location": "/etc", "collection": "docs"},
        connector="qdrant",
    )
    message = refused(response, "location")
    assert "location attribute" in message and "No readable directory at /etc" in message


def test_the_api_refuses_a_folder_that_is_not_a_git_repository(client, member, project, root):
    (root / "plain").mkdir()
    message = refused(
        post_component(
            client,
            member,
            kind="code_repository",
            connector="git",
            connector_settings={"location": str(root / "plain")},
        ),
        "location",
    )
    assert "is not a git repository" in message


def test_the_api_refuses_a_git_file_pointing_outside_the_roots(client, member, project, root, outside):
    worktree = root / "pointer"
    worktree.mkdir()
    (worktree / ".git").write_text(f"gitdir: {outside / '.git'}\n")
    message = refused(
        post_component(
            client, member, kind="code_repository", connector="git", connector_settings={"location": str(worktree)}
        ),
        "location",
    )
    assert "No readable directory" in message


def test_a_file_url_saved_earlier_reads_error_saying_local_paths_work(project, root):
    repo = make_repo(root / "repo", [FILES])

    results = states_and_reasons(git_component(project, f"file://{repo}"))

    assert {state for state, _ in results} == {"error"}
    assert all("absolute path (without file://)" in reason for _, reason in results)
