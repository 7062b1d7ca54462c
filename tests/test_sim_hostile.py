"""Hostile and odd requests get a client error with AMPECO's error shape, never a 5xx, and
leave nothing behind: the collection still lists cleanly afterwards."""

from __future__ import annotations

import json
import logging
import re
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from ampeco_sim import RunningSimulator, Simulator, SimulatorConfig
from ampeco_sim.logs import log
from ampeco_sim.resources.base import Response

from .conftest import Sim, SimProcess, http_client

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
        (b'{"country": NaN}', JSON, 422, "The country must be a finite number."),
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


def _strict_json(text: str) -> Any:
    """``text`` parsed as JSON proper: ``NaN`` and ``Infinity`` are refused, not read."""

    def refuse(name: str) -> Any:
        raise ValueError(f"{name} in a response: not JSON")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize(
    ("method", "body", "field"),
    [
        ("POST", b'{"name": "VAT", "percentage": 1e999}', "percentage"),
        ("POST", b'{"name": "VAT", "percentage": -1e400}', "percentage"),
        ("POST", b'{"name": "VAT", "percentage": NaN}', "percentage"),
        ("POST", b'{"name": "VAT", "percentage": Infinity}', "percentage"),
        ("POST", b'{"name": "VAT", "percentage": -Infinity}', "percentage"),
        ("POST", b'{"name": "VAT", "percentage": 25, "extra": {"a": [1, 1e999]}}', "extra.a.1"),
        ("PATCH", b'{"percentage": 1e999}', "percentage"),
        ("POST", b"1e999", "body"),
    ],
)
def test_a_number_that_is_not_finite_is_refused_naming_its_field(
    sim: Sim, api: httpx.Client, method: str, body: bytes, field: str
) -> None:
    taxes = api.get("/taxes/v2.0").json()["data"]
    path = "/taxes/v2.0" if method == "POST" else f"/taxes/v2.0/{taxes[0]['id']}"
    response = api.request(method, path, content=body, headers=JSON)
    assert response.status_code == 422, response.text
    assert _strict_json(response.text) == {
        "message": "The given data was invalid.",
        "errors": {field: [f"The {field} must be a finite number."]},
    }
    listing = api.get("/taxes/v2.0")
    assert _strict_json(listing.text)["data"] == taxes  # nothing stored, nothing changed
    with sim.admin() as admin:
        _strict_json(admin.get("/requests").text)


@pytest.mark.parametrize("value", ["inf", "-Infinity", "nan", "1e999"])
def test_a_query_number_that_is_not_finite_is_refused(api: httpx.Client, value: str) -> None:
    response = api.get("/tariff-groups/v1.0", params={"filter[partnerId]": value})
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "filter.partnerId": ["The filter.partnerId must be a number."]
    }


@pytest.mark.parametrize(
    ("path", "query", "status"),
    [
        ("/locations/v2.0", "per_page=" + "9" * 5000, 422),  # past int()'s 4,300 digits
        ("/locations/v2.0/" + "9" * 5000, "", 404),
        # a cursor whose id overflows to infinity is unreadable: the listing starts over
        ("/locations/v2.0", "cursor=eyJpZCI6MWU5OTksIl9wb2ludHNUb05leHRJdGVtcyI6dHJ1ZX0", 200),
    ],
)
def test_numbers_too_large_to_convert_are_client_errors(
    api: httpx.Client, path: str, query: str, status: int
) -> None:
    response = api.get(f"{path}?{query}")
    assert response.status_code == status, response.text
    _strict_json(response.text)


def test_a_response_holding_a_number_that_is_not_finite_is_a_500_not_invalid_json() -> None:
    """A bug that let ``Infinity`` through would show as an error, never as broken JSON."""
    simulator = Simulator(SimulatorConfig(tokens=("t",), rate_limit=0))
    simulator.actions["taxesListing"] = lambda tx, request: Response(
        200, {"data": [{"id": 1, "percentage": float("inf")}]}
    )
    with RunningSimulator(simulator) as running:
        response = httpx.get(
            running.base_url + "/public-api/resources/taxes/v2.0",
            headers={"Authorization": "Bearer t"},
            timeout=10,
        )
    assert response.status_code == 500
    assert response.json() == {"message": "Server Error"}


