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
    """latitude of the site in decimal degrees (WGS84), -90 to 90"""
    longitude: float = Field(ge=-180, le=180)
    """longitude of the site in decimal degrees (WGS84), -180 to 180"""


class Interval(AmpecoModel):
    start: str = Field(pattern=TIME_OF_DAY)
    """start of the opening interval, HH:MM in 24-hour time"""
    end: str = Field(pattern=TIME_OF_DAY)
    """end of the opening interval, HH:MM in 24-hour time"""


class WeeklyHours(AmpecoModel):
    monday: list[Interval] | None = None
    """opening intervals on Mondays; a day without intervals is closed all day"""
    tuesday: list[Interval] | None = None
    """opening intervals on Tuesdays; a day without intervals is closed all day"""
    wednesday: list[Interval] | None = None
    """opening intervals on Wednesdays; a day without intervals is closed all day"""
    thursday: list[Interval] | None = None
    """opening intervals on Thursdays; a day without intervals is closed all day"""
    friday: list[Interval] | None = None
    """opening intervals on Fridays; a day without intervals is closed all day"""
    saturday: list[Interval] | None = None
    """opening intervals on Saturdays; a day without intervals is closed all day"""
    sunday: list[Interval] | None = None
    """opening intervals on Sundays; a day without intervals is closed all day"""


class WorkingHours(AmpecoModel):
    is_always_open: bool | None = None
    """true: open around the clock and `hours` is ignored; false: `hours` is required"""
    stop_session_outside_working_hours: bool | None = None
    """end running sessions when the site closes (not for users in always-open groups)"""
    always_open_for_user_group_ids: list[int] | None = None
    """ids of the user groups for which the site is open around the clock"""
    hours: WeeklyHours | None = None
    """opening intervals per weekday, in the location's (or else the tenant's) time zone"""

    @model_validator(mode="after")
    def _hours_when_not_always_open(self) -> WorkingHours:
        if self.is_always_open is False and self.hours is None:
            raise ValueError("give `hours` when `is_always_open` is false")
        return self


class Location(AmpecoModel):
    external_id: str | None = None
    """your own reference for the site (free text); listings can filter by it"""
    name: Translations = Field(min_length=1)
    """display name of the site, per locale; at least one entry"""
    description: Translations | None = None
    """long description of the site shown to drivers, per locale"""
    short_description: Translations | None = None
    """one-line description of the site, per locale"""
    additional_description: Translations | None = None
    """extra free text about the site, such as access hints, per locale"""
    geoposition: Geoposition
    """coordinates of the site (WGS84)"""
    country: str
    """country of the site as an ISO 3166-1 alpha-2 code (XK for Kosovo), e.g. NO"""
    address: Translations = Field(min_length=1)
    """full postal address of the site on one line, per locale"""
    street_address: Translations | None = None
    """street and house number only, per locale"""
    city: str | None = None
    """city of the site (plain text, not translated)"""
    region: str | None = None
    """free-text region; for countries other than US, AU, CA, UM and RO"""
    state: str | None = None
    """state code from the country's list; only for US, AU, CA, UM and RO"""
    post_code: str | None = None
    """postal code of the site"""
    timezone: str | None = Field(default=None, pattern=r"^[A-Za-z_]+(/[A-Za-z0-9_+\-]+)+$|^UTC$")
    """time zone as an IANA name, e.g. Europe/Oslo; needed if the tenant allows several zones"""
    parking_type: ParkingType | None = None
    """kind of parking at the site, e.g. PARKING_LOT or UNDERGROUND_GARAGE"""
    access_methods: list[AccessMethod] | None = None
    """how drivers get physical access to the site, e.g. OPEN, TOKEN, ACCESS_CODE"""
    facilities: list[Facility] | None = None
    """amenities at or near the site, e.g. CAFE, WIFI"""
    working_hours: WorkingHours | None = None
    """when charging is allowed at the site"""
    tags: list[str] | None = None
    """labels for filtering and grouping locations"""

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
    """whether the app shows the zone's extra information"""
    title: Translations | None = None
    """heading of the zone's extra information, per locale"""
    description: Translations | None = None
    """body text of the zone's extra information, per locale"""


class ChargingZone(AmpecoModel):
    name: str = Field(min_length=1)
    """internal name of the zone (e.g. a floor); not shown to drivers in the app"""
    status: Literal["enabled", "disabled"]
    """whether the zone is in use: enabled or disabled"""
    additional_info: AdditionalInfo | None = None
    """extra information about the zone, shown in the app with the location"""
