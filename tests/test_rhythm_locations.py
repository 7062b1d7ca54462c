"""The acceptance rhythm for Location and ChargingZone: real program, real SDK, real providers,
the simulator over sockets. Every step counts its API calls.

The providers run in process (the offline engine's tests hold that transport to gRPC's
results); the token test sends the provider over gRPC to a process of its own, where its
payload must load without the token, as under the CLI."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest

from ampeco_engine.stack import TransportName
from pulumi_ampeco import ChargingZone, Location, LocationArgs
from pulumi_ampeco.testing import OfflineEngineError

from .conftest import Sim
from .stack_harness import StackHarness, writes

TOKEN = "rhythm-SECRET-93ab"
#: API calls of each step of the rhythm, printed at the end (figures for the closing note).
CALLS: dict[str, dict[str, int]] = {}


class LocationStack(StackHarness):
    """The program's desired state (mutable between runs) and a view of the simulator."""

    def __init__(self, sim: Sim, state: Path, transport: TransportName = "inprocess") -> None:
        self.location: dict[str, Any] = {
            "external_id": "depot-north",
            "name": {"en": "Depot North", "nb-NO": "Depot Nord"},
            "geoposition": {"latitude": 59.9071, "longitude": 10.7594},
            "address": "Dronning Eufemias gate 16, 0191 Oslo",
            "country": "NO",
            "tags": ["north", "depot"],
        }
        self.location_opts: dict[str, Any] = {}
        self.second_location = False
        self.zone: dict[str, Any] | None = {"name": "Level -2", "status": "enabled"}
        self.zone_on_second = False
        super().__init__(sim, state, TOKEN, secrets=("ampeco:apiToken",), transport=transport)

    def program(self) -> None:
        depot = Location("depot", LocationArgs(**self.location), **self.location_opts)
        pulumi.export("location_id", depot.id)
        parent = depot
        if self.second_location:
            parent_south = Location(
                "depot-south",
                external_id="depot-south",
                name="Depot South",
                geoposition={"latitude": 59.8, "longitude": 10.8},
                address="Street 2",
                country="NO",
            )
            if self.zone_on_second:
                parent = parent_south
        if self.zone is not None:
            zone = ChargingZone("zone", location_id=parent.id, **self.zone)
            pulumi.export("zone_id", zone.id)


@pytest.fixture
def tenant(request: pytest.FixtureRequest, sim: Sim, tmp_path: Path) -> Iterator[LocationStack]:
    """The stack, its providers in process unless the test asks for another transport
    (``indirect`` parametrisation)."""
    t = LocationStack(sim, tmp_path / "state.json", getattr(request, "param", "inprocess"))
    yield t
    t.stack.close()
    CALLS.update(t.counted)
    state = (tmp_path / "state.json").read_text() if (tmp_path / "state.json").exists() else ""
    assert TOKEN not in state and base64.b64encode(TOKEN.encode()).decode() not in state


