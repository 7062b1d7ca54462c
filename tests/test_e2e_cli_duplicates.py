"""The duplicate guard under the real Pulumi engine: a create that may have a twin fails the
run while Pulumi keeps the object (``ErrorResourceInitFailed``: the state records it with its
init errors and the suspicion in its outputs); every later preview warns, and every up looks
again until the twin is gone."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from pulumi_ampeco.duplicates import MARKER

from .conftest import Sim
from .pulumi_cli import Cli

TOKEN = "cli-dup-SECRET-7c21"

PROGRAM = """\
import pulumi

from pulumi_ampeco import Location


def main() -> None:
    depot = Location(
        "depot",
        external_id="depot-dup",
        name="Depot",
        geoposition={"latitude": 59.9, "longitude": 10.7},
        address="Street 1",
        country="NO",
    )
    pulumi.export("location_id", depot.id)
"""


def _depot(cli: Cli) -> dict[str, Any]:
    state = json.loads(cli.stdout("stack", "export"))
    [depot] = [r for r in state["deployment"]["resources"] if r["urn"].endswith("::depot")]
    return depot  # type: ignore[no-any-return]


def _ids(sim: Sim) -> list[int]:
    with sim.client() as api:
        found = api.get("/locations/v2.0", params={"filter[externalId]": "depot-dup"})
    return sorted(int(o["id"]) for o in found.json()["data"])


def test_a_late_twin_under_the_real_engine(pulumi_cli: str, sim: Sim, tmp_path: Path) -> None:
    sim.use_token(TOKEN)
    cli = Cli(pulumi_cli, tmp_path / "cli", PROGRAM, name="ampeco-cli-duplicates")
    cli.new_stack("test", sim.base_url, TOKEN)
    # The first POST answers 504 and is carried out 4 s later, after the client stopped
    # looking (2 s): the create is sent again.
    sim.fault(method="POST", path="/locations", status=504, late_ms=4000, count=1)

    failed = cli.failing("up", "--yes", "--skip-preview")
    assert "possible duplicate: Location with externalId='depot-dup'" in failed
    depot = _depot(cli)
    kept = int(depot["id"])
    assert depot.get("initErrors"), depot  # Pulumi keeps the object and the reason
    assert depot["outputs"][MARKER]["resent"] is True

    end = time.monotonic() + 15
    while len(_ids(sim)) < 2 and time.monotonic() < end:
        time.sleep(0.2)
    [twin] = [i for i in _ids(sim) if i != kept]

    assert "possible duplicate" in cli("preview")  # repeated, from the state
    again = cli.failing("up", "--yes", "--skip-preview")
    assert f"id {kept}, which this stack keeps, and id {twin}" in again
    assert _depot(cli)["outputs"][MARKER]["others"] == [twin]

    with sim.client() as api:
        assert api.delete(f"/locations/v2.0/{twin}").status_code in (200, 204)
    cli("up", "--yes", "--skip-preview")
    depot = _depot(cli)
    assert int(depot["id"]) == kept and not depot.get("initErrors")
    assert MARKER not in depot["outputs"]
    cli("preview", "--expect-no-changes")
    assert TOKEN not in cli("stack", "export")
