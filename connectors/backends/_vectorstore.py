"""The ``vectorstore.*`` checks, once for every vector store back-end.

A back-end (Qdrant, Chroma) only reads its store into a ``CollectionView``: the collection-level declarations,
the sizes of its vectors, how many chunks it holds and the metadata of a sample of chunks. Everything that
decides pass/warn/fail lives here, so the stores are judged by the same rules and the same setting names.

Where things are looked up (all key lists are settings, the defaults follow common ingestion code):
- declarations (embedding model, dimension, chunking) come from the collection's own metadata; Qdrant servers
  older than collection metadata keep them in a reserved point whose payload holds a ``__collection_metadata__``
  dict, which the Qdrant back-end merges in (and which is never counted as a chunk);
- chunk keys are read at the top of the payload/metadata, then inside a nested ``metadata`` dict, which is
  where LangChain's Qdrant integration puts them.
The vectors' size is judged against the declared dimension and against the sizes the declared embedding model
produces, from the catalogue ``connectors/data/embedding_models.yaml`` (see ``connectors.embedding_models``).
The sample is the first ``sample_size`` chunks the store returns (id order), not a random draw; freshness is
judged on that sample, so it only reads ``fail`` when the sample covers the whole collection.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors import embedding_models
from connectors.backends import as_list, setting_number
from connectors.base import (
    FAIL,
    INTEGER,
    LIST,
    LOCATION,
    NUMBER,
    PASS,
    UNKNOWN,
    WARN,
    CheckOutcome,
    CheckSpec,
    ConnectorError,
    Parameter,
)

RESERVED_KEY = "__collection_metadata__"
TTL = timedelta(hours=12)

CHECKS = (
    CheckSpec(
        id="vectorstore.embedding_model_declared",
        title="The collection declares its embedding model",
        fix="Store the embedding model name in the collection metadata (key embedding_model) when you create it.",
        questions=("maturity.embedding.model",),
        ttl=TTL,
        passes=(
            "The collection's metadata declares its embedding model (embedding_model, ...), the "
            "same as the inventory's when the inventory names one."
        ),
        fails="It declares none.",
        warns="It declares another model than the inventory's embedding_model.",
    ),
    CheckSpec(
        id="vectorstore.dimension_matches",
        title="The stored vectors have the size the declared dimension and embedding model give",
        fix="Declare embedding_model (and embedding_dimension for models outside Plumbline's catalogue) in the "
        "collection metadata; if the vectors' size differs, the collection was built with another model: re-embed "
        "it or correct the declaration.",
        ttl=TTL,
        passes=(
            "Every stored vector has the declared dimension and a size the declared embedding model"
            " produces (connectors/data/embedding_models.yaml, shortened sizes included); whichever"
            " of the two is known."
        ),
        fails=(
            "A vector size differs from the declared dimension or from the model's sizes (both "
            "named), the declared dimension is not a whole number, or the configured vector_name "
            "does not exist."
        ),
        unknown=(
            "Neither a dimension nor a model in the catalogue is declared (in the collection or, "
            "for the model, the inventory), or the collection holds no vectors yet."
        ),
    ),
    CheckSpec(
        id="vectorstore.chunking_declared",
        title="The collection declares its chunking strategy and chunk size",
        fix="Add chunking_strategy (e.g. recursive, by-heading) and chunk_size to the collection metadata.",
        questions=("maturity.embedding.chunking",),
        ttl=TTL,
        passes="The collection's metadata declares both a chunking strategy and a chunk size.",
        fails="It declares neither.",
        warns="It declares only one of them.",
    ),
    CheckSpec(
        id="vectorstore.chunk_source_metadata",
        title="Sampled chunks carry source document id, chunk position and ingestion time",
        fix="Make the ingestion job write source_doc_id, chunk_index and ingested_at into every chunk's payload, "
        "then re-ingest the chunks that lack them.",
        questions=("maturity.vector_storage.chunk_origin",),
        ttl=TTL,
        passes=(
            "At least pass_share (default 95 %) of the sampled chunks carry a source document id, a"
            " chunk position and a readable ingestion time."
        ),
        fails="Fewer than fail_share (default 50 %) do; the reason names the field most often missing.",
        warns="Between the two shares do.",
        unknown="The collection has no chunks to sample.",
    ),
    CheckSpec(
        id="vectorstore.index_fresh",
        title="The newest ingestion is recent enough",
        fix="Re-run the ingestion pipeline (and schedule it), or raise max_index_age_days if sources rarely change.",
        questions=("maturity.vector_storage.update_process",),
        ttl=TTL,
        passes="The newest ingestion time in the sample is within max_index_age_days (default 30).",
        fails="It is older and the sample covers the whole collection.",
        warns="It is older in a sample of part of the collection (a newer chunk may lie outside it).",
        unknown="No sampled chunk carries a readable ingestion time (or there are no chunks).",
    ),
)

PARAMETERS = (
    Parameter(
        "location",
        "Server URL or local path",
        required=True,
        type=LOCATION,
        attribute="location",
        help="http(s):// URL of the server, or the absolute path of an embedded store under the allowed local "
        "source roots; defaults to the component's location attribute.",
    ),
    Parameter(
        "collection",
        "Collection",
        required=True,
        attribute="collection",
        help="Defaults to the component's collection.",
    ),
    Parameter("sample_size", "Chunks to sample", type=INTEGER, minimum=1, maximum=10_000, help="Default 200."),
    Parameter("source_keys", "Source document id keys", type=LIST, help="Comma-separated; default source_doc_id, ..."),
    Parameter("position_keys", "Chunk position keys", type=LIST, help="Comma-separated; default chunk_index, ..."),
    Parameter("ingested_keys", "Ingestion time keys", type=LIST, help="Comma-separated; default ingested_at, ..."),
    Parameter("embedding_model_keys", "Embedding model keys", type=LIST, help="Default embedding_model, ..."),
    Parameter("dimension_keys", "Embedding dimension keys", type=LIST, help="Default embedding_dimension, ..."),
    Parameter("chunk_strategy_keys", "Chunking strategy keys", type=LIST, help="Default chunking_strategy, ..."),
    Parameter("chunk_size_keys", "Chunk size keys", type=LIST, help="Default chunk_size, ..."),
    Parameter(
        "pass_share", "Share of complete chunks to pass", type=NUMBER, minimum=0, maximum=1, help="Default 0.95."
    ),
    Parameter(
        "fail_share", "Share of complete chunks below which it fails", type=NUMBER, minimum=0, maximum=1, help="0.5."
    ),
    Parameter("max_index_age_days", "Maximum index age (days)", type=NUMBER, minimum=0, help="Default 30."),
    Parameter("vector_name", "Named vector", help="For collections with several named vectors."),
)

DEFAULT_KEYS = {
    "embedding_model_keys": ["embedding_model", "embedding_model_name", "embed_model", "embedding_function"],
    "dimension_keys": ["embedding_dimension", "embedding_dim", "dimension", "vector_size"],
    "chunk_strategy_keys": ["chunking_strategy", "chunk_strategy", "splitter", "text_splitter"],
    "chunk_size_keys": ["chunk_size", "chunk_size_tokens", "chunk_size_chars"],
    "source_keys": ["source_doc_id", "source_id", "doc_id", "document_id", "source"],
    "position_keys": ["chunk_index", "chunk_position", "chunk_idx", "position"],
    "ingested_keys": ["ingested_at", "ingestion_time", "indexed_at", "created_at"],
}
CHUNK_FIELDS = (("source", "source_keys"), ("position", "position_keys"), ("ingested_at", "ingested_keys"))
EXAMPLES = 5


@dataclass(frozen=True)
class Options:
    """The settings every vector store back-end shares, validated once."""

    sample_size: int
    pass_share: float
    fail_share: float
    max_age: timedelta
    vector_name: str
    keys: dict[str, list[str]]

    @classmethod
    def from_settings(cls, settings: dict) -> Options:
        pass_share = setting_number(settings, "pass_share", 0.95)
        fail_share = setting_number(settings, "fail_share", 0.5)
        if not fail_share <= pass_share <= 1:
            raise ConnectorError("Settings must satisfy fail_share <= pass_share <= 1.", transient=False)
        return cls(
            sample_size=int(setting_number(settings, "sample_size", 200, minimum=1)),
            pass_share=pass_share,
            fail_share=fail_share,
            max_age=timedelta(days=setting_number(settings, "max_index_age_days", 30)),
            vector_name=str(settings.get("vector_name") or ""),
            keys={name: as_list(settings.get(name), default) for name, default in DEFAULT_KEYS.items()},
        )


def settings_errors(settings: dict) -> dict[str, list[str]]:
    """Errors the schema cannot express: the two shares must be in order."""
    try:
        fail_share, pass_share = float(settings.get("fail_share", 0.5)), float(settings.get("pass_share", 0.95))
    except (TypeError, ValueError):
        return {}  # the schema reports the value that is not a number
    if fail_share > pass_share:
        return {"fail_share": ["fail_share must not be above pass_share."]}
    return {}


@dataclass
class CollectionView:
    """What a back-end read from one collection; the input of ``evaluate``."""

    collection: str
    declarations: dict[str, Any]
    declared_in: str  # where the declarations were found, for the facts
    vector_sizes: dict[str, int]  # vector name ("" when unnamed) -> size; empty when the store cannot tell
    total: int | None  # chunks in the collection (reserved points excluded)
    sample: list[tuple[str, dict]] = field(default_factory=list)  # (chunk id, metadata)


def declarations_from_reserved(payload: dict | None) -> dict:
    """The declarations a reserved point carries (a dict, or a JSON string of one)."""
    value = (payload or {}).get(RESERVED_KEY)
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def is_reserved(metadata: dict | None) -> bool:
    return bool(metadata) and RESERVED_KEY in metadata


def _present(value: Any) -> bool:
    return value is not None and value != "" and value != [] and value != {}


def lookup(metadata: dict | None, keys: list[str]) -> tuple[str, Any] | None:
    """The first present key (top level, then a nested ``metadata`` dict) and its value."""
    if not metadata:
        return None
    nested = metadata.get("metadata")
    for scope, prefix in ((metadata, ""), (nested if isinstance(nested, dict) else {}, "metadata.")):
        for key in keys:
            if _present(scope.get(key)):
                return prefix + key, scope[key]
    return None


def parse_time(value: Any) -> datetime | None:
    """An ingestion time stored as ISO 8601 text or epoch seconds/milliseconds; None when unreadable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            try:
                parsed = datetime.fromisoformat(value.strip())
            except ValueError:
                return None
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 1e11 else value
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return None


