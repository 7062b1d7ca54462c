"""What the real Pulumi engine must refuse: a program with an invalid resource applies nothing,
and a second ``pulumi up`` on a stack another one is updating does not run."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from .conftest import Sim
from .pulumi_cli import Cli

TOKEN = "cli-guard-SECRET-3b9e"

PROGRAM = """\
import pulumi

from pulumi_ampeco import Location, Tax


def main() -> None:
    Location(
        "depot",
        external_id="depot-guard",
        name="Depot",
        geoposition={"latitude": 59.9, "longitude": 10.7},
        address="Street 1",
        country="NO",
    )
    percentage = float(pulumi.Config("scenario").get("percentage") or "25")
    Tax("vat", name="VAT", percentage=percentage)
"""


def _stack(pulumi_cli: str, sim: Sim, root: Path) -> Cli:
    sim.use_token(TOKEN)
    cli = Cli(pulumi_cli, root, PROGRAM, name="ampeco-cli-guards")
    cli.new_stack("test", sim.base_url, TOKEN)
    return cli


def test_an_invalid_resource_applies_nothing(pulumi_cli: str, sim: Sim, tmp_path: Path) -> None:
    cli = _stack(pulumi_cli, sim, tmp_path / "cli")
    cli("config", "set", "scenario:percentage", "500")
    failed = cli.failing("up", "--yes")
    assert "percentage" in failed
    assert sim.writes() == []  # the preview's check stopped it: not even the valid location


def test_a_second_up_on_a_stack_being_updated_does_not_run(
    pulumi_cli: str, sim: Sim, tmp_path: Path
) -> None:
    cli = _stack(pulumi_cli, sim, tmp_path / "cli")
    # The first up holds the stack for a while: each create waits 3 s at the tenant.
    sim.fault(method="POST", path="/", latency_ms=3000, count=2)
    first = subprocess.Popen(
        [cli.executable, "up", "--yes", "--skip-preview", "--non-interactive"],
        cwd=cli.project,
        env=cli.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        locks = tmp_path / "cli" / "backend" / ".pulumi" / "locks"
        end = time.monotonic() + 60
        while not list(locks.rglob("*.json")):  # the first up holds the stack's lock
            assert time.monotonic() < end and first.poll() is None, "the first up did not start"
            time.sleep(0.05)
        second = cli.failing("up", "--yes", "--skip-preview")
        assert "locked" in second
    finally:
        out, _ = first.communicate(timeout=120)
    assert first.returncode == 0, out
    assert len([w for w in sim.writes() if w[0] == "POST"]) == 2  # each object once
