"""The same tenant program at 1,000, 3,000 and 12,000 objects through the offline engine.

At each size a fresh simulator process (in-memory tenant, 127.0.0.1) takes, in order: ``up``
from empty, a no-op ``preview``, ``up`` after changing every tenth object, ``refresh`` and
``destroy``. Each operation runs in a process of its own (``--child``), so its peak RSS and
CPU time are its own: the engine's (that process) and the provider's (its child process).
The simulator's CPU time is read from ``/proc``, the API calls from its request log.

One table: operation × size → wall time, ms/object, API calls by method and per object, CPU
seconds per layer, peak RSS per process; then, per operation, ms/object at the largest size
over the smallest against the goal of 1.5x. Exit status 1 if any run failed or did other work
than it should (a no-op preview that changes something).

Shape per location: 5 charge points × 2 EVSEs × 2 connectors; plus 50 tariffs, 25 tariff
groups, 20 taxes and a tax identification number. ``AMPECO_SDK_PATCH=off`` measures the SDK's
own output wait.

Run: python bench/tenant_scale.py [--sizes 1000,3000,12000] [--profile DIR]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import resource
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi

from export_scale import clear_requests, run_child, sim_requests
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
from sim_throughput import TOKEN
from sim_throughput import simulator as sim_process


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


OPERATIONS: tuple[tuple[str, str, bool], ...] = (
    ("up from empty", "up", False),
    ("no-op preview", "preview", False),
    ("up, 10% changed", "up", True),
    ("refresh", "refresh", False),
    ("destroy", "destroy", False),
)
SIZES = (1000, 3000, 12000)
FIXED = 96  # the tax identification number, taxes, tariffs and tariff groups
PER_LOCATION = 36  # the location, its charge points, EVSEs and connectors
GOAL_RATIO = 1.5
CHILD_TIMEOUT = 4 * 3600.0


def shape_of(size: int) -> Shape:
    """The largest shape of at most ``size`` objects (at least one location)."""
    return Shape(locations=max(1, (size - FIXED) // PER_LOCATION))


def child(args: argparse.Namespace) -> None:
    """One operation in this process; prints one JSON line with its figures."""
    shape = Shape(locations=args.locations)
    if args.changed:
        shape.changed = set(_all_names(shape)[::10])
    config = {
        "ampeco:tenantUrl": args.url,
        "ampeco:apiToken": TOKEN,
        "ampeco:readCache": args.read_cache,
    }
    stack = OfflineStack(
        program_for(shape),
        Path(args.state),
        config,
        transport=args.transport,
    )
    profiler = cProfile.Profile() if args.profile else None
    with stack:
        began = time.perf_counter()
        if profiler is not None:
            profiler.enable()
        result = getattr(stack, args.child)()
        if profiler is not None:
            profiler.disable()
        wall = time.perf_counter() - began
    if profiler is not None:
        profiler.dump_stats(args.profile)
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the provider process
    figures = {
        "wall": wall,
        "steps": dict(result.counts()),
        "with_changes": sum(1 for step in result.steps if step.changes),
        "engine_cpu": own.ru_utime + own.ru_stime,
        "engine_kib": own.ru_maxrss,
        "provider_cpu": children.ru_utime + children.ru_stime,
        "provider_kib": children.ru_maxrss,
    }
    print(json.dumps(figures))


@dataclass
class Row:
    operation: str
    objects: int
    wall: float
    calls: Counter[str]
    engine_cpu: float
    provider_cpu: float
    sim_cpu: float
    engine_mib: float
    provider_mib: float
    steps: dict[str, int]
    with_changes: int

    @property
    def ms_per_object(self) -> float:
        return self.wall * 1000 / self.objects


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process, from ``/proc/<pid>/stat``."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


STEP_KINDS: dict[str, set[str]] = {
    "up": {"create", "update", "same"},
    "preview": {"same"},
    "refresh": {"read"},
    "destroy": {"delete"},
}


def wrong_steps(
    operation: str, steps: dict[str, int], with_changes: int, objects: int, updates: int
) -> str | None:
    """What is wrong with an operation's steps, if anything: the benchmark measures the work
    it meant to measure (a no-op preview or a refresh that finds a change is not a no-op; an
    ``up`` creates everything or updates exactly the changed objects)."""
    unexpected = {k: v for k, v in steps.items() if v and k not in STEP_KINDS[operation]}
    if unexpected:
        return f"unexpected steps {unexpected}"
    if sum(steps.values()) != objects:
        return f"{sum(steps.values())} steps for {objects} objects"
    if operation == "up" and steps.get("update", 0) != updates:
        return f"{steps.get('update', 0)} updates, {updates} expected"
    if operation == "up" and not updates and steps.get("create", 0) != objects:
        return f"{steps.get('create', 0)} creates for {objects} objects"
    if operation in ("preview", "refresh") and with_changes:
        return f"{with_changes} steps with changes"
    return None


def run_size(size: int, args: argparse.Namespace, workdir: Path) -> tuple[list[Row], list[str]]:
    """The operations in order against one fresh simulator process, each in its own process."""
    shape = shape_of(size)
    objects = shape.count()
    rows: list[Row] = []
    problems: list[str] = []
    state = workdir / f"state-{size}.json"
    with sim_process(":memory:", workdir) as server:
        for title, operation, changed in OPERATIONS:
            clear_requests(server.base_url)
            command = [sys.executable, __file__, "--child", operation]
            command += ["--locations", str(shape.locations), "--state", str(state)]
            command += ["--url", server.base_url, "--transport", args.transport]
            command += ["--read-cache", args.read_cache]
            if changed:
                command.append("--changed")
            if args.profile:
                pstats_path = (
                    Path(args.profile) / f"{size}-{operation}{'-changed' if changed else ''}.pstats"
                )
                command += ["--profile", str(pstats_path)]
            sim_before = _cpu_seconds(server.process.pid)
            done = run_child(command, workdir, f"{size}-{operation}", CHILD_TIMEOUT)
            sim_cpu = _cpu_seconds(server.process.pid) - sim_before
            if done.status != 0:
                problems.append(
                    f"{objects} objects, {title}: exit {done.status}\n{done.stderr[-3000:]}"
                )
                break
            figures = json.loads(done.stdout.strip().splitlines()[-1])
            calls = Counter(entry["method"] for entry in sim_requests(server.base_url))
            row = Row(
                title,
                objects,
                figures["wall"],
                calls,
                figures["engine_cpu"],
                figures["provider_cpu"],
                sim_cpu,
                figures["engine_kib"] / 1024,
                figures["provider_kib"] / 1024,
                figures["steps"],
                figures["with_changes"],
            )
            rows.append(row)
            expected_updates = len(_all_names(shape)[::10]) if changed else 0
            problem = wrong_steps(operation, row.steps, row.with_changes, objects, expected_updates)
            if problem:
                problems.append(f"{objects} objects, {title}: {problem}")
            print(
                f"  {objects:>6} objects  {title:<16} {row.wall:8.1f} s"
                f"  {row.ms_per_object:7.1f} ms/object",
                flush=True,
            )
    return rows, problems


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


def table(rows: list[Row]) -> str:
    header = (
        f"{'operation':<16} {'objects':>7} {'wall s':>8} {'ms/obj':>7} {'GET':>6} {'POST':>6}"
        f" {'PATCH':>6} {'PUT':>4} {'DELETE':>6} {'calls/obj':>9} {'engine cpu':>10}"
        f" {'provider cpu':>12} {'sim cpu':>7} {'engine MiB':>10} {'provider MiB':>12}"
    )
    lines = [header, "-" * len(header)]
    for row in sorted(
        rows, key=lambda r: ([o[0] for o in OPERATIONS].index(r.operation), r.objects)
    ):
        calls = row.calls
        lines.append(
            f"{row.operation:<16} {row.objects:7d} {row.wall:8.1f} {row.ms_per_object:7.1f}"
            f" {calls['GET']:6d} {calls['POST']:6d} {calls['PATCH']:6d} {calls['PUT']:4d}"
            f" {calls['DELETE']:6d} {sum(calls.values()) / row.objects:9.3f}"
            f" {row.engine_cpu:10.1f} {row.provider_cpu:12.1f} {row.sim_cpu:7.1f}"
            f" {row.engine_mib:10.0f} {row.provider_mib:12.0f}"
        )
    return "\n".join(lines)


def ratios(rows: list[Row]) -> list[str]:
    """Per operation: ms/object at the largest size over the smallest, against the goal."""
    lines = []
    for title, _, _ in OPERATIONS:
        mine = sorted((r for r in rows if r.operation == title), key=lambda r: r.objects)
        if len(mine) < 2:
            continue
        small, large = mine[0], mine[-1]
        ratio = large.ms_per_object / small.ms_per_object
        verdict = "within" if ratio <= GOAL_RATIO else "OVER"
        lines.append(
            f"{title:<16} {large.objects} vs {small.objects} objects: {ratio:.2f}x per object"
            f" ({verdict} the goal of {GOAL_RATIO}x); peak RSS {large.engine_mib / small.engine_mib:.2f}x"
            f" engine, {large.provider_mib / max(small.provider_mib, 1):.2f}x provider"
        )
    return lines


def _sizes(text: str) -> list[int]:
    sizes = [int(part) for part in text.split(",") if part.strip()]
    if not sizes or min(sizes) < FIXED + PER_LOCATION:
        raise argparse.ArgumentTypeError(f"sizes must be at least {FIXED + PER_LOCATION}")
    return sizes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=_sizes, default=list(SIZES), help="default 1000,3000,12000")
    parser.add_argument("--transport", choices=("grpc", "inprocess"), default="grpc")
    parser.add_argument("--read-cache", choices=("true", "false"), default="true")
    parser.add_argument(
        "--profile", metavar="DIR", help="write a cProfile of each run's engine process to DIR"
    )
    parser.add_argument(
        "--child", choices=("up", "preview", "refresh", "destroy"), help=argparse.SUPPRESS
    )
    parser.add_argument("--locations", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--state", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--changed", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return 0
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
    sdk_wait = "the SDK's own" if os.environ.get("AMPECO_SDK_PATCH") == "off" else "linear"
    print(
        f"sizes {', '.join(str(shape_of(s).count()) for s in args.sizes)} objects;"
        f" transport {args.transport}, read cache {args.read_cache}, {sdk_wait} output wait",
        flush=True,
    )
    rows: list[Row] = []
    problems: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            size_rows, size_problems = run_size(size, args, Path(tmp))
            rows += size_rows
            problems += size_problems
    print(table(rows))
    print()
    print("\n".join(ratios(rows)))
    if args.profile:
        print(f"\nprofiles in {args.profile} (python -m pstats FILE)")
    for problem in problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
