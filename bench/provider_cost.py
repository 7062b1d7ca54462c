"""What the provider itself costs per resource in a no-op preview, without any engine.

A tenant of about 1,000 objects (the shape of ``tenant_scale.py``) is made through the offline
engine against an in-process simulator. Then, in this process and with no engine, gRPC or SDK
serialization in between, every recorded resource goes through what a preview asks of its
provider: ``check`` of its inputs, then ``diff`` of its recorded outputs against the checked
inputs. A first pass fills the read cache; the measured passes must make no API call and find
no change (the exit status is 1 otherwise). The best of ``--passes`` is kept.

Prints per kind: resources, µs per resource for check, diff and both; then the total against
the goal of 1 ms per resource.

Run: python bench/provider_cost.py [--locations 25] [--passes 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from ampeco_engine.state import load_state
from ampeco_engine.values import reveal_props
from ampeco_sim import RunningSimulator, Simulator, SimulatorConfig
from pulumi_ampeco import runtime
from pulumi_ampeco.provider import AmpecoProvider
from pulumi_ampeco.testing import OfflineStack
from sim_throughput import TOKEN
from tenant_scale import Shape, program_for

GOAL_MS = 1.0


def recorded(
    shape: Shape, url: str, workdir: Path
) -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """Make the tenant; each resource's kind, id, inputs and outputs as the state records them."""
    config = {"ampeco:tenantUrl": url, "ampeco:apiToken": TOKEN}
    state_path = workdir / "state.json"
    with OfflineStack(program_for(shape), state_path, config, transport="inprocess") as stack:
        stack.up()
        state = load_state(state_path, stack.project, stack.stack)
    return [
        (r.type.rsplit(":", 1)[1], r.id, reveal_props(r.inputs), reveal_props(r.outputs))
        for r in state.resources.values()
        if r.custom
    ]


def one_pass(
    resources: list[tuple[str, str, dict[str, Any], dict[str, Any]]],
    providers: dict[str, AmpecoProvider],
) -> tuple[dict[str, list[float]], list[str]]:
    """Check then diff every resource; seconds per kind (check, diff) and what changed."""
    seconds: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    changed: list[str] = []
    for kind, id_, inputs, outputs in resources:
        provider = providers[kind]
        began = time.perf_counter()
        checked = provider.check(inputs, inputs)
        middle = time.perf_counter()
        diff = provider.diff(id_, outputs, checked.inputs)
        ended = time.perf_counter()
        seconds[kind][0] += middle - began
        seconds[kind][1] += ended - middle
        if checked.failures or diff.changes:
            changed.append(f"{kind} {id_}: {checked.failures or diff.replaces or 'changes'}")
    return seconds, changed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locations", type=int, default=25)
    parser.add_argument("--passes", type=int, default=3)
    args = parser.parse_args()
    shape = Shape(locations=args.locations)
    simulator = Simulator(SimulatorConfig(tokens=(TOKEN,), rate_limit=0))
    problems: list[str] = []
    with RunningSimulator(simulator) as running, tempfile.TemporaryDirectory() as tmp:
        resources = recorded(shape, running.base_url, Path(tmp))
        runtime.configure({"ampeco:tenantUrl": running.base_url, "ampeco:apiToken": TOKEN})
        providers = {kind: AmpecoProvider(kind) for kind, _, _, _ in resources}
        one_pass(resources, providers)  # fills the read cache
        simulator.clear_requests()
        best: dict[str, list[float]] | None = None
        for _ in range(args.passes):
            seconds, changed = one_pass(resources, providers)
            problems += changed[:5]
            if best is None or sum(map(sum, seconds.values())) < sum(map(sum, best.values())):
                best = seconds
        calls = len(simulator.requests())
        if calls:
            problems.append(f"the measured passes made {calls} API calls (the cache was warm)")
    assert best is not None
    counts: dict[str, int] = defaultdict(int)
    for kind, _, _, _ in resources:
        counts[kind] += 1
    print(f"{len(resources)} resources, best of {args.passes} passes over a warm read cache")
    header = f"{'kind':<24} {'resources':>9} {'check µs':>9} {'diff µs':>8} {'both µs':>8}"
    print(header)
    print("-" * len(header))
    for kind in sorted(counts, key=lambda k: -counts[k]):
        check, diff = best[kind]
        n = counts[kind]
        print(
            f"{kind:<24} {n:9d} {check / n * 1e6:9.0f} {diff / n * 1e6:8.0f} {(check + diff) / n * 1e6:8.0f}"
        )
    check = sum(s[0] for s in best.values())
    diff = sum(s[1] for s in best.values())
    per = (check + diff) / len(resources) * 1000
    print(
        f"{'all':<24} {len(resources):9d} {check / len(resources) * 1e6:9.0f}"
        f" {diff / len(resources) * 1e6:8.0f} {per * 1000:8.0f}"
    )
    verdict = "within" if per <= GOAL_MS else "OVER"
    print(f"\n{per:.3f} ms per resource: {verdict} the goal of {GOAL_MS} ms")
    for problem in problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
