"""References, uniqueness and delete rules (decisions D1–D13, D26, D31, D32, D34, D37)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from . import factories as f
from .conftest import Sim

pytestmark = pytest.mark.quick


def make(api: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = api.post(path, json=body)
    assert r.status_code == 201, r.text
    return r.json()["data"]  # type: ignore[no-any-return]


@pytest.fixture
def site(api: httpx.Client) -> dict[str, Any]:
    """A location with a zone, a charge point in it, an EVSE with a connector and a tariff group."""
    loc = make(api, "/locations/v2.0", f.location())
    zone = make(api, f"/locations/v2.0/{loc['id']}/charging-zones", f.charging_zone())
    cp = make(api, "/charge-points/v2.0", f.charge_point(loc["id"], chargingZoneId=zone["id"]))
    tariff = make(api, "/tariffs/v1.0", f.tariff())
    group = make(api, "/tariff-groups/v1.0", f.tariff_group(tariffIds=[tariff["id"]]))
    evse = make(api, f"/charge-points/v2.0/{cp['id']}/evses", f.evse(tariffGroupId=group["id"]))
    conn = make(api, f"/charge-points/v2.0/{cp['id']}/evses/{evse['id']}/connectors", f.connector())
    return {
        "location": loc,
        "zone": zone,
        "cp": cp,
        "tariff": tariff,
        "group": group,
        "evse": evse,
        "connector": conn,
    }


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/charge-points/v2.0", f.charge_point(999_999), "locationId"),
        ("/charge-points/v2.0", f.charge_point(0, chargingZoneId=5), "chargingZoneId"),
        ("/evses/v2.1", f.evse(chargePointId=1), "chargePointId"),
        ("/tariffs/v1.0", f.tariff(pricing={"taxID": 777}), "pricing.taxID"),
        ("/tariff-groups/v1.0", f.tariff_group(tariffIds=[1]), "tariffIds.0"),
        ("/taxes/v2.0", f.tax(taxIdentificationNumberId=31337), "taxIdentificationNumberId"),
    ],
)
def test_unknown_references_are_422(
    api: httpx.Client, path: str, body: dict[str, Any], field: str
) -> None:
    r = api.post(path, json=body)
    assert r.status_code == 422, r.text
    assert field in r.json()["errors"]


def test_unknown_parent_in_the_url_is_404(api: httpx.Client) -> None:
    assert api.post("/charge-points/v2.0/1/evses", json=f.evse()).status_code == 404
    assert api.get("/locations/v2.0/1/charging-zones").status_code == 404
    assert api.get("/locations/v2.0/abc").status_code == 404


def test_conditional_requirements_of_charge_points(api: httpx.Client) -> None:
    body = f.charge_point(0)
    del body["locationId"]
    r = api.post("/charge-points/v2.0", json=body)
    assert r.json()["errors"]["locationId"] == [
        "The location id field is required when type is public."
    ]
    personal = api.post("/charge-points/v2.0", json={**body, "type": "personal"})
    assert personal.status_code == 422 and "pin" in personal.json()["errors"]
    ok = make(api, "/charge-points/v2.0", {**body, "type": "personal", "pin": "1234"})
    # D32: a PATCH may not leave a public station without a location.
    r = api.patch(f"/charge-points/v2.0/{ok['id']}", json={"type": "public"})
    assert r.status_code == 422 and "locationId" in r.json()["errors"]
    satellite = api.post(
        "/charge-points/v2.0",
        json={
            **body,
            "type": "personal",
            "pin": "1",
            "network": {"id": "SAT"},
            "communicationMode": "via_ocpp_connected_charge_point",
        },
    )
    assert "ocppConnectedChargePointId" in satellite.json()["errors"]


def test_network_identities_are_unique(api: httpx.Client, site: dict[str, Any]) -> None:
    loc = site["location"]["id"]
    dup = api.post("/charge-points/v2.0", json=f.charge_point(loc, 9, network={"id": "NET-1"}))
    assert dup.status_code == 422 and "network.id" in dup.json()["errors"]  # D11
    cp = site["cp"]["id"]
    evse = api.post(f"/charge-points/v2.0/{cp}/evses", json=f.evse(1))
    assert evse.status_code == 422 and "networkId" in evse.json()["errors"]  # D12
    other = make(api, "/charge-points/v2.0", f.charge_point(loc, 2))
    make(api, f"/charge-points/v2.0/{other['id']}/evses", f.evse(1))  # same number elsewhere


def test_external_ids_may_repeat(api: httpx.Client) -> None:
    make(api, "/locations/v2.0", f.location(1))
    make(api, "/locations/v2.0", f.location(1))  # D10
    found = api.get("/locations/v2.0", params={"filter[externalId]": "site-1"}).json()["data"]
    assert len(found) == 2


def test_location_delete_refused_while_in_use(api: httpx.Client, site: dict[str, Any]) -> None:
    loc = site["location"]["id"]
    r = api.delete(f"/locations/v2.0/{loc}")
    assert r.status_code == 409  # D1
    assert str(site["cp"]["id"]) in r.json()["message"]
    zone = site["zone"]["id"]
    assert api.delete(f"/locations/v2.0/{loc}/charging-zones/{zone}").status_code == 409  # D2
    assert api.delete(f"/charge-points/v2.0/{site['cp']['id']}").status_code == 204
    assert api.delete(f"/locations/v2.0/{loc}").status_code == 409  # the zone is still there
    assert api.delete(f"/locations/v2.0/{loc}/charging-zones/{zone}").status_code == 204
    assert api.delete(f"/locations/v2.0/{loc}").status_code == 204


def test_charge_point_delete_cascades(sim: Sim, api: httpx.Client, site: dict[str, Any]) -> None:
    cp, evse, conn = site["cp"]["id"], site["evse"]["id"], site["connector"]["id"]
    assert api.delete(f"/charge-points/v2.0/{cp}").status_code == 204  # D3
    assert api.get(f"/evses/v2.1/{evse}").status_code == 404
    assert api.get("/evses/v2.1").json()["data"] == []
    cp2 = make(api, "/charge-points/v2.0", f.charge_point(site["location"]["id"], 3))
    evse2 = make(api, f"/charge-points/v2.0/{cp2['id']}/evses", f.evse())
    path = f"/charge-points/v2.0/{cp2['id']}/evses/{evse2['id']}"
    second = make(api, f"{path}/connectors", f.connector())
    assert api.delete(path).status_code == 204  # D4
    assert api.get(f"{path}/connectors").status_code == 404
    # Connectors cannot be reached once their parents are gone: look in the store itself.
    assert sim.simulator is not None
    with sim.simulator.store.transaction() as tx:
        assert tx.get("connector", conn) is None  # went with its charge point (D3)
        assert tx.get("connector", second["id"]) is None  # went with its EVSE (D4)
        assert tx.get("evse", evse) is None


def test_last_connector_may_go(api: httpx.Client, site: dict[str, Any]) -> None:
    cp, evse, conn = site["cp"]["id"], site["evse"]["id"], site["connector"]["id"]
    path = f"/charge-points/v2.0/{cp}/evses/{evse}/connectors"
    assert api.delete(f"{path}/{conn}").status_code == 204  # D27
    assert api.get(path).json() == {"data": []}


def test_satellite_keeps_its_master(api: httpx.Client, site: dict[str, Any]) -> None:
    master = site["cp"]["id"]
    satellite = make(
        api,
        "/charge-points/v2.0",
        f.charge_point(
            site["location"]["id"],
            5,
            communicationMode="via_ocpp_connected_charge_point",
            ocppConnectedChargePointId=master,
        ),
    )
    assert satellite["communicationMode"] == "via_ocpp_connected_charge_point"
    assert api.delete(f"/charge-points/v2.0/{master}").status_code == 409  # D31
    patched = api.patch(
        f"/charge-points/v2.0/{satellite['id']}", json={"communicationMode": "direct_ocpp"}
    ).json()["data"]
    assert patched["communicationMode"] == "via_ocpp_connected_charge_point"  # create-only


def test_tariff_group_gets_a_base_tariff(api: httpx.Client, site: dict[str, Any]) -> None:
    group, tariff = site["group"], site["tariff"]
    base_id, *rest = group["tariffIds"]
    assert rest == [tariff["id"]]  # D13: the base tariff comes first
    base = api.get(f"/tariffs/v1.0/{base_id}").json()["data"]
    assert (base["name"], base["type"]) == ("Group 1 base tariff", "free")  # D28
    r = api.put(f"/tariff-groups/v1.0/{group['id']}", json={"name": "G", "tariffIds": []})
    assert r.status_code == 422  # D26
    in_group = api.get("/tariffs/v1.0", params={"filter[tariffGroupId]": group["id"]}).json()
    assert sorted(t["id"] for t in in_group["data"]) == sorted(group["tariffIds"])


def test_in_use_deletes_are_refused(api: httpx.Client, site: dict[str, Any]) -> None:
    group, tariff = site["group"], site["tariff"]
    assert api.delete(f"/tariffs/v1.0/{tariff['id']}").status_code == 409  # D5
    assert api.delete(f"/tariff-groups/v1.0/{group['id']}").status_code == 409  # D6
    tin = make(api, "/tax-identification-numbers/v2.0", f.tin())
    tax = make(api, "/taxes/v2.0", f.tax(taxIdentificationNumberId=tin["id"]))
    priced = make(api, "/tariffs/v1.0", f.tariff(2, pricing={"taxID": tax["id"]}))
    r = api.delete(f"/taxes/v2.0/{tax['id']}")
    assert r.status_code == 409 and str(priced["id"]) in r.json()["message"]  # D7
    assert api.delete(f"/tax-identification-numbers/v2.0/{tin['id']}").status_code == 409  # D8
    settings = api.get("/settings/v1.0").json()["data"]
    assert api.delete(f"/taxes/v2.0/{settings['defaultTax']['id']}").status_code == 409  # D7
    base_currency = settings["baseCurrency"]["id"]
    assert api.delete(f"/currencies/v2.0/{base_currency}").status_code == 409  # D9
    # Freed, everything goes; the group's base tariff stays (D37).
    assert api.patch(f"/evses/v2.1/{site['evse']['id']}", json={"tariffGroupId": None}).is_success
    assert api.delete(f"/tariff-groups/v1.0/{group['id']}").status_code == 204
    assert api.get(f"/tariffs/v1.0/{group['tariffIds'][0]}").status_code == 200
    assert api.delete(f"/tariffs/v1.0/{tariff['id']}").status_code == 204


def test_single_tariff_resolution(api: httpx.Client) -> None:
    members = make(api, "/tariffs/v1.0", f.tariff(1, restrictions={"applyToUserGroupIds": [3]}))
    ad_hoc = make(api, "/tariffs/v1.0", f.tariff(2, restrictions={"applyToAdHocUsers": True}))
    group = make(
        api, "/tariff-groups/v1.0", f.tariff_group(tariffIds=[ad_hoc["id"], members["id"]])
    )
    anonymous = api.get(
        "/tariffs/v1.0", params={"filter[tariffGroupId]": group["id"], "filter[userId]": ""}
    ).json()
    assert set(anonymous) == {"data"}  # D34: no links or meta
    assert [t["id"] for t in anonymous["data"]] == [ad_hoc["id"]]
    user = api.get(
        "/tariffs/v1.0", params={"filter[tariffGroupId]": group["id"], "filter[userId]": "12"}
    ).json()
    assert [t["id"] for t in user["data"]] == [group["tariffIds"][0]]  # the free base tariff


def test_tariff_level_rules(api: httpx.Client) -> None:
    levels = [
        {"firstKwh": 0, "lastKwh": 20, "feePerKwh": 0.39},
        {"firstKwh": 25, "lastKwh": None, "feePerKwh": 0.34},
    ]
    r = api.post(
        "/tariffs/v1.0", json=f.tariff(type="standard", pricing={"multiPricePerKwh": levels})
    )
    assert r.status_code == 422
    assert "pricing.multiPricePerKwh.1.firstKwh" in r.json()["errors"]
    levels[1]["firstKwh"] = 20
    assert (
        api.post(
            "/tariffs/v1.0", json=f.tariff(type="standard", pricing={"multiPricePerKwh": levels})
        ).status_code
        == 201
    )


def test_tariff_group_put_may_not_empty_the_group(api: httpx.Client) -> None:
    group = make(api, "/tariff-groups/v1.0", f.tariff_group())
    r = api.put(f"/tariff-groups/v1.0/{group['id']}", json={"name": "No tariffs"})
    assert r.status_code == 422  # D26 applies to the result of the PUT (D33)
    assert "tariffIds" in r.json()["errors"]
    assert api.get(f"/tariff-groups/v1.0/{group['id']}").json()["data"] == group


def test_nested_evse_create_files_under_the_url_parent(
    api: httpx.Client, site: dict[str, Any]
) -> None:
    cp = site["cp"]["id"]
    other = make(api, "/charge-points/v2.0", f.charge_point(site["location"]["id"], 8))
    evse = make(api, f"/charge-points/v2.0/{cp}/evses", f.evse(2, chargePointId=other["id"]))
    assert api.get(f"/evses/v2.1/{evse['id']}").json()["data"]["chargePointId"] == cp


def test_unknown_installation_company_is_422(api: httpx.Client, site: dict[str, Any]) -> None:
    body = f.charge_point(site["location"]["id"], 4, installationAndMaintenanceCompanyId=12)
    r = api.post("/charge-points/v2.0", json=body)
    assert r.status_code == 422
    assert "installationAndMaintenanceCompanyId" in r.json()["errors"]
