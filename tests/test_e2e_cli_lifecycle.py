"""What a team sees under the real Pulumi engine, field by field, against the simulator.

A location and a personal charge point whose ``pin`` and OCPP ``network`` (with its password)
come from config secrets. ``pulumi preview --diff`` names each changed field with its old and
new value and shows the secrets only as ``[secret]``; a change made outside Pulumi shows in a
plain ``pulumi preview`` (an update, with the provider's note naming each drifted field), in
``pulumi preview --refresh`` (the refresh and the update that undoes it) and ``pulumi up
--refresh`` heals it; an object deleted outside Pulumi is made again by ``pulumi up
--refresh``; ``pulumi destroy`` removes everything. Neither a preview nor a refresh writes to
the tenant, and the token, the pin and the password never reach the output, the stack file or
``pulumi stack export`` in plaintext (``--show-secrets`` proves they are in the state,
encrypted).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from .conftest import Sim
from .pulumi_cli import Cli

TOKEN = "cli-life-SECRET-0b7d"
PIN = "4711"
PASSWORD = "ocpp-pass-SECRET-3e"
SECRETS = (TOKEN, PIN, PASSWORD)

PROGRAM = """\
import pulumi

from pulumi_ampeco import ChargePoint, Location


def main() -> None:
    settings = pulumi.Config("scenario")
    depot = Location(
        "depot",
        external_id="depot-life",
        name={"en": "Depot"},
        geoposition={"latitude": 59.9, "longitude": 10.7},
        address="Street 1, Oslo",
        country="NO",
        city=settings.get("city") or "Oslo",
    )
    home = ChargePoint(
        "home",
        name=settings.get("charger") or "Home",
        type="personal",
        status="enabled",
        location_id=depot.id,
        external_id="cp-life",
        pin=settings.require_secret("pin"),
        network={
            "id": "NET-LIFE",
            "protocol": "ocpp 1.6",
            "password": settings.require_secret("password"),
        },
    )
    pulumi.export("location_id", depot.id)
    pulumi.export("charge_point_id", home.id)
