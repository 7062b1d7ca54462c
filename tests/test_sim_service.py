"""Authentication, throttling, fault injection, the request log and the admin API."""

from __future__ import annotations

import json
import socket
import time
from typing import Any

import httpx
import pytest

from ampeco_sim import RunningSimulator, Simulator, SimulatorConfig

from . import factories as f
from .conftest import API, Sim, http_client

JSON = {"Content-Type": "application/json"}


def test_missing_or_wrong_token_is_401(sim: Sim) -> None:
    for token in ("", "wrong"):
        with sim.client(token=token) as client:
            r = client.get("/locations/v2.0")
            assert r.status_code == 401
            assert r.json() == {"message": "Unauthenticated."}
    with http_client(base_url=sim.base_url) as raw:
        r = raw.get("/public-api/resources/locations/v2.0", headers={"Authorization": "Basic x"})
        assert r.status_code == 401


def test_unknown_route_and_method_are_json(api: httpx.Client) -> None:
    r = api.get("/parking-lots/v9")
    assert r.status_code == 404 and r.headers["content-type"] == "application/json"
    r = api.put("/locations/v2.0")
    assert r.status_code == 405 and "message" in r.json()


def test_rate_limit_headers_and_429(sim: Sim, api: httpx.Client) -> None:
    with sim.admin() as admin:
        admin.put("/rate-limit", json={"limit": 3, "window": 2})
    seen = [api.get("/taxes/v2.0") for _ in range(4)]
    assert [r.status_code for r in seen] == [200, 200, 200, 429]
    assert [r.headers["X-RateLimit-Remaining"] for r in seen] == ["2", "1", "0", "0"]
    assert all(r.headers["X-RateLimit-Limit"] == "3" for r in seen)
    limited = seen[-1]
    assert limited.json()["message"] == "Too Many Attempts."
    assert 1 <= int(limited.headers["Retry-After"]) <= 2
    assert int(limited.headers["X-RateLimit-Reset"]) >= int(time.time())
    with sim.client(token="") as other:
        assert other.get("/taxes/v2.0").status_code == 401  # no token: no quota used
    time.sleep(int(limited.headers["Retry-After"]))
    assert api.get("/taxes/v2.0").status_code == 200


def test_error_faults_count_and_match(sim: Sim, api: httpx.Client) -> None:
    sim.fault(method="POST", path="/taxes", status=503, count=2)
    statuses = [api.post("/taxes/v2.0", json=f.tax(n)).status_code for n in range(3)]
    assert statuses == [503, 503, 201]
    assert api.get("/taxes/v2.0").json()["meta"]["total"] == 2  # seeded + one created
    sim.fault(path="/locations", status=429, retry_after=7, count=1)
    r = api.get("/locations/v2.0")
    assert r.status_code == 429 and r.headers["Retry-After"] == "7"
    assert api.get("/locations/v2.0").status_code == 200


def test_ghost_write_commits_then_drops(sim: Sim, api: httpx.Client) -> None:
    sim.fault(method="POST", path="/locations/v2.0$", ghost=True, count=1)
    with pytest.raises(httpx.RemoteProtocolError):
        api.post("/locations/v2.0", json=f.location(7))
    found = api.get("/locations/v2.0", params={"filter[externalId]": "site-7"}).json()["data"]
    assert len(found) == 1  # the write happened although no answer came
    log = sim.requests()
    assert [(e["method"], e["outcome"]) for e in log[:1]] == [("POST", "ghost")]


def test_drop_fault_does_nothing(sim: Sim, api: httpx.Client) -> None:
    sim.fault(method="POST", drop=True, count=1)
    with pytest.raises(httpx.RemoteProtocolError):
        api.post("/locations/v2.0", json=f.location())
    assert api.get("/locations/v2.0").json()["data"] == []


