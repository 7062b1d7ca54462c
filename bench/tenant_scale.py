"""A generated tenant of about 1,000 objects through the offline engine against the simulator.

For each operation — ``up`` from empty, a no-op ``preview``, ``up`` after changing 10% of the
objects, ``refresh``, ``destroy`` — it prints the wall time, the API calls by method and the
API calls per object, once with the read cache on and once with it off, side by side.

Run: python bench/tenant_scale.py [--locations 25] [--transport grpc]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi

from ampeco_sim import RunningSimulator, Simulator, SimulatorConfig
from pulumi_ampeco import (
    ChargePoint,
    Connector,
    Evse,
    Location,
    Tariff,
    TariffGroup,
    Tax,
    TaxIdentificationNumber,
)
from pulumi_ampeco.testing import OfflineStack

TOKEN = "bench-token"


@dataclass
class Shape:
    locations: int = 25
    charge_points: int = 5  # per location
    evses: int = 2  # per charge point
    connectors: int = 2  # per EVSE
    taxes: int = 20
    tariffs: int = 50
    groups: int = 25
    changed: set[str] = field(default_factory=set)  # logical names to change

    def count(self) -> int:
        stations = self.locations * self.charge_points
        return (
            1
            + self.taxes
            + self.tariffs
            + self.groups
            + self.locations
            + stations
            + stations * self.evses
            + stations * self.evses * self.connectors
        )


def program_for(shape: Shape) -> Any:
    def label(name: str, value: str) -> str:
        return value + " (changed)" if name in shape.changed else value

    def program() -> None:
        tin = TaxIdentificationNumber("tin", name="NO 987 654 321 MVA")
        taxes = [
            Tax(f"tax-{t}", name=f"VAT {t}", percentage=25, tax_identification_number_id=tin.id)
            for t in range(shape.taxes)
        ]
        tariffs = [
            Tariff(
                f"tariff-{t}",
                name=label(f"tariff-{t}", f"Tariff {t}"),
                type="flat rate",
                external_id=f"tariff-{t}",
                pricing={"price_per_session": 2.5, "tax_id": taxes[t % len(taxes)].id},
            )
            for t in range(shape.tariffs)
        ]
        groups = [
            TariffGroup(
                f"group-{g}",
                name=label(f"group-{g}", f"Group {g}"),
                tariff_ids=[
                    tariffs[(2 * g) % len(tariffs)].id,
                    tariffs[(2 * g + 1) % len(tariffs)].id,
                ],
            )
            for g in range(shape.groups)
        ]
        for loc_n in range(shape.locations):
            loc_name = f"loc-{loc_n}"
            loc = Location(
                loc_name,
                external_id=loc_name,
                name=label(loc_name, f"Site {loc_n}"),
                geoposition={"latitude": 59.0 + loc_n / 100, "longitude": 10.0},
                address=f"Street {loc_n}",
                country="NO",
            )
            for cp_n in range(shape.charge_points):
                cp_name = f"{loc_name}-cp-{cp_n}"
                cp = ChargePoint(
                    cp_name,
                    name=label(cp_name, f"CP {loc_n}.{cp_n}"),
                    type="public",
                    status="enabled",
                    location_id=loc.id,
                    external_id=cp_name,
                    network={"id": cp_name.upper()},
                )
                for e_n in range(shape.evses):
                    evse_name = f"{cp_name}-evse-{e_n}"
                    evse = Evse(
                        evse_name,
                        charge_point_id=cp.id,
                        physical_reference=evse_name.upper(),
                        current_type="ac",
                        network_id=str(e_n + 1),
                        status="enabled",
                        label=label(evse_name, f"EVSE {e_n}"),
                        tariff_group_id=groups[(loc_n + e_n) % len(groups)].id,
                        external_id=evse_name,
                    )
                    for c_n in range(shape.connectors):
                        c_name = f"{evse_name}-c-{c_n}"
                        Connector(
                            c_name,
                            charge_point_id=cp.id,
                            evse_id=evse.id,
                            type="type2" if c_n == 0 else "ccs2",
                            status="disabled" if c_name in shape.changed else "enabled",
                        )
        pulumi.export("objects", shape.count())

    return program


def run(
    shape: Shape, cache: bool, transport: str, workdir: Path
) -> list[tuple[str, float, Counter[str]]]:
    simulator = Simulator(SimulatorConfig(tokens=(TOKEN,), rate_limit=0))
    rows: list[tuple[str, float, Counter[str]]] = []
    with RunningSimulator(simulator) as running:
        config = {
            "ampeco:tenantUrl": running.base_url,
            "ampeco:apiToken": TOKEN,
            "ampeco:readCache": "true" if cache else "false",
        }
        shape.changed = set()
        stack = OfflineStack(
            program_for(shape),
            workdir / f"state-{cache}.json",
            config,
            transport=transport,  # type: ignore[arg-type]
        )
        with stack:
            for label, operation, change in (
                ("up from empty", "up", False),
                ("no-op preview", "preview", False),
                ("up, 10% changed", "up", True),
                ("refresh", "refresh", False),
                ("destroy", "destroy", False),
            ):
                if change:
                    names = [n for n in _all_names(shape)]
                    shape.changed = set(names[::10])
                    stack.program = program_for(shape)
                simulator.clear_requests()
                started = time.perf_counter()
                getattr(stack, operation)()
                elapsed = time.perf_counter() - started
                calls = Counter(e["method"] for e in simulator.requests())
                rows.append((label, elapsed, calls))
    return rows


def _all_names(shape: Shape) -> list[str]:
    names = [f"tariff-{t}" for t in range(shape.tariffs)]
    names += [f"group-{g}" for g in range(shape.groups)]
    for loc_n in range(shape.locations):
        names.append(f"loc-{loc_n}")
        for cp_n in range(shape.charge_points):
            cp_name = f"loc-{loc_n}-cp-{cp_n}"
            names.append(cp_name)
            for e_n in range(shape.evses):
                evse_name = f"{cp_name}-evse-{e_n}"
                names.append(evse_name)
                names += [f"{evse_name}-c-{c_n}" for c_n in range(shape.connectors)]
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locations", type=int, default=25)
    parser.add_argument("--transport", choices=("grpc", "inprocess"), default="grpc")
    args = parser.parse_args()
    shape = Shape(locations=args.locations)
    objects = shape.count()
    print(f"tenant of {objects} objects, transport {args.transport}")
    with tempfile.TemporaryDirectory() as tmp:
        results = {cache: run(shape, cache, args.transport, Path(tmp)) for cache in (True, False)}
    header = f"{'operation':<18} {'cache':<6} {'wall s':>7} {'GET':>6} {'POST':>5} {'PUT':>5} {'PATCH':>6} {'DELETE':>6} {'calls/object':>13}"
    print(header)
    print("-" * len(header))
    for index in range(len(results[True])):
        for cache in (True, False):
            label, elapsed, calls = results[cache][index]
            total = sum(calls.values())
            print(
                f"{label:<18} {'on' if cache else 'off':<6} {elapsed:7.1f} {calls['GET']:6d}"
                f" {calls['POST']:5d} {calls['PUT']:5d} {calls['PATCH']:6d} {calls['DELETE']:6d}"
                f" {total / objects:13.2f}"
            )


if __name__ == "__main__":
    main()
