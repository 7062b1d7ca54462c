"""The simulator driven with generated hostile and odd requests, public and admin API: no
answer is a 5xx, every answer is a well-formed HTTP response with a JSON body where it has one,
and afterwards every collection still lists cleanly. Bounded: a few hundred requests."""

from __future__ import annotations

import json
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pulumi_ampeco.kinds import KINDS

from .conftest import API, Sim, http_client

#: Every collection without a parent in its path.
COLLECTIONS = sorted({kind.collection for kind in KINDS.values() if "{" not in kind.collection})
CONTENT_TYPES = [
    "application/json",
    "application/json; charset=utf-8",
    "application/json; charset=utf-16",
    "text/plain",
    None,
]
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
    max_leaves=12,
)


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    """JSON, JSON with hostile text spliced in, or bytes that are no JSON at all."""
    kind = draw(st.sampled_from(["json", "spliced", "deep", "bytes", "empty"]))
    if kind == "json":
        return json.dumps(draw(_json)).encode()
    if kind == "spliced":
        hostile = draw(st.sampled_from(['"\\ud800"', '"\\udfff x"', "NaN", "1e999", '"\\u0000"']))
        return json.dumps({"name": "X", "externalId": "X"}).replace('"X"', hostile, 1).encode()
    if kind == "deep":
        depth = draw(st.integers(30, 3000))
        return ("[" * depth + "]" * depth).encode()
    if kind == "bytes":
        return draw(st.binary(max_size=64))
    return b""


@st.composite
def public_requests(draw: st.DrawFn) -> tuple[str, str, list[tuple[str, Any]], bytes, str | None]:
    method = draw(st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]))
    path = draw(st.sampled_from(COLLECTIONS))
    if draw(st.booleans()):
        path += "/" + draw(st.sampled_from(["1", "0", "-1", "99999999999999999999", "x", "%00"]))
    query = draw(st.lists(st.tuples(_text, _text), max_size=3))
    if draw(st.integers(0, 9)) == 0:
        query += [("filter[name]", "a")] * 1100  # more parameters than any listing takes
    return method, path, query, draw(bodies()), draw(st.sampled_from(CONTENT_TYPES))


def _not_json(name: str) -> Any:
    raise AssertionError(f"{name} in a response: not JSON")


def _well_formed(response: httpx.Response) -> None:
    assert response.status_code < 500, (response.status_code, response.text[:300])
    if response.content and response.request.method != "HEAD":
        assert response.headers["content-type"].startswith("application/json")
        payload = json.loads(response.text, parse_constant=_not_json)
        if response.status_code >= 400:
            assert isinstance(payload.get("message"), str), payload


def _lists_cleanly(api: httpx.Client) -> None:
    for collection in COLLECTIONS:
        response = api.get(collection)
        assert response.status_code == 200, (collection, response.text[:300])
        assert isinstance(response.json()["data"], list)


@given(public_requests())
@FUZZ
def test_public_api_hostile_requests_get_client_errors_and_leave_the_data_listable(
    sim: Sim, request: tuple[str, str, list[tuple[str, Any]], bytes, str | None]
) -> None:
    method, path, query, body, content_type = request
    headers = {"Authorization": f"Bearer {sim.token}"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    with http_client(base_url=sim.base_url + API, timeout=10) as client:
        response = client.request(method, path, params=query, content=body, headers=headers)
    _well_formed(response)
    with sim.client() as api:
        _lists_cleanly(api)


_odd: st.SearchStrategy[Any] = st.sampled_from(
    [-1, 0, 1, 5, 10**9, 10**30, 1.5, True, None, "x", "", [], {}, "(a+)+$", "((ab)*c)*", "("]
)


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "method",
                "path",
                "status",
                "ghost",
                "drop",
                "latency_ms",
                "count",
                "fraction",
                "retry_after",
                "late_ms",
                "bogus",
            ]
        ),
        _odd,
        max_size=4,
    ),
    st.dictionaries(st.sampled_from(["limit", "window", "other"]), _odd, max_size=3),
    bodies(),
)
@FUZZ
def test_admin_api_odd_rules_and_limits_never_break_the_simulator(
    sim: Sim, rule: dict[str, Any], limit: dict[str, Any], raw: bytes
) -> None:
    with sim.admin() as admin:
        try:
            for response in (
                admin.post("/faults", json=rule),
                admin.put("/rate-limit", json=limit),
                admin.post("/faults", content=raw),
                admin.put("/rate-limit", content=raw),
            ):
                _well_formed(response)
        finally:
            admin.delete("/faults")
            admin.put("/rate-limit", json={"limit": 0, "window": 1})
        assert admin.get("/health").json() == {"status": "ok"}
