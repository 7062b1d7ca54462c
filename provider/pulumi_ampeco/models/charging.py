"""Charge points v2.0, EVSEs (v2.1) and connectors: the desired state a program declares."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .base import AmpecoModel

ChargePointType = Literal["public", "private", "personal"]
Capability = Literal[
    "remote_start_stop_capable",
    "meter_values",
    "stop_transaction_on_ev_disconnect",
    "disregard_the_heartbeats",
    "display_messages",
]
SATELLITE = "via_ocpp_connected_charge_point"


class Network(AmpecoModel):
    id: str | None = None
    """the station's OCPP identity (charge box id); unique in the tenant"""
    protocol: Literal["ocpp 1.5", "ocpp 1.6", "ocpp 1.6 soap", "ocpp 2.0.1"] | None = None
    """protocol the station speaks, e.g. `ocpp 1.6`"""
    password: str | None = None
    """basic-auth password of the station's OCPP connection"""
    ip: str | None = None
    """address (IP) for the OCPP connection; required for OCPP 1.5 (SOAP)"""
    port: int | None = Field(default=None, ge=1, le=65535)
    """port for the OCPP connection, 1-65535; required for OCPP 1.5 (SOAP)"""


class Security(AmpecoModel):
    desired_profile: int | None = Field(default=None, ge=0, le=3)
    """security profile to apply: 0 none, 1 basic auth, 2 TLS + basic auth, 3 TLS + client certs"""


class Subscription(AmpecoModel):
    required: bool | None = None
    """whether users need an active subscription to use the charger (personal only)"""
    plan_ids: list[int] | None = None
    """ids of subscription plans; an active one of any of them is enough (personal only)"""


class Owner(AmpecoModel):
    id: int | None = None
    """id of the user who owns the personal charger"""
    automatic_firmware_updates_enabled: bool | None = None
    """whether the owner allows automatic firmware updates (default true)"""


class ChargePointPartner(AmpecoModel):
    id: int | None = None
    """id of the partner that owns or operates the station"""
    contract_id: int | None = None
    """id of the contract with that partner"""
    corporate_billing_as_default: bool | None = None
    """use the partner's corporate billing by default for users the partner invited"""
    access_type: (
        Literal["private_view_private_use", "private_view_public_use", "public_view_private_use"]
        | None
    ) = None
    """for private stations: who can see the station on the map and who can use it"""


class ChargePoint(AmpecoModel):
    name: str = Field(min_length=1)
    """display name of the charge point, up to 255 characters"""
    type: ChargePointType
    """public (on the map for all), private (a company's people) or personal (home charger)"""
    status: Literal["enabled", "disabled", "out of order", "demo"]
    """system status: enabled, disabled, out of order, or demo (acts as a simulator)"""
    location_id: int | None = None
    """id of the location; required for public and private charge points"""
    charging_zone_id: int | None = None
    """id of a charging zone of the charge point's location"""
    pin: str | None = Field(default=None, pattern=r"^[0-9]{1,4}$")
    """code of 1 to 4 digits the owner enters to claim the charger; required for personal ones"""
    communication_mode: Literal["none", "direct_ocpp", "via_ocpp_connected_charge_point"] | None = (
        None
    )
    """how the station connects (none, direct_ocpp, via another station); set only at creation"""
    ocpp_connected_charge_point_id: int | None = None
    """id of the station that relays this one's OCPP traffic; set only at creation"""
    external_id: str | None = None
    """your own reference for the charge point; listings can filter by it"""
    network: Network | None = None
    """settings of the station's OCPP connection"""
    network_type: Literal["cellular", "ethernet", "wlan"] | None = None
    """uplink of the station: cellular, ethernet or wlan"""
    capabilities: list[Capability] | None = None
    """features the station has, e.g. remote_start_stop_capable, meter_values"""
    auto_start_without_authorization: bool | None = None
    """accept sessions the station starts itself, remote-starting them if it does not"""
    disable_auto_start_emulation: bool | None = None
    """with auto-start on, send no emulated remote start; rely on the station"""
    security: Security | None = None
    """security profile settings of the station's OCPP connection"""
    model_id: int | None = None
    """id of the charge point model; the station's boot notification overwrites it"""
    enable_auto_fault_recovery: bool | None = None
    """try to recover automatically from a faulted state (default true)"""
    electricity_rate_id: int | None = None
    """id of a non-dynamic electricity rate used to track each session's energy cost"""
    utility_id: int | None = None
    """id of the utility that supplies the site's electricity"""
    uses_renewable_energy: bool | None = None
    """mark roaming sessions as green when no electricity rate gives the energy mix"""
    subscription: Subscription | None = None
    """subscription needed to use a personal charger"""
    user: Owner | None = None
    """owner of a personal charger and the owner's preferences"""
    partner: ChargePointPartner | None = None
    """business partner that owns or operates the station"""
    notice_id: int | None = None
    """id of an informational notice shown with the station"""
    tags: list[str] | None = None
    """labels for filtering and grouping; tags left out are removed from the station"""

    @model_validator(mode="after")
    def _conditional_requirements(self) -> ChargePoint:
        if self.type in ("public", "private") and self.location_id is None:
            raise ValueError(f"a {self.type} charge point needs `location_id`")
        if self.type == "personal" and not self.pin:
            raise ValueError("a personal charge point needs a `pin` (1 to 4 digits)")
        if self.communication_mode == SATELLITE and self.ocpp_connected_charge_point_id is None:
            raise ValueError(
                f"`communication_mode` {SATELLITE!r} needs `ocpp_connected_charge_point_id`"
            )
        return self