def evaluate(
    view: CollectionView, options: Options, *, inventory_model: str = "", now: datetime | None = None
) -> list[CheckOutcome]:
    now = now or datetime.now(UTC)
    base = {"collection": view.collection, "declared_in": view.declared_in}
    ingested = _ingestion_times(view, options)
    return [
        _embedding_model(view, options, inventory_model, base),
        _dimension(view, options, inventory_model, base),
        _chunking(view, options, base),
        _chunk_metadata(view, options, ingested, base),
        _freshness(view, options, ingested, now, base),
    ]


def _embedding_model(view, options, inventory_model, base):
    check_id = "vectorstore.embedding_model_declared"
    found = lookup(view.declarations, options.keys["embedding_model_keys"])
    facts = {**base, "inventory_embedding_model": inventory_model or None}
    if not found:
        keys = ", ".join(options.keys["embedding_model_keys"][:2])
        return CheckOutcome(
            check_id, FAIL, f"Collection {view.collection} declares no embedding model (looked for {keys}).", facts
        )
    key, model = found
    facts.update(key=key, embedding_model=str(model))
    if inventory_model and str(model).strip().lower() != inventory_model.strip().lower():
        return CheckOutcome(
            check_id,
            WARN,
            f"Collection declares embedding model {model} but the inventory says {inventory_model}; correct one.",
            facts,
        )
    return CheckOutcome(check_id, PASS, f"Collection declares embedding model {model}.", facts)


