"""The embedding model catalogue is data: it loads, stays consistent, and finds models however they are spelled."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from connectors.embedding_models import catalogue, lookup, parse


def test_the_shipped_catalogue_loads_with_at_least_forty_models():
    models = {model.name for model in catalogue().values()}
    assert len(models) >= 40


@pytest.mark.parametrize(
    ("declared", "native"),
    [
        ("text-embedding-3-small", 1536),
        ("text-embedding-3-large", 3072),
        ("text-embedding-ada-002", 1536),
        ("embed-english-v3.0", 1024),
        ("embed-multilingual-v3.0", 1024),
        ("embed-english-light-v3.0", 384),
        ("embed-v4.0", 1536),
        ("voyage-3-large", 1024),
        ("mistral-embed", 1024),
        ("text-embedding-004", 768),
        ("text-embedding-005", 768),
        ("gemini-embedding-001", 3072),
        ("amazon.titan-embed-text-v1", 1536),
        ("amazon.titan-embed-text-v2:0", 1024),
        ("jina-embeddings-v3", 1024),
        ("nomic-embed-text-v1.5", 768),
        ("BAAI/bge-small-en-v1.5", 384),
        ("intfloat/e5-large-v2", 1024),
        ("thenlper/gte-base", 768),
        ("sentence-transformers/all-MiniLM-L6-v2", 384),
        ("sentence-transformers/all-mpnet-base-v2", 768),
        ("models/text-embedding-004", 768),
        ("ALL-MINILM-L6-V2", 384),
    ],
)
def test_it_knows_the_native_size_of_widely_used_models(declared, native):
    assert lookup(declared).dimension == native


def test_a_matryoshka_model_produces_any_size_up_to_its_native_one():
    model = lookup("text-embedding-3-small")
    assert model.produces(512) and model.produces(1536)
    assert not model.produces(3072)
    assert model.describe() == "1 to 1536"


def test_a_model_with_fixed_shortened_sizes_produces_only_those():
    model = lookup("amazon.titan-embed-text-v2:0")
    assert [s for s in (256, 300, 512, 1024, 1536) if model.produces(s)] == [256, 512, 1024]
    assert model.describe() == "256, 512 or 1024"


def test_a_model_without_shortening_produces_only_its_native_size():
    model = lookup("text-embedding-ada-002")
    assert model.produces(1536) and not model.produces(768)


def test_an_unknown_model_is_none():
    assert lookup("my-own-finetune") is None
    assert lookup("") is None


def test_it_refuses_an_entry_without_a_dimension():
    with pytest.raises(ImproperlyConfigured, match=r"models/0.*dimension"):
        parse({"models": [{"name": "m", "provider": "p"}]})


def test_it_refuses_sizes_that_leave_out_the_native_size():
    with pytest.raises(ImproperlyConfigured, match="sizes must include dimension"):
        parse({"models": [{"name": "m", "provider": "p", "dimension": 1024, "sizes": [256, 512]}]})


def test_it_refuses_a_name_claimed_by_two_models():
    with pytest.raises(ImproperlyConfigured, match="already the id of a"):
        parse(
            {
                "models": [
                    {"name": "a", "provider": "p", "dimension": 1},
                    {"name": "b", "provider": "p", "dimension": 2, "aliases": ["A"]},
                ]
            }
        )


def test_it_refuses_both_sizes_and_min_dimension():
    with pytest.raises(ImproperlyConfigured, match="models/0"):
        parse({"models": [{"name": "m", "provider": "p", "dimension": 8, "sizes": [4, 8], "min_dimension": 2}]})
