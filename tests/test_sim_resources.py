"""Every served resource: create, read, list, update and delete, and request validation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from . import factories as f

pytestmark = pytest.mark.quick


@dataclass
class Collection:
    """How to reach one resource kind in a fresh tenant."""

    name: str
    setup: Callable[[httpx.Client], str]  # creates parents, returns the collection path
    body: Callable[[], dict[str, Any]]
    update_verb: str
    update: dict[str, Any]
    required: tuple[str, ...]


def _location(api: httpx.Client) -> int:
    return int(api.post("/locations/v2.0", json=f.location()).json()["data"]["id"])


_serial = iter(range(1, 1_000_000))


def _charge_point(api: httpx.Client) -> int:
    r = api.post("/charge-points/v2.0", json=f.charge_point(_location(api), next(_serial)))
    return int(r.json()["data"]["id"])


def _evse_path(api: httpx.Client) -> str:
    cp = _charge_point(api)
    evse = api.post(f"/charge-points/v2.0/{cp}/evses", json=f.evse()).json()["data"]["id"]
    return f"/charge-points/v2.0/{cp}/evses/{evse}/connectors"


COLLECTIONS = [
    Collection(
        "location",
        lambda api: "/locations/v2.0",
        f.location,
        "PATCH",
        {"city": "Oslo", "tags": ["a"]},
        ("name", "geoposition", "address", "country"),
    ),
    Collection(
        "charging zone",
        lambda api: f"/locations/v2.0/{_location(api)}/charging-zones",
        f.charging_zone,
        "PATCH",
        {"status": "disabled"},
        ("name", "status"),
    ),
    Collection(
        "charge point",
        lambda api: "/charge-points/v2.0",
        lambda: {k: v for k, v in f.charge_point(0).items() if k != "locationId"},
        "PATCH",
        {"name": "Renamed"},
        ("name", "type", "status"),
    ),
    Collection(
        "nested evse",
        lambda api: f"/charge-points/v2.0/{_charge_point(api)}/evses",
        f.evse,
        "PATCH",
        {"label": "Left"},
        ("physicalReference", "currentType", "networkId", "status"),
    ),
    Collection(
        "evse v2.1",
        lambda api: "/evses/v2.1",
        f.evse,
        "PATCH",
        {"status": "disabled"},
        ("chargePointId", "physicalReference", "currentType", "networkId", "status"),
    ),
    Collection("connector", _evse_path, f.connector, "PATCH", {"status": "disabled"}, ("type",)),
    Collection(
        "tariff",
        lambda api: "/tariffs/v1.0",
        f.tariff,
        "PUT",
        {"name": "Renamed", "type": "flat rate", "pricing": {"pricePerSession": 3}},
        ("name", "type"),
    ),
    Collection(
        "tariff group",
        lambda api: "/tariff-groups/v1.0",
        f.tariff_group,
        "PUT",
        {"name": "Renamed"},
        ("name",),
    ),
    Collection(
        "tax",
        lambda api: "/taxes/v2.0",
        f.tax,
        "PATCH",
        {"percentage": 12.5},
        ("name", "percentage"),
    ),
    Collection(
        "tax identification number",
        lambda api: "/tax-identification-numbers/v2.0",
        f.tin,
        "PATCH",
        {"name": "SE 123"},
        ("name",),
    ),
    Collection(
        "currency",
        lambda api: "/currencies/v2.0",
        f.currency,
        "PATCH",
        {"alphabeticCode": "NOK", "decimal": 3},
        ("alphabeticCode",),
    ),
]


def assert_subset(actual: Any, expected: Any, where: str = "") -> None:
    """Every value that was sent comes back (objects may carry more keys)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), where
        for key, value in expected.items():
            assert key in actual, f"{where}.{key} missing"
            assert_subset(actual[key], value, f"{where}.{key}")
    else:
        assert actual == expected, where


def _body_for(kind: Collection, api: httpx.Client, collection: str) -> dict[str, Any]:
    body = kind.body()
    if kind.name == "charge point":
        body["locationId"] = _location(api)
    if kind.name == "evse v2.1":
        body["chargePointId"] = _charge_point(api)
    return body


