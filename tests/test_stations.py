"""What a program sets on charge points through calls of their own (``pulumi_ampeco.channels``):
a charge point's place on a load-management circuit (D40) and its OCPP configuration keys (D41).

Their rhythm is their own: the objects are written by actions and key by key, so the drift and
the "deleted outside Pulumi" steps use those calls. Offline engine, provider in process,
simulator over sockets.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pulumi
import pytest
import yaml

import pulumi_ampeco as ampeco
from pulumi_ampeco import Tenant, cli
from pulumi_ampeco.testing import OfflineEngineError, OfflineStack

from . import factories
from .conftest import API, Sim
from .stack_harness import StackHarness, writes

TOKEN = "stations-SECRET-42"
#: The kinds this module gives their rhythm.
CHANNEL_KINDS = ("CircuitChargePoint", "ChargePointConfiguration")
ACTIONS = "/public-api/actions/circuit/v2.0"


class Stations(StackHarness):
    """A location with two charge points and a circuit; ``member`` and ``keys`` say what the
    program sets on them."""

    def __init__(self, sim: Sim, state: Path) -> None:
        self.member: dict[str, Any] | None = {"priority": 1.0}
        self.member_on = "a"
        self.keys: dict[str, str] | None = None
        self.adopt: bool | int = False
        super().__init__(sim, state, TOKEN)

    def program(self) -> None:
        loc = ampeco.Location(
            "loc",
            external_id="loc",
            name="Depot",
            geoposition={"latitude": 59.9, "longitude": 10.7},
            address="Street 1",
            country="NO",
        )
        points = {
            n: ampeco.ChargePoint(
                f"cp-{n}",
                name=f"CP {n}",
                type="public",
                status="enabled",
                location_id=loc.id,
                external_id=f"cp-{n}",
                network={"id": f"CP-{n}"},
            )
            for n in ("a", "b")
        }
        circuit = ampeco.Circuit("circuit", name="Main", phases="three_phase", max_current=63)
        pulumi.export("circuit", circuit.id)
        for n, point in points.items():
            pulumi.export(f"cp_{n}", point.id)
        if self.member is not None:
            member = ampeco.CircuitChargePoint(
                "member",
                circuit_id=circuit.id,
                charge_point_id=points[self.member_on].id,
                **self.member,
                adopt=self.adopt,
            )
            pulumi.export("member", member.id)
        if self.keys is not None:
            config = ampeco.ChargePointConfiguration(
                "ocpp", charge_point_id=points["a"].id, keys=self.keys
            )
            pulumi.export("ocpp", config.id)

    def ids(self, result: Any) -> dict[str, int]:
        return {k: int(str(v).split(".")[0]) for k, v in result.outputs.items()}


@pytest.fixture
def stations(sim: Sim, tmp_path: Path) -> Iterator[Stations]:
    s = Stations(sim, tmp_path / "state.json")
    yield s
    s.stack.close()


def _priorities(api: httpx.Client, circuit: int) -> dict[int, float]:
    listed = api.get(f"/circuits/v2.0/{circuit}/charge-point-priorities").json()["data"]
    return {int(item["id"]): item["priority"] for item in listed}


def _actions(api: httpx.Client, path: str) -> str:
    """An action's URL (beside ``/public-api/resources``, where the client's base points)."""
    return str(api.base_url).split("/public-api/")[0] + f"{ACTIONS}/{path}"


def _action(api: httpx.Client, path: str, body: dict[str, Any] | None = None) -> None:
    response = api.post(_actions(api, path), json=body)
    assert response.status_code == 202, response.text


def test_a_charge_point_on_a_circuit_through_its_whole_life(stations: Stations) -> None:
    made = stations.run("up")
    ids = stations.ids(made)
    assert made.step("member").action == "create"
    assert ids["member"] == ids["cp_a"]  # the object's id is the charge point's
    attach = [e for e in stations.last if e["path"].endswith("/attach-charge-point")]
    assert [e["body"] for e in attach] == [{"chargePointId": ids["cp_a"], "priority": 1.0}]
    with stations.api() as api:
        assert _priorities(api, ids["circuit"]) == {ids["cp_a"]: 1.0}

    # a no-op preview: one listing of the circuit's charge points, no write
    assert set(stations.run("preview").counts()) == {"same"}
    assert writes(stations.last) == []

    # a new priority: one action
    stations.member = {"priority": 2.5}
    assert stations.run("up").step("member").action == "update"
    assert [e["path"].rsplit("/", 2)[-2] for e in stations.last if e["method"] == "POST"] == [
        "set-charge-point-priority"
    ]
    assert stations.run("preview").step("member").action == "same"

    # drift: a priority changed outside Pulumi is shown and put back
    with stations.api() as api:
        _action(api, f"{ids['circuit']}/set-charge-point-priority/{ids['cp_a']}", {"priority": 7})
    assert stations.run("preview").step("member").action == "update"
    stations.run("up")
    with stations.api() as api:
        assert _priorities(api, ids["circuit"]) == {ids["cp_a"]: 2.5}

    # detached outside Pulumi: attached again
    with stations.api() as api:
        _action(api, f"{ids['circuit']}/detach-charge-point/{ids['cp_a']}")
    assert stations.run("preview").step("member").action == "replace"
    stations.run("up")
    with stations.api() as api:
        assert _priorities(api, ids["circuit"]) == {ids["cp_a"]: 2.5}

    # another charge point: a replacement (detach the old one, attach the new one)
    stations.member_on = "b"
    assert stations.run("up").step("member").action == "replace"
    with stations.api() as api:
        assert _priorities(api, ids["circuit"]) == {ids["cp_b"]: 2.5}

    # an invalid priority: refused in check, before any API call
    stations.member = {"priority": 0.25}
    with pytest.raises(OfflineEngineError) as caught:
        stations.run("preview")
    assert [p for p, _ in caught.value.failures] == ["priority"]
    assert writes(stations.last) == []
    stations.member = {"priority": 2.5}

    # the circuit deleted outside Pulumi: both made again (the preview does not fail on the
    # charge point's listing under a circuit that is gone)
    with stations.api() as api:
        assert api.delete(f"/circuits/v2.0/{ids['circuit']}").status_code == 204
    gone = stations.run("preview")
    assert gone.step("circuit").action == "replace" and gone.step("member").action == "replace"
    ids = stations.ids(stations.run("up"))
    with stations.api() as api:
        assert _priorities(api, ids["circuit"]) == {ids["cp_b"]: 2.5}

    # removed from the program: detached; the circuit and the charge points stay
    stations.member = None
    assert stations.run("up").step("member").action == "delete"
    with stations.api() as api:
        assert _priorities(api, ids["circuit"]) == {}
        assert api.get(f"/charge-points/v2.0/{ids['cp_b']}").status_code == 200


def test_a_charge_point_attached_outside_is_adopted_without_a_write(stations: Stations) -> None:
    stations.member = None
    ids = stations.ids(stations.run("up"))
    with stations.api() as api:
        _action(api, f"{ids['circuit']}/attach-charge-point", {"chargePointId": ids["cp_a"]})
    stations.member = {}
    with pytest.raises(OfflineEngineError) as caught:
        stations.run("up")
    assert "adopt=True" in str(caught.value)
    stations.adopt = True
    adopted = stations.run("up")
    assert adopted.step("member").action == "create"
    assert stations.ids(adopted)["member"] == ids["cp_a"]
    assert writes(stations.last) == []
    assert stations.run("preview").step("member").action == "same"


def test_an_attach_whose_answer_is_lost_is_not_sent_twice(sim: Sim, stations: Stations) -> None:
    stations.member = None
    stations.run("up")
    # the tenant attaches, and the answer never comes back
    sim.fault(method="POST", path="attach-charge-point", ghost=True, count=1)
    stations.member = {"priority": 1.0}
    made = stations.run("up")
    assert made.step("member").action == "create"
    attaches = [e for e in stations.last if e["path"].endswith("/attach-charge-point")]
    assert len(attaches) == 1  # looked for, found done, not sent again
    assert set(stations.run("preview").counts()) == {"same"}


def test_a_charge_point_moves_between_circuits_in_one_up(sim: Sim, tmp_path: Path) -> None:
    sim.use_token(TOKEN)
    with sim.client() as api:
        location = api.post("/locations/v2.0", json=factories.location()).json()["data"]["id"]
        point = api.post("/charge-points/v2.0", json=factories.charge_point(location))
        point_id = point.json()["data"]["id"]
    circuits = {
        name: {"name": name, "phases": "three_phase", "max_current": 32} for name in ("a", "b")
    }
    member = [{"charge_point_id": point_id, "priority": 1}]
    document = tmp_path / "tenant.yaml"
    document.write_text(
        yaml.safe_dump(
            {"circuits": {**circuits, "a": {**circuits["a"], "circuit_charge_points": member}}}
        )
    )
    config = {"ampeco:tenantUrl": sim.base_url, "ampeco:apiToken": TOKEN}
    with OfflineStack(lambda: Tenant("tenant", document), tmp_path / "state.json", config) as stack:
        stack.up()
        document.write_text(
            yaml.safe_dump(
                {"circuits": {**circuits, "b": {**circuits["b"], "circuit_charge_points": member}}}
            )
        )
        moved = stack.up()
        assert [s.action for s in moved.steps if s.name.endswith(f"/{point_id}")] == ["replace"]
        with sim.client() as api:
            listed = {
                c["name"]: [
                    m["id"]
                    for m in api.get(f"/circuits/v2.0/{c['id']}/charge-point-priorities").json()[
                        "data"
                    ]
                ]
                for c in api.get("/circuits/v2.0").json()["data"]
            }
        assert listed == {"a": [], "b": [point_id]}
        assert set(stack.preview().counts()) == {"same"}


def test_the_tenant_refuses_a_charge_point_on_two_circuits(sim: Sim, api: httpx.Client) -> None:
    location = api.post("/locations/v2.0", json=factories.location()).json()["data"]["id"]
    point = api.post("/charge-points/v2.0", json=factories.charge_point(location)).json()["data"]
    circuits = [
        api.post(
            "/circuits/v2.0", json={"name": n, "phases": "single_phase", "maxCurrent": 16}
        ).json()["data"]["id"]
        for n in ("one", "two")
    ]
    _action(api, f"{circuits[0]}/attach-charge-point", {"chargePointId": point["id"]})
    refused = api.post(
        _actions(api, f"{circuits[1]}/attach-charge-point"), json={"chargePointId": point["id"]}
    )
    assert refused.status_code == 422
    assert "already attached to circuit" in refused.json()["errors"]["chargePointId"][0]
    # the charge point filter follows the membership
    on = api.get("/charge-points/v2.0", params={"filter[circuitId]": circuits[0]}).json()["data"]
    assert [p["id"] for p in on] == [point["id"]]
    # a deleted circuit lets its charge points go; a deleted charge point leaves its circuit
    assert api.delete(f"/circuits/v2.0/{circuits[0]}").status_code == 204
    _action(api, f"{circuits[1]}/attach-charge-point", {"chargePointId": point["id"]})
    assert api.delete(f"/charge-points/v2.0/{point['id']}").status_code == 204
    assert _priorities(api, circuits[1]) == {}


def test_ocpp_keys_are_set_one_by_one_and_left_on_delete(stations: Stations) -> None:
    stations.member = None
    stations.keys = {"HeartbeatInterval": "120", "MeterValueSampleInterval": "60"}
    ids = stations.ids(stations.run("up"))
    assert ids["ocpp"] == ids["cp_a"]
    # the station had MeterValueSampleInterval=60 already: one PATCH
    patched = [e["path"].rsplit("/", 1)[-1] for e in stations.last if e["method"] == "PATCH"]
    assert patched == ["HeartbeatInterval"]
    keys = f"/charge-points/v2.0/{ids['cp_a']}/configurations"
    assert set(stations.run("preview").counts()) == {"same"}
    assert writes(stations.last) == []

    # changed outside Pulumi: shown and set back
    with stations.api() as api:
        assert api.patch(f"{keys}/HeartbeatInterval", json={"value": "900"}).status_code == 200
    assert stations.run("preview").step("ocpp").action == "update"
    stations.run("up")
    with stations.api() as api:
        assert api.get(f"{keys}/HeartbeatInterval").json()["data"]["key"]["value"] == "120"

    # a key dropped from the program keeps the station's value, with no write
    stations.keys = {"HeartbeatInterval": "120"}
    stations.run("up")
    assert writes(stations.last) == []
    assert stations.run("preview").step("ocpp").action == "same"

    # a value the station refuses fails the update and names the key
    stations.keys = {"HeartbeatInterval": "120", "NumberOfConnectors": "4"}
    with pytest.raises(OfflineEngineError) as caught:
        stations.run("up")
    assert "the value of NumberOfConnectors" in str(caught.value)
    assert "'4'" not in str(caught.value)  # a value may be a secret: never quoted
    stations.keys = {"HeartbeatInterval": "120"}

    # key names that would change the URL, and write-only keys, are refused in check
    for wrong in (" ", "..", "a/b", "Heartbeat?x", "AuthorizationKey"):
        stations.keys = {wrong: "1"}
        with pytest.raises(OfflineEngineError) as bad:
            stations.run("preview")
        assert [p for p, _ in bad.value.failures] == ["keys"], wrong
        assert writes(stations.last) == []
    stations.keys = {"HeartbeatInterval": "120"}

    # deleted: nothing is sent, the station keeps its value
    stations.keys = None
    assert stations.run("up").step("ocpp").action == "delete"
    assert writes(stations.last) == []
    with stations.api() as api:
        assert api.get(f"{keys}/HeartbeatInterval").json()["data"]["key"]["value"] == "120"


def test_a_tenant_document_puts_charge_points_on_circuits_and_sets_keys(
    sim: Sim, tmp_path: Path
) -> None:
    sim.use_token(TOKEN)
    document = tmp_path / "tenant.yaml"
    document.write_text(
        yaml.safe_dump(
            {
                "locations": {
                    "depot": {
                        "name": "Depot",
                        "geoposition": {"latitude": 59.9, "longitude": 10.7},
                        "address": "Street 1",
                        "country": "NO",
                        "charge_points": {
                            "cp-1": {
                                "name": "CP 1",
                                "type": "public",
                                "status": "enabled",
                                "network": {"id": "CP-1"},
                                "ocpp_configuration": {"keys": {"HeartbeatInterval": "60"}},
                            }
                        },
                    }
                },
                "circuits": {"main": {"name": "Main", "phases": "three_phase", "max_current": 32}},
            }
        )
    )
    config = {"ampeco:tenantUrl": sim.base_url, "ampeco:apiToken": TOKEN}
    with OfflineStack(lambda: Tenant("tenant", document), tmp_path / "state.json", config) as stack:
        stack.up()
        with sim.client() as api:
            [point] = api.get("/charge-points/v2.0").json()["data"]
            [circuit] = api.get("/circuits/v2.0").json()["data"]
            value = api.get(f"/charge-points/v2.0/{point['id']}/configurations/HeartbeatInterval")
            assert value.json()["data"]["key"]["value"] == "60"
        data = yaml.safe_load(document.read_text())
        data["circuits"]["main"]["circuit_charge_points"] = [
            {"charge_point_id": point["id"], "priority": 1.5}
        ]
        document.write_text(yaml.safe_dump(data))
        stack.up()
        with sim.client() as api:
            assert _priorities(api, circuit["id"]) == {point["id"]: 1.5}
        assert set(stack.preview().counts()) == {"same"}


def test_export_writes_a_circuit_with_its_charge_points_and_takes_it_over(
    sim: Sim, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sim.use_token(TOKEN)
    with sim.client() as api:
        location = api.post("/locations/v2.0", json=factories.location()).json()["data"]["id"]
        points = [
            api.post("/charge-points/v2.0", json=factories.charge_point(location, n)).json()[
                "data"
            ]["id"]
            for n in (1, 2)
        ]
        circuit = api.post(
            "/circuits/v2.0", json={"name": "Main", "phases": "three_phase", "maxCurrent": 63}
        ).json()["data"]["id"]
        for n, point in enumerate(points):
            body = {"chargePointId": point, "priority": n + 1}
            _action(api, f"{circuit}/attach-charge-point", body)
        key = f"/charge-points/v2.0/{points[0]}/configurations/HeartbeatInterval"
        assert api.patch(key, json={"value": "30"}).status_code == 200
    document = tmp_path / "tenant.yaml"
    config = {"ampeco:tenantUrl": sim.base_url, "ampeco:apiToken": TOKEN}
    flags = [a for k, v in config.items() for a in ("-c", f"{k}={v}")]
    assert cli.main(["export", "-o", str(document), *flags]) == 0, capsys.readouterr().err
    data = yaml.safe_load(document.read_text())
    members = data["circuits"]["Main"]["circuit_charge_points"]
    assert [(m["charge_point_id"], m["priority"]) for m in members] == [
        (points[0], 1),
        (points[1], 2),
    ]
    assert "ocpp_configuration" not in document.read_text()  # a station's keys stay its own
    with OfflineStack(lambda: Tenant("tenant", document), tmp_path / "state.json", config) as stack:
        sim.clear_requests()
        stack.up()
        assert sim.writes() == []
        held = {
            int(r["id"])
            for r in stack.state()["resources"].values()
            if r["type"].endswith(":CircuitChargePoint")
        }
        assert held == set(points)
        assert set(stack.preview().counts()) == {"same"}
        assert sim.writes() == []


def test_api_paths_of_the_channels_are_not_the_tenants(api: httpx.Client) -> None:
    """The channels' collections are the provider's own names: the tenant has no such path."""
    assert api.get("/circuits/v2.0/1/charge-points").status_code == 404
    assert api.get("/charge-points/v2.0/1/ocpp-configuration").status_code == 404
    assert API == "/public-api/resources"
