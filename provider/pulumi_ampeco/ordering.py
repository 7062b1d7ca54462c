"""Objects ranked within their collection (a roaming operator's custom tariff filters): the
program's ``order`` is compared with the tenant's, and applied, relatively (D46).

Each ranked object a run meets (its diff, create or read) notes the program's value here. It
is in place when the tenant orders it, against every object noted before it, as their values
do; so whatever order the engine takes the objects in, the last of them sees the others. A
write that leaves the noted objects out of the program's order is followed by one
``reorder`` that sorts them within the places they already hold, so objects the program does
not rank stay where they are. The notes belong to one engine operation (the provider
forgets them when the engine configures it).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any


class Ranks:
    """The program's values of the ranked objects met so far, by collection path."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, dict[int, float]] = {}
        self._locks: dict[str, threading.Lock] = {}

    def lock(self, collection: str) -> threading.Lock:
        """Held while a collection's order is read and judged, or changed: a judgement never
        sees half a reorder."""
        with self._lock:
            return self._locks.setdefault(collection, threading.Lock())

    def note(self, collection: str, id_: int, value: float | None) -> None:
        """The program's value for the object (``None``: the program does not rank it)."""
        with self._lock:
            noted = self._values.setdefault(collection, {})
            if value is None:
                noted.pop(id_, None)
            else:
                noted[id_] = value

    def forget(self, prefix: str) -> None:
        with self._lock:
            for path in [p for p in self._values if p.startswith(prefix)]:
                del self._values[path]

    def _known(
        self, collection: str, live: Iterable[Mapping[str, Any]], field: str
    ) -> tuple[dict[int, tuple[float, int]], dict[int, int]]:
        """The noted objects the tenant has, by id: their sort keys, and their places."""
        with self._lock:
            noted = dict(self._values.get(collection, {}))
        places = {
            int(o["id"]): int(o[field]) for o in live if isinstance(o.get(field), int | float)
        }
        keys = {i: (value, i) for i, value in noted.items() if i in places}
        return keys, {i: places[i] for i in keys}

    def misplaced(
        self, collection: str, id_: int, live: Iterable[Mapping[str, Any]], field: str
    ) -> bool:
        """Whether the tenant orders the object otherwise than the program, against any
        object noted so far."""
        keys, places = self._known(collection, live, field)
        if id_ not in keys:
            return False
        return any(
            (keys[id_] < keys[other]) != (places[id_] < places[other])
            for other in keys
            if other != id_
        )

    def moves(
        self, collection: str, live: Iterable[Mapping[str, Any]], field: str
    ) -> list[dict[str, int]]:
        """The ``reorder`` items that sort the noted objects by the program's values within
        the places they hold now (empty when they are in order)."""
        keys, places = self._known(collection, live, field)
        wanted = sorted(keys, key=keys.__getitem__)
        return [
            {"id": id_, "order": place}
            for id_, place in zip(wanted, sorted(places.values()), strict=True)
            if places[id_] != place
        ]