def test_the_rhythm(tenant: LocationStack) -> None:
    # 0. preview of a new program: the zone's location_id is not known yet; no API call
    preview = tenant.run("preview", "preview (first)")
    assert preview.counts() == {"create": 2}
    assert tenant.last == []

    # 1. up creates; the live objects are what the program says
    result = tenant.run("up", "up (create)")
    assert result.counts() == {"create": 2}
    loc_id, zone_id = result.outputs["location_id"], result.outputs["zone_id"]
    live = tenant.live(f"/locations/v2.0/{loc_id}").json()["data"]
    assert live["externalId"] == "depot-north"
    assert live["name"] == [
        {"locale": "en", "translation": "Depot North"},
        {"locale": "nb-NO", "translation": "Depot Nord"},
    ]
    assert live["address"] == [
        {"locale": "en", "translation": "Dronning Eufemias gate 16, 0191 Oslo"}
    ]
    assert live["geoposition"] == {"latitude": 59.9071, "longitude": 10.7594}
    zone = tenant.live(f"/locations/v2.0/{loc_id}/charging-zones/{zone_id}").json()["data"]
    assert (zone["name"], zone["status"]) == ("Level -2", "enabled")

    # 2. preview of the unchanged program: all same, no write
    assert tenant.run("preview", "preview (no change)").counts() == {"same": 2}
    assert writes(tenant.last) == []

    # 3. change a field: an update with a PATCH of that field only
    tenant.location["city"] = "Oslo"
    result = tenant.run("up", "up (update one field)")
    assert result.counts() == {"update": 1, "same": 1}
    assert result.step("depot").changes == ["city"]
    patches = [e for e in tenant.last if e["method"] == "PATCH"]
    assert [p["body"] for p in patches] == [{"city": "Oslo"}]

    # 4. change a replace-on-change field: the zone moves to another location
    tenant.second_location = True
    tenant.run("up", "up (second location)")
    tenant.zone_on_second = True
    preview = tenant.run("preview", "preview (replace)")
    assert preview.step("zone").action == "replace"
    assert writes(tenant.last) == []
    result = tenant.run("up", "up (replace)")
    assert result.step("zone").action == "replace"
    new_zone = result.outputs["zone_id"]
    assert new_zone != zone_id
    assert tenant.live(f"/locations/v2.0/{loc_id}/charging-zones/{zone_id}").status_code == 404

    # 5. a change behind our back: preview shows it, up repairs it
    with tenant.api() as api:
        api.patch(f"/locations/v2.0/{loc_id}", json={"postCode": "9999", "city": "Bergen"})
    preview = tenant.run("preview", "preview (drift)")
    assert preview.step("depot").action == "update"
    tenant.run("up", "up (repair drift)")
    assert tenant.live(f"/locations/v2.0/{loc_id}").json()["data"]["city"] == "Oslo"
    assert tenant.run("preview", "preview (after repair)").counts() == {"same": 3}

    # 6. deleted behind our back: up creates it again
    south = next(
        s for s in tenant.stack.state()["resources"].values() if s["name"] == "depot-south"
    )
    with tenant.api() as api:
        api.delete(f"/locations/v2.0/{south['id']}/charging-zones/{new_zone}")
    preview = tenant.run("preview", "preview (deleted outside)")
    assert preview.step("zone").action == "replace"
    result = tenant.run("up", "up (recreate)")
    assert result.step("zone").action == "replace"
    recreated = result.outputs["zone_id"]
    assert tenant.live(f"/locations/v2.0/{south['id']}/charging-zones/{recreated}").is_success

    # 6b. the location deleted behind our back (it has no zone now): created again
    with tenant.api() as api:
        assert api.delete(f"/locations/v2.0/{loc_id}").status_code == 204
    preview = tenant.run("preview", "preview (location deleted outside)")
    assert preview.step("depot").action == "replace"
    result = tenant.run("up", "up (recreate location)")
    assert result.step("depot").action == "replace"
    loc_id = result.outputs["location_id"]
    assert tenant.live(f"/locations/v2.0/{loc_id}").json()["data"]["city"] == "Oslo"

    # 7. refresh records drift
    with tenant.api() as api:
        api.patch(f"/locations/v2.0/{loc_id}", json={"city": "Trondheim"})
    refreshed = tenant.run("refresh", "refresh (drift)")
    assert "city" in refreshed.step("depot").changes  # (and the server's last_updated_at)
    depot_state = [s for s in tenant.stack.state()["resources"].values() if s["name"] == "depot"]
    assert depot_state[0]["inputs"]["city"] == "Trondheim"
    assert tenant.run("preview", "preview (after refresh)").step("depot").action == "update"
    tenant.run("up", "up (after refresh)")

    # 8. removed from the program: deleted
    tenant.zone = None
    result = tenant.run("up", "up (remove zone)")
    assert result.step("zone").action == "delete"
    assert (
        tenant.live(f"/locations/v2.0/{south['id']}/charging-zones/{recreated}").status_code == 404
    )

    # 9. destroy leaves the tenant as it was
    result = tenant.run("destroy", "destroy")
    assert result.counts() == {"delete": 2}
    with tenant.api() as api:
        assert api.get("/locations/v2.0").json()["data"] == []
    assert tenant.stack.state()["resources"] == {}


