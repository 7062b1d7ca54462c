"""One acceptance scenario, parametrised by kind: create, a no-op preview with no write, an
update, drift repaired, an object deleted outside Pulumi recreated, refresh, invalid input
rejected in check with no API call, removal, destroy. Offline engine with the provider in
process (the gRPC path is the CLI and engine tests'), simulator over sockets.

Kinds whose model is generated take their case from ``kind_samples`` (one row per kind)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pytest

import pulumi_ampeco as ampeco
from pulumi_ampeco.kinds import KINDS
from pulumi_ampeco.testing import OfflineEngineError

from .conftest import Sim
from .kind_samples import NEEDS, SAMPLES, Sample, seed
from .stack_harness import StackHarness, writes

TOKEN = "all-kinds-SECRET-11"

Parents = dict[str, pulumi.Output[str]]


def site() -> Parents:
    loc = ampeco.Location(
        "p-loc",
        external_id="p-loc",
        name="Site",
        geoposition={"latitude": 59.9, "longitude": 10.7},
        address="Street 1",
        country="NO",
    )
    cp = ampeco.ChargePoint(
        "p-cp",
        name="CP",
        type="public",
        status="enabled",
        location_id=loc.id,
        external_id="p-cp",
        network={"id": "P-CP"},
    )
    evse = ampeco.Evse(
        "p-evse",
        charge_point_id=cp.id,
        physical_reference="P*E1",
        current_type="ac",
        network_id="1",
        status="enabled",
    )
    tin = ampeco.TaxIdentificationNumber("p-tin", name="NO 1 MVA")
    tariff = ampeco.Tariff("p-tariff", name="Parent tariff", type="free")
    return {"loc": loc.id, "cp": cp.id, "evse": evse.id, "tin": tin.id, "tariff": tariff.id}


@dataclass
class Case:
    kind: str
    args: Callable[[Parents], dict[str, Any]]
    change: dict[str, Any]  # an update in place (program names)
    drift: dict[str, Any]  # a change made outside Pulumi (wire names)
    invalid: tuple[dict[str, Any], str]  # a bad argument and the property check names
    path: Callable[[dict[str, str]], str]  # the item path from the stack outputs
    put: bool = False
    needs: tuple[str, ...] = ()  # objects of kind_samples.NEEDS the case refers to


def _case(sample: Sample) -> Case:
    kind = KINDS[sample.kind]
    return Case(
        sample.kind,
        sample.args,
        sample.change,
        sample.drift,
        sample.invalid,
        lambda o: kind.item_path(o["it"], sample.args(_ids(o))),
        put=kind.update_verb == "PUT",
        needs=sample.needs,
    )


CASES = [
    Case(
        "Location",
        lambda p: {
            "external_id": "it",
            "name": "It",
            "geoposition": {"latitude": 59.0, "longitude": 10.0},
            "address": "Road 2",
            "country": "NO",
        },
        {"city": "Oslo"},
        {"city": "Bergen"},
        ({"country": "Norway"}, "country"),
        lambda o: f"/locations/v2.0/{o['it']}",
    ),
    Case(
        "ChargingZone",
        lambda p: {"location_id": p["loc"], "name": "Level 1", "status": "enabled"},
        {"status": "disabled"},
        {"name": "Renamed"},
        ({"status": "closed"}, "status"),
        lambda o: f"/locations/v2.0/{o['loc']}/charging-zones/{o['it']}",
    ),
    Case(
        "ChargePoint",
        lambda p: {
            "name": "It",
            "type": "public",
            "status": "enabled",
            "location_id": p["loc"],
            "external_id": "it",
            "network": {"id": "IT-1"},
        },
        {"name": "It 2"},
        {"status": "disabled"},
        ({"status": "broken"}, "status"),
        lambda o: f"/charge-points/v2.0/{o['it']}",
    ),
    Case(
        "Evse",
        lambda p: {
            "charge_point_id": p["cp"],
            "physical_reference": "IT*E2",
            "current_type": "dc",
            "network_id": "2",
            "status": "enabled",
            "external_id": "it",
        },
        {"label": "Fast"},
        {"status": "disabled"},
        ({"current_type": "ac/dc"}, "current_type"),
        lambda o: f"/evses/v2.1/{o['it']}",
    ),
    Case(
        "Connector",
        lambda p: {
            "charge_point_id": p["cp"],
            "evse_id": p["evse"],
            "type": "ccs2",
            "format": "cable",
        },
        {"status": "disabled"},
        {"format": "socket"},
        ({"type": "usb"}, "type"),
        lambda o: f"/charge-points/v2.0/{o['cp']}/evses/{o['evse']}/connectors/{o['it']}",
    ),
    Case(
        "Tariff",
        lambda p: {
            "name": "It",
            "type": "flat rate",
            "external_id": "it",
            "pricing": {"price_per_session": 2.5},
        },
        {"name": "It 2"},
        {"name": "Changed"},
        ({"type": "cheap"}, "type"),
        lambda o: f"/tariffs/v1.0/{o['it']}",
        put=True,
    ),
    Case(
        "TariffGroup",
        lambda p: {"name": "It", "tariff_ids": [p["tariff"]]},
        {"name": "It 2"},
        {"name": "Changed"},
        ({"tariff_ids": "all"}, "tariff_ids"),
        lambda o: f"/tariff-groups/v1.0/{o['it']}",
        put=True,
    ),
    Case(
        "Tax",
        lambda p: {"name": "It", "percentage": 25, "tax_identification_number_id": p["tin"]},
        {"percentage": 12.5},
        {"percentage": 10},
        ({"percentage": 140}, "percentage"),
        lambda o: f"/taxes/v2.0/{o['it']}",
    ),
    Case(
        "TaxIdentificationNumber",
        lambda p: {"name": "SE 1"},
        {"name": "SE 2"},
        {"name": "SE 3"},
        ({"name": ""}, "name"),
        lambda o: f"/tax-identification-numbers/v2.0/{o['it']}",
    ),
    Case(
        "Currency",
        lambda p: {"alphabetic_code": "SEK", "decimal": 2},
        {"decimal": 3},
        {"alphabeticCode": "SEK", "decimal": 4},
        ({"decimal": 9}, "decimal"),
        lambda o: f"/currencies/v2.0/{o['it']}",
    ),
    *(_case(sample) for sample in SAMPLES),
]


#: The same object made outside Pulumi (wire body, from the parents' ids), for adoption. The
#: connector is missing: connectors have no key to adopt by.
ADOPTABLE: dict[str, Callable[[dict[str, str]], dict[str, Any]]] = {
    "Location": lambda o: {
        "externalId": "it",
        "name": [{"locale": "en", "translation": "X"}],
        "geoposition": {"latitude": 1, "longitude": 1},
        "address": [{"locale": "en", "translation": "Y"}],
        "country": "NO",
    },
    "ChargingZone": lambda o: {"name": "Level 1", "status": "disabled"},
    "ChargePoint": lambda o: {
        "name": "Old",
        "type": "public",
        "status": "enabled",
        "locationId": int(o["loc"]),
        "externalId": "it",
        "network": {"id": "IT-1"},
    },
    "Evse": lambda o: {
        "chargePointId": int(o["cp"]),
        "physicalReference": "OLD",
        "currentType": "dc",
        "networkId": "2",
        "status": "enabled",
        "externalId": "it",
    },
    "Tariff": lambda o: {"name": "Old", "type": "flat rate", "externalId": "it"},
    "TariffGroup": lambda o: {"name": "It"},
    "Tax": lambda o: {"name": "It", "percentage": 20},
    "TaxIdentificationNumber": lambda o: {"name": "SE 1"},
    "Currency": lambda o: {"alphabeticCode": "SEK"},
    **{
        sample.kind: (lambda o, s=sample: _body(s.kind, s.args(_ids(o))))
        for sample in SAMPLES
        if any(key.identifying for key in KINDS[sample.kind].keys)
    },
}


def _body(kind: str, args: dict[str, Any]) -> dict[str, Any]:
    """The API body of a sample's arguments (the parents are in the path)."""
    parents = KINDS[kind].parent_fields
    return KINDS[kind].model(**{k: v for k, v in args.items() if k not in parents}).to_wire()


