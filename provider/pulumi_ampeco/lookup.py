"""How to find an object again by what the program gave it, instead of by its server id.

Used when a create may have happened without an answer (a timeout, a dropped connection), and
later for adoption. The key is ``externalId`` where the resource has one, and otherwise the
natural key; which fields those are is each kind's declaration (:mod:`pulumi_ampeco.kinds`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .kinds import KINDS, Key, Kind, wire_path


@dataclass(frozen=True)
class Lookup:
    """List ``path`` with ``params`` and keep the objects whose ``fields`` all match.

    ``new_only``: objects that are not ours may share the key (a name, a connector type), so
    after a lost create only objects that were not there before count.
    ``identifying``: the key names one object (an ``externalId``, a name); ``False`` for keys
    that many objects share by design (a connector's type), which cannot adopt anything.
    """

    path: str
    fields: Mapping[str, Any]
    params: Mapping[str, Any] = field(default_factory=dict)
    new_only: bool = False
    identifying: bool = True

    @property
    def description(self) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in self.fields.items())

    def matches(self, obj: Mapping[str, Any]) -> bool:
        return all(dig(obj, name) == value for name, value in self.fields.items())


def dig(obj: Mapping[str, Any], dotted: str) -> Any:
    """The value at a dotted path (``network.id``), ``None`` where a part is missing."""
    value: Any = obj
    for part in dotted.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _value(body: Mapping[str, Any], dotted: str) -> Any:
    found = dig(body, dotted)
    return found if found not in (None, "") else None


@dataclass(frozen=True)
class _WireKey:
    """A :class:`~pulumi_ampeco.kinds.Key` in wire names, for bodies as the API takes them."""

    fields: tuple[str, ...]
    filters: tuple[tuple[str, str], ...]
    ours: bool
    identifying: bool
    #: How many of ``fields`` must have a value (the rest scope the key, and match their
    #: absence too: an OCPP 2.0.1 variable without an instance is not one with an instance).
    given: int


def _wire_key(kind: Kind, key: Key) -> _WireKey:
    return _WireKey(
        tuple(wire_path(kind.model, f) for f in key.matched),
        tuple((name, wire_path(kind.model, f)) for name, f in key.filters.items()),
        key.ours,
        key.identifying,
        len(key.fields),
    )


def _pattern(template: str) -> re.Pattern[str]:
    """A collection template (``/x/{parent_id}/y``) as a pattern of its paths."""
    return re.compile(re.sub(r"\\\{\w+\\\}", "[0-9]+", re.escape(template)))


def _table() -> tuple[tuple[re.Pattern[str], tuple[_WireKey, ...]], ...]:
    rows = []
    for kind in KINDS.values():
        rows.append((_pattern(kind.collection), tuple(_wire_key(kind, k) for k in kind.keys)))
        # Under a parent's path the parent is implied: the keys need no scope there.
        nested = tuple(dataclasses.replace(k, within=()) for k in kind.keys)
        for template in kind.also_created_at:
            rows.append((_pattern(template), tuple(_wire_key(kind, k) for k in nested)))
    return tuple(rows)


#: Collection path pattern → the keys of its kind, best first (from :mod:`pulumi_ampeco.kinds`).
KEYS = _table()


def lookup_for(path: str, body: Mapping[str, Any]) -> Lookup | None:
    """The lookup for a create of ``body`` at collection ``path``, or ``None`` if there is no key.

    ``path`` is the collection path under ``/public-api/resources`` (``/locations/v2.0``). The
    first key whose fields the body all has wins; a key that cannot identify (a connector's
    type) uses whichever of its fields the body has.
    """
    for pattern, keys in KEYS:
        if not pattern.fullmatch(path):
            continue
        for key in keys:
            values = {name: _value(body, name) for name in key.fields}
            if not key.identifying:
                values = {k: v for k, v in values.items() if v is not None}
                if not values:
                    continue
            elif any(v is None for v in list(values.values())[: key.given]):
                continue
            filters = {n: _value(body, f) for n, f in key.filters}
            params = {"filter": {n: v for n, v in filters.items() if v is not None}}
            return Lookup(
                path,
                values,
                params if params["filter"] else {},
                # Names and codes may already be taken by objects that are not ours: a lost
                # create is recognised among the objects that were not there before.
                new_only=not key.ours,
                identifying=key.identifying,
            )
        return None
    return None