class PowerOptions(AmpecoModel):
    max_power: int | None = Field(default=None, ge=0)
    """maximum power of the EVSE in watts"""
    max_voltage: (
        Literal["230", "380", "400", "480", "120", "208", "240", "110-130", "220-240", "277"] | None
    ) = None
    """nominal voltage or range in volts, e.g. `230` or `220-240`"""
    max_amperage: float | None = Field(default=None, ge=0)
    """maximum current of the EVSE in amperes"""
    phases: Literal["single_phase", "three_phase", "split_phase"] | None = None
    """phase configuration: single_phase, three_phase or split_phase"""
    connected_phase: Literal["L1", "L2", "L3", "L1_L2", "L1_L3", "L2_L3"] | None = None
    """line conductors in use, e.g. L1 (single phase, star) or L1_L2"""
    phase_rotation: Literal["RST", "RTS", "SRT", "STR", "TRS", "TSR"] | None = None
    """phase order (R=L1, S=L2, T=L3); being phased out, connected_phase wins"""


class Evse(AmpecoModel):
    charge_point_id: int
    """id of the charge point the EVSE belongs to; set only at creation"""
    physical_reference: str = Field(min_length=1)
    """identifier shown to drivers at the site, e.g. the printed EVSE label or QR code"""
    current_type: Literal["ac", "dc"]
    """type of current the EVSE delivers: ac or dc"""
    network_id: str = Field(min_length=1)
    """the EVSE's number in OCPP (`1`, `2`, ...); unique within the charge point"""
    status: Literal["enabled", "disabled", "out of order"]
    """administrative status: enabled, disabled or out of order"""
    label: str | None = None
    """name of the EVSE shown in the mobile app"""
    tariff_group_id: int | None = None
    """id of the tariff group that prices the EVSE; without one the free default applies"""
    allows_reservation: bool | None = None
    """whether drivers can reserve the EVSE (needs reservations enabled in the tenant)"""
    booking_enabled: bool | None = None
    """whether the EVSE can be booked (needs bookings enabled); also allows reservations"""
    mid_meter_certification_end_year: int | None = None
    """year in which the MID certification of the EVSE's meter ends"""
    power_options: PowerOptions | None = None
    """electrical data of the EVSE"""
    external_id: str | None = None
    """your own reference for the EVSE; listings can filter by it"""

    @model_validator(mode="after")
    def _booking_implies_reservations(self) -> Evse:
        if self.booking_enabled and self.allows_reservation is False:
            raise ValueError(
                "`booking_enabled` turns `allows_reservation` on; drop `allows_reservation`"
                " or set it to true"
            )
        return self


ConnectorType = Literal[
    "type1",
    "type2",
    "type3",
    "chademo",
    "ccs1",
    "ccs2",
    "schuko",
    "nacs",
    "cee16",
    "cee32",
    "j1772",
    "inductive",
    "nema-5-20",
    "type-e-french",
    "type-g-british",
    "type-j-swiss",
    "avcon",
    "gb-t-ac",
    "gb-t-dc",
    "chaoji",
    "nema-6-30",
    "nema-6-50",
]


class Connector(AmpecoModel):
    type: ConnectorType
    """plug standard of the connector, e.g. type2, ccs2 or chademo"""
    format: Literal["socket", "cable"] | None = None
    """socket on the station, or cable attached to it"""
    status: Literal["enabled", "disabled"] | None = None
    """administrative status: enabled or disabled"""
