"""AmpecoClient against the simulator over real sockets; the simulator's faults drive failures."""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from ampeco_sim import RunningSimulator, Simulator, SimulatorConfig
from pulumi_ampeco import throttle
from pulumi_ampeco.client import AmpecoClient, encode_params, normalise_base_url
from pulumi_ampeco.config import ClientSettings
from pulumi_ampeco.errors import (
    AmbiguousCreateError,
    ApiError,
    AuthenticationError,
    ConfigurationError,
    ConflictError,
    DuplicateObjectsError,
    InvalidRequestError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    TransportError,
)
from pulumi_ampeco.lookup import Lookup

from . import factories as f
from .conftest import http_client

pytestmark = pytest.mark.quick

#: A token nobody could mistake; no log record, exception or repr may ever contain it.
SECRET = "tok-SECRET-7f3a9c1e5d"


@dataclass
class FakeTime:
    """A clock that only moves when the client sleeps: waits are recorded, not waited."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@dataclass
class SimTenant:
    simulator: Simulator
    base_url: str
    seen: list[object]  # exceptions and objects whose text must not hold the token

    def client(self, settings: ClientSettings | None = None, **kwargs: Any) -> AmpecoClient:
        client = AmpecoClient(self.base_url, SECRET, settings, **kwargs)
        self.seen.append(client)
        return client

    def fault(self, **rule: Any) -> None:
        with http_client(self.base_url) as admin:
            admin.post("/_sim/faults", json=rule).raise_for_status()

    def log(self) -> list[dict[str, Any]]:
        return self.simulator.requests()

    def calls(self, method: str | None = None) -> int:
        return sum(1 for e in self.log() if method is None or e["method"] == method)

    def insert(self, kind: str, bodies: list[dict[str, Any]]) -> None:
        with self.simulator.store.transaction() as tx:
            for body in bodies:
                tx.insert(kind, body)


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def tenant(caplog: pytest.LogCaptureFixture) -> Iterator[SimTenant]:
    """A fresh simulator accepting ``SECRET``; after the test, the token must appear in no log
    record (at DEBUG, every logger) and in no exception or object the test collected."""
    records = _Records()
    root = logging.getLogger()
    root.addHandler(records)
    old_level = root.level
    root.setLevel(logging.DEBUG)
    simulator = Simulator(SimulatorConfig(tokens=(SECRET,), rate_limit=0, fault_seed=3))
    throttle.forget_all()  # a reused port must not inherit an earlier tenant's throttle
    seen: list[object] = []
    try:
        with RunningSimulator(simulator) as running:
            yield SimTenant(simulator, running.base_url, seen)
    finally:
        root.removeHandler(records)
        root.setLevel(old_level)
    texts = [r.getMessage() for r in records.records]
    texts += [str(r.args) for r in records.records]
    for obj in seen:
        texts += reachable_texts(obj)
    leaks = [t for t in texts if SECRET in t]
    assert leaks == [], "the API token leaked"
    if simulator.requests():
        assert records.records, "requests were sent but nothing was logged: the check saw nothing"


def reachable_texts(obj: object) -> list[str]:
    """The text of an object and of everything an exception chain lets a caller reach: chained
    exceptions, and the requests (with their headers) that httpx exceptions keep."""
    texts: list[str] = []
    stack, seen = [obj], set()
    while stack:
        item = stack.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        texts += [repr(item), str(item)]
        if isinstance(item, BaseException):
            stack += [item.__cause__, item.__context__, *item.args]
            request = getattr(item, "_request", None)
            if isinstance(request, httpx.Request):
                texts.append(str(dict(request.headers.raw)))
        for value in getattr(item, "__dict__", {}).values():
            if isinstance(value, (BaseException, httpx.Request)):
                stack.append(value)
            if isinstance(value, httpx.Request):
                texts.append(str(dict(value.headers.raw)))
    return texts


def quick(**overrides: Any) -> ClientSettings:
    return ClientSettings(
        **{"backoff_base": 0.5, "backoff_max": 8.0, "settle_time": 0.2, **overrides}
    )


# --- retries -------------------------------------------------------------------------------


def test_429_storm_honours_retry_after(tenant: SimTenant) -> None:
    tenant.fault(method="GET", path="/taxes", status=429, retry_after=3, count=4)
    time = FakeTime()
    client = tenant.client(quick(), sleep=time.sleep, clock=time.clock)
    taxes = list(client.list("/taxes/v2.0"))
    assert [t["name"] for t in taxes] == ["Default VAT"]
    assert time.sleeps == [3, 3, 3, 3]
    assert tenant.calls("GET") == 5
    assert client.stats.by_method() == {"GET": 5}


def test_429_gives_up_after_max_retries(tenant: SimTenant) -> None:
    tenant.fault(method="GET", status=429, retry_after=1)
    time = FakeTime()
    client = tenant.client(quick(max_retries=2), sleep=time.sleep, clock=time.clock)
    with pytest.raises(RateLimitedError) as caught:
        client.get("/taxes/v2.0/40")
    tenant.seen.append(caught.value)
    assert caught.value.attempts == 3 and caught.value.status == 429
    assert caught.value.retry_after == 1
    assert "after 3 attempts" in str(caught.value)
    assert tenant.calls() == 3


def test_503_burst_backs_off_exponentially(tenant: SimTenant) -> None:
    tenant.fault(method="GET", status=503, count=3)
    time = FakeTime()
    client = tenant.client(quick(), sleep=time.sleep, clock=time.clock)
    assert client.get("/taxes/v2.0/40")["name"] == "Default VAT"
    assert len(time.sleeps) == 3
    for attempt, slept in enumerate(time.sleeps, start=1):
        ceiling = 0.5 * 2 ** (attempt - 1)
        assert ceiling / 2 <= slept <= ceiling
    assert tenant.calls() == 4


def test_retries_stop_at_the_deadline(tenant: SimTenant) -> None:
    tenant.fault(method="GET", status=502)
    time = FakeTime()
    client = tenant.client(
        quick(max_retries=50, retry_deadline=5.0), sleep=time.sleep, clock=time.clock
    )
    with pytest.raises(ServerError) as caught:
        client.get("/taxes/v2.0/40")
    tenant.seen.append(caught.value)
    assert sum(time.sleeps) <= 5.0
    assert 3 <= tenant.calls() < 50


def test_put_patch_delete_are_retried_too(tenant: SimTenant) -> None:
    client = tenant.client(quick(), sleep=FakeTime().sleep)
    tax = client.create("/taxes/v2.0", f.tax())
    tenant.fault(status=504, count=1, method="PATCH")
    tenant.fault(status=503, count=1, method="DELETE")
    assert client.update(f"/taxes/v2.0/{tax['id']}", {"percentage": 10})["percentage"] == 10
    assert client.delete(f"/taxes/v2.0/{tax['id']}") is True
    group = client.create("/tariff-groups/v1.0", f.tariff_group())
    tenant.fault(status=502, count=1, method="PUT")
    updated = client.update(f"/tariff-groups/v1.0/{group['id']}", {**group, "name": "G"}, "PUT")
    assert updated["name"] == "G"
    assert [e["status"] for e in tenant.log() if e["method"] in ("PATCH", "PUT", "DELETE")] == [
        504,
        200,
        503,
        204,
        502,
        200,
    ]


def test_dropped_connections_on_reads_are_retried(tenant: SimTenant) -> None:
    tenant.fault(method="GET", drop=True, count=2)
    client = tenant.client(quick(), sleep=FakeTime().sleep)
    assert client.get("/taxes/v2.0/40")["id"] == 40
    assert tenant.calls() == 3


def test_read_timeout_is_retried_then_reported(tenant: SimTenant) -> None:
    tenant.fault(method="GET", latency_ms=400, count=1)
    client = tenant.client(quick(read_timeout=0.1), sleep=FakeTime().sleep)
    assert client.get("/taxes/v2.0/40")["id"] == 40
    tenant.fault(method="GET", latency_ms=400)
    with pytest.raises(TransportError) as caught:
        tenant.client(quick(read_timeout=0.1, max_retries=1), sleep=FakeTime().sleep).get(
            "/taxes/v2.0/40"
        )
    tenant.seen.append(caught.value)
    assert "ReadTimeout" in str(caught.value) and caught.value.status is None


def test_connection_refused_is_a_transport_error(tenant: SimTenant) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = AmpecoClient(
        f"http://127.0.0.1:{port}", SECRET, quick(max_retries=1), sleep=FakeTime().sleep
    )
    with pytest.raises(TransportError) as caught:
        client.get("/taxes/v2.0")
    tenant.seen.append(caught.value)
    assert caught.value.attempts == 2


# --- creates are never duplicated ----------------------------------------------------------


def test_ghost_create_returns_the_one_object(tenant: SimTenant) -> None:
    tenant.fault(method="POST", ghost=True, count=1)
    client = tenant.client(quick(), sleep=FakeTime().sleep)
    created = client.create("/locations/v2.0", f.location(1))
    listed = list(client.list("/locations/v2.0"))
    assert [loc["id"] for loc in listed] == [created["id"]]
    assert [(e["method"], e["outcome"]) for e in tenant.log()][:2] == [
        ("POST", "ghost"),
        ("GET", "answered"),
    ]
    assert tenant.calls("POST") == 1


def test_two_ghost_writes_in_a_row(tenant: SimTenant) -> None:
    tenant.fault(method="POST", ghost=True, count=2)
    client = tenant.client(quick(), sleep=FakeTime().sleep)
    first = client.create("/taxes/v2.0", f.tax(1))
    second = client.create("/taxes/v2.0", f.tax(2))
    names = sorted(t["name"] for t in client.list("/taxes/v2.0"))
    assert names == ["Default VAT", "VAT 1", "VAT 2"]
    assert first["id"] != second["id"]
    assert tenant.calls("POST") == 2


def test_ghost_create_and_a_dropped_lookup(tenant: SimTenant) -> None:
    tenant.fault(method="POST", ghost=True, count=1)
    tenant.fault(method="GET", drop=True, count=1)
    client = tenant.client(quick(), sleep=FakeTime().sleep)
    created = client.create("/charge-points/v2.0", f.charge_point(_location(client), 1))
    assert created["externalId"] == "cp-1"
    assert len(list(client.list("/charge-points/v2.0"))) == 1


def test_create_that_never_happened_is_sent_again(tenant: SimTenant) -> None:
    tenant.fault(method="POST", path="/taxes", status=503, count=1)
    tenant.fault(method="POST", path="/taxes", drop=True, count=1)
    client = tenant.client(quick(), sleep=FakeTime().sleep)
    tax = client.create("/taxes/v2.0", f.tax(5))
    assert [t["name"] for t in client.list("/taxes/v2.0")] == ["Default VAT", tax["name"]]
    assert tenant.calls("POST") == 3  # 503, dropped, created
    # a listing before the POST (names are not unique), two looks after each lost answer,
    # and the final listing above
    assert tenant.calls("GET") == 1 + 2 + 2 + 1


def test_several_matches_is_an_error_naming_them(tenant: SimTenant) -> None:
    tenant.insert("location", [f.location(9), f.location(9)])  # D10: externalId may repeat
    tenant.fault(method="POST", ghost=True, count=1)
    client = tenant.client(quick(), sleep=FakeTime().sleep)
    with pytest.raises(DuplicateObjectsError) as caught:
        client.create("/locations/v2.0", f.location(9))
    tenant.seen.append(caught.value)
    assert caught.value.ids == [4000, 4001, 4002]
    assert "externalId='site-9'" in str(caught.value) and "4002" in str(caught.value)


def test_ambiguous_create_without_a_key_is_not_repeated(tenant: SimTenant) -> None:
    tenant.fault(method="POST", ghost=True, count=1)
    client = tenant.client(quick(), sleep=FakeTime().sleep)
    body = f.location(1)
    del body["externalId"]
    with pytest.raises(AmbiguousCreateError) as caught:
        client.create("/locations/v2.0", body)
    tenant.seen.append(caught.value)
    assert "without a lookup key" in str(caught.value)
    assert tenant.calls("POST") == 1


def test_connectors_are_found_among_lookalikes(tenant: SimTenant) -> None:
    client = tenant.client(quick(), sleep=FakeTime().sleep)
    cp = client.create("/charge-points/v2.0", f.charge_point(_location(client), 1))
    evse = client.create(f"/charge-points/v2.0/{cp['id']}/evses", f.evse(1))
    path = f"/charge-points/v2.0/{cp['id']}/evses/{evse['id']}/connectors"
    old = client.create(path, f.connector())
    tenant.fault(method="POST", path="/connectors", ghost=True, count=1)
    new = client.create(path, f.connector())  # the same type and format as the first
    assert new["id"] != old["id"]
    assert len(list(client.list(path))) == 2


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (
            "/payment-terminals/v1.0",
            {"name": "Web", "integrationId": 1, "operatorId": 1, "terminalType": "Web portal"},
        ),
        ("/roaming-providers/v2.0", {"platformId": 1, "countryCode": "NO", "partyId": "EMP"}),
        ("/roaming-operators/v2.0/3700/custom-tariff-filters", {"name": "DC", "status": "enabled"}),
    ],
    ids=["terminal by name", "roaming provider by party", "filter by name"],
)
def test_a_lost_create_is_found_by_the_kinds_key(
    tenant: SimTenant, path: str, body: dict[str, Any]
) -> None:
    tenant.insert("roaming_operator", [{"businessName": "Charge Net", "platformId": 1}])
    tenant.fault(method="POST", ghost=True, count=1)
    client = tenant.client(quick(), sleep=FakeTime().sleep)
    created = client.create(path, body)
    assert [o["id"] for o in client.list(path)] == [created["id"]]
    assert tenant.calls("POST") == 1


def test_429_on_create_is_waited_out_and_sent_once(tenant: SimTenant) -> None:
    tenant.fault(method="POST", status=429, retry_after=2, count=2)
    time = FakeTime()
    client = tenant.client(quick(), sleep=time.sleep, clock=time.clock)
    client.create("/locations/v2.0", f.location(4))
    assert time.sleeps == [2, 2]
    assert tenant.calls("POST") == 3
    assert tenant.calls("GET") == 0  # a 429 is not ambiguous: nothing to look up
    assert len(list(client.list("/locations/v2.0"))) == 1


def test_create_with_an_explicit_lookup(tenant: SimTenant) -> None:
    tenant.fault(method="POST", ghost=True, count=1)
    client = tenant.client(quick(), sleep=FakeTime().sleep)
    created = client.create(
        "/taxes/v2.0", f.tax(3), lookup=Lookup("/taxes/v2.0", {"name": "VAT 3", "percentage": 25})
    )
    assert created["name"] == "VAT 3"


# --- errors --------------------------------------------------------------------------------


def test_validation_errors_carry_the_fields(tenant: SimTenant) -> None:
    client = tenant.client(quick())
    with pytest.raises(InvalidRequestError) as caught:
        client.create("/locations/v2.0", f.location(geoposition={"latitude": 99, "longitude": 0}))
    tenant.seen.append(caught.value)
    err = caught.value
    assert err.status == 422 and err.method == "POST"
    assert err.path == "/public-api/resources/locations/v2.0"
    assert err.errors == {
        "geoposition.latitude": ["The geoposition.latitude must be between -90 and 90."]
    }
    assert "geoposition.latitude: The geoposition.latitude must be between -90 and 90." in str(err)
    assert tenant.calls() == 1  # a 422 is final


def test_not_found_on_read_and_on_delete(tenant: SimTenant) -> None:
    client = tenant.client(quick())
    with pytest.raises(NotFoundError) as caught:
        client.get("/locations/v2.0/424242")
    tenant.seen.append(caught.value)
    assert caught.value.status == 404
    assert str(caught.value).startswith("GET /public-api/resources/locations/v2.0/424242 -> 404")
    assert client.delete("/locations/v2.0/424242") is False
    assert tenant.calls() == 2


def test_conflict_and_authentication(tenant: SimTenant) -> None:
    client = tenant.client(quick())
    loc = client.create("/locations/v2.0", f.location())
    client.create("/locations/v2.0/{}/charging-zones".format(loc["id"]), f.charging_zone())
    with pytest.raises(ConflictError) as conflict:
        client.delete(f"/locations/v2.0/{loc['id']}")
    tenant.seen.append(conflict.value)
    assert "charging zones" in str(conflict.value)
    wrong = AmpecoClient(tenant.base_url, "not-the-token", quick())
    with pytest.raises(AuthenticationError) as auth:
        wrong.get("/taxes/v2.0")
    tenant.seen.append(auth.value)
    assert "Unauthenticated." in str(auth.value) and "apiToken" in str(auth.value)


def test_exceptions_form_a_hierarchy() -> None:
    for cls in (
        NotFoundError,
        InvalidRequestError,
        RateLimitedError,
        ServerError,
        TransportError,
        AmbiguousCreateError,
        DuplicateObjectsError,
        ConflictError,
        AuthenticationError,
    ):
        assert issubclass(cls, ApiError)


# --- pagination ----------------------------------------------------------------------------


def test_cursor_pagination_over_1000_objects_in_10_requests(tenant: SimTenant) -> None:
    tenant.insert("location", [f.location(n) for n in range(1000)])
    client = tenant.client(quick())
    ids = [loc["id"] for loc in client.list("/locations/v2.0")]
    assert len(ids) == len(set(ids)) == 1000
    assert client.stats.by_method() == {"GET": 10}


def test_page_pagination_over_1000_objects_in_10_requests(tenant: SimTenant) -> None:
    tenant.insert("tariff", [f.tariff(n) for n in range(1000)])
    client = tenant.client(quick())
    ids = [t["id"] for t in client.list("/tariffs/v1.0")]
    assert len(ids) == len(set(ids)) == 1000
    assert client.stats.total == 10
    assert all("page=" in e["query"] for e in tenant.log()[1:])


def test_filters_and_includes_in_deep_object_syntax(tenant: SimTenant) -> None:
    client = tenant.client(quick())
    for n in range(3):
        client.create("/locations/v2.0", f.location(n, country="SE" if n else "NO"))
    swedish = list(
        client.list("/locations/v2.0", {"filter": {"country": "SE"}, "include": ["chargingZones"]})
    )
    assert [loc["externalId"] for loc in swedish] == ["site-1", "site-2"]
    assert all(loc["chargingZones"] == [] for loc in swedish)
    assert encode_params({"filter": {"a": 1, "b": True}, "include": ["x", "y"], "page": None}) == [
        ("filter[a]", "1"),
        ("filter[b]", "true"),
        ("include[]", "x"),
        ("include[]", "y"),
    ]


def test_links_outside_the_tenant_are_refused(tenant: SimTenant) -> None:
    client = tenant.client(quick())
    with pytest.raises(ApiError, match="outside the tenant"):
        client.get("https://elsewhere.example.com/public-api/resources/taxes/v2.0")


# --- throttling ----------------------------------------------------------------------------


def _hammer(tenant: SimTenant, settings: ClientSettings, threads: int, each: int) -> None:
    client = tenant.client(settings)
    problems: list[str] = []

    def work() -> None:
        for _ in range(each):
            try:
                client.get("/taxes/v2.0/40")
            except ApiError as exc:
                problems.append(str(exc))

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert problems == []


def test_throttle_keeps_four_threads_under_the_tenant_limit(tenant: SimTenant) -> None:
    httpx.put(tenant.base_url + "/_sim/rate-limit", json={"limit": 12, "window": 1.0})
    _hammer(tenant, quick(requests_per_minute=12, rate_limit_window=1.0), threads=4, each=8)
    statuses = [e["status"] for e in tenant.log()]
    assert len(statuses) == 32
    assert 429 not in statuses


def test_without_the_throttle_the_same_load_hits_429(tenant: SimTenant) -> None:
    httpx.put(tenant.base_url + "/_sim/rate-limit", json={"limit": 12, "window": 1.0})
    _hammer(tenant, quick(rate_limit_window=1.0), threads=4, each=8)  # retried, so it succeeds
    assert 429 in [e["status"] for e in tenant.log()]


def test_clients_of_one_tenant_share_the_throttle(tenant: SimTenant) -> None:
    settings = quick(requests_per_minute=5, rate_limit_window=1.0)
    first, second = tenant.client(settings), tenant.client(settings)
    assert first._throttle is second._throttle
    other = AmpecoClient(tenant.base_url, "another-token", settings)
    assert other._throttle is not first._throttle


# --- construction --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("tenant.example.com", "https://tenant.example.com/public-api"),
        ("https://tenant.example.com/", "https://tenant.example.com/public-api"),
        ("https://tenant.example.com/public-api", "https://tenant.example.com/public-api"),
        ("https://tenant.example.com/public-api/", "https://tenant.example.com/public-api"),
        (
            "https://t.example.com:8443/public-api/resources",
            "https://t.example.com:8443/public-api",
        ),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/public-api"),
        ("http://localhost:8080/", "http://localhost:8080/public-api"),
        ("http://[::1]:8080", "http://[::1]:8080/public-api"),
    ],
)
def test_tenant_url_forms(given: str, expected: str) -> None:
    assert normalise_base_url(given) == expected


@pytest.mark.parametrize(
    ("given", "complaint"),
    [
        ("http://tenant.example.com", "allowInsecureHttp"),
        ("ftp://tenant.example.com", "https"),
        ("https://user:pw@tenant.example.com", "credentials"),
        ("https://tenant.example.com/?x=1", "query"),
        ("   ", "empty"),
    ],
)
def test_bad_tenant_urls(given: str, complaint: str) -> None:
    with pytest.raises(ConfigurationError, match=complaint):
        normalise_base_url(given)


def test_insecure_http_only_when_allowed() -> None:
    assert normalise_base_url("http://tenant.lan", allow_insecure_http=True).startswith("http://")


@pytest.mark.parametrize("token", ["", "  ", "two words", "line\nbreak"])
def test_bad_tokens_are_refused(token: str) -> None:
    with pytest.raises(ConfigurationError):
        AmpecoClient("https://tenant.example.com", token)


def test_headers_and_repr(tenant: SimTenant) -> None:
    client = tenant.client(quick())
    seen: dict[str, str] = {}

    def spy(request: httpx.Request) -> httpx.Response:
        seen.update(request.headers)
        return httpx.Response(200, json={"data": {"id": 1}})

    spied = AmpecoClient(tenant.base_url, SECRET, quick(), transport=httpx.MockTransport(spy))
    tenant.seen.append(spied)
    spied.get("/taxes/v2.0/1")
    assert seen["accept"] == "application/json"
    assert seen["user-agent"].startswith("pulumi-ampeco/")
    assert seen["authorization"] == f"Bearer {SECRET}"
    assert repr(client) == f"AmpecoClient(base_url='{tenant.base_url}/public-api')"


def test_retry_after_as_http_date_and_reset_header(tenant: SimTenant) -> None:
    """Forms of the 429 hints the simulator does not send (a stub transport stands in)."""
    answers = iter(
        [
            httpx.Response(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}),
            httpx.Response(429, headers={"X-RateLimit-Reset": "0"}),
            httpx.Response(429, json={"message": "slow down"}),
            httpx.Response(200, json={"data": {"id": 1}}),
        ]
    )
    time = FakeTime()
    client = AmpecoClient(
        tenant.base_url,
        SECRET,
        quick(),
        transport=httpx.MockTransport(lambda r: next(answers)),
        sleep=time.sleep,
        clock=time.clock,
    )
    assert client.get("/taxes/v2.0/1") == {"id": 1}
    assert time.sleeps[:2] == [0.0, 0.0]  # both moments are in the past
    assert 0.25 <= time.sleeps[2] <= 2.0  # no hint: back-off


def test_bare_objects_are_accepted(tenant: SimTenant) -> None:
    """A currency answered without the data envelope (the documented form, D21)."""
    bare = {"id": 7, "alphabeticCode": "NOK"}
    client = AmpecoClient(
        tenant.base_url,
        SECRET,
        quick(),
        transport=httpx.MockTransport(lambda r: httpx.Response(200, json=bare)),
    )
    assert client.get("/currencies/v2.0/7") == bare


def test_one_client_shared_by_threads(tenant: SimTenant) -> None:
    client = tenant.client(quick())
    made: list[int] = []
    lock = threading.Lock()

    def work(n: int) -> None:
        for i in range(10):
            obj = client.create("/locations/v2.0", f.location(n * 100 + i))
            with lock:
                made.append(obj["id"])

    workers = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert len(set(made)) == 80
    assert client.stats.by_path() == {("POST", "/public-api/resources/locations/v2.0"): 80}


def _location(client: AmpecoClient) -> int:
    return int(client.create("/locations/v2.0", f.location(77))["id"])


def test_timed_out_create_is_looked_for_twice(tenant: SimTenant) -> None:
    """The tenant finishes a create after the client gave up waiting: the second look finds it."""
    tenant.fault(method="POST", latency_ms=400, count=1)
    client = tenant.client(quick(read_timeout=0.1, settle_time=0.8))
    created = client.create("/taxes/v2.0", f.tax(8))
    assert [t["name"] for t in client.list("/taxes/v2.0")] == ["Default VAT", created["name"]]
    assert tenant.calls("POST") == 1


# --- what a review found ---------------------------------------------------------------------


def test_gateway_gives_up_while_the_tenant_keeps_working(tenant: SimTenant) -> None:
    """A 504 whose POST the tenant still carries out a little later is not posted twice."""
    tenant.fault(method="POST", status=504, late_ms=300, count=1)
    client = tenant.client(quick(settle_time=0.8))
    created = client.create("/locations/v2.0", f.location(1))
    assert [loc["id"] for loc in client.list("/locations/v2.0")] == [created["id"]]
    assert [e["outcome"] for e in tenant.log() if e["method"] == "POST"] == ["fault", "late"]


def test_a_slow_gateway_timeout_is_given_as_long_again_to_appear(tenant: SimTenant) -> None:
    """The 504 took 1.2 s and the object appears 0.9 s after it: the looks go on for as long
    as the answer took (well past the 0.2 s settle time), find it, and post nothing again."""
    tenant.fault(method="POST", status=504, latency_ms=1200, late_ms=900, count=1)
    client = tenant.client(quick(settle_time=0.2))
    created = client.create("/locations/v2.0", f.location(1))
    assert [loc["id"] for loc in client.list("/locations/v2.0")] == [created["id"]]
    assert [e["outcome"] for e in tenant.log() if e["method"] == "POST"] == ["fault", "late"]


def test_looking_cut_short_by_the_deadline_is_ambiguous_not_sent_again(tenant: SimTenant) -> None:
    """The 504 took 1 s, so the object gets 1 s to appear; the deadline (1.5 s) leaves only
    half of that: the create may still happen, and the error says so instead of posting."""
    tenant.fault(method="POST", status=504, latency_ms=1000, late_ms=3000, count=1)
    client = tenant.client(quick(settle_time=0.2, retry_deadline=1.5))
    with pytest.raises(AmbiguousCreateError) as caught:
        client.create("/locations/v2.0", f.location(1))
    tenant.seen.append(caught.value)
    assert re.search(
        r"no object with externalId='site-1' appeared in 0\.\d s, short of the 1\.\d s the"
        r" tenant may need \(its answer took that long\), and the retry deadline",
        str(caught.value),
    )
    assert tenant.calls("POST") == 1


def test_the_pauses_between_looks_double_up_to_the_back_off_cap(tenant: SimTenant) -> None:
    client = tenant.client(quick(settle_time=2.0, backoff_max=8.0))
    assert client._pauses(2.0) == [2.0]
    assert client._pauses(3.0) == [2.0, 1.0]
    assert client._pauses(40.0) == [2.0, 4.0, 8.0, 8.0, 8.0, 8.0, 2.0]


def test_a_create_sent_again_warns_of_a_possible_duplicate_and_what_to_look_for(
    tenant: SimTenant, caplog: pytest.LogCaptureFixture
) -> None:
    """A quick 504 whose POST the tenant carries out 1.5 s later: the looks (0.2 s) miss it,
    the create is sent again, and the warning says how to find the second object."""
    tenant.fault(method="POST", status=504, late_ms=1500, count=1)
    client = tenant.client(quick(settle_time=0.2))
    with caplog.at_level(logging.WARNING, logger="pulumi_ampeco.client"):
        created = client.create("/locations/v2.0", f.location(1))
    path = "/public-api/resources/locations/v2.0"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings[0].startswith(f"POST {path}: the answer was lost (Gateway Timeout)")
    assert warnings[0].endswith("; sending it again")
    assert warnings[1] == (
        f"possible duplicate: POST {path}: the answer was lost (Gateway Timeout) and no object"
        " with externalId='site-1' appeared in 0.2 s, so the create was sent once more, and"
        f" this run keeps the object it made, id {created['id']}. If the tenant carried out a"
        f" lost one late, there are two: GET {path}?filter[externalId]=site-1 and delete each"
        f" object with externalId='site-1' other than id {created['id']}"
    )
    for _ in range(50):  # and the tenant does carry it out: the warning was due
        matches = [o["id"] for o in client.list("/locations/v2.0") if o["externalId"] == "site-1"]
        if len(matches) == 2:
            break
        threading.Event().wait(0.1)
    assert len(matches) == 2 and created["id"] in matches


def test_an_object_that_was_there_before_is_not_taken_for_the_new_one(tenant: SimTenant) -> None:
    tenant.fault(method="POST", path="/taxes", status=503, count=1)  # answered before any work
    client = tenant.client(quick())
    created = client.create("/taxes/v2.0", {"name": "Default VAT", "percentage": 12})
    assert created["percentage"] == 12 and created["id"] != 40
    names = [t["name"] for t in client.list("/taxes/v2.0")]
    assert names == ["Default VAT", "Default VAT"]


def test_a_failed_lookup_is_reported_as_ambiguous(tenant: SimTenant) -> None:
    tenant.fault(method="POST", ghost=True, count=1)
    tenant.fault(method="GET", status=503)
    client = tenant.client(quick(max_retries=1), sleep=FakeTime().sleep)
    with pytest.raises(AmbiguousCreateError) as caught:
        client.create("/locations/v2.0", f.location(1))
    tenant.seen.append(caught.value)
    assert "looking for the object" in str(caught.value) and "503" in str(caught.value)
    assert tenant.calls("POST") == 1  # not posted again


def test_one_deadline_covers_a_whole_create(tenant: SimTenant) -> None:
    tenant.fault(method="POST", status=503)
    time = FakeTime()
    client = tenant.client(
        quick(retry_deadline=3.0, max_retries=100, settle_time=0.5),
        sleep=time.sleep,
        clock=time.clock,
    )
    with pytest.raises(ServerError) as caught:
        client.create("/locations/v2.0", f.location(1))
    tenant.seen.append(caught.value)
    assert sum(time.sleeps) <= 3.0 + 0.5  # the last settle may start just before the deadline
    assert "503" in str(caught.value)


def _stub(answers: list[httpx.Response]) -> httpx.MockTransport:
    queue = iter(answers)
    return httpx.MockTransport(lambda request: next(queue))


def test_a_listing_that_repeats_itself_stops(tenant: SimTenant) -> None:
    page = {
        "data": [{"id": 1}],
        "links": {"next": tenant.base_url + "/public-api/resources/x"},
        "meta": {},
    }
    client = AmpecoClient(
        tenant.base_url,
        SECRET,
        quick(),
        transport=httpx.MockTransport(lambda r: httpx.Response(200, json=page)),
    )
    with pytest.raises(ApiError, match="repeats a page"):
        list(client.list("/x"))


def test_a_cursor_given_only_in_meta_is_followed(tenant: SimTenant) -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url.params))
        if "cursor" in request.url.params:
            return httpx.Response(200, json={"data": [{"id": 2}], "meta": {"next_cursor": None}})
        return httpx.Response(200, json={"data": [{"id": 1}], "meta": {"next_cursor": "abc"}})

    client = AmpecoClient(tenant.base_url, SECRET, quick(), transport=httpx.MockTransport(answer))
    assert [o["id"] for o in client.list("/x", {"filter": {"a": "1"}})] == [1, 2]
    assert "filter%5Ba%5D=1" in seen[1] and "cursor=abc" in seen[1]


def test_page_two_keeps_the_filters(tenant: SimTenant) -> None:
    tenant.insert(
        "tariff", [f.tariff(n, type="free" if n % 2 else "flat rate") for n in range(250)]
    )
    client = tenant.client(quick())
    free = list(client.list("/tariffs/v1.0", {"filter": {"type": "free"}}))
    assert len(free) == 125 and {t["type"] for t in free} == {"free"}
    queries = [e["query"] for e in tenant.log()]
    assert len(queries) == 2 and all("filter%5Btype%5D=free" in q for q in queries)


def test_a_garbled_retry_after_falls_back_to_back_off(tenant: SimTenant) -> None:
    time = FakeTime()
    client = AmpecoClient(
        tenant.base_url,
        SECRET,
        quick(),
        sleep=time.sleep,
        clock=time.clock,
        transport=_stub(
            [
                httpx.Response(429, headers={"Retry-After": "soon"}),
                httpx.Response(200, json={"data": {"id": 1}}),
            ]
        ),
    )
    assert client.get("/x/1") == {"id": 1}
    assert 0.25 <= time.sleeps[0] <= 0.5


def test_links_of_the_tenant_in_another_spelling_are_followed(tenant: SimTenant) -> None:
    tenant.insert("location", [f.location(n) for n in range(150)])
    shouting = tenant.base_url.replace("127.0.0.1", "LOCALHOST")
    client = AmpecoClient(shouting, SECRET, quick())
    tenant.seen.append(client)
    assert len(list(client.list("/locations/v2.0"))) == 150


def test_redirects_are_errors(tenant: SimTenant) -> None:
    client = AmpecoClient(
        tenant.base_url,
        SECRET,
        quick(),
        transport=_stub([httpx.Response(302, headers={"Location": "https://login.example"})]),
    )
    with pytest.raises(ApiError, match=r"redirects to https://login\.example"):
        client.get("/taxes/v2.0")


def test_non_ascii_tokens_are_refused_without_showing_them() -> None:
    with pytest.raises(ConfigurationError) as caught:
        AmpecoClient("https://tenant.example.com", "tök-SECRET")
    assert "tök" not in str(caught.value)
    assert AmpecoClient("https://tenant.example.com", "ok-token\n").base_url


def test_the_leak_check_can_fail() -> None:
    """The check the fixture runs finds a token kept by an httpx exception in a chain."""
    request = httpx.Request("GET", "http://x", headers={"Authorization": f"Bearer {SECRET}"})
    try:
        try:
            raise httpx.ConnectError("boom", request=request)
        except httpx.ConnectError as inner:
            raise RuntimeError("outer") from inner
    except RuntimeError as outer:
        assert any(SECRET in t for t in reachable_texts(outer))


def test_post_sends_json(tenant: SimTenant) -> None:
    seen: dict[str, str] = {}

    def answer(request: httpx.Request) -> httpx.Response:
        seen.update(request.headers)
        seen["body"] = request.content.decode()
        return httpx.Response(201, json={"data": {"id": 1}})

    client = AmpecoClient(tenant.base_url, SECRET, quick(), transport=httpx.MockTransport(answer))
    client.create("/taxes/v2.0", {"name": "x", "percentage": 1}, lookup=None)
    assert seen["content-type"] == "application/json"
    assert json.loads(seen["body"]) == {"name": "x", "percentage": 1}
