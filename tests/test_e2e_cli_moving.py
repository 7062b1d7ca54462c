"""Moving a stack between the engines costs nothing on the tenant.

The ``examples/tenant-yaml`` project is applied with ``ampeco-iac offline up``; then
``ampeco-iac offline to-pulumi`` moves its state into a new Pulumi stack of the same name
(after ``pulumi stack init`` and its config), whose ``pulumi preview --expect-no-changes``
passes; then ``ampeco-iac offline from-pulumi`` moves it back, and the offline preview expects
no changes either. Nothing but reads reach the tenant, every object keeps its id, and neither
Pulumi's state nor the output holds the token in plaintext.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .conftest import Sim
from .pulumi_cli import REPO, Cli

TOKEN = "cli-move-SECRET-6d0"


def _temp(cli: Cli) -> Path:
    """The temporary directory of the moves (of this test alone, whatever runs beside it)."""
    return cli.project.parent / "tmp"


def _offline(cli: Cli, *args: str) -> subprocess.CompletedProcess[str]:
    _temp(cli).mkdir(exist_ok=True)
    return subprocess.run(
        [sys.executable, "-m", "pulumi_ampeco.cli", "offline", *args, "--stack", "dev"],
        cwd=cli.project,
        env={**cli.env, "AMPECO_API_TOKEN": TOKEN, "TMPDIR": str(_temp(cli))},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _ids(resources: list[tuple[str, str]]) -> dict[str, str]:
    return {urn: id_ for urn, id_ in resources if id_}


def test_a_stack_moves_to_the_pulumi_cli_and_back_without_a_write(
    pulumi_cli: str, sim: Sim, tmp_path: Path
) -> None:
    sim.use_token(TOKEN)
    source = REPO / "examples" / "tenant-yaml"
    cli = Cli.from_project(
        pulumi_cli, tmp_path / "cli", source, ("__main__.py", "tenant.yaml"), ("dev",)
    )
    up = _offline(cli, "up", "-c", f"ampeco:tenantUrl={sim.base_url}")
    assert up.returncode == 0, up.stderr
    state_path = cli.project / ".pulumi-offline" / "dev.json"
    offline_state = json.loads(state_path.read_text())
    offline_ids = _ids([(u, r.get("id", "")) for u, r in offline_state["resources"].items()])
    assert len(offline_ids) > 10

    cli.new_stack("dev", sim.base_url, TOKEN)
    sim.clear_requests()
    moved = _offline(cli, "to-pulumi")
    assert moved.returncode == 0, moved.stderr
    assert f"moved {len(offline_state['resources'])} resources" in moved.stdout
    assert TOKEN not in moved.stdout + moved.stderr
    cli("preview", "--expect-no-changes")
    assert sim.writes() == []
    export = cli.stdout("stack", "export")
    assert TOKEN not in export
    pulumi_ids = _ids(
        [
            (r["urn"], r.get("id", ""))
            for r in json.loads(export)["deployment"]["resources"]
            if r["type"].startswith("pulumi-python:dynamic")
        ]
    )
    assert pulumi_ids == offline_ids
    assert not list(_temp(cli).glob("ampeco-move-*.json"))

    # A second move into the same Pulumi stack is refused: it is no longer empty.
    again = _offline(cli, "to-pulumi")
    assert again.returncode == 2 and "already holds" in again.stderr

    # And back: into a fresh offline state (an existing one is refused).
    refused = _offline(cli, "from-pulumi")
    assert refused.returncode == 2 and "move it aside first" in refused.stderr
    state_path.rename(state_path.with_suffix(".before-move"))
    back = _offline(cli, "from-pulumi")
    assert back.returncode == 0, back.stderr
    returned = json.loads(state_path.read_text())
    assert _ids([(u, r.get("id", "")) for u, r in returned["resources"].items()]) == offline_ids
    assert TOKEN not in state_path.read_text()
    preview = _offline(cli, "preview", "--expect-no-changes")
    assert preview.returncode == 0, preview.stdout + preview.stderr
    assert sim.writes() == []