def _dimension(view, options, inventory_model, base):
    """Stored vector sizes against what is known of them: the declared dimension and the sizes the declared
    embedding model produces (``connectors/data/embedding_models.yaml``; the collection's declaration first, then
    the inventory's). Every known expectation must hold; unknown only when nothing is known."""
    check_id = "vectorstore.dimension_matches"
    found = lookup(view.declarations, options.keys["dimension_keys"])
    declared_model = lookup(view.declarations, options.keys["embedding_model_keys"])
    model_name, model_source = (
        (str(declared_model[1]), "declared") if declared_model else (inventory_model, "inventory")
    )
    model = embedding_models.lookup(model_name)
    sizes = view.vector_sizes
    if options.vector_name:
        sizes = {k: v for k, v in sizes.items() if k == options.vector_name}
    facts = {
        **base,
        "vector_sizes": sizes,
        "declared_dimension": found[1] if found else None,
        "embedding_model": model.name if model else (model_name or None),
        "model_sizes": model.describe() if model else None,
    }
    declared = None
    if found:
        try:
            declared = int(found[1])
        except (TypeError, ValueError):
            return CheckOutcome(check_id, FAIL, f"Declared dimension {found[1]!r} is not a whole number.", facts)
    if declared is None and model is None:
        what = f"embedding model {model_name} is not in the catalogue" if model_name else "no embedding model"
        return CheckOutcome(
            check_id,
            UNKNOWN,
            f"Collection {view.collection} declares no embedding dimension and its {what}, so the vectors' size "
            "cannot be judged; declare embedding_dimension.",
            facts,
        )
    if not sizes:
        if options.vector_name and view.vector_sizes:
            return CheckOutcome(check_id, FAIL, f"The collection has no vector named {options.vector_name}.", facts)
        return CheckOutcome(check_id, UNKNOWN, "The store does not show the vectors' size yet (no vectors).", facts)
    whose = "the inventory's embedding model " if model_source == "inventory" else "embedding model "
    problems, used = [], []
    if declared is not None:
        used.append(f"the declared dimension {declared}")
        mismatched = {name or "(default)": size for name, size in sizes.items() if size != declared}
        if mismatched:
            problems.append(f"declared dimension {declared} does not match the vectors ({_sizes(mismatched)})")
    if model is not None:
        used.append(f"{whose}{model.name} ({model.describe()})")
        wrong = {name or "(default)": size for name, size in sizes.items() if not model.produces(size)}
        if wrong:
            problems.append(f"{whose}{model.name} produces {model.describe()} but the vectors have {_sizes(wrong)}")
    facts["compared_with"] = used
    if problems:
        return CheckOutcome(
            check_id,
            FAIL,
            _sentence("; ".join(problems)) + ": the collection may have been embedded with another model.",
            facts,
        )
    stored = ", ".join(sorted({str(size) for size in sizes.values()}))
    return CheckOutcome(check_id, PASS, f"Vectors of size {stored} match {' and '.join(used)}.", facts)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _sizes(sizes: dict[str, int]) -> str:
    return ", ".join(f"{name}: {size}" for name, size in sizes.items())


