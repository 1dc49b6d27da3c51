"""The Qdrant back-end against real embedded Qdrant stores (qdrant-client local mode) and fault cases by URL."""

import time

import pytest
from qdrant_client import QdrantClient, models

from connectors.backends._vectorstore import RESERVED_KEY
from connectors.backends.qdrant import QdrantConnector
from connectors.base import FAIL, PASS, UNKNOWN, WARN, ConnectorError
from registry.choices import ComponentKind
from tests.factories import ComponentFactory
from tests.integration.servers import COMPLETE_DECLARATIONS, chunks, vector

pytest_plugins = ["tests.integration.servers"]
pytestmark = [
    pytest.mark.integration,
    pytest.mark.xdist_group("vectorstores"),
    pytest.mark.usefixtures("loopback_allowed"),
]

CHECK_IDS = [
    "vectorstore.embedding_model_declared",
    "vectorstore.dimension_matches",
    "vectorstore.chunking_declared",
    "vectorstore.chunk_source_metadata",
    "vectorstore.index_fresh",
]


def create(client, name, points, *, metadata=None, size=3):
    client.create_collection(
        name, vectors_config=models.VectorParams(size=size, distance=models.Distance.COSINE), metadata=metadata
    )
    if points:
        client.upsert(
            name,
            points=[models.PointStruct(id=n, vector=vector(n, size), payload=p) for n, (_, p) in enumerate(points)],
        )


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("qdrant") / "store"
    client = QdrantClient(path=str(path))
    create(client, "complete", chunks(20), metadata=COMPLETE_DECLARATIONS)
    create(client, "reserved", [*chunks(10), ("meta", {RESERVED_KEY: COMPLETE_DECLARATIONS})])
    create(client, "bare", chunks(10, missing={"source": 8}, ingested_days_ago=100))
    create(
        client,
        "partial",
        chunks(20, missing={"position": 3}),
        metadata={"embedding_model": "bge-small", "embedding_dimension": 4, "chunking_strategy": "by-heading"},
    )
    nested = [(i, {"page_content": "...", "metadata": m}) for i, m in chunks(8)]
    create(client, "langchain", nested, metadata=COMPLETE_DECLARATIONS)
    create(client, "big-stale", chunks(30, ingested_days_ago=90), metadata=COMPLETE_DECLARATIONS)
    create(client, "empty", [], metadata=COMPLETE_DECLARATIONS)
    now = time.time()
    seconds_or_ms = [now - 3600, int((now - 7200) * 1000)]
    epochs = [(i, {**m, "ingested_at": seconds_or_ms[n % 2]}) for n, (i, m) in enumerate(chunks(4))]
    create(client, "epoch", epochs, metadata=COMPLETE_DECLARATIONS)
    minilm = {"embedding_model": "sentence-transformers/all-MiniLM-L6-v2"}
    create(client, "minilm", chunks(3), metadata=minilm, size=384)
    ada_declared_768 = {"embedding_model": "text-embedding-ada-002", "embedding_dimension": 768}
    create(client, "ada-768", chunks(3), metadata=ada_declared_768, size=768)
    create(client, "bge-base-384", chunks(3), metadata={"embedding_model": "BAAI/bge-base-en-v1.5"}, size=384)
    create(client, "titan-512", chunks(3), metadata={"embedding_model": "amazon.titan-embed-text-v2:0"}, size=512)
    create(client, "titan-300", chunks(3), metadata={"embedding_model": "amazon.titan-embed-text-v2:0"}, size=300)
    create(client, "own-model", chunks(3), metadata={"embedding_model": "acme-embedder-v7"})
    client.close()
    return str(path)


def connector(location, collection, *, timeout=5.0, attributes=None, **settings):
    component = ComponentFactory.build(
        kind=ComponentKind.VECTOR_STORE,
        attributes={"store_kind": "qdrant", "location": location, "collection": collection, **(attributes or {})},
    )
    return QdrantConnector(component=component, settings=settings, secrets={}, timeout=timeout)


def run(location, collection, **kwargs):
    return {o.check_id: o for o in connector(location, collection, **kwargs).run()}