def test_a_query_with_too_many_parameters_is_refused(api: httpx.Client) -> None:
    response = api.get(LOCATIONS + "?" + "&".join(["filter[name]=a"] * 2000))
    assert response.status_code == 400
    assert "at most 1000" in response.json()["message"]


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "PROPFIND"])
def test_a_method_the_server_does_not_serve_is_405_with_allow(sim: Sim, method: str) -> None:
    with http_client(base_url=sim.base_url, timeout=10) as client:
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


# --- the HTTP layer ------------------------------------------------------------------------


def _exchange(port: int, data: bytes) -> tuple[bytes, float]:
    """Send raw bytes; everything the server answers until it closes, and how long it took."""
    began = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(data)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    return received, time.monotonic() - began


@pytest.fixture
def impatient() -> Iterator[RunningSimulator]:
    """A simulator whose connections wait half a second for the rest of a request."""
    simulator = Simulator(SimulatorConfig(tokens=("t",), rate_limit=0))
    with RunningSimulator(simulator, read_timeout=0.5) as running:
        yield running


@pytest.mark.parametrize(
    ("request_bytes", "words"),
    [
        (b"GET /\r\n", b"HTTP/0.9 requests are not served"),
        (b"hello\r\n\r\n", b"Bad request syntax"),
        (b"\x00\x01\x02 garbage here now\r\n\r\n", b"Bad request version"),
        (
            b"POST /_sim/reset HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
            b"Content-Length: 5\r\n\r\n",
            b"Send one Content-Length.",
        ),
        *(
            (
                b"POST /_sim/reset HTTP/1.1\r\nHost: x\r\nContent-Length: " + value + b"\r\n\r\n",
                b"Invalid Content-Length: send the body's length in bytes as a decimal number"
                b" of at most 19 digits.",
            )
            for value in (
                b"9" * 5000,  # past int()'s 4,300 digits: it used to get no answer at all
                b"1" + b"0" * 19,
                b"-5",
                b"+5",
                b"5x",
                b"0x10",
                b"1 2",
                b"",
                "\u00b2".encode(),  # a superscript two: a digit to str.isdigit
            )
        ),
    ],
)
def test_a_broken_request_gets_a_status_line_and_a_json_400(
    impatient: RunningSimulator, request_bytes: bytes, words: bytes
) -> None:
    answer, _ = _exchange(impatient.server.port, request_bytes)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 "), answer
    assert b"Content-Type: application/json" in head
    assert words in json.loads(body)["message"].encode()


@pytest.mark.parametrize(
    ("request_bytes", "answer_starts"),
    [
        (b"GET /_sim/health HTTP/1.1\r\nHost: x\r\n", b""),  # headers never finished
        (
            b"POST /_sim/reset HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc",
            b"HTTP/1.1 408 ",
        ),
    ],
)
def test_a_stalled_request_is_let_go_after_the_read_timeout(
    impatient: RunningSimulator, request_bytes: bytes, answer_starts: bytes
) -> None:
    answer, took = _exchange(impatient.server.port, request_bytes)
    assert answer.startswith(answer_starts) if answer_starts else answer == b"", answer
    assert 0.4 < took < 5
    with http_client(base_url=impatient.base_url, timeout=5) as client:
        assert client.get("/_sim/health").json() == {"status": "ok"}


#: A path with an ANSI colour and a screen clear, a bell, DEL, a C1 CSI and a backspace.
HOSTILE_PATH = b"/public-api/\x1b[31mred\x1b[2J\x07\x7f\xc2\x9b\x08forged"
ESCAPED_PATH = "/public-api/\\x1b[31mred\\x1b[2J\\x07\\x7f\xc2\\x9b\\x08forged"
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def test_control_characters_a_client_sends_are_logged_escaped(
    impatient: RunningSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="ampeco_sim")
    request = b"GET " + HOSTILE_PATH + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    answer, _ = _exchange(impatient.server.port, request)
    assert answer.startswith(b"HTTP/1.1 401 ")
    messages = [record.getMessage() for record in caplog.records]
    assert [m for m in messages if CONTROL.search(m)] == []
    assert sum(ESCAPED_PATH in m for m in messages) == 2, messages  # the request line, the log


