"""Whole collections read once per engine operation, so previews cost pages, not objects.

The first ``diff`` or ``read`` of a kind lists its collection (``per_page=100``) and keeps the
objects; later reads of the same collection are served from memory. Writes put the object the
tenant answered with (or drop a deleted one), so reads after them see the change. An id that
the listing did not have is fetched on its own before it is declared gone. The cache lives in
the provider process, which the engine starts for one operation; each kind's entries are also
forgotten when the engine configures that kind's provider, so no cached object outlives the
operation it was read in.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Mapping
from typing import Any

from .client import AmpecoClient
from .errors import NotFoundError
from .lookup import Lookup

Params = Mapping[str, Any]


class _Collection:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loaded = False
        self.objects: dict[int, dict[str, Any]] = {}


class ReadCache:
    """Objects by collection path; thread-safe (the engine calls with up to 4 threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._collections: dict[str, _Collection] = {}

    def _collection(self, path: str) -> _Collection:
        with self._lock:
            return self._collections.setdefault(path, _Collection())

    def _load(self, client: AmpecoClient, path: str, params: Params | None) -> _Collection:
        entry = self._collection(path)
        with entry.lock:
            if not entry.loaded:
                for obj in client.list(path, params):
                    entry.objects[int(obj["id"])] = obj
                entry.loaded = True
        return entry

    def get(
        self,
        client: AmpecoClient,
        collection: str,
        id_: int,
        params: Params | None,
        *,
        alone: bool = True,
    ) -> dict[str, Any] | None:
        """The object, from the collection's listing or, failing that, on its own (unless
        ``alone`` is false: the API has no read of one object, so unlisted is gone)."""
        entry = self._load(client, collection, params)
        with entry.lock:
            found = entry.objects.get(id_)
        if found is None and not alone:
            return None
        if found is None:
            try:
                fetched = client.get(f"{collection}/{id_}", params)
            except NotFoundError:
                return None
            if not isinstance(fetched, dict):
                return None
            self.put(collection, fetched)
            found = fetched
        return copy.deepcopy(found)

    def get_embedded(
        self,
        client: AmpecoClient,
        collection: str,
        id_: int,
        parent_collection: str,
        parent_id: int,
        field: str,
    ) -> dict[str, Any] | None:
        """An object that its parent's listing embeds (``include[]=field``): written in this
        operation, found in the parent's listing, or else fetched on its own."""
        own = self._collection(collection)
        with own.lock:
            written = own.objects.get(id_)
        if written is not None:
            return copy.deepcopy(written)
        parents = self._load(client, parent_collection, {"include": [field]})
        with parents.lock:
            parent = parents.objects.get(parent_id)
            children = list((parent or {}).get(field) or [])
        for child in children:
            if int(child.get("id", -1)) == id_:
                return copy.deepcopy(dict(child))
        try:
            fetched = client.get(f"{collection}/{id_}")
        except NotFoundError:
            return None
        return fetched if isinstance(fetched, dict) else None

    def all(
        self, client: AmpecoClient, collection: str, params: Params | None
    ) -> list[dict[str, Any]]:
        """Every object of the collection."""
        entry = self._load(client, collection, params)
        with entry.lock:
            return [copy.deepcopy(o) for o in entry.objects.values()]

    def find(
        self, client: AmpecoClient, key: Lookup, params: Params | None
    ) -> list[dict[str, Any]]:
        """The objects a lookup matches, from the listing of its collection."""
        entry = self._load(client, key.path, params)
        with entry.lock:
            return [copy.deepcopy(o) for o in entry.objects.values() if key.matches(o)]

    def put(self, collection: str, obj: Mapping[str, Any]) -> None:
        entry = self._collection(collection)
        with entry.lock:
            entry.objects[int(obj["id"])] = copy.deepcopy(dict(obj))

    def drop(self, collection: str, id_: int) -> None:
        entry = self._collection(collection)
        with entry.lock:
            entry.objects.pop(id_, None)

    def forget(self, prefix: str) -> None:
        """Forget every collection whose path starts with ``prefix``."""
        with self._lock:
            for path in [p for p in self._collections if p.startswith(prefix)]:
                del self._collections[path]
