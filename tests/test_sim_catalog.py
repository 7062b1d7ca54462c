"""The catalogued collections of the simulator (``ampeco_sim.catalog``) over sockets: references
checked on write and holding their target (D39), lists of ids letting go, unique values, counts
of referrers, date-times in UTC (D38), and item paths whose parameter is not the kind's name."""

from __future__ import annotations

from typing import Any

import httpx

from . import factories


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
