"""The catalogue of embedding models (``connectors/data/embedding_models.yaml``): which vector sizes a model produces.

Data, not code: the YAML is validated once when first read (schema, sizes consistent with the native size, no id
claimed by two models), and a broken file fails with ``ImproperlyConfigured`` naming the entry, so a bad edit is
caught by the unit test rather than by a verdict. ``lookup`` finds a model by the name a team declared, however
it is spelled: case-insensitively, and by the last part of a path (``sentence-transformers/all-MiniLM-L6-v2``,
``models/text-embedding-004``, ``BAAI/bge-m3``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jsonschema
import yaml
from django.core.exceptions import ImproperlyConfigured

CATALOGUE = Path(__file__).resolve().parent / "data" / "embedding_models.yaml"

SCHEMA = {
    "type": "object",
    "required": ["models"],
    "additionalProperties": False,
    "properties": {
        "models": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["name", "provider", "dimension"],
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string", "minLength": 1, "pattern": r"^\S+$"},
                    "provider": {"type": "string", "minLength": 1},
                    "dimension": {"type": "integer", "minimum": 1},
                    "sizes": {"type": "array", "minItems": 2, "items": {"type": "integer", "minimum": 1}},
                    "min_dimension": {"type": "integer", "minimum": 1},
                    "aliases": {"type": "array", "items": {"type": "string", "minLength": 1, "pattern": r"^\S+$"}},
                },
                "not": {"required": ["sizes", "min_dimension"]},
            },
        }
    },
}


@dataclass(frozen=True)
class EmbeddingModel:
    name: str
    provider: str
    dimension: int  # native (default) output size
    sizes: tuple[int, ...] = ()  # the fixed sizes it can be shortened to, when it can
    min_dimension: int | None = None  # any size from this up to ``dimension``, for Matryoshka models

    def produces(self, size: int) -> bool:
        if self.min_dimension is not None:
            return self.min_dimension <= size <= self.dimension
        return size in (self.sizes or (self.dimension,))

    def describe(self) -> str:
        """The sizes it produces, in words: "1536", "256, 512 or 1024", "1 to 1536"."""
        if self.min_dimension is not None:
            return f"{self.min_dimension} to {self.dimension}"
        if self.sizes:
            *rest, last = sorted(self.sizes)
            return f"{', '.join(map(str, rest))} or {last}"
        return str(self.dimension)


def _key(name: str) -> str:
    return name.strip().lower()


def parse(data) -> dict[str, EmbeddingModel]:
    """Model by every lower-cased id it answers to; ``ImproperlyConfigured`` naming the first problem."""
    errors = sorted(jsonschema.Draft202012Validator(SCHEMA).iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path) or "(top)"
        raise ImproperlyConfigured(f"{CATALOGUE.name}: {where}: {errors[0].message}")
    by_id: dict[str, EmbeddingModel] = {}
    for index, entry in enumerate(data["models"]):
        model = EmbeddingModel(
            name=entry["name"],
            provider=entry["provider"],
            dimension=entry["dimension"],
            sizes=tuple(sorted(set(entry.get("sizes", ())))),
            min_dimension=entry.get("min_dimension"),
        )
        if model.sizes and model.dimension not in model.sizes:
            raise ImproperlyConfigured(
                f"{CATALOGUE.name}: models/{index} ({model.name}): sizes must include dimension."
            )
        if model.min_dimension is not None and model.min_dimension > model.dimension:
            raise ImproperlyConfigured(
                f"{CATALOGUE.name}: models/{index} ({model.name}): min_dimension is above dimension."
            )
        for name in [model.name, *entry.get("aliases", ())]:
            if _key(name) in by_id:
                raise ImproperlyConfigured(
                    f"{CATALOGUE.name}: models/{index}: {name!r} is already the id of {by_id[_key(name)].name}."
                )
            by_id[_key(name)] = model
    return by_id


@cache
def catalogue() -> dict[str, EmbeddingModel]:
    return parse(yaml.safe_load(CATALOGUE.read_text(encoding="utf-8")))


def lookup(declared) -> EmbeddingModel | None:
    """The catalogue's model for a declared name, or None when it is not in the catalogue."""
    name = _key(str(declared or ""))
    if not name:
        return None
    models = catalogue()
    return models.get(name) or models.get(name.rstrip("/").rsplit("/", 1)[-1])
