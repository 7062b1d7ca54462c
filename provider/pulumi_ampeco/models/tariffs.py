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
    """energy in kWh at which the level starts; 0 on the first level"""
    last_kwh: float | None = Field(default=None, multiple_of=0.01)
    """energy in kWh at which the level ends; unset on the last (open) level"""
    fee_per_kwh: float | None = Field(default=None, multiple_of=0.01)
    """price per kWh within the level"""
    flat_fee: float | None = Field(default=None, multiple_of=0.01)
    """flat fee for the level, instead of a price per kWh"""


class UnitLevel(AmpecoModel):
    first_unit: int
    """first price period of the level (see price_period_in_minutes); 0 on the first level"""
    last_unit: int | None = None
    """last price period of the level; unset on the last (open) level"""
    fee_per_unit: float | None = Field(default=None, multiple_of=0.01)
    """fee per price period within the level"""
    flat_fee: float | None = Field(default=None, multiple_of=0.01)
    """flat fee for the level"""


class Pricing(AmpecoModel):
    price_per_session: Money | None = None
    """fixed price per session (flat rate)"""
    connection_fee: Money | None = None
    """fixed fee charged when the session starts"""
    connection_fee_minimum_session_duration: int | None = None
    """charge the connection fee only if the session lasts at least this many minutes"""
    connection_fee_minimum_session_energy: float | None = None
    """charge the connection fee only if at least this many kWh were delivered"""
    price_per_kwh: Money | None = None
    """price per kWh of energy"""
    day_price_per_kwh: Money | None = None
    """price per kWh in the day window (duration+energy time of day)"""
    night_price_per_kwh: Money | None = None
    """price per kWh in the night window (duration+energy time of day)"""
    price_period_in_minutes: PeriodMinutes | None = None
    """billed period in minutes, charged at its start; also the unit of duration and idle levels"""
    price_per_period: Money | None = None
    """fee per price period (duration+energy)"""
    day_price_per_period: Money | None = None
    """fee per price period in the day window (duration+energy time of day)"""
    night_price_per_period: Money | None = None
    """fee per price period in the night window (duration+energy time of day)"""
    duration_fee_limit: Money | None = None
    """cap on the duration fees of one session"""
    duration_fee_grace_period: int | None = None
    """minutes before duration fees start to apply"""
    idle_fee_per_minute: Money | None = None
    """fee per minute while the car is connected but not charging"""
    idle_fee_grace_period_minutes: float | None = None
    """minutes the driver gets to move the car before idle fees start"""
    idle_pricing_period_in_minutes: PeriodMinutes | None = None
    """length in minutes of a billed period of idle fees"""
    idle_fee_limit: Money | None = None
    """cap on the idle fees of one session"""
    min_price: Money | None = None
    """minimum total price of a session"""
    pre_authorize_amount: Money | None = None
    """amount pre-authorised on the driver's payment method before the session starts"""
    tax_id: int | None = Field(default=None, alias="taxID")
    """id of the tax to apply (default tax if unset); deprecated, used only with multi-tax"""
    multi_price_per_kwh: list[EnergyLevel] | None = None
    """energy price levels (standard): from 0 kWh, each starting where the one before ends"""
    multi_price_per_duration: list[UnitLevel] | None = None
    """duration price levels (standard), in price periods from the start of charging"""
    multi_idle_fee: list[UnitLevel] | None = None
    """idle fee levels (standard), in price periods of the idle time"""
    lock_price_on_session_start: bool | None = None
    """freeze the price found at session start (duration+energy time of day, energy tou)"""
    lock_energy_price_on_session_start: bool | None = None
    """freeze the energy price found at session start for the session (standard_tod)"""
    lock_duration_price_on_session_start: bool | None = None
    """freeze the duration price found at session start for the session (standard_tod)"""
    lock_idle_price_on_session_start: bool | None = None
    """freeze the idle price found at session start for the session (standard_tod)"""
    duration_fee_from: str | None = Field(default=None, pattern=TIME_OF_DAY)
    """start of the daily window in which duration fees apply, HH:MM"""
    duration_fee_to: str | None = Field(default=None, pattern=TIME_OF_DAY)
    """end of the daily window in which duration fees apply, HH:MM"""
    day_idle_fee_per_minute: Money | None = None
    """idle fee per minute in the day window (duration+energy time of day)"""
    night_idle_fee_per_minute: Money | None = None
    """idle fee per minute in the night window (duration+energy time of day)"""
    idle_fee_period_start: str | None = Field(default=None, pattern=TIME_OF_DAY)
    """start of the daily window in which idle fees apply, HH:MM"""
    idle_fee_period_end: str | None = Field(default=None, pattern=TIME_OF_DAY)
    """end of the daily window in which idle fees apply, HH:MM"""
    charge_point_electricity_rate: bool | None = None
    """price energy from the electricity rate attached to the charge point"""
    fallback_electricity_rate_id: int | None = None
    """id of the electricity rate to use; required if charge_point_electricity_rate is false"""
    markup_percentage_per_kwh: float | None = None
    """markup on the electricity price per kWh, in percent"""
    markup_fixed_fee_per_kwh: Money | None = None
    """fixed markup added to the electricity price per kWh"""
    subsidy_integration_id: int | None = None
    """id of the subsidy integration to apply (energy tou only)"""
    regular_use_period: float | None = None
    """period of regular use in minutes (peak power levels)"""
    threshold_price_for_energy: Money | None = None
    """kWh price under which optimised charging schedules the charging"""
    price_for_energy_when_optimized: Money | None = None
    """price per kWh charged when the session is optimised"""
    optimised_label: str | None = None
    """label shown for the optimised charging option"""
    state_of_charge_idle_threshold: Literal[75, 80, 85, 90, 95, 100] | None = None
    """state of charge in percent above which the session is idle; unset: tenant default"""
    average_power_idle_threshold: float | None = Field(default=None, ge=0, le=999999.99)
    """average power over 5 minutes in kW below which the session is idle"""

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
    """longest session in minutes; unset for no limit"""
    stop_when_energy_exceeds_kwh: float | None = None
    """most energy per session in kWh; unset for no limit"""


