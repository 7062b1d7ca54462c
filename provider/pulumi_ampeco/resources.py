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
import pickle
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Literal, TypedDict

import pulumi
import pulumi.dynamic

from .models.locations import AccessMethod, Facility, ParkingType
from .provider import ADOPT, AmpecoProvider
from .specs import SPECS

TranslatedText = str | Mapping[str, str] | Sequence[Mapping[str, str]]

# The SDK's serialize_provider wraps ``pickle._Pickler._batch_setitems`` in a sorting wrapper on
# every call and never restores it, so each dynamic resource adds a level of nesting; around a
# thousand resources in one program the next one fails with RecursionError. Each of our
# resources puts the original back before the SDK wraps it again.
_PICKLER_BATCH_SETITEMS = pickle._Pickler.__dict__["_batch_setitems"]


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
        spec = SPECS[self._kind]
        for name in [*spec.server_fields, *spec.server_first_item.values()]:
            props.setdefault(name, None)
        if spec.secrets:
            # Secret as inputs too: the state keeps a resource's inputs as well as its outputs.
            for name in sorted(spec.secrets):
                if name in props:
                    props[name] = pulumi.Output.secret(props[name])
            opts = pulumi.ResourceOptions.merge(
                opts, pulumi.ResourceOptions(additional_secret_outputs=sorted(spec.secrets))
            )
        pickle._Pickler._batch_setitems = _PICKLER_BATCH_SETITEMS  # type: ignore[attr-defined]
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


# --- ChargePoint, Evse, Connector --------------------------------------------------------------


class NetworkArgs(TypedDict, total=False):
    id: str  # the OCPP identity (charge box id); unique in the tenant
    protocol: Literal["ocpp 1.5", "ocpp 1.6", "ocpp 1.6 soap", "ocpp 2.0.1"]
    password: str  # kept secret in the state
    ip: str
    port: int


class SecurityArgs(TypedDict, total=False):
    desired_profile: int  # 0 to 3


class PartnerArgs(TypedDict, total=False):
    id: int
    contract_id: int
    corporate_billing_as_default: bool
    access_type: Literal[
        "private_view_private_use", "private_view_public_use", "public_view_private_use"
    ]


@dataclasses.dataclass(frozen=True, kw_only=True)
class ChargePointArgs:
    """A charging station. ``location_id`` is required for public and private stations,
    ``pin`` for personal ones; ``communication_mode`` and ``ocpp_connected_charge_point_id``
    are set at creation only (changing them replaces the station)."""

    name: pulumi.Input[str]
    type: pulumi.Input[Literal["public", "private", "personal"]]
    status: pulumi.Input[Literal["enabled", "disabled", "out of order", "demo"]]
    location_id: pulumi.Input[int] | None = None
    charging_zone_id: pulumi.Input[int] | None = None
    pin: pulumi.Input[str] | None = None
    communication_mode: pulumi.Input[str] | None = None
    ocpp_connected_charge_point_id: pulumi.Input[int] | None = None
    external_id: pulumi.Input[str] | None = None
    network: pulumi.Input[NetworkArgs] | None = None
    network_type: pulumi.Input[Literal["cellular", "ethernet", "wlan"]] | None = None
    capabilities: pulumi.Input[Sequence[str]] | None = None
    auto_start_without_authorization: pulumi.Input[bool] | None = None
    disable_auto_start_emulation: pulumi.Input[bool] | None = None
    security: pulumi.Input[SecurityArgs] | None = None
    model_id: pulumi.Input[int] | None = None
    enable_auto_fault_recovery: pulumi.Input[bool] | None = None
    electricity_rate_id: pulumi.Input[int] | None = None
    utility_id: pulumi.Input[int] | None = None
    uses_renewable_energy: pulumi.Input[bool] | None = None
    subscription: pulumi.Input[Mapping[str, Any]] | None = None
    user: pulumi.Input[Mapping[str, Any]] | None = None
    partner: pulumi.Input[PartnerArgs] | None = None
    notice_id: pulumi.Input[int] | None = None
    tags: pulumi.Input[Sequence[str]] | None = None


class ChargePoint(_AmpecoResource, module="ampeco", name="ChargePoint"):
    """A charge point (``/charge-points/v2.0``)."""

    _kind = "ChargePoint"
    _args_class = ChargePointArgs

    name: pulumi.Output[str]
    type: pulumi.Output[str]
    status: pulumi.Output[str]
    location_id: pulumi.Output[int | None]
    charging_zone_id: pulumi.Output[int | None]
    external_id: pulumi.Output[str | None]
    network: pulumi.Output[dict[str, Any] | None]
    network_status: pulumi.Output[str]
    created_at: pulumi.Output[str]
    last_updated_at: pulumi.Output[str]


class PowerOptionsArgs(TypedDict, total=False):
    max_power: int  # watts
    max_voltage: str  # "230", "400", "220-240", ...
    max_amperage: float
    phases: Literal["single_phase", "three_phase", "split_phase"]
    connected_phase: Literal["L1", "L2", "L3", "L1_L2", "L1_L3", "L2_L3"]
    phase_rotation: Literal["RST", "RTS", "SRT", "STR", "TRS", "TSR"]


