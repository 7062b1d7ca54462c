"""Tariffs v1.0 and tariff groups v1.0 (both replaced whole with PUT): the desired state."""

from __future__ import annotations

import itertools
from typing import Literal

from pydantic import Field, model_validator

from .base import TIME_OF_DAY, AmpecoModel

TariffType = Literal[
    "free",
    "flat rate",
    "duration+energy",
    "duration+energy time of day",
    "energy tou",
    "standard",
    "charging not allowed",
    "average power levels",
    "peak power levels",
    "standard_tod",
    "optimised dynamic pricing",
]
PeriodMinutes = Literal[1, 15, 30, 60, 240, 360]
#: A translated text of a tariff: ``{locale: text}`` (a PUT deletes locales left out).
LocaleMap = dict[str, str | None]
Money = float


class EnergyLevel(AmpecoModel):
    first_kwh: float = Field(multiple_of=0.01)
    last_kwh: float | None = Field(default=None, multiple_of=0.01)
    fee_per_kwh: float | None = Field(default=None, multiple_of=0.01)
    flat_fee: float | None = Field(default=None, multiple_of=0.01)


class UnitLevel(AmpecoModel):
    first_unit: int
    last_unit: int | None = None
    fee_per_unit: float | None = Field(default=None, multiple_of=0.01)
    flat_fee: float | None = Field(default=None, multiple_of=0.01)


class Pricing(AmpecoModel):
    price_per_session: Money | None = None
    connection_fee: Money | None = None
    connection_fee_minimum_session_duration: int | None = None
    connection_fee_minimum_session_energy: float | None = None
    price_per_kwh: Money | None = None
    day_price_per_kwh: Money | None = None
    night_price_per_kwh: Money | None = None
    price_period_in_minutes: PeriodMinutes | None = None
    price_per_period: Money | None = None
    day_price_per_period: Money | None = None
    night_price_per_period: Money | None = None
    duration_fee_limit: Money | None = None
    duration_fee_grace_period: int | None = None
    idle_fee_per_minute: Money | None = None
    idle_fee_grace_period_minutes: float | None = None
    idle_pricing_period_in_minutes: PeriodMinutes | None = None
    idle_fee_limit: Money | None = None
    min_price: Money | None = None
    pre_authorize_amount: Money | None = None
    tax_id: int | None = Field(default=None, alias="taxID")
    multi_price_per_kwh: list[EnergyLevel] | None = None
    multi_price_per_duration: list[UnitLevel] | None = None
    multi_idle_fee: list[UnitLevel] | None = None
    lock_price_on_session_start: bool | None = None
    lock_energy_price_on_session_start: bool | None = None
    lock_duration_price_on_session_start: bool | None = None
    lock_idle_price_on_session_start: bool | None = None
    duration_fee_from: str | None = Field(default=None, pattern=TIME_OF_DAY)
    duration_fee_to: str | None = Field(default=None, pattern=TIME_OF_DAY)
    day_idle_fee_per_minute: Money | None = None
    night_idle_fee_per_minute: Money | None = None
    idle_fee_period_start: str | None = Field(default=None, pattern=TIME_OF_DAY)
    idle_fee_period_end: str | None = Field(default=None, pattern=TIME_OF_DAY)
    charge_point_electricity_rate: bool | None = None
    fallback_electricity_rate_id: int | None = None
    markup_percentage_per_kwh: float | None = None
    markup_fixed_fee_per_kwh: Money | None = None
    subsidy_integration_id: int | None = None
    regular_use_period: float | None = None
    threshold_price_for_energy: Money | None = None
    price_for_energy_when_optimized: Money | None = None
    optimised_label: str | None = None
    state_of_charge_idle_threshold: Literal[75, 80, 85, 90, 95, 100] | None = None
    average_power_idle_threshold: float | None = Field(default=None, ge=0, le=999999.99)

    @model_validator(mode="after")
    def _levels_chain(self) -> Pricing:
        for name, first, last, step in (
            ("multi_price_per_kwh", "first_kwh", "last_kwh", 0.0),
            ("multi_price_per_duration", "first_unit", "last_unit", 1.0),
            ("multi_idle_fee", "first_unit", "last_unit", 1.0),
        ):
            levels = getattr(self, name) or []
            if not levels:
                continue
            if getattr(levels[0], first) != 0:
                raise ValueError(f"`{name}`: the first level starts at 0")
            for before, after in itertools.pairwise(levels):
                end = getattr(before, last)
                if end is None or getattr(after, first) != end + step:
                    raise ValueError(f"`{name}`: each level starts where the one before ends")
            if getattr(levels[-1], last) is not None:
                raise ValueError(f"`{name}`: the last level is open (`{last}` unset)")
        return self


class StopSession(AmpecoModel):
    time_limit_minutes: float | None = None
    stop_when_energy_exceeds_kwh: float | None = None


class Restrictions(AmpecoModel):
    apply_to_users_of_charge_point_partner: bool | None = None
    apply_to_users_of_all_roaming_emsps: bool | None = None
    apply_to_ad_hoc_users: bool | None = None
    ad_hoc_pre_authorize_amount: float | None = Field(default=None, ge=0, multiple_of=0.01)
    apply_to_users_of_partners: list[int] | None = None
    apply_to_user_group_ids: list[int] | None = None
    apply_to_users_with_subscriptions: list[int] | None = None
    start_date: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    end_date: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")


class Display(AmpecoModel):
    default_price_information: str | None = Field(default=None, max_length=150)
    default_price_information_offline: str | None = Field(default=None, max_length=150)
    price_information: str | None = None
    total_cost_information: str | None = None


class TariffPartner(AmpecoModel):
    id: int | None = None


class Tariff(AmpecoModel):
    name: str = Field(min_length=1)
    type: TariffType
    external_id: str | None = None
    description: LocaleMap | None = None
    additional_information: LocaleMap | None = None
    learn_more_url: LocaleMap | None = None
    day_tariff_start: str | None = Field(default=None, pattern=TIME_OF_DAY)
    night_tariff_start: str | None = Field(default=None, pattern=TIME_OF_DAY)
    pricing: Pricing | None = None
    stop_session: StopSession | None = None
    restrictions: Restrictions | None = None
    partner: TariffPartner | None = None
    display: Display | None = None
    integration_id: int | None = None


class TariffGroup(AmpecoModel):
    name: str = Field(min_length=1)
    tariff_ids: list[int] = Field(default_factory=list)
    partner_id: int | None = None