def test_it_passes_a_collection_that_declares_everything_with_complete_fresh_chunks(store):
    results = run(store, "complete")
    assert list(results) == CHECK_IDS
    assert {r.state for r in results.values()} == {PASS}
    assert results["vectorstore.embedding_model_declared"].facts["embedding_model"] == "text-embedding-3-small"
    assert results["vectorstore.dimension_matches"].facts["vector_sizes"] == {"": 3}
    assert results["vectorstore.chunking_declared"].facts["chunk_overlap"] == 64
    assert results["vectorstore.chunk_source_metadata"].facts["share"] == 1.0


def test_it_reads_declarations_from_a_reserved_point_and_does_not_count_it_as_a_chunk(store):
    results = run(store, "reserved")
    assert results["vectorstore.embedding_model_declared"].state == PASS
    assert results["vectorstore.embedding_model_declared"].facts["declared_in"] == "reserved point"
    assert results["vectorstore.chunk_source_metadata"].facts["sampled"] == 10
    assert results["vectorstore.chunk_source_metadata"].facts["total"] == 10


def test_it_fails_a_collection_without_declarations(store):
    results = run(store, "bare")
    assert results["vectorstore.embedding_model_declared"].state == FAIL
    assert results["vectorstore.chunking_declared"].state == FAIL


def test_it_cannot_tell_the_dimension_when_neither_a_dimension_nor_a_model_is_declared(store):
    result = run(store, "bare")["vectorstore.dimension_matches"]
    assert result.state == UNKNOWN
    assert "embedding_dimension" in result.reason


def test_it_passes_vectors_of_the_size_the_declared_model_produces_without_a_dimension_key(store):
    result = run(store, "minilm")["vectorstore.dimension_matches"]
    assert result.state == PASS
    assert result.facts["embedding_model"] == "all-MiniLM-L6-v2"
    assert result.facts["model_sizes"] == "384"
    assert "all-MiniLM-L6-v2" in result.reason and "384" in result.reason


def test_it_fails_vectors_whose_size_the_declared_model_does_not_produce_even_when_the_dimension_agrees(store):
    result = run(store, "ada-768")["vectorstore.dimension_matches"]
    assert result.state == FAIL
    assert "768" in result.reason
    assert "text-embedding-ada-002 produces 1536" in result.reason


def test_it_fails_vectors_of_another_size_than_the_declared_model_naming_both(store):
    result = run(store, "bge-base-384")["vectorstore.dimension_matches"]
    assert result.state == FAIL
    assert "(default): 384" in result.reason
    assert "bge-base-en-v1.5 produces 768" in result.reason


def test_it_accepts_a_size_the_declared_model_can_be_shortened_to_and_no_other(store):
    assert run(store, "titan-512")["vectorstore.dimension_matches"].state == PASS
    result = run(store, "titan-300")["vectorstore.dimension_matches"]
    assert result.state == FAIL
    assert "256, 512 or 1024" in result.reason


def test_it_cannot_tell_the_dimension_of_a_model_outside_the_catalogue_without_a_dimension_key(store):
    result = run(store, "own-model")["vectorstore.dimension_matches"]
    assert result.state == UNKNOWN
    assert "acme-embedder-v7" in result.reason


def test_it_uses_the_inventory_embedding_model_when_the_collection_declares_none(store):
    result = run(store, "bare", attributes={"embedding_model": "all-MiniLM-L6-v2"})["vectorstore.dimension_matches"]
    assert result.state == FAIL
    assert "inventory" in result.reason
    assert "all-MiniLM-L6-v2 produces 384" in result.reason


def test_it_fails_chunks_that_mostly_lack_their_source(store):
    result = run(store, "bare")["vectorstore.chunk_source_metadata"]
    assert result.state == FAIL
    assert result.facts["missing"] == {"source": 8, "position": 0, "ingested_at": 0}
    assert result.facts["share"] == 0.2
    assert "8 lack source" in result.reason


def test_it_fails_an_index_older_than_the_maximum_age(store):
    result = run(store, "bare")["vectorstore.index_fresh"]
    assert result.state == FAIL
    assert result.facts["age_days"] >= 100


def test_it_fails_a_declared_dimension_that_differs_from_the_vectors(store):
    result = run(store, "partial")["vectorstore.dimension_matches"]
    assert result.state == FAIL
    assert result.facts["declared_dimension"] == 4
    assert "does not match the vectors ((default): 3)" in result.reason


