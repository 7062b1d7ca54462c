"""Utilities, electricity rates and load-management circuits (``D<n>``: ``docs/decisions.md``)."""

from __future__ import annotations

from ..models import energy
from .declaration import Key, Kind, Ref, Section

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
)

ELECTRICITY_RATE = Kind(
    name="ElectricityRate",
    model=energy.ElectricityRate,
    doc="What electricity costs the operator: a default price per kWh, from a utility.",
    collection="/electricity-rates/v2.0",
    keys=(Key(("name",)),),
    quirks=(
        "The rate's week-day and date price periods and its energy mix are not managed yet:"
        " the tenant keeps what it has.",
    ),
    section=Section(
        "electricity_rates", "electricity rate", refs=(Ref("utility", "utility_id", "utilities"),)
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
        "Which charge points are on the circuit, and the load-balancing integration, are not"
        " managed yet: the tenant keeps what it has.",
    ),
    section=Section("circuits", "circuit"),
)

KINDS = (UTILITY, ELECTRICITY_RATE, CIRCUIT)
