"""The resources of :mod:`..catalog`: the generic resource driven by a catalogue entry, and
the few behaviours an entry cannot say as data (a downtime period's server fields)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, ClassVar

from ..catalog import COLLECTIONS, Collection
from ..contract import Operation, schema_properties
from ..errors import FieldErrors
from ..store import Row, Tx
from .base import Filter, Resource, eq, read_properties


class Catalogued(Resource):
    """A collection whose behaviour its catalogue entry and AMPECO's document say in full."""

    entry: ClassVar[Collection]
    #: Top-level fields holding a date-time (D38), from the create schema.
    date_times: tuple[str, ...] = ()

    def follow(
        self,
        listing: Operation | None,
        update: Operation | None,
        read: Operation | None = None,
        create: Operation | None = None,
    ) -> None:
        """Also: what a read shows for a field never written, from the document: the create
        schema's ``default``, else ``null`` where the read schema allows it."""
        super().follow(listing, update, read)
        shown = read_properties(read)
        written = schema_properties(create.body_schema or {}) if create is not None else {}
        derived: dict[str, Any] = {}
        for name, prop in shown.items():
            if name == "id" or name in self.row_times or not isinstance(prop, dict):
                continue
            given = written.get(name)
            if isinstance(given, dict) and "default" in given:
                derived[name] = given["default"]
            elif prop.get("nullable"):
                derived[name] = None
        # Each catalogued resource is a class of its own (see ``catalogued``).
        type(self).defaults = {**derived, **self.entry.defaults}
        self.date_times = tuple(
            name
            for name, prop in written.items()
            if isinstance(prop, dict) and prop.get("format") == "date-time"
        )

    def cascade(self, tx: Tx, row: Row) -> None:
        super().cascade(tx, row)
        for kind in self.entry.dependents:
            for child in tx.children(kind, row.id):
                tx.delete(kind, child.id)

    def stored(self, body: dict[str, Any], row: Row | None) -> dict[str, Any]:
        """D38: date-times are kept (and shown) in UTC with an explicit offset."""
        out = super().stored(body, row)
        for name in self.date_times:
            value = out.get(name)
            if isinstance(value, str):
                out[name] = _utc(value)
        return out

    def check(
        self, tx: Tx, body: dict[str, Any], row: Row | None, parent_id: int | None
    ) -> FieldErrors:
        errors: FieldErrors = {}
        merged = {**(row.body if row is not None else {}), **body}
        for fields in self.entry.unique:
            if not any(name in body for name in fields):
                continue
            clauses = [eq(name)(merged.get(name)) for name in fields]
            where = [clause for clause, _ in clauses]
            params = [value for _, values in clauses for value in values]
            taken = [
                r for r in tx.select(self.kind, where, params) if row is None or r.id != row.id
            ]
            if taken:
                first = fields[-1]
                errors.setdefault(first, []).append(f"The {_words(first)} has already been taken.")
        return errors

    def server_fields(self, tx: Tx, row: Row) -> dict[str, Any]:
        counted = {}
        for name, (kind, path) in self.entry.counts.items():
            clause, params = eq(path)(row.id)
            counted[name] = tx.count(kind, [clause], params)
        return {**super().server_fields(tx, row), **counted}


def _utc(value: str) -> str:
    """An RFC 3339 date-time in UTC (``+00:00``); a value that is none stays as it is (the
    document's validation has refused it already)."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        return value
    utc = moment.astimezone(timezone.utc)
    return utc.isoformat(timespec="seconds" if utc.microsecond == 0 else "microseconds")


def _words(name: str) -> str:
    """``idTagUid`` → ``id tag uid``, as Laravel names a field in messages."""
    return "".join(f" {c.lower()}" if c.isupper() else c for c in name).strip()


class DowntimePeriods(Catalogued):
    """A charge point's or an EVSE's downtime: the type is its notice's, which must be an
    ``exempt`` notice (the document: "allowed only notice with type = exempt"); the location
    and statuses are the station's; a period entered through the API is ``manual``."""

    station: ClassVar[str]

    def check(
        self, tx: Tx, body: dict[str, Any], row: Row | None, parent_id: int | None
    ) -> FieldErrors:
        errors = super().check(tx, body, row, parent_id)
        notice_id = body.get("noticeId")
        notice = tx.get("downtime_period_notice", notice_id) if isinstance(notice_id, int) else None
        if notice is not None and notice.body.get("type") != "exempt":
            errors.setdefault("noticeId", []).append("The selected notice id is invalid.")
        merged = {**(row.body if row is not None else {}), **body}
        started, ended = merged.get("startedAt"), merged.get("endedAt")
        if isinstance(started, str) and isinstance(ended, str) and ended <= started:
            errors.setdefault("endedAt", []).append("The ended at must be a date after started at.")
        return errors

    def server_fields(self, tx: Tx, row: Row) -> dict[str, Any]:
        out = super().server_fields(tx, row)
        station = self._station(tx, row)
        notice_id = row.body.get("noticeId")
        notice = tx.get("downtime_period_notice", notice_id) if isinstance(notice_id, int) else None
        point = self._charge_point(tx, station)
        return {
            **out,
            "chargePointId": point.id if point is not None else None,
            "locationId": point.body.get("locationId") if point is not None else None,
            "entryMode": "manual",
            "type": notice.body.get("type") if notice is not None else "exempt",
            "statuses": {
                "system": station.body.get("status", "enabled") if station else "enabled",
                "network": "never connected",
                "hardware": None,
            },
        }

    def _station(self, tx: Tx, row: Row) -> Row | None:
        id_ = row.body.get(f"{self.station}Id")
        kind = "charge_point" if self.station == "chargePoint" else "evse"
        return tx.get(kind, id_) if isinstance(id_, int) else None

    def _charge_point(self, tx: Tx, station: Row | None) -> Row | None:
        if station is None or self.station == "chargePoint":
            return station
        id_ = station.body.get("chargePointId", station.parent_id)
        return tx.get("charge_point", id_) if isinstance(id_, int) else None


#: Entries whose resource adds behaviour to the generic one.
_SPECIAL: dict[str, tuple[type[Catalogued], dict[str, Any]]] = {
    "charge_point_downtime_period": (DowntimePeriods, {"station": "chargePoint"}),
    "evse_downtime_period": (DowntimePeriods, {"station": "evse"}),
}


def catalogued(entry: Collection) -> Catalogued:
    """The resource serving a catalogue entry."""
    base, extra = _SPECIAL.get(entry.kind, (Catalogued, {}))
    filters: dict[str, Filter] = {name: eq(field) for name, field in entry.filters.items()}
    name = "".join(part.capitalize() for part in entry.kind.split("_"))
    attributes = {
        "kind": entry.kind,
        "entry": entry,
        "filters": filters,
        "refs": entry.refs,
        **extra,
    }
    cls = type(name, (base,), {**attributes, "id_parameter": entry.id_parameter})
    resource: Catalogued = cls()
    return resource


def resources() -> list[tuple[Catalogued, str, str]]:
    """Every catalogued resource with its collection and item templates."""
    return [(catalogued(entry), entry.collection, entry.item) for entry in COLLECTIONS]
