"""The quickstart: one charging site, priced and taxed, declared with pulumi-ampeco.

A location with a charging zone, two public charge points in that zone (an AC twin with two
EVSEs, a DC charger with one EVSE and two connectors), and the billing the EVSEs charge by:
a tax identification number, a VAT rate, a standard tariff that applies it, and a tariff group
holding the tariff. Every kind that has an ``external_id`` gets one, so a create whose answer
was lost is found again instead of being made twice; taxes, tax identification numbers and
tariff groups are found by their names.

Nested objects are plain dictionaries; the types in ``pulumi_ampeco.types`` let an editor and a
type checker check their keys (the charge points' ``network`` below).
"""

from __future__ import annotations

import pulumi

import pulumi_ampeco as ampeco
from pulumi_ampeco.types import NetworkArgs

# --- the site -----------------------------------------------------------------------------

depot = ampeco.Location(
    "depot-north",
    external_id="quickstart-depot-north",
    name={"en": "Depot North", "nb-NO": "Depot Nord"},
    geoposition={"latitude": 59.9071, "longitude": 10.7594},
    address="Dronning Eufemias gate 16, 0191 Oslo",
    country="NO",
    city="Oslo",
    post_code="0191",
    parking_type="PARKING_GARAGE",
    working_hours={"is_always_open": True},
)
level_2 = ampeco.ChargingZone("level-2", location_id=depot.id, name="Level -2", status="enabled")

# --- what charging costs ------------------------------------------------------------------

operator_vat = ampeco.TaxIdentificationNumber("operator-vat", name="NO 999 999 999 MVA")
vat = ampeco.Tax(
    "vat-25",
    name="Quickstart VAT 25%",
    percentage=25,
    display_name="VAT",
    tax_identification_number_id=operator_vat.id,
)
standard = ampeco.Tariff(
    "standard",
    name="Quickstart standard",
    type="standard",
    external_id="quickstart-standard",
    description={"en": "Energy at 0.45 per kWh, VAT included"},
    pricing={"price_per_kwh": 0.45, "tax_id": vat.id},
)
public_prices = ampeco.TariffGroup(
    "public-prices", name="Quickstart public prices", tariff_ids=[standard.id]
)

# --- the chargers -------------------------------------------------------------------------

ac_twin = ampeco.ChargePoint(
    "ac-twin",
    name="Depot North AC 1",
    type="public",
    status="enabled",
    location_id=depot.id,
    charging_zone_id=level_2.id,
    external_id="quickstart-ac-twin",
    network=NetworkArgs(id="QS-AC-TWIN", protocol="ocpp 1.6"),
)
dc_fast = ampeco.ChargePoint(
    "dc-fast",
    name="Depot North DC 1",
    type="public",
    status="enabled",
    location_id=depot.id,
    charging_zone_id=level_2.id,
    external_id="quickstart-dc-fast",
    network=NetworkArgs(id="QS-DC-FAST", protocol="ocpp 1.6"),
)

evses: dict[str, ampeco.Evse] = {}
connectors: dict[str, ampeco.Connector] = {}
for side in ("1", "2"):
    evse = evses[f"ac-twin-evse-{side}"] = ampeco.Evse(
        f"ac-twin-evse-{side}",
        charge_point_id=ac_twin.id,
        physical_reference=f"NO*QS*E1{side}",
        current_type="ac",
        network_id=side,
        status="enabled",
        tariff_group_id=public_prices.id,
        external_id=f"quickstart-ac-twin-{side}",
        power_options={"max_power": 22000, "phases": "three_phase", "max_voltage": "400"},
    )
    connectors[f"ac-twin-evse-{side}-type2"] = ampeco.Connector(
        f"ac-twin-evse-{side}-type2",
        charge_point_id=ac_twin.id,
        evse_id=evse.id,
        type="type2",
        format="socket",
    )

dc_evse = evses["dc-fast-evse-1"] = ampeco.Evse(
    "dc-fast-evse-1",
    charge_point_id=dc_fast.id,
    physical_reference="NO*QS*E21",
    current_type="dc",
    network_id="1",
    status="enabled",
    tariff_group_id=public_prices.id,
    external_id="quickstart-dc-fast-1",
    power_options={"max_power": 150000},
)
for plug in ("ccs2", "chademo"):
    connectors[f"dc-fast-evse-1-{plug}"] = ampeco.Connector(
        f"dc-fast-evse-1-{plug}",
        charge_point_id=dc_fast.id,
        evse_id=dc_evse.id,
        type=plug,
        format="cable",
    )

# --- what to look at afterwards -------------------------------------------------------------

pulumi.export("location_id", depot.id)
pulumi.export("charging_zone_id", level_2.id)
pulumi.export("charge_point_ids", {"ac-twin": ac_twin.id, "dc-fast": dc_fast.id})
pulumi.export("evse_ids", {name: evse.id for name, evse in evses.items()})
pulumi.export("connector_ids", {name: c.id for name, c in connectors.items()})
pulumi.export("tax_identification_number_id", operator_vat.id)
pulumi.export("tax_id", vat.id)
pulumi.export("tariff_id", standard.id)
pulumi.export("tariff_group_id", public_prices.id)
