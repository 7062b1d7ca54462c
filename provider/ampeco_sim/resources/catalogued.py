"""The resources of :mod:`..catalog`: the generic resource driven by a catalogue entry, and
the few behaviours an entry cannot say as data (a downtime period's server fields)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, ClassVar

from ..catalog import COLLECTIONS, Collection
from ..contract import Operation, schema_properties
from ..errors import FieldErrors
from ..store import Row, Tx
from .base import Filter, Resource, eq, read_properties, require_ref


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
        merged = self.stored(dict(body), row)  # what the write would leave
        for name, ref in self.entry.refs.items():
            if name not in body:
                continue
            values = body[name] if ref.many and isinstance(body[name], list) else [body[name]]
            for value in values:
                found = require_ref(tx, errors, name, ref.kind, value)
                if found is not None and any(found.body.get(k) != v for k, v in ref.where.items()):
                    errors.setdefault(name, []).append(f"The selected {name} is invalid.")
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
        for name in self.date_times:
            moment = _instant(body.get(name))
            if moment is not None and _in_utc(moment) is None:
                errors.setdefault(name, []).append(f"The {_words(name)} is not a valid date.")
        for later, earlier in self.entry.after.items():
            if later not in body and earlier not in body:
                continue
            end, start = _instant(merged.get(later)), _instant(merged.get(earlier))
            if end is not None and start is not None and end <= start:
                message = f"The {_words(later)} must be a date after {_words(earlier)}."
                errors.setdefault(later, []).append(message)
        return errors

    def server_fields(self, tx: Tx, row: Row) -> dict[str, Any]:
        counted = {}
        for name, (kind, path) in self.entry.counts.items():
            clause, params = eq(path)(row.id)
            counted[name] = tx.count(kind, [clause], params)
        return {**super().server_fields(tx, row), **counted}


def _instant(value: object) -> datetime | None:
    """The moment an RFC 3339 date-time names (offsets count: text order is not time order),
    or ``None`` for a value that names none."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.upper())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _in_utc(moment: datetime) -> datetime | None:
    """The moment in UTC, or ``None`` if its UTC date is outside years 1–9999
    (``0001-01-01T00:00:00+05:00``): such a moment cannot be written in UTC (D38)."""
    try:
        return moment.astimezone(timezone.utc)
    except OverflowError:
        return None


def _utc(value: str) -> str:
    """An RFC 3339 date-time in UTC (``+00:00``); a value that is none, or has no UTC form,
    stays as it is (the document's validation or :meth:`Catalogued.check` refused it)."""
    moment = _instant(value)
    utc = _in_utc(moment) if moment is not None else None
    if utc is None:
        return value
    return utc.isoformat(timespec="seconds" if utc.microsecond == 0 else "microseconds")


def _words(name: str) -> str:
    """``idTagUid`` → ``id tag uid``, as Laravel names a field in messages."""
    return "".join(f" {c.lower()}" if c.isupper() else c for c in name).strip()


class DowntimePeriods(Catalogued):
    """A charge point's or an EVSE's downtime: the type is its notice's (the catalogue holds
    the notice to ``exempt`` ones and the end after the start); the location and statuses are
    the station's; a period entered through the API is ``manual``."""

    station: ClassVar[str]

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
    attributes = {"kind": entry.kind, "entry": entry, "filters": filters, **extra}
    cls = type(name, (base,), {**attributes, "id_parameter": entry.id_parameter})
    resource: Catalogued = cls()
    return resource


def resources() -> list[tuple[Catalogued, str, str]]:
    """Every catalogued resource with its collection and item templates."""
    return [(catalogued(entry), entry.collection, entry.item) for entry in COLLECTIONS]
