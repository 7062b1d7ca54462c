"""What journaling each step costs an offline ``up``: the same program from empty, with the
journal on (the default: each step appended as it happens, each create synced before it is
sent) and off (the state written only at the end), against an in-process simulator.

Prints per run: wall time (the check pass and the apply pass apart), ms per object, the
journal's lines and bytes, and the time its writes took, summed over the worker threads that
made them (they overlap; the wall times with and without are the figure that counts). About 3,000 objects by default (``--locations 80``); each run
takes a few minutes over gRPC, less with ``--transport inprocess``.

Run: python bench/state_persistence.py [--locations 80] [--transport grpc]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ampeco_engine import state as state_module
from ampeco_sim import RunningSimulator, Simulator, SimulatorConfig
from pulumi_ampeco.testing import OfflineStack
from sim_throughput import TOKEN
from tenant_scale import Shape, program_for


class Counting(state_module.Journal):
    """The engine's journal, counting what it writes and the time spent writing it."""

    lines = 0
    bytes = 0
    seconds = 0.0

    def _write(self, entry: dict[str, object]) -> None:
        began = time.perf_counter()
        size = os.fstat(self._fd).st_size if self._fd >= 0 else 0
        super()._write(entry)
        Counting.seconds += time.perf_counter() - began
        Counting.lines += 1
        Counting.bytes += (os.fstat(self._fd).st_size if self._fd >= 0 else size) - size


class Phases:
    """Times the check pass and the apply pass of the ``up`` apart."""

    def __init__(self) -> None:
        self.marks: list[tuple[str, float]] = []

    def phase(self, title: str, total: int | None) -> None:
        self.marks.append((title, time.perf_counter()))

    def started(self, type_: str, name: str) -> None:
        pass

    def finished(self, step: object) -> None:
        pass

    def note(self, line: str) -> None:
        pass


def one_up(shape: Shape, journal: bool, transport: str, workdir: Path) -> str:
    """One ``up`` from empty in this process; its row of the table."""
    simulator = Simulator(SimulatorConfig(tokens=(TOKEN,), rate_limit=0))
    with RunningSimulator(simulator) as running:
        config = {"ampeco:tenantUrl": running.base_url, "ampeco:apiToken": TOKEN}
        stack = OfflineStack(
            program_for(shape),
            workdir / f"state-{journal}.json",
            config,
            transport=transport,  # type: ignore[arg-type]
        )
        stack.journal_steps = journal
        phases = Phases()
        stack.watcher = phases
        began = time.perf_counter()
        stack.up()
        elapsed = time.perf_counter() - began
    checks = phases.marks[1][1] - phases.marks[0][1]
    objects = shape.count()
    return (
        f"{'on' if journal else 'off':<8} {elapsed:7.1f} {checks:9.1f} {elapsed - checks:8.1f}"
        f" {elapsed * 1000 / objects:10.1f} {Counting.lines:7d} {Counting.bytes / 1e6:6.2f}"
        f" {Counting.seconds:8.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locations", type=int, default=80)
    parser.add_argument("--transport", choices=("grpc", "inprocess"), default="grpc")
    parser.add_argument("--journal", choices=("on", "off"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    shape = Shape(locations=args.locations)
    import ampeco_engine.stack as stack_module

    stack_module.Journal = Counting  # type: ignore[misc]
    if args.journal:  # one measurement, in a process of its own
        with tempfile.TemporaryDirectory() as tmp:
            print(one_up(shape, args.journal == "on", args.transport, Path(tmp)))
        return
    print(f"up from empty of {shape.count()} objects, transport {args.transport}", flush=True)
    header = (
        f"{'journal':<8} {'wall s':>7} {'checks s':>9} {'apply s':>8} {'ms/object':>10}"
        f" {'lines':>7} {'MB':>6} {'writes s':>8}"
    )
    rows = []
    for journal in ("off", "on"):  # each in a fresh process: nothing carries over
        command = [sys.executable, __file__, "--locations", str(args.locations)]
        command += ["--transport", args.transport, "--journal", journal]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            sys.exit(f"the run with the journal {journal} failed:\n{done.stderr}")
        rows.append(done.stdout.strip().splitlines()[-1])
        print(f"  journal {journal}: done", flush=True)
    print(header)
    print("-" * len(header))
    print("\n".join(rows))


if __name__ == "__main__":
    main()