class Restrictions(AmpecoModel):
    apply_to_users_of_charge_point_partner: bool | None = None
    """apply to users of the partner that owns the charge point"""
    apply_to_users_of_all_roaming_emsps: bool | None = None
    """apply to drivers of every roaming eMSP"""
    apply_to_ad_hoc_users: bool | None = None
    """apply to unregistered (ad hoc) drivers"""
    ad_hoc_pre_authorize_amount: float | None = Field(default=None, ge=0, multiple_of=0.01)
    """amount held on an ad hoc driver's card when the session starts"""
    apply_to_users_of_partners: list[int] | None = None
    """ids of partners; apply to users invited by any of them"""
    apply_to_user_group_ids: list[int] | None = None
    """ids of user groups; apply to members of any of them"""
    apply_to_users_with_subscriptions: list[int] | None = None
    """ids of subscription plans; apply to users with an active one of them"""
    start_date: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    """first day on which the tariff is valid, YYYY-MM-DD"""
    end_date: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    """last day on which the tariff is valid (inclusive), YYYY-MM-DD"""


class Display(AmpecoModel):
    default_price_information: str | None = None
    """text on the station's display before anyone authorises (base tariff only)"""
    default_price_information_offline: str | None = None
    """text on the station's display while it is offline (base tariff only)"""
    price_information: str | None = None
    """text on the station's display for users eligible for this tariff"""
    total_cost_information: str | None = None
    """text on the station's display at session end, next to the totals"""


class TariffPartner(AmpecoModel):
    id: int | None = None
    """id of the partner allowed to manage the tariff"""


class Tariff(AmpecoModel):
    name: str = Field(min_length=1)
    """name of the tariff"""
    type: TariffType
    """pricing model, e.g. `flat rate` or `standard`"""
    external_id: str | None = None
    """your own reference for the tariff (free text); listings cannot filter by it"""
    description: LocaleMap | None = None
    """text for drivers as {locale: text}; a PUT deletes locales left out"""
    additional_information: LocaleMap | None = None
    """extra text as {locale: text}; a PUT deletes locales left out"""
    learn_more_url: LocaleMap | None = None
    """link for drivers as {locale: URL}; a PUT deletes locales left out"""
    day_tariff_start: str | None = Field(default=None, pattern=TIME_OF_DAY)
    """time of day at which the day prices begin, HH:MM"""
    night_tariff_start: str | None = Field(default=None, pattern=TIME_OF_DAY)
    """time of day at which the night prices begin, HH:MM"""
    pricing: Pricing | None = None
    """the price components of the tariff"""
    stop_session: StopSession | None = None
    """limits at which a session stops automatically"""
    restrictions: Restrictions | None = None
    """who the tariff applies to, and when"""
    partner: TariffPartner | None = None
    """partner allowed to manage the tariff"""
    display: Display | None = None
    """texts for charge points that have a display"""
    integration_id: int | None = None
    """id of the internal integration that enables this tariff type"""


class TariffGroup(AmpecoModel):
    name: str = Field(min_length=1)
    """name of the tariff group"""
    tariff_ids: list[int] = Field(default_factory=list)
    """ordered tariff ids, checked from last to first; the tenant adds a free base tariff first"""
    partner_id: int | None = None
    """id of the partner allowed to manage the tariff group"""
