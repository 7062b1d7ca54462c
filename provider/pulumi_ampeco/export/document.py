"""A tenant document from a :class:`~.snapshot.Snapshot`, exact enough that applying it adopts
every object and writes nothing.

Each object keeps the fields the tenant holds (in the program's names), is adopted by the id
the export saw (``adopt: <id>``), and refers to the others by key. Keys come from
``externalId``, else from the name, made unique by appending the id. Objects the tenant will
not delete (its base currency and default tax, the base tariff of each group) are marked
``retain_on_delete`` so that ``destroy`` leaves them. Secret values (a charge point's
``network.password`` and ``pin``) become ``${config:…}`` references.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pydantic
from pydantic.alias_generators import to_camel

from ..kinds import KINDS, SECTIONS, Kind, Ref, wire_path
from ..kinds.declaration import nested_models
from ..lookup import dig
from ..models.base import field_adapter
from ..tenant.loading import ADOPT, IDS_FROM, KEY, RETAIN, literal
from .snapshot import LISTED_KINDS, SITE_KINDS, Snapshot


@dataclass
class Exported:
    """The document, the config keys its secrets need, and what the export noticed;
    ``dropped`` are values the models reject, left out of the document (to review before
    ``up``: a tariff or group would lose them at its next update)."""

    document: dict[str, Any]
    secrets: list[str] = field(default_factory=list)
    #: The tenant the document's ids belong to; ``None`` for a portable document (no ids).
    ids_from: str | None = None
    #: Objects that share their key with another object of their kind (``where``): told
    #: apart by their ids only; a portable document cannot hold them (rename one).
    ambiguous: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    retained: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)


# --- values ------------------------------------------------------------------------------------


def _project(model: type[pydantic.BaseModel], value: Any) -> Any:
    """The parts of a live value that the model has fields for (wire names), ``None`` dropped."""
    if isinstance(value, list):
        return [_project(model, item) for item in value]
    if not isinstance(value, Mapping):
        return value
    out: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        wire = info.alias or name
        if value.get(wire) is None:
            continue
        inner = next(iter(nested_models(info.annotation)), None)
        out[wire] = _project(inner, value[wire]) if inner is not None else value[wire]
    return out


def _readable(value: Any) -> Any:
    """Translations as ``{locale: text}``; empty lists and objects left out."""
    if isinstance(value, list):
        if value and all(
            isinstance(i, Mapping) and set(i) == {"locale", "translation"} for i in value
        ):
            return {i["locale"]: i["translation"] for i in value}
        return [_readable(i) for i in value]
    if isinstance(value, Mapping):
        return {k: _readable(v) for k, v in value.items() if v not in (None, [], {})}
    return value


def arguments(
    kind: Kind, live: Mapping[str, Any], dropped: list[str], where: str
) -> dict[str, Any]:
    """The program's arguments that reproduce ``live`` (its own fields, no parents; of an
    object of variants, those of its variant)."""
    picked = _project(kind.model, live)
    variants = kind.model.variants
    named = variants.discriminator if variants is not None else None
    chosen = variants.chosen({named: picked.get(kind.alias(named))}) if variants and named else None
    if chosen is not None:
        own = {wire_path(kind.model, name) for name in chosen.every_field}
        picked = {wire: value for wire, value in picked.items() if wire in own}
    try:
        state = kind.model.model_validate(picked).to_state()
    except pydantic.ValidationError as exc:
        # The tenant holds something the model would not accept: keep every field that
        # validates on its own, and say which were left out.
        state = {}
        for name, info in kind.model.model_fields.items():
            wire = info.alias or name
            if wire not in picked:
                continue
            adapter = field_adapter(kind.model, name)  # its own constraints count too
            try:
                state[name] = adapter.dump_python(
                    adapter.validate_python(picked[wire]), mode="json", exclude_unset=True
                )
            except pydantic.ValidationError:
                dropped.append(f"{where}: `{name}` (the tenant's value is not valid for the API)")
        if not any(d.startswith(f"{where}:") for d in dropped):
            problems = ", ".join(sorted({str(e["loc"][0]) for e in exc.errors() if e["loc"]}))
            dropped.append(f"{where}: breaks a rule across fields ({problems or 'the object'})")
    readable = {k: _readable(v) for k, v in state.items() if k not in kind.parent_fields}
    return {k: _literal(v) for k, v in readable.items() if v not in (None, [], {})}


def _literal(value: Any) -> Any:
    """Every text of a live value as the document writes it (``${`` escaped): what the tenant
    holds is data, and no config reference is ever read out of it."""
    if isinstance(value, str):
        return literal(value)
    if isinstance(value, list):
        return [_literal(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _literal(v) for k, v in value.items()}
    return value


# --- keys --------------------------------------------------------------------------------------


def _slug(text: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-_")[:64].strip("-_")
    return slug if slug and KEY.fullmatch(slug) else ""


def _label(kind: Kind, obj: Mapping[str, Any]) -> str:
    """Readable text to key an object by: its keys' values (``externalId``, a code), else its
    name (a translated one in English, else its first locale)."""
    candidates = [wire_path(kind.model, key.fields[0]) for key in kind.keys if key.identifying]
    for wire in (*candidates, "name"):
        value = dig(obj, wire)
        if isinstance(value, list):  # a translated name
            texts = {t.get("locale"): t.get("translation") for t in value if isinstance(t, Mapping)}
            value = texts.get("en") or next(iter(sorted(texts.items())), (None, None))[1]
        if isinstance(value, str) and _slug(value):
            return _slug(value)
    return ""


def keys_for(kind: Kind, objects: Mapping[int, Mapping[str, Any]]) -> dict[int, str]:
    """A readable, stable key per object: from its external id or name; a key two objects
    would share gets the id appended (for every object that shares it), and a key still taken
    after that a number (in id order)."""
    singular = kind.section.singular if kind.section else kind.name
    fallback = re.sub(r"[^a-z0-9]+", "-", singular.lower())
    wanted = {i: _label(kind, o) or f"{fallback}-{i}" for i, o in objects.items()}
    counts: dict[str, int] = {}
    for key in wanted.values():
        counts[key.lower()] = counts.get(key.lower(), 0) + 1
    keys: dict[int, str] = {}
    taken: set[str] = set()
    for i, key in sorted(wanted.items()):
        if counts[key.lower()] > 1:
            key = f"{key[: 63 - len(str(i))]}-{i}"
        unique, n = key, 1
        while unique.lower() in taken:
            n += 1
            unique = f"{key[: 63 - len(str(n))]}-{n}"
        taken.add(unique.lower())
        keys[i] = unique
    return keys


# --- the document ------------------------------------------------------------------------------


@dataclass
class _Builder:
    snap: Snapshot
    out: Exported
    #: No ids: objects with a key are adopted by it (``adopt: true``), the others created.
    portable: bool = False
    #: Kind → key values → how many objects of the snapshot have them.
    key_counts: dict[str, dict[tuple[Any, ...], int]] = field(default_factory=dict)
    keys: dict[str, dict[int, str]] = field(default_factory=dict)
    #: (kind, the parent's id field) → parent id → its children, grouped once (not searched
    #: per parent, which would grow with the square of the tenant).
    groups: dict[tuple[str, str], dict[Any, list[dict[str, Any]]]] = field(default_factory=dict)

    def children(self, kind: str, parent_field: str, parent_id: Any) -> list[dict[str, Any]]:
        index = self.groups.get((kind, parent_field))
        if index is None:
            index = {}
            for obj in self.snap.of(kind).values():
                index.setdefault(obj.get(parent_field), []).append(obj)
            self.groups[kind, parent_field] = index
        return index.get(parent_id, [])

    def key(self, kind: str, id_: Any) -> str | None:
        return self.keys.get(kind, {}).get(int(id_)) if isinstance(id_, int) else None

    def entry(self, kind: Kind, obj: Mapping[str, Any], where: str) -> dict[str, Any]:
        args = arguments(kind, obj, self.out.dropped, where)
        section = kind.section
        if section is not None:
            for parent in section.parent_fields:  # given by where the object is written
                args.pop(parent, None)
            if section.external_id_from_key and "external_id" not in args:
                args["external_id"] = None  # no externalId: the key must not become one
        if _key_values(kind, obj) is not None and not self.unique_key(kind, obj):
            self.out.ambiguous.append(where)
            return args if self.portable else {**args, ADOPT: int(obj["id"])}
        if not self.portable:
            return {**args, ADOPT: int(obj["id"])}
        return {**args, ADOPT: True} if _key_values(kind, obj) is not None else args

    def unique_key(self, kind: Kind, obj: Mapping[str, Any]) -> bool:
        """Whether the object has a key that no other object of its kind shares here (two
        tariffs named alike cannot be found by their name: each is created)."""
        mine = _key_values(kind, obj)
        if mine is None:
            return False
        counts = self.key_counts.get(kind.name)
        if counts is None:
            counts = self.key_counts[kind.name] = {}
            for other in self.snap.of(kind.name).values():
                values = _key_values(kind, other)
                if values is not None:
                    counts[values] = counts.get(values, 0) + 1
        return counts.get(mine, 0) == 1

    def retain(self, entry: dict[str, Any], where: str, why: str) -> None:
        entry[RETAIN] = True
        self.out.retained.append(f"{where} ({why})")


def _key_values(kind: Kind, obj: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """The values of the first identifying key the object carries (with the fields that
    scope it), as ``adopt: true`` looks for it on a tenant; ``None`` without one."""
    for key in kind.keys:
        if not key.identifying:
            continue
        # With the fields that scope it and the filters a lookup narrows by (an EVSE's
        # external id per charge point), as lookup_for finds it.
        scoped = (*key.matched, *key.filters.values())
        values = tuple(_hashable(dig(obj, wire_path(kind.model, f))) for f in scoped)
        if all(v not in (None, "", ()) for v in values[: len(key.fields)]):
            return (key.fields, *values)
    return None


def _hashable(value: Any) -> Any:
    """A key value that can be counted: a translated name (a list) by its JSON text."""
    if isinstance(value, list | dict):
        return json.dumps(value, sort_keys=True) if value else ()
    return value


def build(
    snap: Snapshot,
    *,
    project_secret_prefix: str = "",
    ids_from: str | None = None,
    portable: bool = False,
) -> Exported:
    """The tenant document of a snapshot: objects adopted by the ids of the tenant at
    ``ids_from``, or, ``portable``, by their keys (no ids at all)."""
    out = Exported(document={}, ids_from=None if portable else ids_from)
    if out.ids_from:
        out.document[IDS_FROM] = out.ids_from
    b = _Builder(snap, out, portable)
    for name, objects in snap.objects.items():
        kind = KINDS[name]
        if kind.section is not None and not kind.section.parent_fields:
            b.keys[name] = keys_for(kind, objects)
    doc = out.document
    base_tariffs = snap.base_tariff_ids

    def top(kind: Kind) -> dict[str, dict[str, Any]]:
        assert kind.section is not None
        section: dict[str, dict[str, Any]] = doc.setdefault(kind.section.name, {})
        return section

    for name in (*LISTED_KINDS, SITE_KINDS[0]):
        kind = KINDS[name]
        for id_, obj in sorted(snap.of(name).items(), key=lambda i: b.keys[name][i[0]]):
            key = b.keys[name][id_]
            where = f"{kind.section.name}.{key}"  # type: ignore[union-attr]
            entry = b.entry(kind, obj, where)
            if name == "Currency" and id_ == snap.base_currency_id:
                b.retain(entry, where, "the tenant's base currency")
            if name == "Tax" and id_ == snap.default_tax_id:
                b.retain(entry, where, "the tenant's default tax")
            if name == "Tariff" and id_ in base_tariffs:
                b.retain(entry, where, "the base tariff of a tariff group")
            if name == "TariffGroup":
                ids = [int(t) for t in (obj.get("tariffIds") or [])][1:]  # the base is the tenant's
                entry.pop("tariff_ids", None)
                if ids:
                    entry["tariff_ids"] = ids
            _refer(b, kind, entry)
            # A parent the document holds no objects of is given by id (a roaming operator).
            entry = {**{p.field: obj[to_camel(p.field)] for p in kind.given_parents}, **entry}
            if name == "Location":
                _site(b, entry, id_, key)
            else:
                _nested(b, kind, entry, id_, where)
            top(kind)[key] = entry
    for obj in sorted(snap.of("ChargePoint").values(), key=lambda o: int(o["id"])):
        if obj.get("locationId") is None:
            out.notes.append(
                f"charge point {obj['id']} has no location: tenant documents hold charge points"
                " inside locations, so it is not exported"
            )
    for section in list(doc):
        if not doc[section]:
            del doc[section]
    if portable and _holds_id(doc):
        out.notes.append(
            "some objects refer by id to objects outside the export (`..._id: N`): those ids"
            " are this tenant's; on another tenant, set them per stack (`${config:...}`)"
        )
    return out


#: The arguments that refer to another object by its id (``tax_id``, ``tariff_ids``, …).
_ID_REFERENCES = frozenset(
    ref.id_field.rsplit(".", 1)[-1] for section in SECTIONS.values() for ref in section.refs
) | {parent.field for kind in KINDS.values() for parent in kind.given_parents}


def _holds_id(value: Any) -> bool:
    """Whether a document (or anything inside it) refers to another object by id."""
    if isinstance(value, Mapping):
        return any(k in _ID_REFERENCES and v is not None for k, v in value.items()) or any(
            _holds_id(v) for v in value.values()
        )
    if isinstance(value, list):
        return any(_holds_id(v) for v in value)
    return False


def _refer(
    b: _Builder,
    kind: Kind,
    entry: dict[str, Any],
    local: Mapping[str, Mapping[int, str]] | None = None,
) -> None:
    """Each id the kind's references hold (``Section.refs``) becomes the key of the object it
    names, where that object is exported; other ids stay ids. ``local``: the keys of sections
    that are keyed within the enclosing object (a location's charging zones), by section."""
    assert kind.section is not None
    for ref in kind.section.refs:
        *within, id_name = ref.id_field.split(".")
        holder: Any = entry
        for part in within:
            holder = holder.get(part) if isinstance(holder, dict) else None
        if not isinstance(holder, dict) or holder.get(id_name) is None:
            continue
        scope = (local or {}).get(ref.target)
        value = holder[id_name]
        found: list[str | None] | str | None
        if ref.many:
            found = [_key_of(b, ref, scope, v) for v in value]
            named = bool(found) and all(found)
        else:
            found = _key_of(b, ref, scope, value)
            named = found is not None
        if named:
            del holder[id_name]
            holder[ref.field.rsplit(".", 1)[-1]] = found


def _key_of(b: _Builder, ref: Ref, scope: Mapping[int, str] | None, value: Any) -> str | None:
    """The key of the object ``value`` (an id) names: among ``scope`` when the target is keyed
    within the enclosing object, else among the exported objects of the target's kind."""
    if scope is not None:
        return scope.get(int(value))
    return b.key(SECTIONS[ref.target].kind, value)


def _nested(b: _Builder, kind: Kind, entry: dict[str, Any], id_: int, where: str) -> None:
    """The objects of the child sections of a listed kind's object (a circuit's charge
    points, a template's variables): by key where the section is keyed, else in the order of
    their name field (or ids)."""
    assert kind.section is not None
    for child in kind.section.children:
        section = SECTIONS[child]
        child_kind = KINDS[section.kind]
        parent = child_kind.parents[-1].field
        found = b.children(child_kind.name, to_camel(parent), id_)
        if section.keyed:
            keys = keys_for(child_kind, {int(o["id"]): o for o in found})
            named: dict[str, Any] = {}
            for obj in sorted(found, key=lambda o: keys[int(o["id"])]):
                key = keys[int(obj["id"])]
                named[key] = b.entry(child_kind, obj, f"{where}.{child}.{key}")
                _refer(b, child_kind, named[key])
            if named:
                entry[child] = named
            continue
        wire = wire_path(child_kind.model, section.name_field) if section.name_field else "id"
        items = []
        for index, obj in enumerate(sorted(found, key=lambda o: (o.get(wire), o["id"]))):
            at = f"{where}.{child}" if section.single else f"{where}.{child}[{index}]"
            item = b.entry(child_kind, obj, at)
            _refer(b, child_kind, item)
            items.append(item)
        if items:
            entry[child] = items[0] if section.single else items


def _site(b: _Builder, location: dict[str, Any], location_id: int, location_key: str) -> None:
    """A location's zones and charge points, with their EVSEs and connectors."""
    zones = {int(o["id"]): o for o in b.children("ChargingZone", "locationId", location_id)}
    zone_keys = keys_for(KINDS["ChargingZone"], zones)
    if zones:
        location["charging_zones"] = {
            zone_keys[i]: b.entry(KINDS["ChargingZone"], o, f"{location_key}.{zone_keys[i]}")
            for i, o in sorted(zones.items(), key=lambda i: zone_keys[i[0]])
        }
    points = {int(o["id"]): o for o in b.children("ChargePoint", "locationId", location_id)}
    point_keys = keys_for(KINDS["ChargePoint"], points)
    charge_points: dict[str, Any] = {}
    for id_, obj in sorted(points.items(), key=lambda i: point_keys[i[0]]):
        key = point_keys[id_]
        where = f"locations.{location_key}.charge_points.{key}"
        entry = b.entry(KINDS["ChargePoint"], obj, where)
        _refer(b, KINDS["ChargePoint"], entry, {"charging_zones": zone_keys})
        for secret, holder, name in (
            ("pin", entry, "pin"),
            ("password", entry.get("network"), "password"),
        ):
            if isinstance(holder, dict) and holder.get(name) is not None:
                # Keys hold no dots: the three parts cannot run into each other.
                config_key = f"{location_key}.{key}.{secret}"
                holder[name] = f"${{config:{config_key}}}"
                b.out.secrets.append(config_key)
        evses = b.children("Evse", "chargePointId", id_)
        if evses:
            entry["evses"] = [
                _evse(b, e, f"{where}.evses[{n}]")
                for n, e in enumerate(
                    sorted(evses, key=lambda e: (str(e.get("networkId")), e["id"]))
                )
            ]
        charge_points[key] = entry
    if charge_points:
        location["charge_points"] = charge_points


def _evse(b: _Builder, obj: Mapping[str, Any], where: str) -> dict[str, Any]:
    entry = b.entry(KINDS["Evse"], obj, where)
    _refer(b, KINDS["Evse"], entry)
    connectors = b.children("Connector", "evseId", obj["id"])
    if connectors:
        entry["connectors"] = [
            b.entry(KINDS["Connector"], c, f"{where}.connectors[{n}]")
            for n, c in enumerate(sorted(connectors, key=lambda c: c["id"]))
        ]
    return entry
