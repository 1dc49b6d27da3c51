"""Chroma collections: the same ``vectorstore.*`` checks as Qdrant, read from an embedded store or a server.

An embedded store (a folder with ``chroma.sqlite3`` under the allowed local source roots) is copied and the copy
opened with ``chromadb.PersistentClient`` (telemetry off, no embedding function, so nothing is ever downloaded),
so reading never changes the store; a server is read through its HTTP API (``/api/v2``) with the optional token,
so talking to a server needs no ``chromadb`` install at all. Collection metadata in Chroma holds flat scalars only,
which is where teams declare the embedding model, dimension and chunking.
"""

from __future__ import annotations

from functools import cached_property
from urllib.parse import quote

from connectors.backends import _vectorstore as vs
from connectors.backends import checked_location, is_url, request_json, require, safe_location
from connectors.base import Connector, ConnectorError, Parameter
from connectors.local_sources import checked_store, read_only_copy, store_type_errors
from registry.choices import ComponentKind

SYSTEM = "Chroma"


class ChromaConnector(Connector):
    name = "chroma"
    version = "1"
    component_kinds = (ComponentKind.VECTOR_STORE,)
    parameters = (
        *vs.PARAMETERS,
        Parameter("tenant", "Tenant", help="Default default_tenant."),
        Parameter("database", "Database", help="Default default_database."),
        Parameter("token", "Token", secret=True, help="For servers with token authentication."),
    )
    checks = vs.CHECKS
    max_concurrency = 4

    @classmethod
    def validate_settings(cls, settings: dict) -> dict[str, list[str]]:
        return {**super().validate_settings(settings), **vs.settings_errors(settings)}

    def target(self) -> str:
        return safe_location(self.location)

    def run(self):
        options = vs.Options.from_settings(self.settings)
        collection = str(self.settings.get("collection") or self.component.attributes.get("collection") or "")
        if not collection:
            raise ConnectorError("Set the Chroma collection to inspect.", transient=False)
        location = self.location
        reader = self._read_server if is_url(location) else self._read_embedded
        view = reader(location, collection, options)
        return vs.evaluate(view, options, inventory_model=self.component.attributes.get("embedding_model", ""))

    @cached_property
    def location(self) -> str:
        return checked_location(
            self.settings.get("location") or self.component.attributes.get("location"),
            missing="Set the Chroma server URL or the path of the embedded store.",
        )

    def _scope(self) -> tuple[str, str]:
        return self.settings.get("tenant") or "default_tenant", self.settings.get("database") or "default_database"

    def _read_embedded(self, path: str, collection: str, options: vs.Options) -> vs.CollectionView:
        """Read a private copy of the store: chromadb opens its SQLite database for writing (and would create one
        in any folder it is pointed at), so the store itself is never opened."""
        chromadb = require("chromadb", "chromadb")
        from chromadb.errors import ChromaError, NotFoundError

        checked_store(path, "chroma")
        tenant, database = self._scope()
        with read_only_copy(path) as copy:
            client = None
            try:
                client = chromadb.PersistentClient(
                    path=copy, settings=chromadb.Settings(anonymized_telemetry=False), tenant=tenant, database=database
                )
                col = client.get_collection(collection, embedding_function=None)
                records = col.get(limit=options.sample_size, include=["metadatas"])
                total = col.count()
                dimension = col.get_model().dimension
            except NotFoundError as exc:
                raise ConnectorError(
                    f"The Chroma store at {path} has no collection {collection}.", transient=False
                ) from exc
            except (ChromaError, ValueError) as exc:
                message = str(exc).replace(copy, path)
                raise ConnectorError(
                    f"Reading {collection} from the Chroma store at {path} failed: {message}", transient=False
                ) from exc
            finally:
                if client is not None:
                    client.close()
        return self._view(collection, col.metadata, dimension, total, records.get("ids"), records.get("metadatas"))

    @classmethod
    def local_source_errors(cls, name: str, path: str) -> list[str]:
        return store_type_errors(path, "chroma")

    def _read_server(self, url: str, collection: str, options: vs.Options) -> vs.CollectionView:
        tenant, database = self._scope()
        base = f"{url.rstrip('/')}/api/v2/tenants/{quote(tenant)}/databases/{quote(database)}/collections"
        call = {"system": SYSTEM, "timeout": self.timeout, "headers": self._headers()}
        info = request_json("GET", f"{base}/{quote(collection)}", what=f"collection {collection}", **call)
        if not isinstance(info, dict) or not info.get("id"):
            raise ConnectorError(
                f"Chroma answered collection {collection} without an id; is the URL right?", transient=False
            )
        records = request_json(
            "POST",
            f"{base}/{info['id']}/get",
            what=f"the records of {collection}",
            json={"include": ["metadatas"], "limit": options.sample_size},
            **call,
        )
        total = request_json("GET", f"{base}/{info['id']}/count", what=f"the size of {collection}", **call)
        if not isinstance(records, dict) or not isinstance(total, int):
            raise ConnectorError(
                f"Chroma answered the records of {collection} in an unexpected shape.", transient=False
            )
        return self._view(
            collection, info.get("metadata"), info.get("dimension"), total, records.get("ids"), records.get("metadatas")
        )

    def _headers(self) -> dict:
        token = self.secrets.get("token")
        return {"Authorization": f"Bearer {token}", "X-Chroma-Token": token} if token else {}

    @staticmethod
    def _view(collection, metadata, dimension, total, ids, metadatas) -> vs.CollectionView:
        if not isinstance(metadata or {}, dict) or not isinstance(metadatas or [], list):
            raise ConnectorError(f"Chroma answered {collection} with metadata of an unexpected shape.", transient=False)
        pairs = [(str(i), m if isinstance(m, dict) else {}) for i, m in zip(ids or [], metadatas or [], strict=False)]
        return vs.CollectionView(
            collection=collection,
            declarations=dict(metadata or {}),
            declared_in="collection metadata" if metadata else "nowhere",
            vector_sizes={"": dimension} if isinstance(dimension, int) and dimension > 0 else {},
            total=total,
            sample=[(i, m) for i, m in pairs if not vs.is_reserved(m)],
        )