def _chunking(view, options, base):
    check_id = "vectorstore.chunking_declared"
    strategy = lookup(view.declarations, options.keys["chunk_strategy_keys"])
    size = lookup(view.declarations, options.keys["chunk_size_keys"])
    overlap = lookup(view.declarations, ["chunk_overlap"])
    facts = {
        **base,
        "chunking_strategy": strategy[1] if strategy else None,
        "chunk_size": size[1] if size else None,
        "chunk_overlap": overlap[1] if overlap else None,
    }
    if strategy and size:
        return CheckOutcome(check_id, PASS, f"Chunking declared: {strategy[1]}, size {size[1]}.", facts)
    if strategy or size:
        missing = "chunk_size" if strategy else "chunking_strategy"
        return CheckOutcome(check_id, WARN, f"Chunking is only partly declared: add {missing}.", facts)
    return CheckOutcome(
        check_id, FAIL, f"Collection {view.collection} declares neither chunking strategy nor chunk size.", facts
    )


def _ingestion_times(view, options) -> dict[str, datetime | None]:
    """Chunk id -> parsed ingestion time, for chunks that carry an ingestion key (None when unreadable)."""
    times = {}
    for chunk_id, metadata in view.sample:
        found = lookup(metadata, options.keys["ingested_keys"])
        if found:
            times[chunk_id] = parse_time(found[1])
    return times


