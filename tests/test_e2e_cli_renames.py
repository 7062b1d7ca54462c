"""Renames under the real Pulumi engine: a document key renamed with ``renamed_from`` (a
location with its zone, charge point, EVSE and connector) and a resource of a Python program
renamed with an alias both keep their objects: the preview plans no create and no delete, the
up makes no write on the tenant, and every id stays."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from .conftest import Sim
from .pulumi_cli import Cli
from .test_tenant_renames import _document

TOKEN = "cli-rename-SECRET-4a1"

PROGRAM = """\
from pathlib import Path

import pulumi

from pulumi_ampeco import Location, Tenant


def main() -> None:
    tenant = Tenant("tenant", document=Path(__file__).parent / "tenant.yaml")
    pulumi.export("ids", tenant.ids)
    name = pulumi.Config("scenario").get("name") or "lab"
    aliases = [pulumi.Alias(name="lab")] if name != "lab" else None
    lab = Location(
        name,
        external_id="lab",
        name="Lab",
        geoposition={"latitude": 60.0, "longitude": 11.0},
        address="Lab road 1",
        country="NO",
        opts=pulumi.ResourceOptions(aliases=aliases),
    )
    pulumi.export("lab_id", lab.id)
"""


def test_renames_keep_objects_under_the_real_engine(
    pulumi_cli: str, sim: Sim, tmp_path: Path
) -> None:
    sim.use_token(TOKEN)
    cli = Cli(pulumi_cli, tmp_path / "cli", PROGRAM, name="ampeco-cli-renames")
    document = cli.project / "tenant.yaml"
    document.write_text(yaml.safe_dump(_document("old-depot")))
    cli.new_stack("test", sim.base_url, TOKEN)
    cli("up", "--yes", "--skip-preview")
    before = json.loads(cli.stdout("stack", "output", "--json"))

    document.write_text(yaml.safe_dump(_document("north-depot", renamed_from="old-depot")))
    cli("config", "set", "scenario:name", "field-lab")
    sim.clear_requests()
    preview = cli("preview", "--diff")
    assert "to create" not in preview and "to delete" not in preview, preview
    up = cli("up", "--yes", "--skip-preview")
    assert sim.writes() == []
    assert "created" not in up and "deleted" not in up, up

    after = json.loads(cli.stdout("stack", "output", "--json"))
    assert after["lab_id"] == before["lab_id"]
    assert after["ids"] == {
        name.replace("old-depot", "north-depot"): i for name, i in before["ids"].items()
    }
    state = json.loads(cli.stdout("stack", "export"))
    names = {r["urn"].rsplit("::", 1)[1] for r in state["deployment"]["resources"]}
    assert "field-lab" in names and "lab" not in names
    assert "tenant/locations/north-depot" in names
    assert not any("old-depot" in n for n in names)
    cli("preview", "--expect-no-changes")