def test_a_traceback_in_the_log_keeps_its_lines_and_escapes_the_rest(
    caplog: pytest.LogCaptureFixture,
) -> None:
    try:
        raise ValueError("bad \x1b[2J path")
    except ValueError:
        log.exception("unhandled error for %s", "/\x1b]0;title\x07")
    assert caplog.text.count("\n") > 2  # the traceback's lines
    assert CONTROL.findall(caplog.text.replace("\n", "")) == []
    assert "/\\x1b]0;title\\x07" in caplog.text and "bad \\x1b[2J path" in caplog.text


def test_the_verbose_log_of_the_command_writes_no_control_character(
    sim_process: Callable[..., SimProcess],
) -> None:
    process = sim_process("-v")
    port = int(process.base_url.rsplit(":", 1)[1])
    request = b"GET " + HOSTILE_PATH + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    answer, _ = _exchange(port, request)
    assert answer.startswith(b"HTTP/1.1 401 ")
    assert process.stop() == 0
    assert process.process.stdout is not None
    output = process.process.stdout.read()
    assert ESCAPED_PATH in output
    assert CONTROL.findall(output.replace("\n", "")) == []


# --- the admin API -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (b'{"limit": 5, "window": NaN}', 422, "The window must be a finite number."),
        (b'{"limit": 5, "window": Infinity}', 422, "The window must be a finite number."),
        (b'{"limit": 5, "window": 1e999}', 422, "The window must be a finite number."),
        (b'{"limit": 5, "window": [}', 400, "valid JSON"),
        (b'{"limit": 5, "window": 0}', 422, "above 0"),
        (b'{"limit": 10000000000, "window": 1}', 422, "from 0 to 1000000"),
        (b'{"limit": 5, "window": true}', 422, "window"),
    ],
)
def test_the_rate_limit_takes_only_sane_values(
    sim: Sim, api: httpx.Client, body: bytes, status: int, words: str
) -> None:
    with sim.admin() as admin:
        response = admin.put("/rate-limit", content=body, headers=JSON)
        assert response.status_code == status, response.text
        assert words in response.json()["message"]
        assert admin.get("/health").json() == {"status": "ok"}
    assert api.get(LOCATIONS).status_code == 200  # the public API still answers


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ({"latency_ms": 10**9}, "latency_ms must be between 0 and 60000"),
        ({"status": 503, "late_ms": 10**9}, "late_ms goes with a status"),
        ({"status": 429, "retry_after": 10**9}, "retry_after must be between 0 and 3600"),
        ({"count": 10**12}, "count must be at most"),
        ({"path": "(a+)+$"}, "a repetition inside a repetition"),
        ({"path": "((ab)*c)*"}, "a repetition inside a repetition"),
        ({"path": "(a|aa)+$"}, "a repetition inside a repetition"),  # alternation
        ({"path": "(?>a+)+"}, "a repetition inside a repetition"),  # atomic group
        ({"path": "(a)?(?(1)(b+)+|c)"}, "a repetition inside a repetition"),
        ({"path": ".*.*.*x"}, "more than 2 unbounded repetitions"),
        ({"path": "x" * 301}, "at most 300 characters"),
        ({"path": "("}, "not a valid regular expression"),
    ],
)
def test_a_fault_rule_that_could_wedge_the_simulator_is_refused(
    sim: Sim, api: httpx.Client, rule: dict[str, Any], words: str
) -> None:
    with sim.admin() as admin:
        response = admin.post("/faults", json=rule)
        assert response.status_code == 422, response.text
        assert words in response.json()["message"]
        assert admin.get("/faults").json()["data"] == []
    started = time.monotonic()
    assert api.get(LOCATIONS + "/" + "a" * 40 + "!").status_code == 404
    assert time.monotonic() - started < 5