def test_it_warns_about_partly_declared_chunking(store):
    result = run(store, "partial")["vectorstore.chunking_declared"]
    assert result.state == WARN
    assert "add chunk_size" in result.reason


def test_it_warns_when_some_chunks_lack_their_position(store):
    result = run(store, "partial")["vectorstore.chunk_source_metadata"]
    assert result.state == WARN
    assert result.facts["complete"] == 17
    assert result.facts["incomplete_examples"] == ["0", "1", "2"]


def test_it_warns_when_the_inventory_names_another_embedding_model(store):
    result = run(store, "partial", attributes={"embedding_model": "text-embedding-3-large"})
    assert result["vectorstore.embedding_model_declared"].state == WARN


def test_it_reads_langchain_style_nested_metadata(store):
    result = run(store, "langchain")["vectorstore.chunk_source_metadata"]
    assert result.state == PASS


def test_it_samples_the_configured_number_of_chunks_and_only_warns_on_a_partial_sample(store):
    results = run(store, "big-stale", sample_size=10)
    assert results["vectorstore.chunk_source_metadata"].facts["sampled"] == 10
    assert results["vectorstore.index_fresh"].state == WARN
    assert "sample of 10 of 30" in results["vectorstore.index_fresh"].reason


def test_it_cannot_tell_chunk_metadata_or_freshness_of_an_empty_collection(store):
    results = run(store, "empty")
    assert results["vectorstore.chunk_source_metadata"].state == UNKNOWN
    assert results["vectorstore.index_fresh"].state == UNKNOWN
    assert results["vectorstore.dimension_matches"].state == PASS


def test_it_reads_ingestion_times_given_as_epoch_seconds_or_milliseconds(store):
    results = run(store, "epoch")
    assert results["vectorstore.chunk_source_metadata"].facts["unreadable_ingestion_times"] == 0
    assert results["vectorstore.index_fresh"].state == PASS
    assert results["vectorstore.index_fresh"].facts["age_days"] < 0.1


def test_it_uses_configured_payload_keys(store):
    result = run(store, "partial", position_keys="text")["vectorstore.chunk_source_metadata"]
    assert result.state == PASS


def test_it_reports_a_missing_collection_as_permanent(store):
    with pytest.raises(ConnectorError) as caught:
        connector(store, "nope").run()
    assert not caught.value.transient
    assert "no collection nope" in str(caught.value)


def test_it_reports_a_missing_store_path_as_permanent(tmp_path):
    with pytest.raises(ConnectorError) as caught:
        connector(str(tmp_path / "missing"), "complete").run()
    assert not caught.value.transient
    assert not (tmp_path / "missing").exists()


def test_it_reads_a_store_another_client_holds_open_from_its_own_copy(store):
    """The store is never opened in place (local mode locks it), so an ingestion job holding it open is no obstacle."""
    holder = QdrantClient(path=store)
    try:
        results = connector(store, "complete").run()
    finally:
        holder.close()
    assert {r.state for r in results} == {"pass"}


def test_it_reports_a_server_url_with_nothing_listening_as_transient(nothing_listening):
    with pytest.raises(ConnectorError) as caught:
        connector(nothing_listening, "complete").run()
    assert caught.value.transient


def test_it_gives_up_on_a_silent_server_after_the_timeout(silent_server):
    """The silent server never answers: only the call timeout can end the check. The bound is far above the
    0.5 s timeout so a loaded CI machine cannot fail it; without a timeout the check would never return."""
    started = time.monotonic()
    with pytest.raises(ConnectorError) as caught:
        connector(silent_server, "complete", timeout=0.5).run()
    assert caught.value.transient
    assert time.monotonic() - started < 30


def test_it_reports_a_url_that_is_not_qdrant_as_permanent(chroma_server):
    with pytest.raises(ConnectorError) as caught:
        connector(chroma_server, "complete").run()
    assert not caught.value.transient


def test_it_reports_a_plain_text_answer_as_permanent(text_server):
    with pytest.raises(ConnectorError) as caught:
        connector(text_server, "complete").run()
    assert not caught.value.transient
