"""Charge points, EVSEs and connectors (``D<n>``: ``docs/decisions.md``)."""

from __future__ import annotations

from ..models import charging
from .declaration import (
    CREATED_AT,
    LAST_UPDATED_AT,
    Embedding,
    Example,
    IdOf,
    Key,
    Kind,
    Output,
    Parent,
    Ref,
    Section,
)

CHARGE_POINT = Kind(
    name="ChargePoint",
    model=charging.ChargePoint,
    doc="A charging station.",
    collection="/charge-points/v2.0",
    keys=(
        Key(("external_id",), {"externalId": "external_id"}, ours=True),
        Key(("network.id",), {"networkId": "network.id"}),
    ),
    # Set at creation only (the update schema has neither).
    replace_on=frozenset({"communication_mode", "ocpp_connected_charge_point_id"}),
    outputs={
        "network_status": Output("networkStatus", str, "whether the station is connected"),
        "created_at": CREATED_AT,
        "last_updated_at": LAST_UPDATED_AT,
    },
    unordered=frozenset({"capabilities", "tags"}),
    kept_when_removed=frozenset(
        {
            "network",
            "network_type",
            "security",
            "subscription",
            "user",
            "partner",
            "auto_start_without_authorization",
            "disable_auto_start_emulation",
            "enable_auto_fault_recovery",
            "uses_renewable_energy",
            "communication_mode",
            "ocpp_connected_charge_point_id",
        }
    ),
    secrets=frozenset({"network", "pin"}),
    quirks=(
        "`network.id` (the OCPP identity) is unique in the tenant (D11).",
        "Deleting a station deletes its EVSEs and connectors (D3); the tenant refuses while"
        " satellites use it as their master (D31).",
        "A PATCH must leave a valid station: public and private ones keep a location, personal"
        " ones a pin (D32).",
    ),
    section=Section(
        "charge_points",
        "charge point",
        refs=(
            Ref("charging_zone", "charging_zone_id", "charging_zones"),
            Ref("utility", "utility_id", "utilities"),
        ),
        parent_fields=("location_id",),
        children=("evses", "ocpp_configuration"),
    ),
    example=Example(
        "depot-north-1",
        {
            "name": "Depot North 1",
            "type": "public",
            "status": "enabled",
            "location_id": IdOf("Location"),
            "charging_zone_id": IdOf("ChargingZone"),
            "external_id": "depot-north-1",
            "network": {"id": "DN-0001", "protocol": "ocpp 1.6"},
        },
    ),
)

EVSE = Kind(
    name="Evse",
    model=charging.Evse,
    doc="One charging position of a charge point.",
    collection="/evses/v2.1",
    also_created_at=("/charge-points/v2.0/{charge_point_id}/evses",),
    keys=(
        Key(
            ("external_id",),
            {"externalId": "external_id", "chargePointId": "charge_point_id"},
            ours=True,
        ),
        # EVSE numbers start again at 1 on every station: the key is the pair.
        Key(
            ("network_id",),
            {"chargePointId": "charge_point_id"},
            within=("charge_point_id",),
        ),
    ),
    # Fixed at creation (not in the update schemas): moving an EVSE replaces it.
    replace_on=frozenset({"charge_point_id"}),
    outputs={"created_at": CREATED_AT, "last_updated_at": LAST_UPDATED_AT},
    # The listing then carries the connectors too (see CONNECTOR.embedded_in).
    include=("connectors",),
    kept_when_removed=frozenset(
        {"label", "external_id", "allows_reservation", "booking_enabled", "power_options"}
    ),
    quirks=(
        "`network_id` (the OCPP EVSE number) is unique per charge point (D12); `1` and `01` are"
        " one number, so a document, or a program under one `charge_point.id`, that declares"
        " both is refused before any API call.",
        "Without `tariff_group_id` the tenant's free default tariff applies (D14).",
        "Deleting an EVSE deletes its connectors (D4).",
    ),
    section=Section(
        "evses",
        "EVSE",
        refs=(Ref("tariff_group", "tariff_group_id", "tariff_groups"),),
        parent_fields=("charge_point_id",),
        children=("connectors",),
        keyed=False,
        name_field="network_id",
    ),
    example=Example(
        "depot-north-1-evse-1",
        {
            "charge_point_id": IdOf("ChargePoint"),
            "network_id": "1",
            "physical_reference": "NO*ACM*E0001*1",
            "current_type": "ac",
            "status": "enabled",
            "tariff_group_id": IdOf("TariffGroup"),
            "external_id": "depot-north-1-1",
            "power_options": {"max_power": 22000, "phases": "three_phase", "max_voltage": "400"},
        },
    ),
)

CONNECTOR = Kind(
    name="Connector",
    model=charging.Connector,
    doc="A plug or socket of an EVSE.",
    collection="/charge-points/v2.0/{charge_point_id}/evses/{evse_id}/connectors",
    parents=(Parent("charge_point_id", "ChargePoint"), Parent("evse_id", "Evse")),
    # Many connectors share a type: it recognises a lost create among new ones, never adopts.
    keys=(Key(("type", "format", "status"), identifying=False),),
    kept_when_removed=frozenset({"format", "status"}),
    # One page of EVSEs (with include[]=connectors) holds the connectors of 100 EVSEs.
    embedded_in=Embedding("/evses/v2.1", "connectors", "evse_id"),
    quirks=(
        "A connector has no key in this API version (no external id): it is adopted by its"
        " id only.",
        "The last connector of an EVSE may be deleted (D27).",
    ),
    section=Section("connectors", "connector", keyed=False),
    example=Example(
        "depot-north-1-evse-1-type2",
        {
            "charge_point_id": IdOf("ChargePoint"),
            "evse_id": IdOf("Evse"),
            "type": "type2",
            "format": "socket",
        },
    ),
)

KINDS = (CHARGE_POINT, EVSE, CONNECTOR)
