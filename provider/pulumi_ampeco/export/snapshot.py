"""A tenant read for export: every object of the chosen kinds, by listings only.

Pages of 100; connectors come with their EVSEs (``include[]=connectors``); charging zones are
listed once per location, a roaming operator's tariff filters once per operator. No write is
ever sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic.alias_generators import to_camel

from ..client import AmpecoClient
from ..kinds import KINDS, Kind

#: Progress: (kind, objects read so far).
Progress = Callable[[str, int], None]


#: The kinds of a site, read location by location: a location and what it holds.
SITE_KINDS = ("Location", "ChargingZone", "ChargePoint", "Evse", "Connector")
#: The kinds read by listing their collection: every exported kind outside a site whose
#: parents (if any) are no kinds here (a roaming operator's filters, listed operator by
#: operator), in declaration order.
LISTED_KINDS = tuple(
    name
    for name, kind in KINDS.items()
    if name not in SITE_KINDS and kind.exported and len(kind.given_parents) == len(kind.parents)
)
#: The kinds read parent by parent, after their parents (a circuit's charge points).
NESTED_KINDS = tuple(
    name
    for name, kind in KINDS.items()
    if name not in SITE_KINDS and kind.exported and name not in LISTED_KINDS
)


@dataclass
class Snapshot:
    """What the tenant holds, by kind: id → object as the API returns it."""

    objects: dict[str, dict[int, dict[str, Any]]] = field(default_factory=dict)
    #: Tenant settings that matter to an export (base currency, default tax).
    base_currency_id: int | None = None
    default_tax_id: int | None = None
    #: The free tariff the tenant put first in each group (known whenever tariffs are read).
    base_tariff_ids: set[int] = field(default_factory=set)

    def of(self, kind: str) -> dict[int, dict[str, Any]]:
        return self.objects.setdefault(kind, {})


def _by_id(objects: Iterable[Mapping[str, Any]]) -> dict[int, dict[str, Any]]:
    return {int(o["id"]): dict(o) for o in objects if isinstance(o, Mapping) and "id" in o}


def read(
    client: AmpecoClient,
    kinds: Iterable[str],
    *,
    locations: Iterable[str] = (),
    progress: Progress | None = None,
) -> Snapshot:
    """Read the tenant's objects of ``kinds``; ``locations`` (ids or external ids) limit the
    locations and what they hold (zones, charge points, EVSEs, connectors)."""
    requested = set(kinds)
    for name in NESTED_KINDS:  # a nested object is written inside its parent
        if name in requested:
            requested.add(KINDS[name].parents[-1].kind)
    wanted = set(requested)
    snap = Snapshot()
    report = progress or (lambda _kind, _count: None)

    def listing(kind: str, path: str, params: Mapping[str, Any] | None = None) -> None:
        into = snap.of(kind)
        for obj in client.list(path, dict(params or {})):
            into[int(obj["id"])] = dict(obj)
            if len(into) % 500 == 0:
                report(kind, len(into))
        report(kind, len(into))

    settings = client.get("/settings/v1.0")
    if isinstance(settings, Mapping):
        snap.base_currency_id = _id_at(settings, "baseCurrency")
        snap.default_tax_id = _id_at(settings, "defaultTax")
    if "Tariff" in wanted:
        wanted.add("TariffGroup")  # to know each group's base tariff, even in a slice
    for name in LISTED_KINDS:
        if name in wanted and KINDS[name].given_parents:
            _under_parents(client, KINDS[name], snap.of(name))
            report(name, len(snap.of(name)))
        elif name in wanted:
            listing(name, KINDS[name].collection)
    for name in NESTED_KINDS:
        if name in wanted:
            _children(client, snap, KINDS[name])
            report(name, len(snap.of(name)))
    for group in snap.of("TariffGroup").values():
        if isinstance(group.get("tariffIds"), list) and group["tariffIds"]:
            snap.base_tariff_ids.add(int(group["tariffIds"][0]))
    wanted = requested  # groups read only for their base tariffs are not exported
    if not wanted & set(SITE_KINDS):
        return _only(snap, wanted)
    listing("Location", KINDS["Location"].collection)
    chosen = _chosen_locations(snap.of("Location"), list(locations))
    snap.objects["Location"] = {i: o for i, o in snap.of("Location").items() if i in chosen}
    if "ChargingZone" in wanted:
        zones = snap.of("ChargingZone")
        for location_id in sorted(chosen):
            path = KINDS["ChargingZone"].collection_path({"location_id": location_id})
            for obj in client.list(path):
                zones[int(obj["id"])] = {**obj, "locationId": location_id}
        report("ChargingZone", len(zones))
    if wanted & {"ChargePoint", "Evse", "Connector"}:
        listing("ChargePoint", KINDS["ChargePoint"].collection)
        points = {i: o for i, o in snap.of("ChargePoint").items() if o.get("locationId") in chosen}
        snap.objects["ChargePoint"] = points
    if wanted & {"Evse", "Connector"}:
        listing("Evse", KINDS["Evse"].collection, {"include": ["connectors"]})
        evses = {
            i: o
            for i, o in snap.of("Evse").items()
            if o.get("chargePointId") in snap.of("ChargePoint")
        }
        snap.objects["Evse"] = evses
        connectors = snap.of("Connector")
        for evse_id, evse in sorted(evses.items()):
            for connector in evse.get("connectors") or []:
                connectors[int(connector["id"])] = {
                    **connector,
                    "evseId": evse_id,
                    "chargePointId": evse["chargePointId"],
                }
        report("Connector", len(connectors))
    return _only(snap, wanted)


def _children(client: AmpecoClient, snap: Snapshot, kind: Kind) -> None:
    """Objects of a nested kind, listed under each parent the snapshot holds; each carries its
    parent's id under the parent's wire name (``circuitId``)."""
    parent = kind.parents[-1]
    into = snap.of(kind.name)
    for parent_id in sorted(snap.of(parent.kind)):
        path = kind.collection_path({parent.field: parent_id})
        for obj in client.list(path):
            if kind.channel is None or not kind.channel.empty(obj):
                into[int(obj["id"])] = {**obj, to_camel(parent.field): parent_id}


def _under_parents(client: AmpecoClient, kind: Kind, into: dict[int, dict[str, Any]]) -> None:
    """The objects of a kind whose parents are no kind here (a roaming operator's filters):
    the parents' listing, then each parent's collection; each object with its parent's id."""
    (parent,) = kind.given_parents
    assert parent.collection is not None
    for owner in client.list(parent.collection):
        path = kind.collection_path({parent.field: owner["id"]})
        for obj in client.list(path):
            into[int(obj["id"])] = {**obj, to_camel(parent.field): int(owner["id"])}


def _only(snap: Snapshot, kinds: set[str]) -> Snapshot:
    """The snapshot without the kinds read only to understand the others."""
    for name in list(snap.objects):
        if name not in kinds:
            del snap.objects[name]
    return snap


def _id_at(settings: Mapping[str, Any], name: str) -> int | None:
    value = settings.get(name)
    if isinstance(value, Mapping) and isinstance(value.get("id"), int):
        return int(value["id"])
    return None


def _chosen_locations(
    all_locations: Mapping[int, Mapping[str, Any]], wanted: list[str]
) -> set[int]:
    """The ids of the locations to export: all, or those named by id or external id."""
    if not wanted:
        return set(all_locations)
    chosen: set[int] = set()
    for name in wanted:
        found = [
            i
            for i, o in all_locations.items()
            if str(i) == name or (o.get("externalId") is not None and o["externalId"] == name)
        ]
        if not found:
            raise LookupError(f"--location {name}: no location has this id or external id")
        chosen.update(found)
    return chosen