@pytest.mark.parametrize("kind", COLLECTIONS, ids=[k.name for k in COLLECTIONS])
def test_crud_round_trip(api: httpx.Client, kind: Collection) -> None:
    collection = kind.setup(api)
    body = _body_for(kind, api, collection)

    created = api.post(collection, json=body)
    assert created.status_code == 201, created.text
    obj = created.json()["data"]
    assert isinstance(obj["id"], int)
    assert_subset(obj, body)
    item = f"{collection}/{obj['id']}"

    read = api.get(item)
    assert read.status_code == 200
    assert read.json()["data"] == obj

    listed = api.get(collection)
    assert listed.status_code == 200
    assert obj["id"] in [o["id"] for o in listed.json()["data"]]

    # A PUT sends the whole object: read, change, write back (read-only fields included).
    update = kind.update if kind.update_verb == "PATCH" else {**obj, **kind.update}
    updated = api.request(kind.update_verb, item, json=update)
    assert updated.status_code == 200, updated.text
    assert_subset(updated.json()["data"], kind.update)
    assert api.get(item).json()["data"] == updated.json()["data"]

    deleted = api.delete(item)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert api.get(item).status_code == 404
    assert api.delete(item).status_code == 404


@pytest.mark.parametrize("kind", COLLECTIONS, ids=[k.name for k in COLLECTIONS])
def test_missing_required_field_is_named(api: httpx.Client, kind: Collection) -> None:
    collection = kind.setup(api)
    body = _body_for(kind, api, collection)
    before = len(api.get(collection).json()["data"])  # seeded currency and tax included
    for field in kind.required:
        incomplete = {k: v for k, v in body.items() if k != field}
        r = api.post(collection, json=incomplete)
        assert r.status_code == 422, (field, r.text)
        payload = r.json()
        assert payload["message"] == "The given data was invalid."
        assert payload["errors"][field] == [f"The {field} field is required."]
    assert len(api.get(collection).json()["data"]) == before


@pytest.mark.parametrize(
    ("path", "body", "field", "message"),
    [
        (
            "/locations/v2.0",
            f.location(geoposition={"latitude": 91, "longitude": 0}),
            "geoposition.latitude",
            "The geoposition.latitude must be between -90 and 90.",
        ),
        (
            "/locations/v2.0",
            f.location(country="XX"),
            "country",
            "The selected country is invalid.",
        ),
        (
            "/locations/v2.0",
            f.location(parkingType="ROOFTOP"),
            "parkingType",
            "The selected parkingType is invalid.",
        ),
        (
            "/locations/v2.0",
            f.location(accessMethods=["OPEN", "TELEPATHY"]),
            "accessMethods.1",
            "The selected accessMethods.1 is invalid.",
        ),
        ("/locations/v2.0", f.location(name="Oslo"), "name", "The name must be an array."),
        (
            "/charge-points/v2.0",
            f.charge_point(1, status="broken"),
            "status",
            "The selected status is invalid.",
        ),
        (
            "/charge-points/v2.0",
            f.charge_point(1, name="x" * 256),
            "name",
            "The name must not be greater than 255 characters.",
        ),
        (
            "/tariffs/v1.0",
            f.tariff(pricing={"averagePowerIdleThreshold": 1e7}),
            "pricing.averagePowerIdleThreshold",
            "The pricing.averagePowerIdleThreshold must be between 0 and 999999.99.",
        ),
        ("/tariffs/v1.0", f.tariff(type="cheap"), "type", "The selected type is invalid."),
        (
            "/tariffs/v1.0",
            f.tariff(pricing={"pricePeriodInMinutes": 7}),
            "pricing.pricePeriodInMinutes",
            "The selected pricing.pricePeriodInMinutes is invalid.",
        ),
        ("/taxes/v2.0", f.tax(percentage="high"), "percentage", "The percentage must be a number."),
        (
            "/currencies/v2.0",
            f.currency("ZZZ"),
            "alphabeticCode",
            "The selected alphabeticCode is invalid.",
        ),
    ],
)
def test_schema_violations_are_422_with_the_field(
    api: httpx.Client, path: str, body: dict[str, Any], field: str, message: str
) -> None:
    r = api.post(path, json=body)
    assert r.status_code == 422, r.text
    assert message in r.json()["errors"][field]


def test_body_that_is_not_an_object_is_422(api: httpx.Client) -> None:
    for content in (b"[1, 2]", b"{not json"):  # NaN: test_sim_hostile (it names its field)
        r = api.post("/taxes/v2.0", content=content, headers={"Content-Type": "application/json"})
        assert r.status_code == 422
        assert "body" in r.json()["errors"]


def test_read_only_fields_sent_back_are_ignored(api: httpx.Client) -> None:
    created = api.post("/taxes/v2.0", json=f.tax()).json()["data"]
    echoed = {
        **created,
        "id": 999999,
        "lastUpdatedAt": "2001-01-01T00:00:00+00:00",
        "percentage": 10,
    }
    updated = api.patch(f"/taxes/v2.0/{created['id']}", json=echoed).json()["data"]
    assert updated["id"] == created["id"]
    assert updated["percentage"] == 10
    assert updated["lastUpdatedAt"] != "2001-01-01T00:00:00+00:00"