"""


def _changed(output: str) -> dict[str, str]:
    """The ``~ field : old => new`` lines of a ``--diff`` display, by field."""
    found = re.findall(r"^\s*~ (\w+)\s*: (.+)$", output, flags=re.MULTILINE)
    return dict(found)


def _live(sim: Sim, path: str) -> tuple[int, dict[str, Any]]:
    with sim.client() as api:
        response = api.get(path)
    return response.status_code, response.json().get("data") or {}


def _no_secret_in(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def test_diff_drift_recreation_and_destroy_under_the_real_engine(
    pulumi_cli: str, sim: Sim, tmp_path: Path
) -> None:
    sim.use_token(TOKEN)
    cli = Cli(pulumi_cli, tmp_path / "cli", PROGRAM, name="ampeco-cli-lifecycle")
    cli.new_stack("test", sim.base_url, TOKEN)
    cli("config", "set", "--secret", "scenario:pin", PIN)
    cli("config", "set", "--secret", "scenario:password", PASSWORD)
    _no_secret_in((cli.project / "Pulumi.test.yaml").read_text())

    _no_secret_in(cli("up", "--yes"))
    outputs = json.loads(cli.stdout("stack", "output", "--json"))
    location = f"/locations/v2.0/{outputs['location_id']}"
    charger = f"/charge-points/v2.0/{outputs['charge_point_id']}"
    status, live = _live(sim, charger)
    assert status == 200 and live["pin"] == PIN and live["network"]["password"] == PASSWORD

    # preview --diff: each changed field with its old and new value, the secrets masked
    cli("config", "set", "scenario:city", "Bergen")
    cli("config", "set", "scenario:charger", "Home 2")
    sim.clear_requests()
    preview = cli("preview", "--diff")
    assert sim.writes() == []
    _no_secret_in(preview)
    assert _changed(preview) == {"city": '"Oslo" => "Bergen"', "name": '"Home" => "Home 2"'}
    assert re.search(r"^\s+network\s*: \[secret\]$", preview, flags=re.MULTILINE)
    assert re.search(r"^\s+pin\s*: \[secret\]$", preview, flags=re.MULTILINE)
    assert "~ 2 to update" in preview
    cli("up", "--yes", "--skip-preview")
    assert _live(sim, location)[1]["city"] == "Bergen"
    assert _live(sim, charger)[1]["name"] == "Home 2"
    cli("preview", "--expect-no-changes")

    # a change outside Pulumi, seen by a plain preview (which compares with the tenant): Pulumi
    # shows the update, and the provider's note names each drifted field (no value: the
    # provider cannot tell which are secret); up puts the program's values back
    with sim.client() as api:
        api.patch(location, json={"city": "Trondheim"}).raise_for_status()
        api.patch(charger, json={"pin": "9999"}).raise_for_status()
    sim.clear_requests()
    plain = cli("preview")
    assert sim.writes() == []
    assert "~ 2 to update" in plain
    assert (
        f"Location {outputs['location_id']} was changed outside Pulumi: `city` differs"
    ) in plain
    assert (
        f"ChargePoint {outputs['charge_point_id']} was changed outside Pulumi: `pin` differs"
    ) in plain
    assert "9999" not in plain
    _no_secret_in(plain)
    cli("up", "--yes", "--skip-preview")
    assert _live(sim, location)[1]["city"] == "Bergen"
    assert _live(sim, charger)[1]["pin"] == PIN
    cli("preview", "--expect-no-changes")

    # the same change seen by preview --refresh: the refresh and the update undoing it, writing
    # nothing and keeping the state as it was; up --refresh heals it
    with sim.client() as api:
        api.patch(location, json={"city": "Trondheim"}).raise_for_status()
    before = cli.stdout("stack", "export")
    sim.clear_requests()
    drift = cli("preview", "--refresh", "--diff")
    assert sim.writes() == []
    refreshed, _, planned = drift.partition("(update)")
    assert _changed(refreshed).get("city") == '"Bergen" => "Trondheim"'
    assert _changed(planned) == {"city": '"Trondheim" => "Bergen"'}
    assert "~ 1 to update" in drift
    assert "Trondheim" not in cli.stdout("stack", "export")
    assert json.loads(cli.stdout("stack", "export")) == json.loads(before)
    healed = cli("up", "--refresh", "--yes", "--skip-preview")
    assert "[diff: ~city]" in healed
    assert _live(sim, location)[1]["city"] == "Bergen"
    cli("preview", "--expect-no-changes")

    # a delete outside Pulumi: up --refresh makes the object again, with the same settings
    with sim.client() as api:
        assert api.delete(charger).status_code in (200, 204)
    recreated = cli("up", "--refresh", "--yes", "--skip-preview")
    assert "+ 1 created" in recreated
    outputs_after = json.loads(cli.stdout("stack", "output", "--json"))
    assert outputs_after["location_id"] == outputs["location_id"]
    assert outputs_after["charge_point_id"] != outputs["charge_point_id"]
    charger = f"/charge-points/v2.0/{outputs_after['charge_point_id']}"
    status, live = _live(sim, charger)
    assert status == 200
    assert (live["externalId"], live["name"], live["pin"]) == ("cp-life", "Home 2", PIN)
    assert live["network"]["password"] == PASSWORD
    cli("preview", "--expect-no-changes")

    # the secrets are in the state, and only encrypted
    exported = cli.stdout("stack", "export")
    _no_secret_in(exported)
    shown = cli.stdout("stack", "export", "--show-secrets")
    assert PIN in shown and PASSWORD in shown

    # destroy: nothing is left on the tenant or in the state
    cli("destroy", "--yes", "--skip-preview")
    assert _live(sim, location)[0] == 404 and _live(sim, charger)[0] == 404
    with sim.client() as api:
        assert api.get("/charge-points/v2.0").json()["data"] == []
    state = json.loads(cli.stdout("stack", "export"))
    assert not state["deployment"].get("resources")
