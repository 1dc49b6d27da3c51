"""Qdrant collections: are embedding model, dimension and chunking declared, do chunks carry their provenance?

One code path for both deployments: ``qdrant-client`` opens a private copy of an embedded store (its local mode
writes lock and meta files, so the store itself is never opened; a folder with ``meta.json`` under the allowed
local source roots) or talks to a server's REST API by URL, with the optional api-key secret. Reading is the
back-end's only job; the verdicts come from ``_vectorstore`` so Qdrant and Chroma are judged alike.
"""

from __future__ import annotations

from functools import cached_property

import httpx

from connectors.backends import _vectorstore as vs
from connectors.backends import (
    checked_location,
    host_of,
    is_url,
    raise_for_status,
    raise_for_transport,
    require,
    safe_location,
)
from connectors.base import Connector, ConnectorError, Parameter
from connectors.http_client import client_options
from connectors.local_sources import checked_store, read_only_copy, store_type_errors
from registry.choices import ComponentKind

SYSTEM = "Qdrant"


class QdrantConnector(Connector):
    name = "qdrant"
    version = "1"
    component_kinds = (ComponentKind.VECTOR_STORE,)
    parameters = (*vs.PARAMETERS, Parameter("api_key", "API key", secret=True, help="For servers that need one."))
    checks = vs.CHECKS

    @classmethod
    def validate_settings(cls, settings: dict) -> dict[str, list[str]]:
        return {**super().validate_settings(settings), **vs.settings_errors(settings)}

    def target(self) -> str:
        return safe_location(self.location)

    def run(self):
        options = vs.Options.from_settings(self.settings)
        collection = self._collection()
        if is_url(self.location):
            view = self._inspect(self._client(self.location), collection, options)
        else:
            checked_store(self.location, "qdrant")
            with read_only_copy(self.location) as copy:  # local mode writes its lock and meta files
                view = self._inspect(self._client(copy), collection, options)
        return vs.evaluate(view, options, inventory_model=self.component.attributes.get("embedding_model", ""))

    def _inspect(self, client, collection, options) -> vs.CollectionView:
        try:
            return self._read(client, collection, options)
        except Exception as exc:
            self._raise_for(exc, collection)
        finally:
            client.close()

    @classmethod
    def local_source_errors(cls, name: str, path: str) -> list[str]:
        return store_type_errors(path, "qdrant")

    @cached_property
    def location(self) -> str:
        return checked_location(
            self.settings.get("location") or self.component.attributes.get("location"),
            missing="Set the Qdrant server URL or the path of the embedded store.",
        )

    def _collection(self) -> str:
        collection = str(self.settings.get("collection") or self.component.attributes.get("collection") or "")
        if not collection:
            raise ConnectorError("Set the Qdrant collection to inspect.", transient=False)
        return collection

    def _client(self, location: str):
        """A client of the server at ``location``, or of the (copied) embedded store at that path."""
        QdrantClient = require("qdrant_client", "qdrant-client").QdrantClient

        if is_url(location):
            return QdrantClient(
                url=location,
                api_key=self.secrets.get("api_key") or None,
                timeout=self.timeout,
                check_compatibility=False,
                **client_options(),
            )
        return QdrantClient(path=location)

    def _read(self, client, collection, options) -> vs.CollectionView:
        from qdrant_client import models

        info = client.get_collection(collection)
        declarations, declared_in = dict(getattr(info.config, "metadata", None) or {}), "collection metadata"
        reserved, _ = client.scroll(
            collection,
            scroll_filter=models.Filter(
                must_not=[models.IsEmptyCondition(is_empty=models.PayloadField(key=vs.RESERVED_KEY))]
            ),
            limit=1,
            with_payload=True,
            with_vectors=False,
        )
        if reserved:
            declarations = {**vs.declarations_from_reserved(reserved[0].payload), **declarations}
            declared_in = "collection metadata and reserved point" if info.config.metadata else "reserved point"
        elif not declarations:
            declared_in = "nowhere"
        points, _ = client.scroll(collection, limit=options.sample_size + 1, with_payload=True, with_vectors=False)
        sample = [(str(p.id), p.payload or {}) for p in points if not vs.is_reserved(p.payload)][: options.sample_size]
        total = info.points_count
        if total is not None and reserved:
            total -= 1
        return vs.CollectionView(
            collection=collection,
            declarations=declarations,
            declared_in=declared_in,
            vector_sizes=_vector_sizes(info.config.params.vectors),
            total=total,
            sample=sample,
        )

    def _raise_for(self, exc: Exception, collection: str):
        """Map qdrant-client's exceptions (local mode and REST alike) to transient or permanent errors."""
        from qdrant_client.http.exceptions import ResponseHandlingException, UnexpectedResponse

        location = self.location
        if isinstance(exc, UnexpectedResponse):
            raise_for_status(exc.status_code or 0, system=SYSTEM, url=location, what=f"collection {collection}")
        if isinstance(exc, ResponseHandlingException):
            if isinstance(exc.source, ConnectorError):  # from the connect-time URL policy (connectors.http_client)
                raise exc.source
            if isinstance(exc.source, httpx.HTTPError):
                raise_for_transport(exc.source, system=SYSTEM, url=location, timeout=self.timeout)
            raise ConnectorError(
                f"Qdrant at {host_of(location)} answered with something that is not the Qdrant API; is the URL right?",
                transient=False,
            ) from exc
        if isinstance(exc, ValueError) and "not found" in str(exc):
            raise ConnectorError(
                f"Qdrant at {safe_location(location)} has no collection {collection}; check the name.", transient=False
            ) from exc
        raise ConnectorError(
            f"Reading collection {collection} from Qdrant failed ({type(exc).__name__}).", transient=False
        ) from exc


def _vector_sizes(vectors) -> dict[str, int]:
    """Dense vector sizes by name ("" for the unnamed default); sparse-only collections have none."""
    if vectors is None:
        return {}
    if isinstance(vectors, dict):
        return {name: params.size for name, params in vectors.items()}
    return {"": vectors.size}
