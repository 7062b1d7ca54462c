"""The rhythm for ChargePoint, Evse and Connector: a station with an EVSE and a connector under
a location, through the offline engine (providers in process) against the simulator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest

from pulumi_ampeco import ChargePoint, Connector, Evse, Location
from pulumi_ampeco.testing import OfflineEngineError

from .conftest import Sim
from .stack_harness import StackHarness, writes

pytestmark = pytest.mark.quick

TOKEN = "charging-SECRET-7e21"
PASSWORD = "ocpp-basic-auth-9f"


class Site(StackHarness):
    def __init__(self, sim: Sim, state: Path) -> None:
        self.cp: dict[str, Any] = {
            "name": "CP 1",
            "type": "public",
            "status": "enabled",
            "external_id": "cp-1",
            "network": {"id": "NO-0001", "protocol": "ocpp 1.6", "password": PASSWORD},
            "capabilities": ["meter_values", "remote_start_stop_capable"],
            "security": {"desired_profile": 2},
            "tags": ["oslo"],
        }
        self.evse: dict[str, Any] = {
            "physical_reference": "NO*AMP*E1",
            "current_type": "ac",
            "network_id": "1",
            "status": "enabled",
            "label": "Left",
            "power_options": {"max_power": 22000, "phases": "three_phase"},
            "external_id": "evse-1",
        }
        self.connector: dict[str, Any] = {"type": "type2", "format": "socket"}
        self.evse_on_second = False
        #: More EVSEs: (resource name, network_id, on the second station).
        self.more_evses: list[tuple[str, Any, bool]] = []
        super().__init__(sim, state, TOKEN, secrets=("ampeco:apiToken",))

    def program(self) -> None:
        loc = Location(
            "site",
            external_id="site",
            name="Site",
            geoposition={"latitude": 59.9, "longitude": 10.7},
            address="Street 1",
            country="NO",
        )
        cp = ChargePoint("cp", location_id=loc.id, **self.cp)
        owner = cp
        if self.evse_on_second or self.more_evses:
            second = ChargePoint(
                "cp2",
                name="CP 2",
                type="public",
                status="enabled",
                location_id=loc.id,
                external_id="cp-2",
                network={"id": "NO-0002"},
            )
            owner = second if self.evse_on_second else cp
            for name, number, on_second in self.more_evses:
                station = second if on_second else cp
                Evse(
                    name,
                    charge_point_id=station.id,
                    network_id=number,
                    physical_reference=f"NO*AMP*{name}",
                    current_type="ac",
                    status="enabled",
                )
        evse = Evse("evse", charge_point_id=owner.id, **self.evse)
        connector = Connector(
            "connector", charge_point_id=owner.id, evse_id=evse.id, **self.connector
        )
        pulumi.export("cp", cp.id)
        pulumi.export("evse", evse.id)
        pulumi.export("connector", connector.id)


@pytest.fixture
def site(sim: Sim, tmp_path: Path) -> Iterator[Site]:
    s = Site(sim, tmp_path / "state.json")
    yield s
    s.stack.close()


def test_rhythm(site: Site, tmp_path: Path) -> None:
    assert site.run("preview").counts() == {"create": 4}
    assert site.last == []
    created = site.run("up")
    assert created.counts() == {"create": 4}
    cp, evse, conn = (created.outputs[k] for k in ("cp", "evse", "connector"))
    live = site.live(f"/charge-points/v2.0/{cp}").json()["data"]
    assert live["network"]["id"] == "NO-0001" and live["communicationMode"] == "direct_ocpp"
    assert site.live(f"/evses/v2.1/{evse}").json()["data"]["chargePointId"] == int(cp)
    path = f"/charge-points/v2.0/{cp}/evses/{evse}/connectors/{conn}"
    assert site.live(path).json()["data"]["type"] == "type2"
    assert PASSWORD not in (tmp_path / "state.json").read_text()  # kept as a secret

    assert site.run("preview").counts() == {"same": 4}
    assert writes(site.last) == []

    site.evse["label"] = "Right"
    site.connector["status"] = "disabled"
    site.cp["capabilities"] = ["remote_start_stop_capable", "meter_values"]  # same set
    result = site.run("up")
    assert result.counts() == {"same": 2, "update": 2}
    assert sorted(writes(site.last), key=str) == sorted(
        [("PATCH", {"label": "Right"}), ("PATCH", {"status": "disabled"})], key=str
    )

    site.evse_on_second = True  # the EVSE (and with it the connector) moves to another station
    result = site.run("up")
    assert result.step("evse").action == "replace"
    assert result.step("connector").action == "replace"
    assert site.live(f"/evses/v2.1/{evse}").status_code == 404
    assert site.run("preview").counts() == {"same": 5}

    assert site.run("destroy").counts() == {"delete": 5}
    assert site.live("/charge-points/v2.0").json()["data"] == []
    assert site.live("/locations/v2.0").json()["data"] == []


def test_station_rules_are_checked_before_any_call(site: Site) -> None:
    site.cp["type"] = "personal"  # a personal station needs a PIN
    with pytest.raises(OfflineEngineError) as caught:
        site.run("up")
    assert any("pin" in reason for _, reason in caught.value.failures)
    assert not any(e["method"] == "POST" and "charge-points" in e["path"] for e in site.last)


def test_two_evse_numbers_that_are_one_number_are_refused_before_any_call(site: Site) -> None:
    site.more_evses = [("evse-01", "01", False)]  # the same station as `evse` ("1")
    with pytest.raises(OfflineEngineError) as caught:
        site.run("up")
    assert (
        "Evse 'evse': `network_id` '1' is the same number as '01' of Evse 'evse-01' with the"
        " same charge_point_id; it names the EVSE to the station (D12), so give each its own"
        " number"
    ) in caught.value.message
    assert writes(site.last) == []
    # On another station, or as another number, it is a different EVSE.
    site.more_evses = [("evse-01", "01", True), ("evse-2", 2, False)]
    assert site.run("preview").counts() == {"create": 7}
