"""Utilities, electricity rates and load-management circuits (``D<n>``: ``docs/decisions.md``)."""

from __future__ import annotations

from ..channels import CircuitMembers, RateEnergyMix, RatePricePeriods
from ..models import energy, rates, stations
from .declaration import Example, IdOf, Key, Kind, Parent, Ref, Section

UTILITY = Kind(
    name="Utility",
    model=energy.Utility,
    doc="A company that supplies electricity, which electricity rates and charge points name.",
    collection="/utilities/v1.0",
    update_verb="PUT",
    keys=(Key(("name",)),),
    quirks=(
        "The tenant refuses to delete a utility that an electricity rate or a charge point"
        " names (D39).",
    ),
    section=Section("utilities", "utility"),
    example=Example("elvia", {"name": "Elvia"}),
)

ELECTRICITY_RATE = Kind(
    name="ElectricityRate",
    model=energy.ElectricityRate,
    doc="What electricity costs the operator: a default price per kWh, from a utility.",
    collection="/electricity-rates/v2.0",
    keys=(Key(("name",)),),
    quirks=(
        "The rate's price periods and energy mix are objects of their own"
        " (`ElectricityRatePricePeriods`, `ElectricityRateEnergyMix`).",
        "Deleting a rate deletes its price periods and energy mix (D42).",
    ),
    section=Section(
        "electricity_rates",
        "electricity rate",
        refs=(Ref("utility", "utility_id", "utilities"),),
        children=("price_periods", "energy_mix"),
    ),
    example=Example(
        "grid-energy",
        {
            "name": "Grid energy",
            "utility_id": IdOf("Utility"),
            "default_price": 0.12,
            "tax_percentage": 25,
        },
    ),
)

_RATE = (Parent("electricity_rate_id", "ElectricityRate"),)

ELECTRICITY_RATE_PRICE_PERIODS = Kind(
    name="ElectricityRatePricePeriods",
    model=rates.ElectricityRatePricePeriods,
    doc="An electricity rate's prices by time of day: per week day and per date.",
    collection=RatePricePeriods.collection,
    parents=_RATE,
    channel=RatePricePeriods(),
    unordered=frozenset({"week_days", "dates"}),
    quirks=(
        "One object per rate, with the rate's id: the program states every day that has"
        " periods; a day it leaves out has none (the rate's default price applies). `any` and"
        " specific week days exclude each other (D42).",
        "A rate whose periods were set outside the program, and which the program would"
        " change, is taken over with `adopt=<rate id>` only; deleting the object removes every"
        " period (D42).",
    ),
    section=Section("price_periods", "set of price periods", single=True),
    example=Example(
        "grid-energy-periods",
        {
            "electricity_rate_id": IdOf("ElectricityRate"),
            "week_days": [
                {
                    "week_day": "any",
                    "periods": [
                        {"starts_at": "00:00", "ends_at": "06:00", "price": 0.08},
                        {"starts_at": "17:00", "ends_at": "20:00", "price": 0.2},
                    ],
                }
            ],
            "dates": [
                {
                    "date": "2026-12-24",
                    "periods": [{"starts_at": "00:00", "ends_at": "24:00", "price": 0.06}],
                }
            ],
        },
    ),
)

ELECTRICITY_RATE_ENERGY_MIX = Kind(
    name="ElectricityRateEnergyMix",
    model=energy.ElectricityRateEnergyMix,
    doc="Where an electricity rate's energy comes from: each source's share in percent.",
    collection=RateEnergyMix.collection,
    parents=_RATE,
    channel=RateEnergyMix(),
    quirks=(
        "One object per rate, with the rate's id. Every rate has a mix, all 0 until set; the"
        " program manages the sources it sets, and one it stops setting goes back to 0. A"
        " share set outside the program that the program would change is taken over with"
        " `adopt=<rate id>` only; deleting the object sets every source back to 0 (D42).",
    ),
    section=Section("energy_mix", "energy mix", single=True),
    example=Example(
        "grid-energy-mix",
        {"electricity_rate_id": IdOf("ElectricityRate"), "hydro": 88, "wind": 10, "solar": 2},
    ),
)

CIRCUIT = Kind(
    name="Circuit",
    model=energy.Circuit,
    doc="A circuit of dynamic load management: a current limit shared by the charge points on it.",
    collection="/circuits/v2.0",
    keys=(Key(("name",)),),
    quirks=(
        "A circuit's parent circuit is given by id (`parent_circuit_id`); the tenant refuses to"
        " delete a circuit that another circuit has as its parent (D39).",
        "The charge points on the circuit are objects of their own (`CircuitChargePoint`).",
        "The load-balancing integration is not managed: the tenant keeps what it has.",
        "Deleting a circuit detaches its charge points (D40).",
    ),
    section=Section("circuits", "circuit", children=("circuit_charge_points",)),
    example=Example(
        "main", {"name": "Main", "phases": "three_phase", "max_current": 63, "max_voltage": "400"}
    ),
)

CIRCUIT_CHARGE_POINT = Kind(
    name="CircuitChargePoint",
    model=stations.CircuitChargePoint,
    doc="A charge point on a circuit of dynamic load management, with its priority.",
    collection=CircuitMembers.collection,
    parents=(Parent("circuit_id", "Circuit"),),
    channel=CircuitMembers(),
    keys=(Key(("charge_point_id",)),),
    replace_on=frozenset({"charge_point_id"}),
    kept_when_removed=frozenset({"priority"}),
    quirks=(
        "The object's id is the charge point's. A charge point is on one circuit at most; it"
        " is attached, given its priority and detached by the circuit's actions, each safe to"
        " repeat (D40). Moving it to another circuit replaces the object (detach first); in a"
        " tenant document, move the entry under the other circuit.",
        "Deleting the charge point takes it off its circuit (D40).",
    ),
    section=Section(
        "circuit_charge_points",
        "charge point on a circuit",
        keyed=False,
        name_field="charge_point_id",
        named_alone=True,
    ),
    example=Example(
        "main-depot-north-1",
        {"circuit_id": IdOf("Circuit"), "charge_point_id": IdOf("ChargePoint"), "priority": 1},
    ),
)

KINDS = (
    UTILITY,
    ELECTRICITY_RATE,
    ELECTRICITY_RATE_PRICE_PERIODS,
    ELECTRICITY_RATE_ENERGY_MIX,
    CIRCUIT,
    CIRCUIT_CHARGE_POINT,
)