def _chunk_metadata(view, options, ingested, base):
    check_id = "vectorstore.chunk_source_metadata"
    sampled = len(view.sample)
    facts = {**base, "sampled": sampled, "total": view.total, "keys": {f: options.keys[k] for f, k in CHUNK_FIELDS}}
    if not sampled:
        return CheckOutcome(check_id, UNKNOWN, f"Collection {view.collection} has no chunks to sample.", facts)
    missing = {name: 0 for name, _ in CHUNK_FIELDS}
    incomplete = []
    for chunk_id, metadata in view.sample:
        gaps = [
            name for name, keys in CHUNK_FIELDS if name != "ingested_at" and not lookup(metadata, options.keys[keys])
        ]
        if ingested.get(chunk_id) is None:
            gaps.append("ingested_at")
        for name in gaps:
            missing[name] += 1
        if gaps:
            incomplete.append(chunk_id)
    complete = sampled - len(incomplete)
    share = complete / sampled
    facts.update(
        complete=complete,
        share=round(share, 4),
        missing=missing,
        unreadable_ingestion_times=sum(1 for t in ingested.values() if t is None),
        incomplete_examples=incomplete[:EXAMPLES],
        pass_share=options.pass_share,
        fail_share=options.fail_share,
    )
    worst = max(missing, key=missing.get)
    summary = f"{complete} of {sampled} sampled chunks ({share:.0%}) carry source, position and ingestion time"
    if share >= options.pass_share:
        return CheckOutcome(check_id, PASS, summary + ".", facts)
    state = WARN if share >= options.fail_share else FAIL
    return CheckOutcome(check_id, state, f"{summary}; {missing[worst]} lack {worst}: fix the ingestion job.", facts)


def _freshness(view, options, ingested, now, base):
    check_id = "vectorstore.index_fresh"
    times = [t for t in ingested.values() if t is not None]
    covers_all = view.total is not None and len(view.sample) >= view.total
    facts = {
        **base,
        "sampled": len(view.sample),
        "total": view.total,
        "max_age_days": options.max_age.total_seconds() / 86400,
    }
    if not times:
        return CheckOutcome(
            check_id,
            UNKNOWN,
            "No sampled chunk carries a readable ingestion time, so freshness cannot be measured; record ingested_at.",
            facts,
        )
    newest = max(times)
    age = max(now - newest, timedelta(0))
    facts.update(newest_ingestion=newest.isoformat(), age_days=round(age.total_seconds() / 86400, 2))
    if age <= options.max_age:
        return CheckOutcome(
            check_id, PASS, f"Newest ingestion {newest:%Y-%m-%d %H:%M} UTC ({age.days} days ago).", facts
        )
    summary = f"Newest ingestion seen is {age.days} days old (limit {options.max_age.days})"
    if covers_all:
        return CheckOutcome(check_id, FAIL, f"{summary}: re-run the ingestion pipeline.", facts)
    return CheckOutcome(
        check_id,
        WARN,
        f"{summary} in a sample of {len(view.sample)} of {view.total} chunks; re-ingest or raise sample_size.",
        facts,
    )
