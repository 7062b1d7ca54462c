"""The resource classes a program uses: typed arguments in, typed outputs out.

Each class accepts its arguments the two ways generated Pulumi SDKs do — an ``…Args``
dataclass (``Location("depot", LocationArgs(...))``) or keywords (``Location("depot",
name=..., ...)``) — and hands them to the one generic provider. Nested objects are plain
dictionaries typed with ``TypedDict``; a translated text is a string (in the stack's
``ampeco:defaultLocale``), a ``{locale: text}`` mapping, or the API's list of
``{"locale", "translation"}``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Literal, TypedDict

import pulumi
import pulumi.dynamic

from .models.locations import AccessMethod, Facility, ParkingType
from .provider import ADOPT, AmpecoProvider
from .specs import SPECS

TranslatedText = str | Mapping[str, str] | Sequence[Mapping[str, str]]


class _AmpecoResource(pulumi.dynamic.Resource):
    """What every resource class shares: argument handling and the provider."""

    _kind: ClassVar[str]
    _args_class: ClassVar[type]

    def __init__(
        self,
        resource_name: str,
        args: Any = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        adopt: bool = False,
        **kwargs: Any,
    ) -> None:
        names = [f.name for f in dataclasses.fields(self._args_class)]
        unknown = sorted(set(kwargs) - set(names))
        if unknown:
            raise TypeError(
                f"{type(self).__name__}: unknown argument(s) {', '.join(unknown)};"
                f" the arguments are: {', '.join(names)}"
            )
        if args is not None and not isinstance(args, self._args_class):
            raise TypeError(
                f"{type(self).__name__}: args must be a {self._args_class.__name__},"
                f" not {type(args).__name__}"
            )
        # Shallow, attribute by attribute: Outputs inside must stay Outputs.
        props: dict[str, Any] = {}
        if args is not None:
            props.update({n: getattr(args, n) for n in names if getattr(args, n) is not None})
        props.update({k: v for k, v in kwargs.items() if v is not None})
        if adopt:
            props[ADOPT] = True
        # Outputs the server computes exist as attributes only if seeded.
        for name in SPECS[self._kind].server_fields:
            props.setdefault(name, None)
        super().__init__(AmpecoProvider(self._kind), resource_name, props, opts)


# --- Location ----------------------------------------------------------------------------------


class GeopositionArgs(TypedDict):
    latitude: float
    longitude: float


class IntervalArgs(TypedDict):
    start: str  # "HH:MM"
    end: str


class WeeklyHoursArgs(TypedDict, total=False):
    monday: Sequence[IntervalArgs]
    tuesday: Sequence[IntervalArgs]
    wednesday: Sequence[IntervalArgs]
    thursday: Sequence[IntervalArgs]
    friday: Sequence[IntervalArgs]
    saturday: Sequence[IntervalArgs]
    sunday: Sequence[IntervalArgs]


class WorkingHoursArgs(TypedDict, total=False):
    is_always_open: bool
    stop_session_outside_working_hours: bool
    always_open_for_user_group_ids: Sequence[int]
    hours: WeeklyHoursArgs


@dataclasses.dataclass(frozen=True, kw_only=True)
class LocationArgs:
    """A site: car park, street, depot. ``name``, ``geoposition``, ``address`` and ``country``
    are required."""

    name: pulumi.Input[TranslatedText]
    geoposition: pulumi.Input[GeopositionArgs]
    address: pulumi.Input[TranslatedText]
    country: pulumi.Input[str]
    external_id: pulumi.Input[str] | None = None
    description: pulumi.Input[TranslatedText] | None = None
    short_description: pulumi.Input[TranslatedText] | None = None
    additional_description: pulumi.Input[TranslatedText] | None = None
    street_address: pulumi.Input[TranslatedText] | None = None
    city: pulumi.Input[str] | None = None
    region: pulumi.Input[str] | None = None
    state: pulumi.Input[str] | None = None
    post_code: pulumi.Input[str] | None = None
    timezone: pulumi.Input[str] | None = None
    parking_type: pulumi.Input[ParkingType] | None = None
    access_methods: pulumi.Input[Sequence[AccessMethod]] | None = None
    facilities: pulumi.Input[Sequence[Facility]] | None = None
    working_hours: pulumi.Input[WorkingHoursArgs] | None = None
    tags: pulumi.Input[Sequence[str]] | None = None


class Location(_AmpecoResource, module="ampeco", name="Location"):
    """An AMPECO location (``/locations/v2.0``)."""

    _kind = "Location"
    _args_class = LocationArgs

    name: pulumi.Output[list[dict[str, str]]]
    geoposition: pulumi.Output[dict[str, float]]
    address: pulumi.Output[list[dict[str, str]]]
    country: pulumi.Output[str]
    external_id: pulumi.Output[str | None]
    description: pulumi.Output[list[dict[str, str]] | None]
    short_description: pulumi.Output[list[dict[str, str]] | None]
    additional_description: pulumi.Output[list[dict[str, str]] | None]
    street_address: pulumi.Output[list[dict[str, str]] | None]
    city: pulumi.Output[str | None]
    region: pulumi.Output[str | None]
    state: pulumi.Output[str | None]
    post_code: pulumi.Output[str | None]
    timezone: pulumi.Output[str | None]
    parking_type: pulumi.Output[str | None]
    access_methods: pulumi.Output[list[str] | None]
    facilities: pulumi.Output[list[str] | None]
    working_hours: pulumi.Output[dict[str, Any] | None]
    tags: pulumi.Output[list[str] | None]
    last_updated_at: pulumi.Output[str]


# --- ChargingZone ------------------------------------------------------------------------------


class AdditionalInfoArgs(TypedDict, total=False):
    enabled: bool
    title: TranslatedText
    description: TranslatedText


@dataclasses.dataclass(frozen=True, kw_only=True)
class ChargingZoneArgs:
    """A named part of a location (a floor, an area). Changing ``location_id`` replaces it."""

    location_id: pulumi.Input[int]
    name: pulumi.Input[str]
    status: pulumi.Input[Literal["enabled", "disabled"]]
    additional_info: pulumi.Input[AdditionalInfoArgs] | None = None


class ChargingZone(_AmpecoResource, module="ampeco", name="ChargingZone"):
    """A charging zone of a location (``/locations/v2.0/{location}/charging-zones``)."""

    _kind = "ChargingZone"
    _args_class = ChargingZoneArgs

    location_id: pulumi.Output[int]
    name: pulumi.Output[str]
    status: pulumi.Output[str]
    additional_info: pulumi.Output[dict[str, Any] | None]


# --- TaxIdentificationNumber, Tax, Currency ----------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class TaxIdentificationNumberArgs:
    """A registration number of the operator (e.g. a VAT number) that taxes refer to."""

    name: pulumi.Input[str]


class TaxIdentificationNumber(_AmpecoResource, module="ampeco", name="TaxIdentificationNumber"):
    """A tax identification number (``/tax-identification-numbers/v2.0``)."""

    _kind = "TaxIdentificationNumber"
    _args_class = TaxIdentificationNumberArgs

    name: pulumi.Output[str]
    last_updated_at: pulumi.Output[str]


@dataclasses.dataclass(frozen=True, kw_only=True)
class TaxArgs:
    """A tax rate. ``name`` (the key for adoption) and ``percentage`` are required."""

    name: pulumi.Input[str]
    percentage: pulumi.Input[float]
    display_name: pulumi.Input[TranslatedText] | None = None
    tax_identification_number_id: pulumi.Input[int] | None = None


class Tax(_AmpecoResource, module="ampeco", name="Tax"):
    """A tax (``/taxes/v2.0``)."""

    _kind = "Tax"
    _args_class = TaxArgs

    name: pulumi.Output[str]
    percentage: pulumi.Output[float]
    display_name: pulumi.Output[list[dict[str, str]] | None]
    tax_identification_number_id: pulumi.Output[int | None]
    last_updated_at: pulumi.Output[str]


@dataclasses.dataclass(frozen=True, kw_only=True)
class CurrencyArgs:
    """How amounts in a currency are shown. Changing ``alphabetic_code`` replaces it."""

    alphabetic_code: pulumi.Input[str]
    prefix: pulumi.Input[str] | None = None
    suffix: pulumi.Input[str] | None = None
    decimal: pulumi.Input[int] | None = None
    unit_price_and_calculations_decimal: pulumi.Input[int] | None = None
    enable_use_of_minor_currency_unit: pulumi.Input[bool] | None = None
    minor_unit_sign: pulumi.Input[str] | None = None


class Currency(_AmpecoResource, module="ampeco", name="Currency"):
    """A currency (``/currencies/v2.0``)."""

    _kind = "Currency"
    _args_class = CurrencyArgs

    alphabetic_code: pulumi.Output[str]
    prefix: pulumi.Output[str | None]
    suffix: pulumi.Output[str | None]
    decimal: pulumi.Output[int | None]
    unit_price_and_calculations_decimal: pulumi.Output[int | None]
    enable_use_of_minor_currency_unit: pulumi.Output[bool | None]
    minor_unit_sign: pulumi.Output[str | None]
    currency_name: pulumi.Output[str]
    numeric_code: pulumi.Output[str]
