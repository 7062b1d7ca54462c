"""An electricity rate's price periods (by week day and by date) and its energy mix.

Both hang off the rate: a PUT states one day's periods whole (201 the first time, 200 after),
a DELETE removes them, and the energy mix is one object, zero in every source until a PUT.
The rules beyond the document are decision D42: ``any`` and specific week days exclude each
other (as the document says); a period ends after it starts (``24:00`` ends a day) and the
periods of one day do not overlap; the rate's delete takes its periods and mix with it.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from ..errors import FieldErrors, Invalid, NotFound
from ..store import Row, Tx
from .base import Request, Resource, Response, read_properties

PERIOD = "price_period"
MIX = "energy_mix"
WEEK_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun", "any")


def _minutes(text: str) -> int | None:
    """Minutes since midnight of ``HH:MM`` (``24:00`` is the day's end), ``None`` if no time."""
    hours, minutes = int(text[:2]), int(text[3:])
    if minutes >= 60 or hours > 24 or (hours == 24 and minutes):
        return None
    return hours * 60 + minutes


def _period_errors(periods: list[dict[str, Any]]) -> FieldErrors:
    errors: FieldErrors = {}
    spans = []
    for index, period in enumerate(periods):
        start, end = _minutes(period["startsAt"]), _minutes(period["endsAt"])
        if start is None or start == 24 * 60:
            errors[f"periods.{index}.startsAt"] = ["The starts at is not a time of the day."]
        elif end is None:
            errors[f"periods.{index}.endsAt"] = ["The ends at is not a time of the day."]
        elif end <= start:
            errors[f"periods.{index}.endsAt"] = ["The ends at must be a time after starts at."]
        else:
            spans.append((start, end, index))
    ordered = sorted(spans)
    for (_s1, end1, _i1), (start2, _e2, index2) in pairwise(ordered):
        if start2 < end1:
            errors.setdefault(f"periods.{index2}.startsAt", []).append(
                "The period overlaps another period of the day."
            )
    return errors


class PricePeriods(Resource):
    """The periods of one week day (``by = "weekDay"``) or date (``by = "date"``)."""

    kind = PERIOD
    parents = ("electricity_rate",)

    def __init__(self, by: str) -> None:
        self.by = by

    def render(self, tx: Tx, row: Row, includes: list[str] | None = None) -> dict[str, Any]:
        return {self.by: row.body[self.by], "periods": row.body["periods"]}

    def _rows(self, tx: Tx, rate_id: int) -> list[Row]:
        rows = [r for r in tx.children(PERIOD, rate_id) if self.by in r.body]
        if self.by == "weekDay":
            return sorted(rows, key=lambda r: WEEK_DAYS.index(r.body["weekDay"]))
        return sorted(rows, key=lambda r: str(r.body["date"]))

    def list(self, tx: Tx, req: Request) -> Response:
        rate_id = self.parent_id(tx, req)
        assert rate_id is not None
        return Response(200, {"data": [self.render(tx, r) for r in self._rows(tx, rate_id)]})

    def _one(self, tx: Tx, req: Request) -> tuple[int, str, Row | None]:
        rate_id = self.parent_id(tx, req)
        assert rate_id is not None
        key = req.names[self.by]
        found = [r for r in self._rows(tx, rate_id) if r.body[self.by] == key]
        return rate_id, key, found[0] if found else None

    def read(self, tx: Tx, req: Request) -> Response:
        _rate, key, row = self._one(tx, req)
        if row is None:
            raise NotFound("PricePeriod", key)
        return Response(200, {"data": self.render(tx, row)})

    def update(self, tx: Tx, req: Request) -> Response:
        rate_id, key, row = self._one(tx, req)
        periods = list(req.body["periods"])
        errors = _period_errors(periods)
        if self.by == "weekDay":
            days = {r.body["weekDay"] for r in self._rows(tx, rate_id)} - {key}
            if (key == "any" and days) or (key != "any" and "any" in days):
                errors["weekDay"] = [
                    "A rate has periods for any week day or for specific week days, not both."
                ]
        if errors:
            raise Invalid(errors)
        body = {self.by: key, "periods": periods}
        if row is None:
            row = tx.insert(PERIOD, body, rate_id)
            return Response(201, {"data": self.render(tx, row)})
        row = tx.update(row, body)
        return Response(200, {"data": self.render(tx, row)})

    def delete(self, tx: Tx, req: Request) -> Response:
        _rate, key, row = self._one(tx, req)
        if row is None:
            raise NotFound("PricePeriod", key)
        tx.delete(PERIOD, row.id)
        return Response(204)


class AllPricePeriods(PricePeriods):
    """Every period of the rate: its week days, then its dates."""

    def __init__(self) -> None:
        super().__init__("weekDay")

    def list(self, tx: Tx, req: Request) -> Response:
        rate_id = self.parent_id(tx, req)
        assert rate_id is not None
        shown = [
            self_.render(tx, r)
            for self_ in (PricePeriods("weekDay"), PricePeriods("date"))
            for r in self_._rows(tx, rate_id)
        ]
        return Response(200, {"data": shown})


class EnergyMix(Resource):
    """The rate's energy mix: one object, each source's share in percent."""

    kind = MIX
    parents = ("electricity_rate",)
    sources: tuple[str, ...] = ()

    def follow(self, listing: Any, update: Any, read: Any = None, create: Any = None) -> None:
        # The sources are the read's properties (solar, wind, …), each 0 until set.
        self.sources = tuple(read_properties(read))

    def _row(self, tx: Tx, rate_id: int) -> Row | None:
        rows = tx.children(MIX, rate_id)
        return rows[0] if rows else None

    def _mix(self, row: Row | None) -> dict[str, Any]:
        stored = row.body if row is not None else {}
        return {name: stored.get(name, 0) for name in self.sources}

    def read(self, tx: Tx, req: Request) -> Response:
        rate_id = self.parent_id(tx, req)
        assert rate_id is not None
        return Response(200, {"data": self._mix(self._row(tx, rate_id))})

    def update(self, tx: Tx, req: Request) -> Response:
        rate_id = self.parent_id(tx, req)
        assert rate_id is not None
        row = self._row(tx, rate_id)
        # A PUT states the whole mix: a source left out is back to 0.
        body = {name: req.body.get(name, 0) for name in self.sources}
        row = tx.insert(MIX, body, rate_id) if row is None else tx.update(row, body)
        return Response(200, {"data": self._mix(row)})
