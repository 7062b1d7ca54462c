"""How to find an object again by what the program gave it, instead of by its server id.

Used when a create may have happened without an answer (a timeout, a dropped connection), and
later for adoption. The key is ``externalId`` where the resource has one, and otherwise the
natural key the API reference names (``shared/ampeco-api/README.md``, "Identifiers"); this
module is the one place that holds those choices.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


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


_ID = r"[0-9]+"
#: collection path (regular expression, under /resources) → candidate keys, best first:
#: (fields of the body that make the key, the filter that narrows the listing or None).
KEYS: tuple[tuple[str, tuple[tuple[tuple[str, ...], str | None], ...]], ...] = (
    (r"/locations/v2\.0", ((("externalId",), "externalId"),)),
    (rf"/locations/v2\.0/{_ID}/charging-zones", ((("name",), None),)),
    (r"/charge-points/v2\.0", ((("externalId",), "externalId"), (("network.id",), "networkId"))),
    (rf"/charge-points/v2\.0/{_ID}/evses", ((("externalId",), None), (("networkId",), None))),
    (r"/evses/v2\.1", ((("externalId",), "externalId"), (("networkId",), None))),
    (r"/tariffs/v1\.0", ((("externalId",), None), (("name",), None))),
    (r"/tariff-groups/v1\.0", ((("name",), None),)),
    (r"/taxes/v2\.0", ((("name",), None),)),
    (r"/tax-identification-numbers/v2\.0", ((("name",), None),)),
    (r"/currencies/v2\.0", ((("alphabeticCode",), None),)),
)
_CONNECTORS = re.compile(rf"/charge-points/v2\.0/{_ID}/evses/{_ID}/connectors")


def lookup_for(path: str, body: Mapping[str, Any]) -> Lookup | None:
    """The lookup for a create of ``body`` at collection ``path``, or ``None`` if there is no key.

    ``path`` is the collection path under ``/public-api/resources`` (``/locations/v2.0``).
    """
    if _CONNECTORS.fullmatch(path):
        fields = {k: body[k] for k in ("type", "format", "status") if body.get(k) is not None}
        return Lookup(path, fields, new_only=True, identifying=False) if fields else None
    for pattern, candidates in KEYS:
        if not re.fullmatch(pattern, path):
            continue
        for names, filter_name in candidates:
            values = {name: _value(body, name) for name in names}
            if any(v is None for v in values.values()):
                continue
            params: dict[str, Any] = {}
            if filter_name is not None:
                params = {"filter": {filter_name: values[names[0]]}}
            if path == "/evses/v2.1" and body.get("chargePointId") is not None:
                params.setdefault("filter", {})["chargePointId"] = body["chargePointId"]
                if names == ("networkId",):
                    # EVSE numbers start again at 1 on every station: the key is the pair,
                    # checked here too because a cached listing is not filtered.
                    values["chargePointId"] = body["chargePointId"]
            # Names and codes may already be taken by objects that are not ours: a lost create
            # is recognised among the objects that were not there before.
            return Lookup(path, values, params, new_only=names != ("externalId",))
        return None
    return None
