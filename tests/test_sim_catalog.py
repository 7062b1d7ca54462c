"""The catalogued collections of the simulator (``ampeco_sim.catalog``) over sockets: references
checked on write and holding their target (D39), lists of ids letting go, unique values, counts
of referrers, date-times in UTC (D38), item paths whose parameter is not the kind's name,
bodies of several variants (D44), roaming operators (D45) and ranked tariff filters (D46)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from . import factories
from .conftest import Sim

pytestmark = pytest.mark.quick


def _made(api: httpx.Client, path: str, body: dict[str, Any]) -> int:
    response = api.post(path, json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["data"]["id"])


def _site(api: httpx.Client) -> tuple[int, int, int]:
    location = _made(api, "/locations/v2.0", factories.location(1))
    point = _made(api, "/charge-points/v2.0", factories.charge_point(location, 1))
    evse = _made(api, f"/charge-points/v2.0/{point}/evses", factories.evse(1))
    return location, point, evse


def test_a_reference_must_name_an_object_and_holds_it_while_it_does(api: httpx.Client) -> None:
    missing = api.post("/user-groups/v1.0", json={"name": "Staff", "partnerId": 999999})
    assert missing.status_code == 422
    assert "partnerId" in missing.json()["errors"]
    partner = _made(api, "/partners/v2.0", {"name": "Fleet"})
    group = _made(api, "/user-groups/v1.0", {"name": "Staff", "partnerId": partner})
    refused = api.delete(f"/partners/v2.0/{partner}")
    assert refused.status_code == 409
    assert "user groups" in refused.json()["message"]
    assert api.delete(f"/user-groups/v1.0/{group}").status_code == 204
    assert api.delete(f"/partners/v2.0/{partner}").status_code == 204


def test_a_list_of_evses_lets_go_of_a_deleted_evse(api: httpx.Client) -> None:
    location, point, evse = _site(api)
    space = _made(
        api, "/parking-spaces/v1.0", {"label": "P1", "locationId": location, "evses": [evse]}
    )
    shown = api.get(f"/parking-spaces/v1.0/{space}").json()["data"]
    assert shown["evses"] == [evse]
    assert (shown["status"], shown["occupancyStatus"]) == ("enabled", "unknown")  # defaults
    assert api.delete(f"/charge-points/v2.0/{point}/evses/{evse}").status_code == 204
    assert api.get(f"/parking-spaces/v1.0/{space}").json()["data"]["evses"] == []
    # The location is still held by its parking space.
    assert api.delete(f"/charge-points/v2.0/{point}").status_code == 204
    assert api.delete(f"/locations/v2.0/{location}").status_code == 409


def test_unique_values_are_refused_a_second_time(api: httpx.Client) -> None:
    tag = {"idTagUid": "04AA", "status": "enabled", "type": "rfid"}
    first = _made(api, "/id-tags/v2.0", tag)
    again = api.post("/id-tags/v2.0", json=tag)
    assert again.status_code == 422
    assert again.json()["errors"]["idTagUid"] == ["The id tag uid has already been taken."]
    # The object itself may keep its value on an update.
    same = api.patch(f"/id-tags/v2.0/{first}", json={"idTagUid": "04AA", "idLabel": "Van"})
    assert same.status_code == 200
    rate = {"base": "EUR", "target": "NOK", "rate": 11.5}
    _made(api, "/currency-rates/v1.0", rate)
    assert api.post("/currency-rates/v1.0", json=rate).status_code == 422


def test_a_utility_counts_the_rates_that_name_it(api: httpx.Client) -> None:
    utility = _made(api, "/utilities/v1.0", {"name": "Elvia"})
    body = {"name": "Night", "utilityId": utility, "defaultPrice": 0.1, "taxPercentage": None}
    _made(api, "/electricity-rates/v2.0", body)
    shown = api.get(f"/utilities/v1.0/{utility}").json()["data"]
    assert (shown["electricityRatesCount"], shown["chargePointsCount"]) == (1, 0)


def test_a_charge_point_names_an_existing_utility_and_holds_it(api: httpx.Client) -> None:
    location = _made(api, "/locations/v2.0", factories.location(1))
    missing = api.post("/charge-points/v2.0", json=factories.charge_point(location, utilityId=999))
    assert missing.status_code == 422
    assert list(missing.json()["errors"]) == ["utilityId"]
    utility = _made(api, "/utilities/v1.0", {"name": "Elvia"})
    point = _made(api, "/charge-points/v2.0", factories.charge_point(location, utilityId=utility))
    assert api.get(f"/utilities/v1.0/{utility}").json()["data"]["chargePointsCount"] == 1
    assert api.patch(f"/charge-points/v2.0/{point}", json={"utilityId": 999}).status_code == 422
    refused = api.delete(f"/utilities/v1.0/{utility}")
    assert refused.status_code == 409
    assert f"charge points {point}" in refused.json()["message"]
    # A PATCH that leaves the utility out keeps it; one that clears it lets the utility go.
    assert api.patch(f"/charge-points/v2.0/{point}", json={"name": "CP"}).status_code == 200
    assert api.delete(f"/utilities/v1.0/{utility}").status_code == 409
    assert api.patch(f"/charge-points/v2.0/{point}", json={"utilityId": None}).status_code == 200
    assert api.delete(f"/utilities/v1.0/{utility}").status_code == 204


def test_downtime_periods_cite_exempt_notices_and_show_times_in_utc(api: httpx.Client) -> None:
    _, point, _ = _site(api)
    downtime = _made(api, "/downtime-period-notices/v1.0", {"type": "downtime", "notice": "A"})
    exempt = _made(api, "/downtime-period-notices/v1.0", {"type": "exempt", "notice": "B"})
    period = {
        "chargePointId": point,
        "noticeId": downtime,
        "startedAt": "2026-03-01T10:00:00+02:00",
        "endedAt": "2026-03-01T12:00:00+02:00",
    }
    refused = api.post("/charge-point-downtime-periods/v1.0", json=period)
    assert refused.status_code == 422 and "noticeId" in refused.json()["errors"]
    made = _made(api, "/charge-point-downtime-periods/v1.0", {**period, "noticeId": exempt})
    shown = api.get(f"/charge-point-downtime-periods/v1.0/{made}").json()["data"]
    assert shown["startedAt"] == "2026-03-01T08:00:00+00:00"
    assert (shown["type"], shown["entryMode"]) == ("exempt", "manual")
    backwards = {**period, "noticeId": exempt, "endedAt": "2026-03-01T09:00:00+02:00"}
    assert api.post("/charge-point-downtime-periods/v1.0", json=backwards).status_code == 422
    assert api.delete(f"/downtime-period-notices/v1.0/{exempt}").status_code == 409


def test_item_paths_named_otherwise_than_the_kind(api: httpx.Client) -> None:
    vendor = _made(api, "/charge-point-vendors/v1.0", {"name": "ABB"})
    model = _made(api, "/charge-point-models/v1.0", {"name": "Terra", "vendorId": vendor})
    template = _made(api, "/configuration-templates/v1.0", {"name": "T", "ocppVersion": "ocpp 1.6"})
    assert api.get(f"/charge-point-vendors/v1.0/{vendor}").status_code == 200
    assert api.get(f"/charge-point-models/v1.0/{model}").status_code == 200
    assert api.get(f"/configuration-templates/v1.0/{template}").status_code == 200
    assert api.get(f"/charge-point-models/v1.0/{vendor}").status_code == 404
    listed = api.get("/charge-point-models/v1.0", params={"filter[vendorId]": vendor})
    assert [m["id"] for m in listed.json()["data"]] == [model]


TERMINAL = {"name": "Kiosk", "integrationId": 1, "operatorId": 1}


def test_a_payment_terminal_is_the_variant_its_type_names(api: httpx.Client) -> None:
    """D44: the discriminator picks the variant, so bodies valid under several (a strict
    oneOf refuses every Ampeco, Embedded or Windcave body) are taken; a read-only field a
    variant lists as required is not asked for; a field of another variant is not kept."""
    location, point, _ = _site(api)
    for kind in ("Ampeco", "Embedded", "Windcave"):
        made = api.post(
            "/payment-terminals/v1.0",
            json={**TERMINAL, "terminalType": kind, "chargePointId": point},
        )
        assert made.status_code == 200, made.text  # the document's create answers 200
    valina = {"terminalType": "Valina", "phone": "+47", "defaultLanguage": "en", "info": []}
    made = api.post("/payment-terminals/v1.0", json={**TERMINAL, **valina, "chargePointId": point})
    shown = made.json()["data"]
    assert shown["bundle"]["version"] and shown["adminToken"]  # server-set, as Valina shows
    crane = {**TERMINAL, "terminalType": "Crane", "chargePointId": point}
    missing = api.post("/payment-terminals/v1.0", json=crane)
    assert missing.json()["errors"] == {"serialNumber": ["The serialNumber field is required."]}
    crane = {**crane, "serialNumber": "C-1", "merchantAccount": "of Adyen terminals"}
    kept = api.post("/payment-terminals/v1.0", json=crane).json()["data"]
    assert "merchantAccount" not in kept and kept["serialNumber"] == "C-1"
    assert api.post("/payment-terminals/v1.0", json=crane).status_code == 422  # serial taken
    listed = api.get("/payment-terminals/v1.0", params={"filter[serialNumber]": "C-1"})
    assert [t["id"] for t in listed.json()["data"]] == [kept["id"]]
    # Leaving the variant's needs unmet, even by a change of type, is refused.
    changed = api.patch(f"/payment-terminals/v1.0/{kept['id']}", json={"terminalType": "Pax"})
    assert set(changed.json()["errors"]) == {"verificationCode", "defaultLanguage", "info"}
    assert api.delete(f"/charge-points/v2.0/{point}").status_code == 409  # D39
    del location


def test_a_terminal_is_on_a_zone_or_on_a_charge_point_unless_it_is_on_the_web(
    api: httpx.Client,
) -> None:
    location, point, _ = _site(api)
    zone = _made(
        api, f"/locations/v2.0/{location}/charging-zones", {"name": "L1", "status": "enabled"}
    )
    body = {**TERMINAL, "terminalType": "Ampeco"}
    neither = api.post("/payment-terminals/v1.0", json=body)
    assert list(neither.json()["errors"]) == ["chargingZoneId"]
    both = api.post(
        "/payment-terminals/v1.0", json={**body, "chargingZoneId": zone, "chargePointId": point}
    )
    assert list(both.json()["errors"]) == ["chargePointId"]
    on_zone = api.post("/payment-terminals/v1.0", json={**body, "chargingZoneId": zone})
    assert on_zone.status_code == 200
    assert api.delete(f"/locations/v2.0/{location}/charging-zones/{zone}").status_code == 409
    web = api.post("/payment-terminals/v1.0", json={**TERMINAL, "terminalType": "Web portal"})
    assert web.status_code == 200, web.text
    # A Payter terminal needs what one of its two shapes needs.
    payter = {**TERMINAL, "terminalType": "Payter", "serialNumber": "P-1", "defaultLanguage": "en"}
    assert (
        api.post("/payment-terminals/v1.0", json={**payter, "chargePointId": point}).status_code
        == 422
    )
    on_point = {**payter, "chargePointId": point, "preauthorizeAmount": 25}
    assert api.post("/payment-terminals/v1.0", json=on_point).status_code == 200


def test_a_roaming_provider_is_any_variant_its_fields_fit(api: httpx.Client) -> None:
    """No field names the variant: a Hubject body and an OCPI body are both taken (D44); a
    party, or a Hubject id, is one provider per platform (D45)."""
    partner = _made(api, "/partners/v2.0", {"name": "Roam"})
    ocpi = {"platformId": 1, "countryCode": "NO", "partyId": "EMP", "partnerId": partner}
    made = api.post("/roaming-providers/v2.0", json=ocpi)
    assert made.status_code == 201 and made.json()["data"]["role"] == "EMSP"
    assert api.post("/roaming-providers/v2.0", json=ocpi).status_code == 422
    assert api.post("/roaming-providers/v2.0", json={**ocpi, "platformId": 2}).status_code == 201
    hubject = {"platformId": 1, "hubjectId": "NO*EMP"}
    assert api.post("/roaming-providers/v2.0", json=hubject).status_code == 201
    assert api.post("/roaming-providers/v2.0", json={"partyId": "X"}).status_code == 422
    listed = api.get(
        "/roaming-providers/v2.0", params={"filter[partyId]": "EMP", "filter[platformId]": 2}
    )
    assert [p["platformId"] for p in listed.json()["data"]] == [2]
    assert api.delete(f"/partners/v2.0/{partner}").status_code == 409  # D39


def operator(sim: Sim, **fields: Any) -> int:
    """A roaming operator, brought in as a roaming connection would (D45)."""
    body = {"businessName": "Charge Net", "platformId": 1, "countryCode": "DE", "partyId": "CNT"}
    with sim.admin() as admin:
        made = admin.post("/roaming-operators", json={**body, **fields})
    assert made.status_code == 201, made.text
    return int(made.json()["data"]["id"])


def test_roaming_operators_come_from_the_tenant_and_are_only_read_and_changed(
    sim: Sim, api: httpx.Client
) -> None:
    assert api.post("/roaming-operators/v2.0", json={"businessName": "X"}).status_code == 405
    with sim.admin() as admin:
        assert admin.post("/roaming-operators", json=[1]).status_code == 422
    made = operator(sim)
    shown = api.get(f"/roaming-operators/v2.0/{made}").json()["data"]
    assert (shown["role"], shown["enabled"], shown["partyId"]) == ("CPO", True, "CNT")
    assert shown["cpoSettings"]["sendsPeriodicMeterUpdates"] is True  # documented default
    patch = {"partnerId": None, "cpoSettings": {"manualEvseManagement": True}}
    changed = api.patch(f"/roaming-operators/v2.0/{made}", json=patch).json()["data"]
    assert changed["enabled"] is False  # a null partner turns the operator off
    assert changed["cpoSettings"]["manualEvseManagement"] is True
    assert changed["cpoSettings"]["phaseAcPowerFormula"] == "amperage_voltage_3"
    assert [o["id"] for o in api.get("/roaming-operators/v2.0").json()["data"]] == [made]
    assert api.delete(f"/roaming-operators/v2.0/{made}").status_code == 405


def _filters(api: httpx.Client, path: str) -> list[str]:
    listed = api.get(path).json()["data"]
    return [f["name"] for f in sorted(listed, key=lambda f: f["order"])]


def test_custom_tariff_filters_keep_one_order(sim: Sim, api: httpx.Client) -> None:
    """D46: places 1, 2, …; last when no order is given; a taken place is made room for; a
    delete closes the gap; a reorder moves the filters it names, the rest keep their order."""
    path = f"/roaming-operators/v2.0/{operator(sim)}/custom-tariff-filters"
    ids = {n: _made(api, path, {"name": n, "status": "enabled"}) for n in "ABCD"}
    made = api.post(path, json={"name": "E", "status": "disabled", "order": 2}).json()["data"]
    ids["E"] = made["id"]
    assert made["order"] == 2 and made["applicableCurrentTypes"] == []
    assert _filters(api, path) == ["A", "E", "B", "C", "D"]
    assert api.patch(f"{path}/{ids['D']}", json={"order": 1}).json()["data"]["order"] == 1
    assert _filters(api, path) == ["D", "A", "E", "B", "C"]
    assert api.delete(f"{path}/{ids['A']}").status_code == 204
    assert _filters(api, path) == ["D", "E", "B", "C"]
    moves = {"filters": [{"id": ids["C"], "order": 1}, {"id": ids["D"], "order": 3}]}
    assert api.put(f"{path}/reorder", json=moves).json() == {
        "message": "Order updated successfully"
    }
    assert _filters(api, path) == ["C", "E", "D", "B"]
    bad = {"filters": [{"id": ids["A"], "order": 9}, {"id": ids["B"], "order": 9}]}
    errors = api.put(f"{path}/reorder", json=bad).json()["errors"]
    assert set(errors) == {"filters.0.id", "filters.0.order", "filters.1.order"}
    assert _filters(api, path) == ["C", "E", "D", "B"]
    enabled = api.get(path, params={"filter[status]": "disabled"}).json()["data"]
    assert [f["name"] for f in enabled] == ["E"]
    later = api.get(path, params={"filter[createdAfter]": "2999-01-01T00:00:00Z"})
    assert later.json()["data"] == []
    other = f"/roaming-operators/v2.0/{operator(sim)}/custom-tariff-filters"
    assert api.get(f"{other}/{ids['B']}").status_code == 404  # another operator's filter
