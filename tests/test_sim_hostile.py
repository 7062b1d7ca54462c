"""Hostile and odd requests get a client error with AMPECO's error shape, never a 5xx, and
leave nothing behind: the collection still lists cleanly afterwards."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from .conftest import Sim

LOCATIONS = "/locations/v2.0"
LOCATION: dict[str, Any] = {
    "name": [{"locale": "en", "translation": "Depot"}],
    "address": [{"locale": "en", "translation": "Street 1"}],
    "country": "NO",
    "geoposition": {"latitude": 59.9, "longitude": 10.7},
}
JSON = {"Content-Type": "application/json"}


def _text(value: str) -> bytes:
    return (
        json.dumps({**LOCATION, "name": [{"locale": "en", "translation": "X"}]})
        .replace('"X"', value)
        .encode()
    )


@pytest.mark.parametrize(
    ("content", "headers", "status", "words"),
    [
        (_text('"\\ud800"'), JSON, 422, "not valid Unicode"),  # half a surrogate pair
        (_text('"a\\udc00b"'), JSON, 422, "not valid Unicode"),
        (
            json.dumps({**LOCATION, "tags": json.loads("[" * 500 + "]" * 500)}).encode(),
            JSON,
            422,
            "nested more than 32 levels deep",
        ),
        (b"[" * 100_000, JSON, 422, "valid JSON in UTF-8"),
        (json.dumps(LOCATION).encode("utf-16"), JSON, 422, "valid JSON in UTF-8"),
        (json.dumps(LOCATION).encode(), {"Content-Type": "text/plain"}, 415, "application/json"),
        (json.dumps(LOCATION).encode(), {}, 415, "application/json"),
        (
            json.dumps(LOCATION).encode(),
            {"Content-Type": "application/json; charset=utf-16"},
            415,
            "UTF-8",
        ),
        (b'{"country": NaN}', JSON, 422, "valid JSON in UTF-8"),
    ],
)
def test_a_body_the_tenant_would_not_take_is_refused_and_nothing_is_stored(
    sim: Sim, api: httpx.Client, content: bytes, headers: dict[str, str], status: int, words: str
) -> None:
    response = api.post(LOCATIONS, content=content, headers=headers)
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body["message"], str)
    shown = json.dumps(body)
    assert words in shown, shown
    listing = api.get(LOCATIONS)
    assert listing.status_code == 200 and listing.json()["data"] == []
    # The request log holds the refused request without choking on its body.
    assert sim.requests()[-2]["status"] == status


def test_a_query_with_too_many_parameters_is_refused(api: httpx.Client) -> None:
    response = api.get(LOCATIONS + "?" + "&".join(["filter[name]=a"] * 2000))
    assert response.status_code == 400
    assert "at most 100" in response.json()["message"]


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "PROPFIND"])
def test_a_method_the_server_does_not_serve_is_405_with_allow(sim: Sim, method: str) -> None:
    with httpx.Client(base_url=sim.base_url, timeout=10) as client:
        response = client.request(method, "/public-api/resources" + LOCATIONS)
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE"
    assert response.json() == {"message": "Method not allowed."}


def test_valid_json_with_a_charset_is_still_taken(api: httpx.Client) -> None:
    response = api.post(
        LOCATIONS,
        content=json.dumps(LOCATION).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 201, response.text
