"""Location and ChargingZone through the real Pulumi CLI against the simulator.

The same rhythm as ``test_rhythm_locations`` with ``pulumi`` itself: preview, up, a preview
that expects no changes, a change and up, refresh, destroy, and ``pulumi stack export`` holding
no token. Skipped, saying why, when ``pulumi`` is not on PATH.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from .conftest import API, Sim
from .pulumi_cli import Cli

TOKEN = "cli-e2e-SECRET-51f0"

PROGRAM = """\
import pulumi

from pulumi_ampeco import ChargingZone, Location


def main() -> None:
    city = pulumi.Config("scenario").get("city") or "Oslo"
    depot = Location(
        "depot",
        external_id="depot-cli",
        name={"en": "Depot", "nb-NO": "Depot"},
        geoposition={"latitude": 59.9, "longitude": 10.7},
        address="Street 1, Oslo",
        country="NO",
        city=city,
    )
    zone = ChargingZone("zone", location_id=depot.id, name="Level 1", status="enabled")
    pulumi.export("location_id", depot.id)
    pulumi.export("zone_id", zone.id)
"""


def test_locations_through_the_cli(pulumi_cli: str, sim: Sim, tmp_path: Path) -> None:
    assert sim.simulator is not None
    sim.simulator.config.tokens = (TOKEN,)
    cli = Cli(pulumi_cli, tmp_path / "cli", PROGRAM, name="ampeco-cli-e2e")
    cli.new_stack("test", sim.base_url, TOKEN)

    preview = cli("preview", "--diff")
    assert "create" in preview
    assert not [e for e in sim.requests() if e["method"] != "GET"]
    cli("up", "--yes", "--skip-preview")
    outputs = json.loads(cli.stdout("stack", "output", "--json"))
    headers = {"Authorization": f"Bearer {TOKEN}"}
    live = httpx.get(
        f"{sim.base_url}{API}/locations/v2.0/{outputs['location_id']}", headers=headers
    ).json()["data"]
    assert live["city"] == "Oslo" and live["externalId"] == "depot-cli"
    assert TOKEN not in cli("stack", "export")

    cli("preview", "--expect-no-changes")
    cli("config", "set", "scenario:city", "Bergen")
    cli("up", "--yes", "--skip-preview")
    live = httpx.get(
        f"{sim.base_url}{API}/locations/v2.0/{outputs['location_id']}", headers=headers
    ).json()["data"]
    assert live["city"] == "Bergen"
    cli("preview", "--expect-no-changes")

    httpx.patch(
        f"{sim.base_url}{API}/locations/v2.0/{outputs['location_id']}",
        json={"city": "Trondheim"},
        headers=headers,
    )
    cli("refresh", "--yes", "--skip-preview")
    assert "Trondheim" in cli("stack", "export")
    cli("up", "--yes", "--skip-preview")
    cli("preview", "--expect-no-changes")

    cli("destroy", "--yes", "--skip-preview")
    assert httpx.get(f"{sim.base_url}{API}/locations/v2.0", headers=headers).json()["data"] == []
    assert TOKEN not in cli("stack", "export")
    cli("stack", "rm", "--yes", "--force")
