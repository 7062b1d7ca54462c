"""Renaming a key in a tenant document: ``renamed_from`` keeps the tenant's objects.

A location with a charging zone, a charge point, its EVSE and connector is applied; then its
key changes from ``old-depot`` to ``north-depot`` with ``renamed_from: old-depot``. The preview
shows one rename per object (the location and everything under it), the up makes no write and
every object keeps its id; the location keeps its external id. Without ``renamed_from`` the same
edit would delete and create. Validation refuses an old key still declared, one old key claimed
twice, and a rename of an object named by a number.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from pulumi_ampeco import Tenant, offline
from pulumi_ampeco.tenant import load
from pulumi_ampeco.testing import OfflineStack

from .conftest import TOKEN, Sim

SITE: dict[str, Any] = {
    "name": "Depot",
    "geoposition": {"latitude": 59.9, "longitude": 10.7},
    "address": "Street 1",
    "country": "NO",
    "charging_zones": {"level-1": {"name": "Level 1", "status": "enabled"}},
    "charge_points": {
        "cp-1": {
            "name": "CP 1",
            "type": "public",
            "status": "enabled",
            "external_id": "cp-1",
            "network": {"id": "NET-REN-1", "protocol": "ocpp 1.6"},
            "evses": [
                {
                    "network_id": "1",
                    "physical_reference": "A",
                    "current_type": "ac",
                    "status": "enabled",
                    "power_options": {"max_power": 22000, "phases": "three_phase"},
                    "connectors": [{"type": "type2", "format": "socket"}],
                }
            ],
        }
    },
}


def _document(key: str, **extra: Any) -> dict[str, Any]:
    return {"locations": {key: {**copy.deepcopy(SITE), **extra}}}


def _stack(sim: Sim, document: dict[str, Any], state: Path) -> OfflineStack:
    config = {"ampeco:tenantUrl": sim.base_url, "ampeco:apiToken": TOKEN}
    return OfflineStack(
        lambda: Tenant("tenant", document),
        state,
        config,
        secrets=("ampeco:apiToken",),
        transport="inprocess",
    )


def _ids(stack: OfflineStack) -> dict[str, str]:
    """Each object of the document (its name below ``tenant/``) → its id."""
    return {
        r["name"].split("/", 1)[1]: r["id"]
        for r in stack.state()["resources"].values()
        if r.get("id") and "/" in r["name"]
    }


def test_a_renamed_key_keeps_every_object_under_it(sim: Sim, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    _stack(sim, _document("old-depot"), state).up()
    before = _ids(_stack(sim, _document("old-depot"), state))
    assert len(before) == 5  # location, zone, charge point, EVSE, connector

    renamed = _stack(sim, _document("north-depot", renamed_from="old-depot"), state)
    preview = renamed.preview()
    shown = offline.format_steps(preview, "preview")
    assert (
        "~ rename   ampeco:Location  tenant/locations/old-depot → tenant/locations/north-depot"
    ) in shown
    assert shown.count("~ rename") == 5
    # The component is no tenant object: it is not counted.
    assert offline.format_summary(preview, "preview") == "Plan: 5 to rename"

    sim.clear_requests()
    renamed.up()
    assert sim.writes() == []
    after = _ids(renamed)
    assert after == {name.replace("old-depot", "north-depot"): i for name, i in before.items()}
    with sim.client() as api:
        [location] = api.get("/locations/v2.0").json()["data"]
    assert location["externalId"] == "old-depot"  # the tenant's object did not change

    # The next run finds everything under its new name; `renamed_from` may stay or go.
    assert set(renamed.preview().counts()) == {"same"}


def test_without_renamed_from_the_same_edit_deletes_and_creates(sim: Sim, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    _stack(sim, _document("old-depot"), state).up()
    counts = _stack(sim, _document("north-depot"), state).preview().counts()
    assert counts.get("create") == 5 and counts.get("delete") == 5


def test_a_rename_that_names_nothing_creates_and_says_so(sim: Sim, tmp_path: Path) -> None:
    result = _stack(sim, _document("north-depot", renamed_from="old-depot"), tmp_path / "s").up()
    assert result.counts() == {"create": 6}  # the component and its 5 objects
    said = [w for w in result.warnings if "none names a resource of this stack" in w]
    assert len(said) == 5 and "'tenant/locations/north-depot'" in said[0]


def _problems(document: dict[str, Any]) -> list[str]:
    return [f"{'.'.join(map(str, p.path))}: {p.message}" for p in load(document).problems]


def test_validation_refuses_renames_that_would_make_two_of_one_object() -> None:
    still = _document("north-depot", renamed_from="old-depot")
    still["locations"]["old-depot"] = copy.deepcopy(SITE) | {"name": "Old"}
    assert any(
        "renamed_from" in p and "locations.old-depot` is still declared" in p
        for p in _problems(still)
    ), _problems(still)

    twice = _document("north-depot", renamed_from="old-depot")
    twice["locations"]["south-depot"] = copy.deepcopy(SITE) | {
        "renamed_from": ["old-depot"],
        "name": "South",
        "geoposition": {"latitude": 58.0, "longitude": 10.0},
    }
    twice["locations"]["south-depot"]["charge_points"] = {}
    twice["locations"]["south-depot"]["charging_zones"] = {}
    assert any("is renamed from `old-depot` too" in p for p in _problems(twice)), _problems(twice)

    evse = _document("old-depot")
    evse["locations"]["old-depot"]["charge_points"]["cp-1"]["evses"][0]["renamed_from"] = "x"
    assert any("only objects under a key can be renamed" in p for p in _problems(evse))

    several = _document("north-depot", renamed_from=["old-depot", "older-depot"])
    assert any(
        "names several former keys: write the location's `external_id`" in p
        for p in _problems(several)
    ), _problems(several)
    several["locations"]["north-depot"]["external_id"] = "older-depot"
    assert _problems(several) == []

    for bad in ("", [], ["bad key"], 7, "old-depot"):
        doc = _document("old-depot", renamed_from=bad)
        assert any(p.startswith("locations.old-depot.renamed_from") for p in _problems(doc)), bad
