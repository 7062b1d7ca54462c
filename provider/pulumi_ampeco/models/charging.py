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
    protocol: Literal["ocpp 1.5", "ocpp 1.6", "ocpp 1.6 soap", "ocpp 2.0.1"] | None = None
    password: str | None = None
    ip: str | None = None
    port: int | None = Field(default=None, ge=1, le=65535)


class Security(AmpecoModel):
    desired_profile: int | None = Field(default=None, ge=0, le=3)


class Subscription(AmpecoModel):
    required: bool | None = None
    plan_ids: list[int] | None = None


class Owner(AmpecoModel):
    id: int | None = None
    automatic_firmware_updates_enabled: bool | None = None


class Partner(AmpecoModel):
    id: int | None = None
    contract_id: int | None = None
    corporate_billing_as_default: bool | None = None
    access_type: (
        Literal["private_view_private_use", "private_view_public_use", "public_view_private_use"]
        | None
    ) = None


class ChargePoint(AmpecoModel):
    name: str = Field(min_length=1, max_length=255)
    type: ChargePointType
    status: Literal["enabled", "disabled", "out of order", "demo"]
    location_id: int | None = None
    charging_zone_id: int | None = None
    pin: str | None = Field(default=None, pattern=r"^[0-9]{1,4}$")
    communication_mode: Literal["none", "direct_ocpp", "via_ocpp_connected_charge_point"] | None = (
        None
    )
    ocpp_connected_charge_point_id: int | None = None
    external_id: str | None = None
    network: Network | None = None
    network_type: Literal["cellular", "ethernet", "wlan"] | None = None
    capabilities: list[Capability] | None = None
    auto_start_without_authorization: bool | None = None
    disable_auto_start_emulation: bool | None = None
    security: Security | None = None
    model_id: int | None = None
    enable_auto_fault_recovery: bool | None = None
    electricity_rate_id: int | None = None
    utility_id: int | None = None
    uses_renewable_energy: bool | None = None
    subscription: Subscription | None = None
    user: Owner | None = None
    partner: Partner | None = None
    notice_id: int | None = None
    tags: list[str] | None = None

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
    max_power: int | None = Field(default=None, ge=0, description="watts")
    max_voltage: (
        Literal["230", "380", "400", "480", "120", "208", "240", "110-130", "220-240", "277"] | None
    ) = None
    max_amperage: float | None = Field(default=None, ge=0)
    phases: Literal["single_phase", "three_phase", "split_phase"] | None = None
    connected_phase: Literal["L1", "L2", "L3", "L1_L2", "L1_L3", "L2_L3"] | None = None
    phase_rotation: Literal["RST", "RTS", "SRT", "STR", "TRS", "TSR"] | None = None


class Evse(AmpecoModel):
    charge_point_id: int
    physical_reference: str = Field(min_length=1)
    current_type: Literal["ac", "dc"]
    network_id: str = Field(min_length=1)
    status: Literal["enabled", "disabled", "out of order"]
    label: str | None = None
    tariff_group_id: int | None = None
    allows_reservation: bool | None = None
    booking_enabled: bool | None = None
    mid_meter_certification_end_year: int | None = None
    power_options: PowerOptions | None = None
    external_id: str | None = None

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
    format: Literal["socket", "cable"] | None = None
    status: Literal["enabled", "disabled"] | None = None