@dataclasses.dataclass(frozen=True, kw_only=True)
class EvseArgs:
    """An EVSE of a charge point. Changing ``charge_point_id`` replaces it."""

    charge_point_id: pulumi.Input[int]
    physical_reference: pulumi.Input[str]
    current_type: pulumi.Input[Literal["ac", "dc"]]
    network_id: pulumi.Input[str]
    status: pulumi.Input[Literal["enabled", "disabled", "out of order"]]
    label: pulumi.Input[str] | None = None
    tariff_group_id: pulumi.Input[int] | None = None
    allows_reservation: pulumi.Input[bool] | None = None
    booking_enabled: pulumi.Input[bool] | None = None
    mid_meter_certification_end_year: pulumi.Input[int] | None = None
    power_options: pulumi.Input[PowerOptionsArgs] | None = None
    external_id: pulumi.Input[str] | None = None


class Evse(_AmpecoResource, module="ampeco", name="Evse"):
    """An EVSE (``/evses/v2.1``)."""

    _kind = "Evse"
    _args_class = EvseArgs

    charge_point_id: pulumi.Output[int]
    physical_reference: pulumi.Output[str]
    network_id: pulumi.Output[str]
    tariff_group_id: pulumi.Output[int | None]
    created_at: pulumi.Output[str]
    last_updated_at: pulumi.Output[str]


@dataclasses.dataclass(frozen=True, kw_only=True)
class ConnectorArgs:
    """A plug or socket of an EVSE. Changing either parent replaces it."""

    charge_point_id: pulumi.Input[int]
    evse_id: pulumi.Input[int]
    type: pulumi.Input[str]
    format: pulumi.Input[Literal["socket", "cable"]] | None = None
    status: pulumi.Input[Literal["enabled", "disabled"]] | None = None


class Connector(_AmpecoResource, module="ampeco", name="Connector"):
    """A connector (``/charge-points/v2.0/{chargePoint}/evses/{evse}/connectors``)."""

    _kind = "Connector"
    _args_class = ConnectorArgs

    charge_point_id: pulumi.Output[int]
    evse_id: pulumi.Output[int]
    type: pulumi.Output[str]
    format: pulumi.Output[str | None]
    status: pulumi.Output[str | None]


# --- Tariff, TariffGroup -----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class TariffArgs:
    """A price plan. Updated with PUT: the program states the whole tariff, and what it leaves
    out goes back to its default. Changing ``type`` replaces the tariff. Translated texts are
    ``{locale: text}`` maps; a locale left out is deleted."""

    name: pulumi.Input[str]
    type: pulumi.Input[str]
    external_id: pulumi.Input[str] | None = None
    description: pulumi.Input[Mapping[str, str]] | None = None
    additional_information: pulumi.Input[Mapping[str, str]] | None = None
    learn_more_url: pulumi.Input[Mapping[str, str]] | None = None
    day_tariff_start: pulumi.Input[str] | None = None
    night_tariff_start: pulumi.Input[str] | None = None
    pricing: pulumi.Input[Mapping[str, Any]] | None = None
    stop_session: pulumi.Input[Mapping[str, Any]] | None = None
    restrictions: pulumi.Input[Mapping[str, Any]] | None = None
    partner: pulumi.Input[Mapping[str, Any]] | None = None
    display: pulumi.Input[Mapping[str, Any]] | None = None
    integration_id: pulumi.Input[int] | None = None


class Tariff(_AmpecoResource, module="ampeco", name="Tariff"):
    """A tariff (``/tariffs/v1.0``)."""

    _kind = "Tariff"
    _args_class = TariffArgs

    name: pulumi.Output[str]
    type: pulumi.Output[str]
    external_id: pulumi.Output[str | None]
    pricing: pulumi.Output[dict[str, Any] | None]
    currency: pulumi.Output[str]
    last_updated_at: pulumi.Output[str]


@dataclasses.dataclass(frozen=True, kw_only=True)
class TariffGroupArgs:
    """An ordered list of tariffs for EVSEs (checked from the last to the first). The tenant
    adds a free base tariff to every new group; it stays first and is not the program's."""

    name: pulumi.Input[str]
    tariff_ids: pulumi.Input[Sequence[pulumi.Input[int]]] | None = None
    partner_id: pulumi.Input[int] | None = None


class TariffGroup(_AmpecoResource, module="ampeco", name="TariffGroup"):
    """A tariff group (``/tariff-groups/v1.0``)."""

    _kind = "TariffGroup"
    _args_class = TariffGroupArgs

    name: pulumi.Output[str]
    tariff_ids: pulumi.Output[list[int]]
    partner_id: pulumi.Output[int | None]
    base_tariff_id: pulumi.Output[int]
    last_updated_at: pulumi.Output[str]
