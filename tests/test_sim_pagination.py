"""Listings: cursor and page pagination over hundreds of objects, with filters."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from . import factories as f

pytestmark = pytest.mark.quick


def walk(api: httpx.Client, path: str, params: dict[str, Any]) -> tuple[list[int], int]:
    """Follow ``links.next`` from the first page; return the ids seen and the request count."""
    ids: list[int] = []
    response = api.get(path, params=params)
    requests = 1
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        ids += [o["id"] for o in body["data"]]
        following = body["links"]["next"]
        if following is None:
            return ids, requests
        response = api.get(following)
        requests += 1


@pytest.fixture
def locations(api: httpx.Client) -> list[dict[str, Any]]:
    created = []
    for n in range(260):
        body = f.location(n, country="SE" if n % 3 == 0 else "NO", tags=["north"] if n % 2 else [])
        created.append(api.post("/locations/v2.0", json=body).json()["data"])
    return created


def test_cursor_walk_over_260_locations(api: httpx.Client, locations: list[dict[str, Any]]) -> None:
    ids, requests = walk(api, "/locations/v2.0", {"per_page": 100})
    assert ids == [loc["id"] for loc in locations]  # ascending, no gaps, no duplicates
    assert requests == 3

    first = api.get("/locations/v2.0", params={"per_page": 100}).json()
    assert first["links"]["first"] is None and first["links"]["last"] is None  # D36
    assert first["links"]["prev"] is None and first["meta"]["prev_cursor"] is None
    assert first["meta"]["per_page"] == 100
    assert first["links"]["next"].endswith(first["meta"]["next_cursor"])

    second = api.get(first["links"]["next"]).json()
    assert second["meta"]["prev_cursor"] is not None
    back = api.get(second["links"]["prev"]).json()
    assert [o["id"] for o in back["data"]] == [o["id"] for o in first["data"]]


def test_cursor_links_keep_filters_and_page_size(
    api: httpx.Client, locations: list[dict[str, Any]]
) -> None:
    params = {"per_page": 25, "filter[country]": "SE", "filter[tag]": "north"}
    ids, requests = walk(api, "/locations/v2.0", params)
    expected = [loc["id"] for loc in locations if loc["country"] == "SE" and "north" in loc["tags"]]
    assert ids == expected
    assert requests == -(-len(expected) // 25)
    page = api.get("/locations/v2.0", params=params).json()
    query = parse_qs(urlsplit(page["links"]["next"]).query)
    assert query["per_page"] == ["25"]
    assert query["filter[country]"] == ["SE"]
    assert query["filter[tag]"] == ["north"]


def test_external_id_filter(api: httpx.Client, locations: list[dict[str, Any]]) -> None:
    found = api.get("/locations/v2.0", params={"filter[externalId]": "site-42"}).json()["data"]
    assert [loc["id"] for loc in found] == [locations[42]["id"]]
    assert api.get("/locations/v2.0", params={"filter[externalId]": "nope"}).json()["data"] == []


def test_unknown_filters_are_ignored(api: httpx.Client, locations: list[dict[str, Any]]) -> None:
    r = api.get("/locations/v2.0", params={"filter[colour]": "red", "per_page": 5})
    assert r.status_code == 200  # D24
    assert len(r.json()["data"]) == 5


@pytest.mark.parametrize("per_page", [0, 101, -3])
def test_per_page_out_of_range_is_422(api: httpx.Client, per_page: int) -> None:
    for path in ("/locations/v2.0", "/taxes/v2.0", "/tariffs/v1.0"):
        r = api.get(path, params={"per_page": per_page})
        assert r.status_code == 422  # D20
        assert "per_page" in r.json()["errors"]


def test_page_walk_over_250_taxes(api: httpx.Client) -> None:
    for n in range(250):
        assert api.post("/taxes/v2.0", json=f.tax(n)).status_code == 201
    first = api.get("/taxes/v2.0", params={"per_page": 100}).json()
    meta = first["meta"]
    assert (meta["current_page"], meta["last_page"], meta["total"]) == (1, 3, 251)  # + seeded
    assert (meta["from"], meta["to"]) == (1, 100)
    assert first["links"]["first"].endswith("page=1")
    assert first["links"]["last"].endswith("page=3")
    assert meta["links"][0]["label"] == "&laquo; Previous"
    assert meta["links"][-1]["label"] == "Next &raquo;"
    ids, requests = walk(api, "/taxes/v2.0", {"per_page": 100})
    assert requests == 3
    assert len(ids) == len(set(ids)) == 251
    assert ids == sorted(ids)
    third = api.get("/taxes/v2.0", params={"per_page": 100, "page": 3}).json()
    assert (third["meta"]["from"], third["meta"]["to"]) == (201, 251)
    assert third["links"]["next"] is None
    beyond = api.get("/taxes/v2.0", params={"page": 9}).json()
    assert beyond["data"] == [] and beyond["meta"]["from"] is None


def test_tariffs_page_by_default_and_cursor_on_request(api: httpx.Client) -> None:
    for n in range(120):
        api.post("/tariffs/v1.0", json=f.tariff(n, type="free" if n % 2 else "flat rate"))
    paged = api.get("/tariffs/v1.0").json()
    assert paged["meta"]["total"] == 120 and "current_page" in paged["meta"]
    cursor = api.get("/tariffs/v1.0?cursor=&per_page=50").json()
    assert "next_cursor" in cursor["meta"] and cursor["links"]["first"] is None
    ids, requests = walk(api, "/tariffs/v1.0", {"cursor": "", "per_page": 50})
    assert len(ids) == 120 and requests == 3
    free, _ = walk(api, "/tariffs/v1.0", {"filter[type]": "free", "per_page": 20})
    assert len(free) == 60


def test_child_filters(api: httpx.Client) -> None:
    loc_a = api.post("/locations/v2.0", json=f.location(1)).json()["data"]["id"]
    loc_b = api.post("/locations/v2.0", json=f.location(2)).json()["data"]["id"]
    zone = api.post(f"/locations/v2.0/{loc_a}/charging-zones", json=f.charging_zone()).json()
    cps = []
    for n in range(6):
        body = f.charge_point(loc_a if n < 4 else loc_b, n)
        if n < 2:
            body["chargingZoneId"] = zone["data"]["id"]
        cps.append(api.post("/charge-points/v2.0", json=body).json()["data"]["id"])
    by_location = api.get("/charge-points/v2.0", params={"filter[locationId]": loc_a}).json()
    assert [c["id"] for c in by_location["data"]] == cps[:4]
    by_zone = api.get(
        "/charge-points/v2.0", params={"filter[chargingZoneId]": zone["data"]["id"]}
    ).json()
    assert [c["id"] for c in by_zone["data"]] == cps[:2]
    for cp in cps:
        for n in (1, 2):
            api.post("/evses/v2.1", json=f.evse(n, chargePointId=cp, externalId=f"e-{cp}-{n}"))
    evses = api.get("/evses/v2.1", params={"filter[chargePointId]": cps[3]}).json()["data"]
    assert [e["networkId"] for e in evses] == ["1", "2"]
    assert all(e["chargePointId"] == cps[3] for e in evses)
    one = api.get("/evses/v2.1", params={"filter[externalId]": f"e-{cps[5]}-2"}).json()["data"]
    assert len(one) == 1 and one[0]["chargePointId"] == cps[5]


def test_last_updated_filters_are_inclusive(api: httpx.Client) -> None:
    created = api.post("/locations/v2.0", json=f.location()).json()["data"]
    stamp = created["lastUpdatedAt"]
    for name in ("lastUpdatedAfter", "lastUpdatedBefore"):
        found = api.get("/locations/v2.0", params={f"filter[{name}]": stamp}).json()["data"]
        assert [loc["id"] for loc in found] == [created["id"]]
    later = api.get(
        "/locations/v2.0", params={"filter[lastUpdatedAfter]": "2999-01-01T00:00:00Z"}
    ).json()["data"]
    assert later == []
    bad = api.get("/locations/v2.0", params={"filter[lastUpdatedAfter]": "yesterday"})
    assert bad.status_code == 422
    assert "filter.lastUpdatedAfter" in bad.json()["errors"]