def test_latency_fault(sim: Sim, api: httpx.Client) -> None:
    sim.fault(method="GET", path="/taxes", latency_ms=300, count=1)
    started = time.perf_counter()
    assert api.get("/taxes/v2.0").status_code == 200
    slow = time.perf_counter() - started
    started = time.perf_counter()
    api.get("/taxes/v2.0")
    assert slow >= 0.3 > time.perf_counter() - started


def test_fraction_fault_hits_some(sim: Sim, api: httpx.Client) -> None:
    sim.fault(method="GET", path="/taxes", status=500, fraction=0.5)
    statuses = [api.get("/taxes/v2.0").status_code for _ in range(40)]
    assert 5 < statuses.count(500) < 35
    assert set(statuses) == {200, 500}


def test_bad_fault_rules_are_refused(sim: Sim) -> None:
    with sim.admin() as admin:
        for rule in (
            {"status": 418},
            {"fraction": 0},
            {"color": "red"},
            {"path": "("},
            {"status": 503, "ghost": True},
        ):
            r = admin.post("/faults", json=rule)
            assert r.status_code == 422, rule
        assert admin.get("/faults").json()["data"] == []


def test_request_log_counts_calls(sim: Sim, api: httpx.Client) -> None:
    api.post("/taxes/v2.0", json=f.tax())
    api.get("/taxes/v2.0", params={"per_page": 5})
    log = sim.requests()
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("POST", "/public-api/resources/taxes/v2.0", 201),
        ("GET", "/public-api/resources/taxes/v2.0", 200),
    ]
    assert log[1]["query"] == "per_page=5" and log[1]["operation"] == "taxesListing"
    assert sim.token not in str(log)
    with sim.admin() as admin:
        assert admin.delete("/requests").status_code == 204
    assert sim.requests() == []


def test_reset_returns_to_a_new_tenant(sim: Sim, api: httpx.Client) -> None:
    api.post("/locations/v2.0", json=f.location())
    sim.fault(status=500)
    with sim.admin() as admin:
        assert admin.post("/reset").status_code == 204
        assert admin.get("/faults").json()["data"] == []
    assert api.get("/locations/v2.0").json()["data"] == []
    assert api.get("/currencies/v2.0").json()["meta"]["total"] == 1


def test_http_level_errors_are_json(sim: Sim, api: httpx.Client) -> None:
    head = api.head("/taxes/v2.0")
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) == len(api.get("/taxes/v2.0").content)
    options = api.options("/taxes/v2.0")
    assert options.status_code == 405 and "message" in options.json()
    host, port = sim.base_url.removeprefix("http://").split(":")
    for request, status in (
        (
            b"POST /public-api/resources/taxes/v2.0 HTTP/1.1\r\nHost: x\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            411,
        ),
        (
            b"POST /public-api/resources/taxes/v2.0 HTTP/1.1\r\nHost: x\r\n"
            b"Content-Length: abc\r\n\r\n",
            400,
        ),
        (
            b"POST /public-api/resources/taxes/v2.0 HTTP/1.1\r\nHost: x\r\n"
            b"Content-Length: 99999999999\r\n\r\n",
            413,
        ),
    ):
        with socket.create_connection((host, int(port)), timeout=5) as conn:
            conn.sendall(request)
            answer = b""
            while chunk := conn.recv(65536):
                answer += chunk
        head_part, _, body = answer.partition(b"\r\n\r\n")
        assert head_part.startswith(f"HTTP/1.1 {status}".encode()), head_part
        assert b"Content-Type: application/json" in head_part
        assert "message" in json.loads(body)


def test_admin_api_rejects_bad_input(sim: Sim) -> None:
    with sim.admin() as admin:
        for rule in ({"method": 5}, {"count": "two"}, {"ghost": "yes"}, [1, 2], "x"):
            assert admin.post("/faults", json=rule).status_code == 422, rule
        for limits in ({"limit": 5, "window": "abc"}, {"limit": -1}, {"limit": True}, []):
            assert admin.put("/rate-limit", json=limits).status_code == 422, limits
        assert admin.post("/faults", content=b"{oops").status_code == 400
        assert admin.get("/health").json() == {"status": "ok"}


