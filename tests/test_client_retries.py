"""Retries of an unreachable, slow or busy tenant are announced as they happen, at WARNING.

A real ``AmpecoClient`` over real sockets: a port nothing listens on, and a tiny HTTP server
that answers from a script. Waits are recorded instead of slept.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pulumi_ampeco import throttle
from pulumi_ampeco.client import AmpecoClient
from pulumi_ampeco.config import ClientSettings
from pulumi_ampeco.errors import TransportError

from .test_client import FakeTime

SECRET = "tok-RETRY-SECRET-4b8e2d"
PATH = "/public-api/resources/locations/v2.0"
SETTINGS = ClientSettings(
    max_retries=2,
    backoff_base=0.01,
    backoff_max=0.02,
    connect_timeout=2.0,
    read_timeout=5.0,
)
ANNOUNCED = re.compile(
    r"^(?P<method>[A-Z]+) (?P<path>\S+): (?P<reason>.+); "
    r"retrying in (?P<wait>\d+\.\d) s \(attempt (?P<attempt>\d+) of (?P<of>\d+)\)$"
)


@pytest.fixture(autouse=True)
def _clean(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fresh throttles; every record of the client, at any level, must be free of the token."""
    throttle.forget_all()
    caplog.set_level(logging.DEBUG, logger="pulumi_ampeco")
    yield
    throttle.forget_all()
    for record in caplog.records:
        assert SECRET not in record.getMessage()
        assert "Bearer" not in record.getMessage()
        assert "Authorization" not in record.getMessage()


def announcements(caplog: pytest.LogCaptureFixture) -> list[re.Match[str]]:
    found = []
    for record in caplog.records:
        if record.name == "pulumi_ampeco.client" and record.levelno == logging.WARNING:
            match = ANNOUNCED.match(record.getMessage())
            assert match, f"not an announcement: {record.getMessage()!r}"
            found.append(match)
    return found


def free_port() -> int:
    """A port nothing listens on: bound, read and closed again."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_an_unreachable_tenant_is_announced_on_every_retry(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = FakeTime()
    url = f"http://127.0.0.1:{free_port()}"
    client = AmpecoClient(url, SECRET, SETTINGS, sleep=fake.sleep, clock=fake.clock)
    with client, pytest.raises(TransportError) as caught:
        client.get("/locations/v2.0")
    assert caught.value.attempts == 3
    found = announcements(caplog)
    assert [(m["method"], m["path"]) for m in found] == [("GET", PATH)] * 2
    assert [m["reason"] for m in found] == ["tenant unreachable (connection refused)"] * 2
    assert [(m["attempt"], m["of"]) for m in found] == [("2", "3"), ("3", "3")]
    assert [m["wait"] for m in found] == [f"{w:.1f}" for w in fake.sleeps]
    assert len(fake.sleeps) == 2
    assert all(SECRET not in r.getMessage() for r in caplog.records)


def test_a_refused_create_is_retried_and_announced(caplog: pytest.LogCaptureFixture) -> None:
    fake = FakeTime()
    url = f"http://127.0.0.1:{free_port()}"
    settings = ClientSettings(max_retries=1, backoff_base=0.01, backoff_max=0.02)
    client = AmpecoClient(url, SECRET, settings, sleep=fake.sleep, clock=fake.clock)
    with client, pytest.raises(TransportError):
        client.create("/taxes/v1.0", {"name": "VAT", "percentage": 20}, lookup=None)
    found = announcements(caplog)
    assert [(m["method"], m["path"], m["attempt"], m["of"]) for m in found] == [
        ("POST", "/public-api/resources/taxes/v1.0", "2", "2")
    ]


# --- a scripted tenant -----------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    body: object = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Scripted:
    """An HTTP server that gives its answers in order, then ``200`` with an empty object."""

    answers: list[Answer]
    base_url: str = ""
    tokens: list[str | None] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next(self, authorization: str | None) -> Answer:
        with self.lock:
            self.tokens.append(authorization)
            return self.answers.pop(0) if self.answers else Answer(200, {"data": {"id": 1}})


@pytest.fixture
def scripted() -> Iterator[Scripted]:
    script = Scripted([])

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            answer = script.next(self.headers.get("Authorization"))
            if answer.delay:
                time.sleep(answer.delay)
            payload = json.dumps(answer.body if answer.body is not None else {}).encode()
            try:
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
            except OSError:  # the client gave up waiting
                pass

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    script.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield script
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_a_busy_tenant_is_announced_then_answers(
    scripted: Scripted, caplog: pytest.LogCaptureFixture
) -> None:
    scripted.answers = [Answer(503, {"message": "maintenance"})]
    fake = FakeTime()
    with AmpecoClient(
        scripted.base_url, SECRET, SETTINGS, sleep=fake.sleep, clock=fake.clock
    ) as client:
        assert client.get("/locations/v2.0") == {"id": 1}
    assert scripted.tokens == [f"Bearer {SECRET}"] * 2  # the token was sent, never logged
    found = announcements(caplog)
    assert len(found) == 1 and len(fake.sleeps) == 1
    message = found[0].string
    assert message == (
        f"GET {PATH}: tenant busy or unavailable (HTTP 503); retrying in"
        f" {fake.sleeps[0]:.1f} s (attempt 2 of 3)"
    )


def test_a_rate_limited_tenant_is_announced_with_its_wait(
    scripted: Scripted, caplog: pytest.LogCaptureFixture
) -> None:
    scripted.answers = [Answer(429, {"message": "slow down"}, {"Retry-After": "7"})]
    fake = FakeTime()
    with AmpecoClient(
        scripted.base_url, SECRET, SETTINGS, sleep=fake.sleep, clock=fake.clock
    ) as client:
        assert client.get("/locations/v2.0") == {"id": 1}
    assert [m.string for m in announcements(caplog)] == [
        f"GET {PATH}: tenant rate limit reached (HTTP 429); retrying in 7.0 s (attempt 2 of 3)"
    ]


def test_a_slow_tenant_is_announced_as_timed_out(
    scripted: Scripted, caplog: pytest.LogCaptureFixture
) -> None:
    scripted.answers = [Answer(200, {"data": {"id": 2}}, delay=1.0)]
    fake = FakeTime()
    settings = ClientSettings(max_retries=2, backoff_base=0.01, backoff_max=0.02, read_timeout=0.2)
    with AmpecoClient(
        scripted.base_url, SECRET, settings, sleep=fake.sleep, clock=fake.clock
    ) as client:
        assert client.get("/locations/v2.0") == {"id": 1}
    found = announcements(caplog)
    assert [(m["reason"], m["attempt"]) for m in found] == [
        ("no answer from the tenant (timed out)", "2")
    ]


def test_answers_that_are_not_retried_stay_at_debug(
    scripted: Scripted, caplog: pytest.LogCaptureFixture
) -> None:
    fake = FakeTime()
    with AmpecoClient(
        scripted.base_url, SECRET, SETTINGS, sleep=fake.sleep, clock=fake.clock
    ) as client:
        client.get("/locations/v2.0")
    assert announcements(caplog) == []
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG][-1].startswith(
        f"GET {PATH} -> 200 in "
    )