def _ids(outputs: dict[str, str]) -> dict[str, int]:
    """The stack's exported ids under the names ``kind_samples`` gives them."""
    ids = {name: int(value) for name, value in outputs.items()}
    return {**ids, "location": ids["loc"], "charge_point": ids["cp"]}


#: Changes the API cannot make in place, for kinds whose replacement the family tests do not
#: already cover.
REPLACE: dict[str, dict[str, Any]] = {"ChargePoint": {"communication_mode": "none"}}


class Run(StackHarness):
    def __init__(self, sim: Sim, state: Path, case: Case) -> None:
        self.case = case
        self.overrides: dict[str, Any] = {}
        self.present = True
        self.adopt = False
        with sim.admin() as admin:
            self.seeded = seed(admin, case.needs)
        super().__init__(sim, state, TOKEN, transport="inprocess")

    def program(self) -> None:
        parents = site()
        ids = {**parents, **self.seeded, "location": parents["loc"], "charge_point": parents["cp"]}
        for need in self.case.needs:
            if need in NEEDS:
                kind, args = NEEDS[need]
                ids[need] = getattr(ampeco, kind)(f"need-{need}", **args(ids)).id
        for name in ("loc", "cp", "evse", *(n for n in self.case.needs if n in ids)):
            pulumi.export(name, ids[name])
        if self.present:
            args = {**self.case.args(ids), **self.overrides}
            it = getattr(ampeco, self.case.kind)("it", **args, adopt=self.adopt)
            pulumi.export("it", it.id)


