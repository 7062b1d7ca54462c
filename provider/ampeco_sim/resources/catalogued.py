"""The resources of :mod:`..catalog`: the generic resource driven by a catalogue entry, and
the few behaviours an entry cannot say as data (a downtime period's server fields, a
terminal's, a roaming operator's switch, the order of tariff filters)."""

from __future__ import annotations

import copy
from datetime import datetime, timezone
from typing import Any, ClassVar

from ..catalog import COLLECTIONS, Collection
from ..contract import Operation, object_variants, schema_properties
from ..errors import FieldErrors, Invalid
from ..store import Row, Tx
from .base import (
    CREATED_FILTERS,
    Filter,
    Request,
    Resource,
    Response,
    data_schema,
    eq,
)


class Catalogued(Resource):
    """A collection whose behaviour its catalogue entry and AMPECO's document say in full."""

    entry: ClassVar[Collection]
    #: Top-level fields holding a date-time (D38), from the create schema.
    date_times: tuple[str, ...] = ()
    #: The create operation, whose body an object of variants keeps fitting (D44).
    creating: Operation | None = None
    #: The read's object schema, whose variant says what an object of variants shows (D44).
    showing: dict[str, Any] | None = None

    def follow(
        self,
        listing: Operation | None,
        update: Operation | None,
        read: Operation | None = None,
        create: Operation | None = None,
    ) -> None:
        """Also: what a read shows for a field never written (see :meth:`derived`)."""
        super().follow(listing, update, read, create)
        self.creating = create
        data = data_schema(read, "200") if read is not None else None
        self.showing = data if isinstance(data, dict) else None
        # Each catalogued resource is a class of its own (see ``catalogued``).
        type(self).defaults = self.derived(None)
        written = self._written(None)
        self.date_times = tuple(
            name
            for name, prop in written.items()
            if isinstance(prop, dict) and prop.get("format") == "date-time"
        )

    def _written(self, body: Any) -> dict[str, Any]:
        schema = self.creating.body_schema if self.creating is not None else None
        return schema_properties(schema, body) if schema else {}

    def derived(self, body: Any) -> dict[str, Any]:
        """What a read shows for a field never written, from the document: the create schema's
        ``default``, else ``null`` where the read schema allows it; for an object of variants,
        those of its variant (``body``)."""
        shown = schema_properties(self.showing, body) if self.showing is not None else {}
        written = self._written(body)
        derived: dict[str, Any] = {}
        for name, prop in shown.items():
            if name == "id" or name in self.row_times or not isinstance(prop, dict):
                continue
            given = written.get(name)
            if isinstance(given, dict) and "default" in given:
                derived[name] = given["default"]
            elif prop.get("nullable"):
                derived[name] = None
        return {**derived, **self.entry.defaults}

    def _variants(self) -> bool:
        """Whether the create body is a ``oneOf`` of objects (D44)."""
        schema = self.creating.body_schema if self.creating is not None else None
        return schema is not None and object_variants(schema) is not None

    def shown_defaults(self, row: Row) -> dict[str, Any]:
        return self.derived(row.body) if self._variants() else self.defaults

    def cascade(self, tx: Tx, row: Row) -> None:
        super().cascade(tx, row)
        for kind in self.entry.dependents:
            for child in tx.children(kind, row.id):
                tx.delete(kind, child.id)

    def stored(self, body: dict[str, Any], row: Row | None) -> dict[str, Any]:
        """D38: date-times are kept (and shown) in UTC with an explicit offset. D44: an
        object of variants keeps the fields of its variant only."""
        out = super().stored(body, row)
        for name in self.date_times:
            value = out.get(name)
            if isinstance(value, str):
                out[name] = _utc(value)
        if self._variants():
            own = self._written(out)
            out = {name: value for name, value in out.items() if name in own}
        return out

    def check(
        self, tx: Tx, body: dict[str, Any], row: Row | None, parent_id: int | None
    ) -> FieldErrors:
        errors: FieldErrors = {}
        merged = self.stored(dict(body), row)  # what the write would leave
        if row is not None and self._variants() and self.creating is not None:
            # D44: what an update leaves is still an object of its (perhaps new) variant.
            errors.update(self.creating.validate_body(self.stored(body, row)))
        own = self._written(merged)
        for group in self.entry.exactly_one:
            if not all(name in own for name in group):
                continue
            named = [name for name in group if merged.get(name) is not None]
            first, second = group[0], group[1]
            if not named:
                errors.setdefault(first, []).append(
                    f"The {_words(first)} field is required when {_words(second)} is not present."
                )
            for name in named[1:]:
                errors.setdefault(name, []).append(
                    f"The {_words(name)} field prohibits {_words(named[0])} from being present."
                )
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