def test_adoption_makes_no_create(tenant: LocationStack) -> None:
    with tenant.api() as api:
        existing = api.post(
            "/locations/v2.0",
            json={
                "externalId": "depot-north",
                "name": [{"locale": "en", "translation": "Old name"}],
                "geoposition": {"latitude": 59.9071, "longitude": 10.7594},
                "address": [
                    {"locale": "en", "translation": "Dronning Eufemias gate 16, 0191 Oslo"}
                ],
                "country": "NO",
            },
        ).json()["data"]
    tenant.zone = None
    with pytest.raises(OfflineEngineError) as caught:
        tenant.run("up", "up (duplicate externalId)")
    assert "adopt=True" in str(caught.value) and "external_id='depot-north'" in str(caught.value)
    assert not any(e["method"] == "POST" for e in tenant.last)

    tenant.location_opts = {"adopt": True}
    result = tenant.run("up", "up (adopt)")
    assert result.counts() == {"create": 1}
    assert result.outputs["location_id"] == str(existing["id"])
    assert not any(e["method"] == "POST" for e in tenant.last)
    live = tenant.live(f"/locations/v2.0/{existing['id']}").json()["data"]
    assert live["name"][0]["translation"] == "Depot North"
    assert tenant.run("preview", "preview (after adopt)").counts() == {"same": 1}


INVALID = [
    ({"geoposition": {"latitude": 95, "longitude": 10}}, "geoposition.latitude"),
    ({"country": "Norway"}, "country"),
    ({"parking_type": "ROOFTOP"}, "parking_type"),
    ({"tags": "north"}, "tags"),
    ({"name": ""}, "name.0.translation"),
    ({"working_hours": {"is_always_open": False}}, "working_hours"),
]


@pytest.mark.parametrize(("change", "field"), INVALID, ids=[f for _, f in INVALID])
def test_invalid_programs_fail_in_check_with_no_api_call(
    tenant: LocationStack, change: dict[str, Any], field: str
) -> None:
    tenant.location = {k: v for k, v in {**tenant.location, **change}.items() if v is not None}
    for operation in ("preview", "up"):
        with pytest.raises(OfflineEngineError) as caught:
            tenant.run(operation, f"{operation} (invalid)")
        assert field in [p for p, _ in caught.value.failures], str(caught.value)
        assert tenant.last == []  # not a single API call
    assert tenant.stack.state()["resources"] == {}


def test_a_failing_step_keeps_state_and_the_next_up_converges(tenant: LocationStack) -> None:
    # One retry is enough to show that a failure outlasting the retries fails the step; the
    # default five would wait out their back-off (about 15 s) before it does.
    tenant.stack.set_config("ampeco:maxRetries", 1)
    tenant.run("up", "up (create)")
    before = tenant.stack.state()["resources"]
    tenant.location["city"] = "Oslo"
    tenant.sim.fault(method="PATCH", status=503)  # every PATCH fails, retries included
    with pytest.raises(OfflineEngineError) as caught:
        tenant.run("up", "up (503)")
    assert caught.value.name == "depot" and "503" in str(caught.value)
    assert [e["method"] for e in tenant.last].count("PATCH") == 2  # the PATCH and its retry
    after = tenant.stack.state()["resources"]
    assert {u: s["outputs"] for u, s in after.items()} == {
        u: s["outputs"] for u, s in before.items()
    }
    with tenant.sim.admin() as admin:
        admin.delete("/faults")
    tenant.sim.fault(method="PATCH", status=422, count=1)
    with pytest.raises(OfflineEngineError) as caught:
        tenant.run("up", "up (422)")
    assert "Rejected by an injected fault" in str(caught.value)
    after = tenant.stack.state()["resources"]
    assert {u: s["outputs"] for u, s in after.items()} == {
        u: s["outputs"] for u, s in before.items()
    }
    result = tenant.run("up", "up (converge)")
    assert result.step("depot").action == "update"
    assert tenant.run("preview", "preview (converged)").counts() == {"same": 2}


