"""``examples/tenant-yaml``: the tenant document with its dev and prod stacks, through the
offline engine against the simulator — the project directory runs unchanged, as under
``pulumi up``."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pulumi
import pytest

from ampeco_engine.project import project_name, project_program, stack_config
from pulumi_ampeco import Tenant
from pulumi_ampeco.testing import OfflineEngineError, OfflineStack

from .conftest import API, Sim, http_client

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "tenant-yaml"
TOKEN = "tenant-yaml-SECRET-7c1d"


def _stack(sim: Sim, project: Path, stack: str, state: Path) -> OfflineStack:
    assert sim.simulator is not None
    sim.simulator.config.tokens = (TOKEN,)
    config: dict[str, Any] = {
        **stack_config(project, stack).values,
        "ampeco:tenantUrl": sim.base_url,
        "ampeco:apiToken": TOKEN,
    }
    return OfflineStack(
        project_program(project),
        state,
        config,
        secrets=("ampeco:apiToken",),
        project=project_name(project),
        stack=stack,
        cwd=project,
    )


def _api(sim: Sim) -> httpx.Client:
    return http_client(
        base_url=sim.base_url + API, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    )


def _writes(sim: Sim) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in sim.requests() if r["method"] != "GET"]


def _clear_log(sim: Sim) -> None:
    with sim.admin() as admin:
        admin.delete("/requests")


def test_dev_and_prod_stacks_from_one_document(sim: Sim, tmp_path: Path) -> None:
    dev = _stack(sim, EXAMPLE, "dev", tmp_path / "dev.json")
    prod = _stack(sim, EXAMPLE, "prod", tmp_path / "prod.json")

    planned = dev.preview()
    assert planned.counts() == {"create": 14}  # the component and 13 objects
    assert sim.requests() == [], "a first preview reads nothing"

    for stack in (dev, prod):
        result = stack.up()
        assert result.counts() == {"create": 14}
    ids: dict[str, str] = dev.up().outputs["ids"]
    assert len(ids) == 13

    with _api(sim) as api:
        location = api.get(f"/locations/v2.0/{ids['locations/depot-north']}").json()["data"]
        assert location["externalId"] == "depot-north-dev"
        assert {t["translation"] for t in location["name"]} == {
            "Depot North (dev)",
            "Depot Nord (dev)",
        }
        tariff = api.get(f"/tariffs/v1.0/{ids['tariffs/standard']}").json()["data"]
        assert tariff["pricing"]["pricePerKwh"] == 0.1
        assert tariff["pricing"]["taxID"] == int(ids["taxes/vat-25"])
        group = api.get(f"/tariff-groups/v1.0/{ids['tariff_groups/public']}").json()["data"]
        assert int(ids["tariffs/standard"]) in group["tariffIds"]
        evse = api.get(
            f"/evses/v2.1/{ids['locations/depot-north/charge_points/cp-2/evses/1']}"
        ).json()["data"]
        assert evse["tariffGroupId"] == int(ids["tariff_groups/public"])
        assert evse["chargePointId"] == int(ids["locations/depot-north/charge_points/cp-2"])
        point = api.get(
            f"/charge-points/v2.0/{ids['locations/depot-north/charge_points/cp-1']}"
        ).json()["data"]
        assert point["locationId"] == int(ids["locations/depot-north"])
        zone_id = int(ids["locations/depot-north/charging_zones/level-2"])
        assert point["chargingZoneId"] == zone_id
        prod_tariffs = [
            t for t in api.get("/tariffs/v1.0").json()["data"] if t["name"] == "Standard prod"
        ]
        assert [t["pricing"]["pricePerKwh"] for t in prod_tariffs] == [0.35]

    _clear_log(sim)
    again = dev.preview()
    assert set(again.counts()) == {"same"}
    assert _writes(sim) == []

    for stack in (dev, prod):
        assert stack.destroy().counts() == {"delete": 14}
    with _api(sim) as api:
        assert api.get("/locations/v2.0").json()["data"] == []


def test_a_change_in_the_document_updates_only_that_object(sim: Sim, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(EXAMPLE, project)
    stack = _stack(sim, project, "dev", tmp_path / "state.json")
    ids = stack.up().outputs["ids"]

    document = project / "tenant.yaml"
    text = document.read_text()
    document.write_text(text.replace("max_power: 150000", "max_power: 120000"))
    _clear_log(sim)
    result = stack.up()
    changed = {s.name: s.action for s in result.steps if s.action != "same"}
    assert changed == {"tenant/locations/depot-north/charge_points/cp-2/evses/1": "update"}
    assert _writes(sim) == [
        f"PATCH {API}/evses/v2.1/{ids['locations/depot-north/charge_points/cp-2/evses/1']}"
    ]


def test_a_secret_config_value_stays_secret_in_the_state(sim: Sim, tmp_path: Path) -> None:
    """A plain field (a tariff's name) that takes a secret config value is secret in the
    state as an input and as an output."""
    project = tmp_path / "project"
    shutil.copytree(EXAMPLE, project)
    document = project / "tenant.yaml"
    document.write_text(
        document.read_text().replace(
            "    name: Standard ${config:tenant:env}\n",
            "    name: Standard ${config:tenant:codename}\n",
        )
    )
    stack = _stack(sim, project, "dev", tmp_path / "state.json")
    stack.set_config("tenant:codename", "Zephyr-SECRET-93", secret=True)
    ids = stack.up().outputs["ids"]
    raw = stack.state_path.read_text()
    assert "Zephyr-SECRET-93" not in raw
    assert TOKEN not in raw
    revealed = stack.state(show_secrets=True)
    tariff = next(
        r for urn, r in revealed["resources"].items() if urn.endswith("tenant/tariffs/standard")
    )
    assert tariff["inputs"]["name"] == tariff["outputs"]["name"] == "Standard Zephyr-SECRET-93"
    with _api(sim) as api:
        live = api.get(f"/tariffs/v1.0/{ids['tariffs/standard']}").json()["data"]
    assert live["name"] == "Standard Zephyr-SECRET-93"
    stack.destroy()


def test_an_invalid_document_changes_nothing_and_lists_every_problem(
    sim: Sim, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    shutil.copytree(EXAMPLE, project)
    stack = _stack(sim, project, "dev", tmp_path / "state.json")
    stack.up()
    before = stack.state_path.read_text()

    document = project / "tenant.yaml"
    text = document.read_text()
    text = text.replace("max_power: 150000", "max_power: lots")
    text = text.replace(
        "tariff_group: public\n            power_options: {max_power: 22000",
        "tariff_group: publik\n            power_options: {max_power: 22000",
    )
    text = text.replace("    percentage: 25\n", "    percentage: 25\n    colour: red\n")
    document.write_text(text)
    _clear_log(sim)
    for operation in (stack.preview, stack.up):
        with pytest.raises(OfflineEngineError) as caught:
            operation()
        message = str(caught.value) + caught.value.details
        assert "3 problems" in message
        assert (
            "locations.depot-north.charge_points.cp-2.evses[0].power_options.max_power" in message
        )
        assert "no tariff group `publik` in `tariff_groups` (its keys: public)" in message
        assert "taxes.vat-25.colour: `colour` is not a field of a tax" in message
    assert sim.requests() == [], "no API call at all"
    assert stack.state_path.read_text() == before


def test_a_missing_config_value_is_named_with_the_command_that_sets_it(
    sim: Sim, tmp_path: Path
) -> None:
    stack = _stack(sim, EXAMPLE, "dev", tmp_path / "state.json")
    del stack.config["tenant:pricePerKwh"]
    with pytest.raises(OfflineEngineError) as caught:
        stack.preview()
    message = str(caught.value) + caught.value.details
    assert "tariffs.standard.pricing.price_per_kwh" in message
    assert "`pulumi config set tenant:pricePerKwh <value>`" in message
    assert sim.requests() == []


def test_adopting_a_document_over_existing_objects(sim: Sim, tmp_path: Path) -> None:
    """Objects that already exist (made by hand, or by another tool) are taken over with
    ``adopt: true`` instead of being created twice."""
    first = _stack(sim, EXAMPLE, "dev", tmp_path / "first.json")
    ids = first.up().outputs["ids"]
    # Forget the stack without deleting anything: the objects stay in the tenant.
    (tmp_path / "first.json").unlink()

    project = tmp_path / "project"
    shutil.copytree(EXAMPLE, project)
    document = project / "tenant.yaml"
    text = document.read_text()
    for key in ("  vat-no:\n", "  vat-25:\n", "  standard:\n", "  public:\n", "  depot-north:\n"):
        text = text.replace(key, f"{key}    adopt: true\n", 1)
    text = text.replace("      level-2:\n", "      level-2:\n        adopt: true\n", 1)
    for cp in ("cp-1", "cp-2"):
        text = text.replace(f"      {cp}:\n", f"      {cp}:\n        adopt: true\n", 1)
    text = text.replace(
        "          - physical_reference: A\n",
        "          - adopt: true\n            physical_reference: A\n",
    )
    document.write_text(text)
    second = _stack(sim, project, "dev", tmp_path / "second.json")
    _clear_log(sim)
    adopted = second.up().outputs["ids"]
    posts = Counter(r["path"] for r in sim.requests() if r["method"] == "POST")
    # Connectors have no key in this API version, so they are created anew.
    assert all("/connectors" in path for path in posts), posts
    for name, id_ in ids.items():
        if "/connectors/" not in name:
            assert adopted[name] == id_, name


def test_a_document_given_as_a_dict_in_any_section_order(sim: Sim, tmp_path: Path) -> None:
    """The component takes the equivalent mapping too; sections may come in any order."""
    document = {
        "tariff_groups": {"g": {"name": "G ${config:tenant:env}", "tariffs": ["t"]}},
        "tariffs": {"t": {"name": "T", "type": "flat rate", "pricing": {"tax": "vat"}}},
        "taxes": {"vat": {"name": "VAT 9", "percentage": 9}},
    }

    def program() -> None:
        pulumi.export("ids", Tenant("tenant", document=document).ids)

    assert sim.simulator is not None
    sim.simulator.config.tokens = (TOKEN,)
    config = {"ampeco:tenantUrl": sim.base_url, "ampeco:apiToken": TOKEN, "tenant:env": "qa"}
    stack = OfflineStack(
        program,
        tmp_path / "state.json",
        config,
        secrets=("ampeco:apiToken",),
        transport="inprocess",
    )
    ids = stack.up().outputs["ids"]
    assert set(ids) == {"taxes/vat", "tariffs/t", "tariff_groups/g"}
    with _api(sim) as api:
        group = api.get(f"/tariff-groups/v1.0/{ids['tariff_groups/g']}").json()["data"]
        tariff = api.get(f"/tariffs/v1.0/{ids['tariffs/t']}").json()["data"]
    assert group["name"] == "G qa"
    assert group["tariffIds"][-1] == int(ids["tariffs/t"])
    assert tariff["pricing"]["taxID"] == int(ids["taxes/vat"])
    assert set(stack.preview().counts()) == {"same"}
    assert stack.destroy().counts() == {"delete": 4}