def test_patch_is_partial_and_null_clears(api: httpx.Client) -> None:
    loc = api.post(
        "/locations/v2.0", json=f.location(city="Oslo", parkingType="PARKING_LOT", tags=["a"])
    ).json()["data"]
    r = api.patch(f"/locations/v2.0/{loc['id']}", json={"parkingType": None, "tags": ["b"]})
    data = r.json()["data"]
    assert data["city"] == "Oslo"
    assert "parkingType" not in data  # cleared values are left out of reads
    assert data["tags"] == ["b"]
    assert data["name"] == loc["name"]


def test_put_replaces_and_resets_omitted_fields(api: httpx.Client) -> None:
    # D33 and the documented locale rule of tariff translations.
    body = f.tariff(
        description={"en": "Price", "nb-NO": "Pris"},
        externalId="t-1",
        stopSession={"timeLimitMinutes": 60, "stopWhenEnergyExceedsKwh": None},
    )
    tariff = api.post("/tariffs/v1.0", json=body).json()["data"]
    assert tariff["currency"] == "EUR"
    replaced = api.put(
        f"/tariffs/v1.0/{tariff['id']}",
        json={"name": "Tariff 1", "type": "flat rate", "description": {"en": "Price"}},
    ).json()["data"]
    assert replaced["description"] == {"en": "Price"}
    assert replaced["externalId"] is None
    assert replaced["stopSession"] == {"timeLimitMinutes": None, "stopWhenEnergyExceedsKwh": None}
    r = api.put(f"/tariffs/v1.0/{tariff['id']}", json={"name": "no type"})
    assert r.status_code == 422
    assert "type" in r.json()["errors"]


def test_server_managed_values(api: httpx.Client) -> None:
    loc = api.post("/locations/v2.0", json=f.location()).json()["data"]
    assert loc["status"] == "enabled"  # D19
    assert loc["roamingOperatorId"] is None  # D18
    cp = api.post("/charge-points/v2.0", json=f.charge_point(loc["id"])).json()["data"]
    assert cp["communicationMode"] == "direct_ocpp"  # D15
    assert cp["networkStatus"] == "never_connected"  # D16
    assert cp["security"]["currentProfile"] == 0
    assert "hardwareStatus" not in cp
    assert "firstContactAt" not in cp
    assert "roamingOperatorId" not in cp
    unmanaged = api.post(
        "/charge-points/v2.0",
        json=f.charge_point(loc["id"], 2, managedByOperator=False),
    ).json()["data"]
    assert unmanaged["communicationMode"] == "none"  # D15
    evse = api.post(f"/charge-points/v2.0/{cp['id']}/evses", json=f.evse()).json()["data"]
    assert evse["hardwareStatus"] is None  # D17
    assert "tariffGroupId" not in evse  # D14
    assert "chargePointId" not in evse  # nested reads do not carry it
    top = api.get(f"/evses/v2.1/{evse['id']}").json()["data"]
    assert top["chargePointId"] == cp["id"]
    booked = api.patch(f"/evses/v2.1/{evse['id']}", json={"bookingEnabled": True}).json()["data"]
    assert booked["allowsReservation"] is True


def test_includes(api: httpx.Client) -> None:
    loc = api.post("/locations/v2.0", json=f.location()).json()["data"]
    zone = api.post(f"/locations/v2.0/{loc['id']}/charging-zones", json=f.charging_zone())
    plain = api.get(f"/locations/v2.0/{loc['id']}").json()["data"]
    assert "chargingZones" not in plain  # D35
    included = api.get(
        f"/locations/v2.0/{loc['id']}", params={"include[]": ["chargingZones", "images"]}
    ).json()["data"]
    assert included["chargingZones"] == [zone.json()["data"]]
    assert included["images"] == []
    r = api.get(f"/locations/v2.0/{loc['id']}", params={"include[]": "everything"})
    assert r.status_code == 422  # D24
    assert "include.0" in r.json()["errors"]
    cp = api.post("/charge-points/v2.0", json=f.charge_point(loc["id"])).json()["data"]
    evse = api.post(f"/charge-points/v2.0/{cp['id']}/evses", json=f.evse()).json()["data"]
    conn = api.post(
        f"/charge-points/v2.0/{cp['id']}/evses/{evse['id']}/connectors", json=f.connector()
    ).json()["data"]
    with_connectors = api.get(
        f"/evses/v2.1/{evse['id']}", params={"include[]": "connectors"}
    ).json()["data"]
    assert with_connectors["connectors"] == [conn]