def test_fields_removed_from_the_program_are_cleared(tenant: LocationStack) -> None:
    tenant.zone = None
    tenant.location.update(
        description="A depot",
        city="Oslo",
        working_hours={
            "is_always_open": False,
            "stop_session_outside_working_hours": True,
            "hours": {
                "monday": [{"start": "06:00", "end": "22:00"}],
                "tuesday": [{"start": "07:00", "end": "21:00"}],
            },
        },
    )
    loc = tenant.run("up", "up (create)").outputs["location_id"]
    del tenant.location["description"], tenant.location["city"], tenant.location["tags"]
    tenant.location["working_hours"] = {
        "is_always_open": False,
        "hours": {"monday": [{"start": "06:00", "end": "22:00"}]},
    }
    result = tenant.run("up", "up (remove fields)")
    assert result.step("depot").action == "update"
    live = tenant.live(f"/locations/v2.0/{loc}").json()["data"]
    assert live["description"] == [] and live["tags"] == [] and live["city"] is None
    hours = live["workingHours"]
    assert hours["stopSessionOutsideWorkingHours"] is None
    assert hours["hours"]["tuesday"] == [] and hours["hours"]["monday"] != []
    assert tenant.run("preview", "preview (after removal)").counts() == {"same": 1}


def test_a_value_the_tenant_already_has_is_recorded(tenant: LocationStack) -> None:
    tenant.zone = None
    loc = tenant.run("up", "up (create)").outputs["location_id"]
    with tenant.api() as api:
        api.patch(f"/locations/v2.0/{loc}", json={"city": "Oslo"})
    tenant.location["city"] = "Oslo"
    result = tenant.run("up", "up (already so)")
    assert result.step("depot").action == "update"
    assert not [e for e in tenant.last if e["method"] != "GET"]  # nothing to write
    depot = next(s for s in tenant.stack.state()["resources"].values() if s["name"] == "depot")
    assert depot["outputs"]["city"] == "Oslo"
    del tenant.location["city"]
    tenant.run("up", "up (drop city)")
    assert tenant.live(f"/locations/v2.0/{loc}").json()["data"]["city"] is None


def test_two_resources_with_one_key_do_not_both_create(tenant: LocationStack) -> None:
    tenant.zone = None
    original = tenant.program

    def twice() -> None:
        original()
        Location("twin", LocationArgs(**tenant.location))

    tenant.stack.program = twice
    with pytest.raises(OfflineEngineError) as caught:
        tenant.run("up", "up (same key twice)")
    assert "adopt=True" in str(caught.value)
    with tenant.api() as api:
        assert len(api.get("/locations/v2.0").json()["data"]) == 1


def test_adopt_without_a_key_creates_nothing(tenant: LocationStack) -> None:
    tenant.zone = None
    del tenant.location["external_id"]
    tenant.location_opts = {"adopt": True}
    with pytest.raises(OfflineEngineError) as caught:
        tenant.run("up", "up (adopt without key)")
    assert "needs a key" in str(caught.value) and "external_id" in str(caught.value)
    assert not any(e["method"] == "POST" for e in tenant.last)


@pytest.mark.parametrize("tenant", ["grpc"], indirect=True)
def test_token_stays_out_of_payload_state_and_outputs(tenant: LocationStack) -> None:
    result = tenant.run("up", "up (create)")
    text = json.dumps(tenant.stack.state(show_secrets=True)) + json.dumps(result.outputs)
    assert TOKEN not in text
    payloads = {
        s["inputs"]["__provider"]
        for s in tenant.stack.state(show_secrets=True)["resources"].values()
    }
    for payload in payloads:
        raw = base64.b64decode(payload)
        assert len(payload) < 200 and b"pulumi_ampeco.provider" in raw
        assert TOKEN.encode() not in raw


def test_print_the_api_calls_per_step(capsys: pytest.CaptureFixture[str]) -> None:
    if not CALLS:
        pytest.skip("the figures need the rhythm tests of this module")
    with capsys.disabled():
        print("\nAPI calls per step (Location + ChargingZone):")
        for label, counts in CALLS.items():
            print(f"  {label:<32} {json.dumps(counts, sort_keys=True)}")