@pytest.fixture(params=CASES, ids=[c.kind for c in CASES])
def run(request: pytest.FixtureRequest, sim: Sim, tmp_path: Path) -> Iterator[Run]:
    r = Run(sim, tmp_path / "state.json", request.param)
    yield r
    r.stack.close()


def test_acceptance_rhythm(run: Run) -> None:
    case = run.case
    created = run.run("up")
    assert created.step("it").action == "create"
    # Every output the resource really has is declared on its class (editors see them all).
    [it] = [r for r in run.stack.state()["resources"].values() if r["name"] == "it"]
    declared = set(getattr(ampeco, case.kind).__annotations__)
    assert set(it["outputs"]) - {"adopt", "__provider"} <= declared
    out = {k: str(v).split(".")[0] for k, v in created.outputs.items()}
    path = case.path(out)
    with run.api() as api:
        assert api.get(path).status_code == 200

    # no-op preview: every resource the same, no write
    assert set(run.run("preview").counts()) == {"same"}
    assert writes(run.last) == []

    # update in place
    run.overrides = dict(case.change)
    assert run.run("up").step("it").action == "update"
    assert run.run("preview").step("it").action == "same"

    # drift: changed outside Pulumi, shown by preview, repaired by up
    with run.api() as api:
        if case.put:
            live = api.get(path).json()["data"]
            api.put(path, json={**live, **case.drift}).raise_for_status()
        else:
            api.patch(path, json=case.drift).raise_for_status()
    assert run.run("preview").step("it").action == "update"
    run.run("up")
    assert run.run("preview").step("it").action == "same"

    # refresh records drift
    with run.api() as api:
        if case.put:
            live = api.get(path).json()["data"]
            api.put(path, json={**live, **case.drift}).raise_for_status()
        else:
            api.patch(path, json=case.drift).raise_for_status()
    refreshed = run.run("refresh")
    assert refreshed.step("it").action == "read" and refreshed.step("it").changes
    run.run("up")

    # deleted outside Pulumi: recreated by up, no refresh needed
    with run.api() as api:
        assert api.delete(path).status_code == 204
    assert run.run("preview").step("it").action == "replace"
    recreated = run.run("up")
    assert recreated.step("it").action == "replace"
    out = {k: str(v).split(".")[0] for k, v in recreated.outputs.items()}
    path = case.path(out)
    with run.api() as api:
        assert api.get(path).status_code == 200

    # a change the API cannot make in place: a replacement
    replace = REPLACE.get(case.kind)
    if replace is not None:
        run.overrides = {**run.overrides, **replace}
        replaced = run.run("up")
        assert replaced.step("it").action == "replace"
        out = {k: str(v).split(".")[0] for k, v in replaced.outputs.items()}
        path = case.path(out)

    # invalid input: rejected in check, no API call at all
    bad, field = case.invalid
    run.overrides = {**run.overrides, **bad}
    with pytest.raises(OfflineEngineError) as caught:
        run.run("preview")
    assert field in [p.split(".")[0] for p, _ in caught.value.failures], caught.value.failures
    # The other resources were diffed (reads); the invalid one cost no call, and nothing was written.
    assert writes(run.last) == []
    assert not [e for e in run.last if e["path"].endswith(path.split("/public-api")[-1])]
    run.overrides = {**case.change, **(replace or {})}

    # removed from the program: deleted
    run.present = False
    assert run.run("up").step("it").action == "delete"
    with run.api() as api:
        assert api.get(path).status_code == 404

    assert set(run.run("destroy").counts()) == {"delete"}
    assert run.stack.state()["resources"] == {}


@pytest.mark.parametrize("case", [c for c in CASES if c.kind in ADOPTABLE], ids=lambda c: c.kind)
def test_adoption(case: Case, sim: Sim, tmp_path: Path) -> None:
    run = Run(sim, tmp_path / "state.json", case)
    run.present = False
    parents = {k: str(v).split(".")[0] for k, v in run.run("up").outputs.items()}
    collection = case.path({**parents, "it": "0"}).rsplit("/", 1)[0]
    with run.api() as api:
        made = api.post(collection, json=ADOPTABLE[case.kind](parents))
        assert made.status_code in (200, 201), made.text  # as the create documents it
        existing = made.json()["data"]["id"]
    run.present = True
    if not KINDS[case.kind].replace_creates_first:
        # The key is taken: adopt or rename. (Tariffs allow a second object with the key, so
        # that a replacement can exist beside the tariff it replaces.)
        with pytest.raises(OfflineEngineError) as caught:
            run.run("up")
        assert "adopt=True" in str(caught.value)
    run.adopt = True
    adopted = run.run("up")
    assert adopted.step("it").action == "create"
    assert str(adopted.outputs["it"]).split(".")[0] == str(existing)
    assert not [e for e in run.last if e["method"] == "POST"]
    assert run.run("preview").step("it").action == "same"
    run.stack.close()