def test_connector_listing_is_a_plain_array(api: httpx.Client) -> None:
    path = _evse_path(api)
    for connector_type in ("type2", "schuko"):
        api.post(path, json=f.connector(type=connector_type))
    body = api.get(path).json()
    assert set(body) == {"data"}
    assert [c["type"] for c in body["data"]] == ["type2", "schuko"]
    assert all(c["status"] == "enabled" for c in body["data"])


def test_children_under_the_wrong_parent_are_not_found(api: httpx.Client) -> None:
    path = _evse_path(api)
    connector = api.post(path, json=f.connector()).json()["data"]
    other_cp = _charge_point(api)
    evse_id = path.split("/")[4]
    assert api.get(f"/charge-points/v2.0/{other_cp}/evses/{evse_id}").status_code == 404
    assert (
        api.get(
            f"/charge-points/v2.0/{other_cp}/evses/{evse_id}/connectors/{connector['id']}"
        ).status_code
        == 404
    )
    assert api.get(f"{path}/{connector['id']}").status_code == 200


def test_currency_is_wrapped_and_named(api: httpx.Client) -> None:
    created = api.post("/currencies/v2.0", json=f.currency("NOK"))
    assert created.status_code == 201
    data = created.json()["data"]  # D21
    assert data["name"] == "NOK (Norwegian Krone)"
    assert data["numericCode"] == "578"
    r = api.patch(f"/currencies/v2.0/{data['id']}", json={"alphabeticCode": "SEK"})
    assert r.status_code == 422  # D29
    assert "alphabeticCode" in r.json()["errors"]


def test_settings_name_the_seeded_base_currency_and_default_tax(api: httpx.Client) -> None:
    settings = api.get("/settings/v1.0").json()["data"]
    currency = api.get(f"/currencies/v2.0/{settings['baseCurrency']['id']}").json()["data"]
    assert currency["alphabeticCode"] == "EUR"
    tax = api.get(f"/taxes/v2.0/{settings['defaultTax']['id']}")
    assert tax.status_code == 200


def test_undeclared_fields_are_not_stored(api: httpx.Client) -> None:
    created = api.post("/locations/v2.0", json=f.location(colour="red")).json()["data"]
    assert "colour" not in created
    patched = api.patch(f"/locations/v2.0/{created['id']}", json={"colour": "blue", "city": "X"})
    assert "colour" not in patched.json()["data"]
    # Free-form objects keep what they are given.
    tariff = api.post("/tariffs/v1.0", json=f.tariff(description={"en": "a", "xx-YY": "b"}))
    assert tariff.json()["data"]["description"] == {"en": "a", "xx-YY": "b"}


def test_filter_on_a_server_default(api: httpx.Client) -> None:
    loc = api.post("/locations/v2.0", json=f.location()).json()["data"]["id"]
    managed = api.post("/charge-points/v2.0", json=f.charge_point(loc, 1)).json()["data"]
    unmanaged = api.post(
        "/charge-points/v2.0", json=f.charge_point(loc, 2, managedByOperator=False)
    ).json()["data"]
    for value, expected in (("true", managed), ("false", unmanaged)):
        found = api.get("/charge-points/v2.0", params={"filter[managedByOperator]": value})
        assert [c["id"] for c in found.json()["data"]] == [expected["id"]]


def test_index_style_array_parameters(api: httpx.Client) -> None:
    loc = api.post("/locations/v2.0", json=f.location()).json()["data"]["id"]
    zone = api.post(f"/locations/v2.0/{loc}/charging-zones", json=f.charging_zone()).json()
    r = api.get(f"/locations/v2.0/{loc}", params={"include[0]": "chargingZones"})
    assert r.status_code == 200
    assert r.json()["data"]["chargingZones"] == [zone["data"]]


@pytest.mark.parametrize(
    "query",
    [
        {"filter[chargePointId]": "\u00b2"},
        {"filter[lastUpdatedAfter]": "2024-01-01T00:00:00z"},
        {"filter[lastUpdatedAfter]": "2024-01-01T00:00:00.1234+02:00"},
    ],
)
def test_unusual_but_valid_filter_values(api: httpx.Client, query: dict[str, str]) -> None:
    r = api.get("/evses/v2.1", params=query)
    assert r.status_code == 200
    assert r.json()["data"] == []


def test_non_ascii_digits_name_no_object(api: httpx.Client) -> None:
    assert api.get("/taxes/v2.0/\u00b2").status_code == 404
    assert api.get("/taxes/v2.0/\u0661").status_code == 404
