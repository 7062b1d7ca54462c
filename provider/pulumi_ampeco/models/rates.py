"""An electricity rate's price periods, by week day and by date. Written by hand: AMPECO sets
each day's periods with a PUT of its own, so the program's shape (every day of the rate, with
its periods) is not one request's schema. The rules a tenant refuses are checked here, before
any API call (decision D42)."""

from __future__ import annotations

from datetime import date
from itertools import pairwise
from typing import Literal

from pydantic import Field, field_validator, model_validator

from .base import AmpecoModel

#: ``HH:MM``, 24-hour, in the rate's local time; ``24:00`` ends a day.
TIME_OF_DAY = r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$"


def _minutes(text: str) -> int:
    return int(text[:2]) * 60 + int(text[3:])


class PricePeriod(AmpecoModel):
    starts_at: str = Field(pattern=TIME_OF_DAY)
    """when the period starts, local time (``HH:MM``)"""
    ends_at: str = Field(pattern=TIME_OF_DAY)
    """when it ends, local time (``HH:MM``; ``24:00`` is midnight at the end of the day)"""
    price: float = Field(ge=0)
    """the price per kWh in the period, tax included"""

    @model_validator(mode="after")
    def _ends_after_start(self) -> PricePeriod:
        if self.starts_at == "24:00":
            raise ValueError("`starts_at` 24:00 is the end of the day: start at 00:00 instead")
        if _minutes(self.ends_at) <= _minutes(self.starts_at):
            raise ValueError(
                f"`ends_at` {self.ends_at} is not after `starts_at` {self.starts_at}: a period"
                " lies within one day (end a night period at 24:00, start the next at 00:00)"
            )
        return self


def _no_overlap(periods: list[PricePeriod]) -> list[PricePeriod]:
    ordered = sorted(periods, key=lambda p: _minutes(p.starts_at))
    for before, after in pairwise(ordered):
        if _minutes(after.starts_at) < _minutes(before.ends_at):
            raise ValueError(
                f"the period {after.starts_at}–{after.ends_at} overlaps"
                f" {before.starts_at}–{before.ends_at}"
            )
    return periods


class WeekDayPricePeriods(AmpecoModel):
    week_day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun", "any"]
    """the week day the periods apply to, or ``any`` for every day"""
    periods: list[PricePeriod] = Field(min_length=1)
    """the day's periods; the rate's default price applies outside them"""

    _periods = field_validator("periods")(_no_overlap)


class DatePricePeriods(AmpecoModel):
    date: str
    """the date the periods apply to (``YYYY-MM-DD``), over its week day's"""
    periods: list[PricePeriod] = Field(min_length=1)
    """the date's periods; the rate's default price applies outside them"""

    _periods = field_validator("periods")(_no_overlap)

    @field_validator("date")
    @classmethod
    def _a_date(cls, value: str) -> str:
        try:
            if len(value) == 10:
                date.fromisoformat(value)
                return value
        except ValueError:
            pass
        raise ValueError(f"{value!r} is not a date: write it YYYY-MM-DD (2026-12-24)")


class ElectricityRatePricePeriods(AmpecoModel):
    week_days: list[WeekDayPricePeriods] | None = None
    """the periods of each week day (or of ``any`` day)"""
    dates: list[DatePricePeriods] | None = None
    """the periods of particular dates"""

    @model_validator(mode="after")
    def _days_once(self) -> ElectricityRatePricePeriods:
        days = [d.week_day for d in self.week_days or []]
        if len(days) != len(set(days)):
            raise ValueError("`week_days` names a week day twice: give each day once")
        if "any" in days and len(days) > 1:
            raise ValueError(
                "`week_days` has `any` and specific days: the tenant takes one or the other"
            )
        dates = [d.date for d in self.dates or []]
        if len(dates) != len(set(dates)):
            raise ValueError("`dates` names a date twice: give each date once")
        return self
