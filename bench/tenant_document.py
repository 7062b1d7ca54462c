"""A tenant document of about 1,000 objects: how long validation takes, and what the `Tenant`
component costs through the offline engine against the simulator.

Prints the time and peak memory of reading and validating the YAML document (best of 3), the
same (once) for a document of 40,000 locations, whose time and memory show that reading and
validating grow linearly with the document, then the wall time and API calls of ``up`` from
empty, a no-op ``preview`` and ``destroy``.

Run: python bench/tenant_document.py [--locations 25] [--large 40000] [--validate-only]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
from collections import Counter
from pathlib import Path
from typing import Any

import pulumi
import yaml

from ampeco_sim import RunningSimulator, Simulator, SimulatorConfig
from pulumi_ampeco import Tenant
from pulumi_ampeco.tenant import load
from pulumi_ampeco.testing import OfflineStack

TOKEN = "bench-token"


def document(locations: int) -> dict[str, Any]:
    """25 locations × 5 charge points × 2 EVSEs × 2 connectors, 50 tariffs, 25 groups, 20
    taxes and a tax identification number (996 objects at the default size)."""
    taxes = {
        f"vat-{t}": {"name": f"VAT {t}", "percentage": 25, "tax_identification_number": "tin"}
        for t in range(20)
    }
    tariffs = {
        f"tariff-{t}": {
            "name": f"Tariff {t}",
            "type": "flat rate",
            "pricing": {"price_per_session": 2.5, "tax": f"vat-{t % 20}"},
        }
        for t in range(50)
    }
    groups = {
        f"group-{g}": {
            "name": f"Group {g}",
            "tariffs": [f"tariff-{2 * g % 50}", f"tariff-{(2 * g + 1) % 50}"],
        }
        for g in range(25)
    }
    sites: dict[str, Any] = {}
    for n in range(locations):
        points = {}
        for c in range(5):
            evses = [
                {
                    "physical_reference": f"L{n}C{c}E{e}",
                    "network_id": e + 1,
                    "current_type": "ac",
                    "status": "enabled",
                    "tariff_group": f"group-{(n + e) % 25}",
                    "external_id": f"loc-{n}-cp-{c}-evse-{e}",
                    "connectors": [{"type": "type2"}, {"type": "ccs2"}],
                }
                for e in range(2)
            ]
            points[f"cp-{c}"] = {
                "name": f"CP {n}.{c}",
                "type": "public",
                "status": "enabled",
                "external_id": f"loc-{n}-cp-{c}",
                "network": {"id": f"LOC-{n}-CP-{c}"},
                "evses": evses,
            }
        sites[f"loc-{n}"] = {
            "name": f"Site {n}",
            "address": f"Street {n}",
            "country": "NO",
            "geoposition": {"latitude": 59.0 + n / 100, "longitude": 10.0},
            "charge_points": points,
        }
    return {
        "tax_identification_numbers": {"tin": {"name": "NO 987 654 321 MVA"}},
        "taxes": taxes,
        "tariffs": tariffs,
        "tariff_groups": groups,
        "locations": sites,
    }


def many_locations(count: int) -> dict[str, Any]:
    """``count`` locations with a translated name and a description, nothing under them: the
    size at which quadratic bookkeeping (per path, per line, per object) would show."""
    return {
        "locations": {
            f"site-{n}": {
                "name": {"en": f"Site {n}", "nb": f"Sted {n}"},
                "description": f"Charging site number {n}, open around the clock",
                "address": f"Street {n}, {n % 9000 + 1000} Oslo",
                "country": "NO",
                "geoposition": {"latitude": 59.0 + n / 100_000, "longitude": 10.0},
                "tags": ["bench", f"region-{n % 17}"],
            }
            for n in range(count)
        }
    }


def measure_validation(path: Path, runs: int = 3) -> tuple[int, float, float]:
    best = float("inf")
    objects = 0
    for _ in range(runs):
        started = time.perf_counter()
        plan = load(path)
        best = min(best, time.perf_counter() - started)
        assert not plan.problems, plan.problems[:3]
        objects = len(plan.nodes)
    tracemalloc.start()
    load(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return objects, best, peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locations", type=int, default=25)
    parser.add_argument(
        "--large", type=int, default=40_000, help="locations of the large document (0: none)"
    )
    parser.add_argument("--validate-only", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tenant.yaml"
        path.write_text(yaml.safe_dump(document(args.locations), sort_keys=False))
        lines = path.read_text().count("\n")
        objects, seconds, peak = measure_validation(path)
        print(f"document: {objects} objects, {lines} lines of YAML")
        print(f"read and validate: {seconds * 1000:.0f} ms (best of 3), peak {peak:.1f} MiB")
        if args.large:
            large = Path(tmp) / "large.yaml"
            large.write_text(yaml.safe_dump(many_locations(args.large), sort_keys=False))
            mib = large.stat().st_size / 2**20
            objects, seconds, peak = measure_validation(large, runs=1)
            print(
                f"{objects:,} locations ({mib:.1f} MiB of YAML): read and validate"
                f" {seconds:.1f} s, peak {peak:.0f} MiB"
            )
        if args.validate_only:
            return

        def program() -> None:
            tenant = Tenant("tenant", document=path)
            pulumi.export("objects", len(tenant.resources))

        simulator = Simulator(SimulatorConfig(tokens=(TOKEN,), rate_limit=0))
        with RunningSimulator(simulator) as running:
            config = {"ampeco:tenantUrl": running.base_url, "ampeco:apiToken": TOKEN}
            with OfflineStack(program, Path(tmp) / "state.json", config) as stack:
                print(
                    f"{'operation':<14} {'wall s':>7} {'GET':>6} {'POST':>5} {'PATCH':>6} {'DELETE':>6}"
                )
                for label, operation in (
                    ("up from empty", "up"),
                    ("no-op preview", "preview"),
                    ("destroy", "destroy"),
                ):
                    simulator.clear_requests()
                    started = time.perf_counter()
                    getattr(stack, operation)()
                    elapsed = time.perf_counter() - started
                    calls = Counter(e["method"] for e in simulator.requests())
                    print(
                        f"{label:<14} {elapsed:7.1f} {calls['GET']:6d} {calls['POST']:5d}"
                        f" {calls['PATCH']:6d} {calls['DELETE']:6d}"
                    )


if __name__ == "__main__":
    main()