def test_request_log_keeps_write_bodies_without_secrets(sim: Sim, api: httpx.Client) -> None:
    loc = api.post("/locations/v2.0", json=f.location()).json()["data"]["id"]
    body = f.charge_point(
        loc, network={"id": "N-1", "password": "hunter2"}, type="personal", pin="1234"
    )
    api.post("/charge-points/v2.0", json=body)
    logged = sim.requests()[-1]["body"]
    assert logged["network"] == {"id": "N-1", "password": "***"} and logged["pin"] == "***"
    assert "hunter2" not in str(sim.requests())


def _log(base_url: str) -> dict[str, Any]:
    """``GET /_sim/requests``: the entries and how full the log is."""
    with http_client(base_url=base_url + "/_sim", timeout=30) as admin:
        return admin.get("/requests").json()  # type: ignore[no-any-return]


def test_large_rejected_bodies_are_logged_by_their_length_only(sim: Sim, api: httpx.Client) -> None:
    nine_mb = 9 * 1024 * 1024
    huge = f.location(country=5, name=[{"locale": "en", "translation": "x" * nine_mb}])
    bodies = [json.dumps(huge).encode(), b"{" * nine_mb]  # a country that is a number; not JSON
    for n in range(5):
        response = api.post("/locations/v2.0", content=bodies[n % 2], headers=JSON)
        assert response.status_code == 422
    log = _log(sim.base_url)
    assert [(e["status"], e["body"], e["bodyOmitted"]) for e in log["data"]] == [
        (422, None, True)
    ] * 5
    assert all(e["bodyBytes"] >= nine_mb for e in log["data"])
    meta = log["meta"]
    assert meta["entries"] == 5 and meta["bodyLimit"] == 65536
    assert meta["bytes"] <= 5 * 1024  # five entries' paths and bookkeeping; no body
    assert meta["maxBytes"] == 64 * 1024 * 1024 and meta["maxEntries"] == 100_000


def test_the_request_log_drops_its_oldest_entries_past_its_bytes() -> None:
    simulator = Simulator(
        SimulatorConfig(tokens=("t",), rate_limit=0, log_bytes=300_000, log_size=1000)
    )
    with RunningSimulator(simulator) as running:
        with http_client(
            base_url=running.base_url + API, headers={"Authorization": "Bearer t"}, timeout=30
        ) as api:
            sent = [
                f.location(n, country=5, name=[{"locale": "en", "translation": "x" * (60_000 + n)}])
                for n in range(10)
            ]
            for body in sent:  # each just under the body limit: kept whole while it is logged
                assert api.post("/locations/v2.0", json=body).status_code == 422
            over = f.location(country=5, name=[{"locale": "en", "translation": "x" * 65_536}])
            raw = json.dumps(over).encode()
            assert api.post("/locations/v2.0", content=raw, headers=JSON).status_code == 422
        log = _log(running.base_url)
    meta = log["meta"]
    assert meta["bytes"] <= 300_000 and meta["maxBytes"] == 300_000
    kept = log["data"]
    assert 3 <= len(kept) < 11 and meta["entries"] == len(kept)  # the oldest were dropped
    assert [e["body"] for e in kept[:-1]] == sent[-(len(kept) - 1) :]
    assert kept[-1]["body"] is None and kept[-1]["bodyOmitted"] is True
    assert kept[-1]["bodyBytes"] == len(raw)


def test_the_request_log_holds_at_most_its_count() -> None:
    simulator = Simulator(SimulatorConfig(tokens=("t",), rate_limit=0, log_size=3))
    with RunningSimulator(simulator) as running:
        with http_client(base_url=running.base_url + API, timeout=10) as anonymous:
            for n in range(5):
                anonymous.get(f"/taxes/v2.0?n={n}")
        log = _log(running.base_url)
    assert [e["query"] for e in log["data"]] == ["n=2", "n=3", "n=4"]
    assert log["meta"]["entries"] == 3
