"""The Chroma back-end against a real embedded store (PersistentClient) and a real ``chroma run`` server."""

import time

import chromadb
import pytest

from connectors.backends.chroma import ChromaConnector
from connectors.base import FAIL, PASS, UNKNOWN, WARN, ConnectorError
from registry.choices import ComponentKind
from tests.factories import ComponentFactory
from tests.integration.servers import COMPLETE_DECLARATIONS, chunks, vector

pytest_plugins = ["tests.integration.servers"]
pytestmark = [
    pytest.mark.integration,
    pytest.mark.needs_server,
    pytest.mark.xdist_group("vectorstores"),
    pytest.mark.usefixtures("loopback_allowed"),
]

TOKEN = "chroma-token-5e2a"  # planted: must never appear in a connector message


def seed(client):  # a fresh Settings per client: HttpClient mutates the one it is given
    """The same collections in any store; embeddings are precomputed so no embedding model is ever loaded."""
    for name, records, metadata, size in [
        ("complete-docs", chunks(20), COMPLETE_DECLARATIONS, 3),
        ("bare-docs", chunks(10, missing={"source": 8}, ingested_days_ago=100), None, 3),
        ("partial-docs", chunks(20, missing={"ingested": 3}), {"embedding_model": "bge-small", "chunk_size": 256}, 3),
        ("empty-docs", [], COMPLETE_DECLARATIONS, 3),
        ("minilm-docs", chunks(3), {"embedding_model": "sentence-transformers/all-MiniLM-L6-v2"}, 384),
        ("bge-base-docs", chunks(3), {"embedding_model": "BAAI/bge-base-en-v1.5"}, 384),
    ]:
        collection = client.create_collection(name, metadata=metadata, embedding_function=None)
        if records:
            collection.add(
                ids=[i for i, _ in records],
                embeddings=[vector(n, size) for n in range(len(records))],
                metadatas=[m for _, m in records],
            )


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("chroma") / "store"
    seed(chromadb.PersistentClient(path=str(path), settings=chromadb.Settings(anonymized_telemetry=False)))
    return str(path)


@pytest.fixture(scope="module")
def server(chroma_server, loopback_allowed):
    host, port = chroma_server.removeprefix("http://").split(":")
    seed(chromadb.HttpClient(host=host, port=int(port), settings=chromadb.Settings(anonymized_telemetry=False)))
    return chroma_server


def connector(location, collection, *, timeout=5.0, **settings):
    component = ComponentFactory.build(
        kind=ComponentKind.VECTOR_STORE,
        attributes={"store_kind": "chroma", "location": location, "collection": collection},
    )
    return ChromaConnector(component=component, settings=settings, secrets={"token": TOKEN}, timeout=timeout)


def run(location, collection, **settings):
    return {o.check_id: o for o in connector(location, collection, **settings).run()}


@pytest.fixture(params=["embedded", "server"])
def location(request):
    return request.getfixturevalue("store" if request.param == "embedded" else "server")


def test_it_passes_a_collection_that_declares_everything_with_complete_fresh_chunks(location):
    results = run(location, "complete-docs")
    assert {r.state for r in results.values()} == {PASS}
    assert results["vectorstore.dimension_matches"].facts["vector_sizes"] == {"": 3}
    assert results["vectorstore.chunk_source_metadata"].facts["sampled"] == 20


def test_it_fails_a_collection_without_declarations_and_with_stale_unsourced_chunks(location):
    results = run(location, "bare-docs")
    assert results["vectorstore.embedding_model_declared"].state == FAIL
    assert results["vectorstore.dimension_matches"].state == UNKNOWN
    assert results["vectorstore.chunking_declared"].state == FAIL
    assert results["vectorstore.chunk_source_metadata"].facts["missing"]["source"] == 8
    assert results["vectorstore.chunk_source_metadata"].state == FAIL
    assert results["vectorstore.index_fresh"].state == FAIL


def test_it_passes_vectors_of_the_declared_models_size_without_a_dimension_key(location):
    result = run(location, "minilm-docs")["vectorstore.dimension_matches"]
    assert result.state == PASS
    assert "all-MiniLM-L6-v2" in result.reason


def test_it_fails_vectors_of_another_size_than_the_declared_model_produces(location):
    result = run(location, "bge-base-docs")["vectorstore.dimension_matches"]
    assert result.state == FAIL
    assert "(default): 384" in result.reason
    assert "bge-base-en-v1.5 produces 768" in result.reason


def test_it_warns_when_some_chunks_lack_their_ingestion_time(location):
    result = run(location, "partial-docs")["vectorstore.chunk_source_metadata"]
    assert result.state == WARN
    assert result.facts["missing"] == {"source": 0, "position": 0, "ingested_at": 3}


def test_it_warns_about_partly_declared_chunking(location):
    result = run(location, "partial-docs")["vectorstore.chunking_declared"]
    assert result.state == WARN
    assert "add chunking_strategy" in result.reason


def test_it_cannot_tell_dimension_or_freshness_of_an_empty_collection(location):
    results = run(location, "empty-docs")
    assert results["vectorstore.dimension_matches"].state == UNKNOWN
    assert results["vectorstore.chunk_source_metadata"].state == UNKNOWN
    assert results["vectorstore.index_fresh"].state == UNKNOWN


def test_it_samples_the_configured_number_of_chunks(location):
    result = run(location, "complete-docs", sample_size=5)["vectorstore.chunk_source_metadata"]
    assert result.facts["sampled"] == 5
    assert result.facts["total"] == 20


def test_it_reports_a_missing_collection_as_permanent(location):
    with pytest.raises(ConnectorError) as caught:
        connector(location, "no-such-docs").run()
    assert not caught.value.transient
    assert TOKEN not in str(caught.value)


def test_it_reports_a_missing_store_path_as_permanent(tmp_path):
    with pytest.raises(ConnectorError) as caught:
        connector(str(tmp_path / "missing"), "complete-docs").run()
    assert not caught.value.transient
    assert not (tmp_path / "missing").exists()


def test_it_reports_a_server_url_with_nothing_listening_as_transient(nothing_listening):
    with pytest.raises(ConnectorError) as caught:
        connector(nothing_listening, "complete-docs").run()
    assert caught.value.transient


def test_it_gives_up_on_a_silent_server_after_the_timeout(silent_server):
    started = time.monotonic()
    with pytest.raises(ConnectorError) as caught:
        connector(silent_server, "complete-docs", timeout=0.5).run()
    assert caught.value.transient
    assert time.monotonic() - started < 30  # far above the timeout: a loaded CI machine cannot fail it


def test_it_reports_a_plain_text_answer_as_permanent(text_server):
    with pytest.raises(ConnectorError) as caught:
        connector(text_server, "complete-docs").run()
    assert not caught.value.transient
    assert "not JSON" in str(caught.value)