class PaymentTerminals(Catalogued):
    """Payment terminals: what the tenant sets on a terminal of the types that show it (an
    access token, the Android bundle it should run, its monitoring and kiosk flags)."""

    def server_fields(self, tx: Tx, row: Row) -> dict[str, Any]:
        out = super().server_fields(tx, row)
        shown = schema_properties(self.showing, row.body) if self.showing is not None else {}
        values = {
            "adminToken": f"terminal-{row.id:08d}",
            "bundle": {
                "version": "1.0.0",
                "downloadUrl": f"https://bundles.example.com/terminal-{row.id}/1.0.0.zip",
            },
            "networkStatusMonitoringEnabled": False,
        }
        if row.body.get("chargePointId") is not None:  # omitted for zone terminals
            values["kioskModeEnabled"] = False
        return {**out, **{name: v for name, v in values.items() if name in shown}}


class RoamingOperators(Catalogued):
    """Roaming operators (D45): a PATCH of the deprecated ``partnerId`` turns the operator on
    (a partner) or off (``null``), as the reference says; settings left unset show their
    documented defaults, and a PATCH of ``cpoSettings: null`` puts them all back."""

    nested_defaults: ClassVar[dict[str, dict[str, Any]]] = {
        "cpoSettings": {
            "cpoQrcodePrefix": None,
            "manualEvseManagement": False,
            "applyCustomTariffsToEvsesWithRoamingTariff": False,
            "sendsPeriodicMeterUpdates": True,
            "externalTariffIntegration": None,
            "threatEvseStatusUnknownAs": "unavailable",
            "phaseAcPowerFormula": "amperage_voltage_3",
        }
    }

    def stored(self, body: dict[str, Any], row: Row | None) -> dict[str, Any]:
        out = super().stored(body, row)
        if "partnerId" in body and "enabled" not in body:
            out["enabled"] = body["partnerId"] is not None
        if "cpoSettings" in body and body["cpoSettings"] is None:
            out["cpoSettings"] = {}  # shown with every documented default
        return out

    def seed(self, tx: Tx, body: dict[str, Any]) -> dict[str, Any]:
        """A roaming operator as a roaming connection brings it (the admin API's seed)."""
        shown = schema_properties(self.showing) if self.showing is not None else {}
        kept = {k: copy.deepcopy(v) for k, v in body.items() if k in shown and k != "id"}
        return self.render(tx, tx.insert(self.kind, kept))


