"""Locations v2.0 and their charging zones: the desired state a program declares."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from . import enums
from .base import TIME_OF_DAY, AmpecoModel, Translations

ParkingType = Literal[
    "ALONG_MOTORWAY",
    "PARKING_GARAGE",
    "PARKING_LOT",
    "ON_DRIVEWAY",
    "ON_STREET",
    "UNDERGROUND_GARAGE",
]
AccessMethod = Literal[
    "OPEN", "TOKEN", "LICENSE_PLATE", "ACCESS_CODE", "INTERCOM", "PARKING_TICKET"
]
Facility = Literal[
    "AIRPORT",
    "BIKE_SHARING",
    "BUS_STOP",
    "CAFE",
    "CARPOOL_PARKING",
    "FUEL_STATION",
    "HOTEL",
    "MALL",
    "METRO_STATION",
    "MUSEUM",
    "NATURE",
    "PARKING_LOT",
    "RECREATION_AREA",
    "RESTAURANT",
    "SPORT",
    "SUPERMARKET",
    "TAXI_STAND",
    "TRAIN_STATION",
    "TRAM_STOP",
    "WIFI",
]


class Geoposition(AmpecoModel):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class Interval(AmpecoModel):
    start: str = Field(pattern=TIME_OF_DAY, description="HH:MM, 24-hour")
    end: str = Field(pattern=TIME_OF_DAY, description="HH:MM, 24-hour")


class WeeklyHours(AmpecoModel):
    monday: list[Interval] | None = None
    tuesday: list[Interval] | None = None
    wednesday: list[Interval] | None = None
    thursday: list[Interval] | None = None
    friday: list[Interval] | None = None
    saturday: list[Interval] | None = None
    sunday: list[Interval] | None = None


class WorkingHours(AmpecoModel):
    is_always_open: bool | None = None
    stop_session_outside_working_hours: bool | None = None
    always_open_for_user_group_ids: list[int] | None = None
    hours: WeeklyHours | None = None

    @model_validator(mode="after")
    def _hours_when_not_always_open(self) -> WorkingHours:
        if self.is_always_open is False and self.hours is None:
            raise ValueError("give `hours` when `is_always_open` is false")
        return self


class Location(AmpecoModel):
    external_id: str | None = None
    name: Translations = Field(min_length=1)
    description: Translations | None = None
    short_description: Translations | None = None
    additional_description: Translations | None = None
    geoposition: Geoposition
    country: str
    address: Translations = Field(min_length=1)
    street_address: Translations | None = None
    city: str | None = None
    region: str | None = None
    state: str | None = None
    post_code: str | None = None
    timezone: str | None = Field(default=None, pattern=r"^[A-Za-z_]+(/[A-Za-z0-9_+\-]+)+$|^UTC$")
    parking_type: ParkingType | None = None
    access_methods: list[AccessMethod] | None = None
    facilities: list[Facility] | None = None
    working_hours: WorkingHours | None = None
    tags: list[str] | None = None

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        if value not in enums.COUNTRIES:
            raise ValueError(
                f"{value!r} is not an ISO 3166-1 alpha-2 country code the API accepts (e.g. 'NO')"
            )
        return value

    @field_validator("state")
    @classmethod
    def _state_of_country(cls, value: str | None, info: ValidationInfo) -> str | None:
        country = info.data.get("country")
        if value is None or country is None:
            return value
        allowed = enums.STATES.get(country)
        if allowed is None:
            raise ValueError(
                f"`state` is only for {', '.join(sorted(enums.STATES))}; use `region` for {country}"
            )
        if value not in allowed:
            raise ValueError(f"{value!r} is not a state of {country}")
        return value


class AdditionalInfo(AmpecoModel):
    enabled: bool | None = None
    title: Translations | None = None
    description: Translations | None = None


class ChargingZone(AmpecoModel):
    name: str = Field(min_length=1)
    status: Literal["enabled", "disabled"]
    additional_info: AdditionalInfo | None = None
