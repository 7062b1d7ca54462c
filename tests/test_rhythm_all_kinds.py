"""One acceptance scenario, parametrised by kind: create, a no-op preview with no write, an
update, drift repaired, an object deleted outside Pulumi recreated, refresh, invalid input
rejected in check with no API call, removal, destroy. Offline engine with the provider in
process (the gRPC path is the CLI and engine tests'), simulator over sockets.

Every kind takes its case from ``kind_samples`` (one row per kind); this module has no table
of its own."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
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


def site() -> dict[str, pulumi.Output[str]]:
    """A location with a charge point and an EVSE, by the names ``kind_samples`` gives them."""
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
    return {"location": loc.id, "charge_point": cp.id, "evse": evse.id}


def collection(sample: Sample, out: Mapping[str, str]) -> str:
    """The kind's collection path, its parents' ids taken from the stack's outputs (exported
    under the parent argument's name without ``_id``)."""
    kind = KINDS[sample.kind]
    return kind.collection_path({p: out[p.removesuffix("_id")] for p in kind.parent_fields})


def item(sample: Sample, out: Mapping[str, str]) -> str:
    return f"{collection(sample, out)}/{int(out['it'])}"


def put(sample: Sample) -> bool:
    return KINDS[sample.kind].update_verb == "PUT"


def adoptable(sample: Sample) -> bool:
    """Whether an object of the kind can be adopted (connectors have no key to adopt by)."""
    return any(key.identifying for key in KINDS[sample.kind].keys)


class Run(StackHarness):
    def __init__(self, sim: Sim, state: Path, case: Sample) -> None:
        self.case = case
        self.overrides: dict[str, Any] = {}
        self.present = True
        self.adopt = False
        with sim.admin() as admin:
            self.seeded = seed(admin, case.needs)
        super().__init__(sim, state, TOKEN)

    def program(self) -> None:
        ids: dict[str, Any] = {**site(), **self.seeded}
        for need in self.case.needs:
            if need in NEEDS:
                kind, args = NEEDS[need]
                ids[need] = getattr(ampeco, kind)(f"need-{need}", **args(ids)).id
        for name, id_ in ids.items():
            pulumi.export(name, id_)
        if self.present:
            args = {**self.case.args(ids), **self.overrides}
            it = getattr(ampeco, self.case.kind)("it", **args, adopt=self.adopt)
            pulumi.export("it", it.id)


@pytest.fixture(params=SAMPLES, ids=[s.kind for s in SAMPLES])
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
    path = item(case, out)
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
        if put(case):
            live = api.get(path).json()["data"]
            api.put(path, json={**live, **case.drift}).raise_for_status()
        else:
            api.patch(path, json=case.drift).raise_for_status()
    assert run.run("preview").step("it").action == "update"
    run.run("up")
    assert run.run("preview").step("it").action == "same"

    # refresh records drift
    with run.api() as api:
        if put(case):
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
    path = item(case, out)
    with run.api() as api:
        assert api.get(path).status_code == 200

    # a change the API cannot make in place: a replacement
    replace = case.replace
    if replace:
        run.overrides = {**run.overrides, **replace}
        replaced = run.run("up")
        assert replaced.step("it").action == "replace"
        out = {k: str(v).split(".")[0] for k, v in replaced.outputs.items()}
        path = item(case, out)

    # invalid input: rejected in check, no API call at all
    bad, field = case.invalid
    run.overrides = {**run.overrides, **bad}
    with pytest.raises(OfflineEngineError) as caught:
        run.run("preview")
    assert field in [p.split(".")[0] for p, _ in caught.value.failures], caught.value.failures
    # The other resources were diffed (reads); the invalid one cost no call, and nothing was written.
    assert writes(run.last) == []
    assert not [e for e in run.last if e["path"].endswith(path.split("/public-api")[-1])]
    run.overrides = {**case.change, **replace}

    # removed from the program: deleted
    run.present = False
    assert run.run("up").step("it").action == "delete"
    with run.api() as api:
        assert api.get(path).status_code == 404

    assert set(run.run("destroy").counts()) == {"delete"}
    assert run.stack.state()["resources"] == {}


@pytest.mark.parametrize("case", [s for s in SAMPLES if adoptable(s)], ids=lambda s: s.kind)
def test_adoption(case: Sample, sim: Sim, tmp_path: Path) -> None:
    run = Run(sim, tmp_path / "state.json", case)
    run.present = False
    parents = {k: str(v).split(".")[0] for k, v in run.run("up").outputs.items()}
    with run.api() as api:
        body = case.made_outside({name: int(id_) for name, id_ in parents.items()})
        made = api.post(collection(case, parents), json=body)
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