class CustomTariffFilters(Catalogued):
    """A roaming operator's custom tariff filters, ranked 1, 2, … by ``order`` (D46): a filter
    created without one goes last; one given a taken place (on create or PATCH) takes it, the
    others moving down to make room; a delete closes the gap; ``reorder`` puts the filters it
    names at their places, the others keeping their order in the places left."""

    filters: ClassVar[dict[str, Filter]] = CREATED_FILTERS

    def _ranked(self, tx: Tx, parent_id: int | None) -> list[Row]:
        rows = tx.children(self.kind, parent_id) if parent_id is not None else []
        return sorted(rows, key=lambda r: (r.body.get("order", len(rows) + 1), r.id))

    def _rank(self, tx: Tx, rows: list[Row]) -> None:
        for place, row in enumerate(rows, 1):
            if row.body.get("order") != place:
                tx.update(row, {**row.body, "order": place})

    def _place(self, tx: Tx, row: Row, wanted: Any) -> Row:
        others = [r for r in self._ranked(tx, row.parent_id) if r.id != row.id]
        at = min(max(wanted, 1), len(others) + 1) - 1 if isinstance(wanted, int) else len(others)
        self._rank(tx, [*others[:at], row, *others[at:]])
        return tx.get(self.kind, row.id) or row

    def after_create(self, tx: Tx, row: Row) -> Row:
        return self._place(tx, row, row.body.get("order"))

    def after_update(self, tx: Tx, row: Row, body: dict[str, Any]) -> Row:
        return self._place(tx, row, body["order"]) if "order" in body else row

    def delete(self, tx: Tx, req: Request) -> Response:
        row = self.load(tx, req)
        response = super().delete(tx, req)
        self._rank(tx, self._ranked(tx, row.parent_id))
        return response

    def reorder(self, tx: Tx, req: Request) -> Response:
        ranked = self._ranked(tx, self.parent_id(tx, req))
        by_id = {r.id: r for r in ranked}
        moves: list[dict[str, Any]] = req.body["filters"]
        errors: FieldErrors = {}
        seen: dict[str, set[int]] = {"id": set(), "order": set()}
        for index, move in enumerate(moves):
            for name in ("id", "order"):
                if move[name] in seen[name]:
                    errors.setdefault(f"filters.{index}.{name}", []).append(
                        f"The filters.{index}.{name} field has a duplicate value."
                    )
                seen[name].add(move[name])
            if move["id"] not in by_id:
                errors.setdefault(f"filters.{index}.id", []).append(
                    f"The selected filters.{index}.id is invalid."
                )
            if move["order"] > len(ranked):
                errors.setdefault(f"filters.{index}.order", []).append(
                    f"The filters.{index}.order must not be greater than {len(ranked)}."
                )
        if errors:
            raise Invalid(errors)
        placed = {move["order"]: by_id[move["id"]] for move in moves}
        rest = iter(r for r in ranked if r.id not in seen["id"])
        self._rank(tx, [placed.get(place) or next(rest) for place in range(1, len(ranked) + 1)])
        return Response(200, {"message": "Order updated successfully"})


#: Entries whose resource adds behaviour to the generic one.
_SPECIAL: dict[str, tuple[type[Catalogued], dict[str, Any]]] = {
    "charge_point_downtime_period": (DowntimePeriods, {"station": "chargePoint"}),
    "evse_downtime_period": (DowntimePeriods, {"station": "evse"}),
    "payment_terminal": (PaymentTerminals, {}),
    "roaming_operator": (RoamingOperators, {}),
    "custom_tariff_filter": (CustomTariffFilters, {}),
}


def catalogued(entry: Collection) -> Catalogued:
    """The resource serving a catalogue entry."""
    base, extra = _SPECIAL.get(entry.kind, (Catalogued, {}))
    filters: dict[str, Filter] = {
        **base.filters,
        **{name: eq(field) for name, field in entry.filters.items()},
    }
    name = "".join(part.capitalize() for part in entry.kind.split("_"))
    attributes = {
        "kind": entry.kind,
        "entry": entry,
        "filters": filters,
        "refs": entry.refs,
        "parents": entry.parents,
        **extra,
    }
    cls = type(name, (base,), {**attributes, "id_parameter": entry.id_parameter})
    resource: Catalogued = cls()
    return resource


def resources() -> list[tuple[Catalogued, str, str]]:
    """Every catalogued resource with its collection and item templates."""
    return [(catalogued(entry), entry.collection, entry.item) for entry in COLLECTIONS]
