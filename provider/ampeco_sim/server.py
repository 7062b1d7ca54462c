"""The HTTP transport of the simulator: a threaded server on real sockets.

It speaks HTTP/1.1 with keep-alive, so clients with connection pools behave as against a real
tenant, and it can drop a connection on purpose (fault injection).
"""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from .app import Simulator
from .logs import log

MAX_BODY = 10 * 1024 * 1024
#: Seconds a connection may take to send the next part of a request (headers or body), and to
#: stay idle between keep-alive requests: a client that stalls does not hold a thread for ever.
READ_TIMEOUT = 30.0
ALLOWED_METHODS = "GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE"


#: Digits a ``Content-Length`` may have: a signed 64-bit length, as other servers take. A
#: longer one is refused as malformed (400); a shorter one over ``MAX_BODY`` is too large (413).
MAX_LENGTH_DIGITS = 19
BAD_CONTENT_LENGTH = (
    "Invalid Content-Length: send the body's length in bytes as a decimal number"
    f" of at most {MAX_LENGTH_DIGITS} digits."
)


def _message(text: str) -> bytes:
    return json.dumps({"message": text}, allow_nan=False).encode()


def _content_length(raw: str | None) -> int | None:
    """The body length a ``Content-Length`` header gives (0 when absent); ``None`` unless it
    is a plain decimal number short enough to parse at once, so a header of thousands of
    digits is refused before ``int`` (which caps digits) could raise."""
    if raw is None:
        return 0
    digits = raw.strip(" \t")
    if not digits.isascii() or not digits.isdigit() or len(digits) > MAX_LENGTH_DIGITS:
        return None
    return int(digits)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without TCP_NODELAY every keep-alive
    # response would wait for the client's delayed ACK (about 40 ms).
    disable_nagle_algorithm = True
    server_version = "ampeco-sim"
    # Answers to requests too broken to parse still start with a status line.
    default_request_version = "HTTP/1.0"

    def version_string(self) -> str:
        return self.server_version

    server: SimulatorHTTPServer

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.read_timeout)

    def parse_request(self) -> bool:
        raw: bytes = getattr(self, "raw_requestline", b"")
        line = str(raw, "iso-8859-1").rstrip("\r\n")
        if len(line.split()) == 2:  # "GET /": HTTP/0.9, which has no status line or headers
            self.command, self.requestline = "", line
            self.request_version = self.default_request_version
            self.send_error(400, "HTTP/0.9 requests are not served; use HTTP/1.1.")
            return False
        return super().parse_request()

    def _serve(self) -> None:
        body = self._read_body()
        if body is None:
            return
        parts = urlsplit(self.path)
        host = self.headers.get("Host") or f"{self.server.host}:{self.server.port}"
        head = self.command == "HEAD"
        outcome = self.server.simulator.handle(
            "GET" if head else self.command,
            parts.path,
            parts.query,
            {k.lower(): v for k, v in self.headers.items()},
            body,
            f"http://{host}",
        )
        if outcome.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._answer(outcome.status, outcome.body, outcome.headers, send_body=not head)

    def _read_body(self) -> bytes | None:
        """The request body, or ``None`` after answering a request whose body cannot be read."""
        if len(self.headers.get_all("Content-Length") or []) > 1:
            self.close_connection = True
            self._answer(400, _message("Send one Content-Length."))
            return None
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            self._answer(411, _message("Send the body with a Content-Length."))
            return None
        length = _content_length(self.headers.get("Content-Length"))
        if length is None:
            self.close_connection = True
            self._answer(400, _message(BAD_CONTENT_LENGTH))
            return None
        if length > MAX_BODY:
            self.close_connection = True
            self._answer(413, _message("The request body is too large."))
            return None
        try:
            body = self.rfile.read(length) if length else b""
        except TimeoutError:
            body = b""
        if len(body) < length:  # the client stalled or hung up mid-body
            self.close_connection = True
            with contextlib.suppress(OSError):
                self._answer(408, _message("The request body did not arrive in time."))
            return None
        return body

    def _answer(
        self,
        status: int,
        body: bytes | None,
        headers: dict[str, str] | None = None,
        send_body: bool = True,
    ) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body or b"")))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if body and send_body:
            self.wfile.write(body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Errors the HTTP layer itself raises (malformed requests) are JSON too; a method
        the server does not serve (TRACE, CONNECT, …) is a 405 naming those it does."""
        self.close_connection = True
        if code == 501:
            self._answer(405, _message("Method not allowed."), {"Allow": ALLOWED_METHODS})
            return
        self._answer(code, _message(message or self.responses.get(code, ("Error",))[0]))

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)


class SimulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self,
        simulator: Simulator,
        host: str = "127.0.0.1",
        port: int = 0,
        read_timeout: float = READ_TIMEOUT,
    ) -> None:
        self.simulator = simulator
        self.read_timeout = read_timeout
        super().__init__((host, port), _Handler)
        self.host = host
        self.port = int(self.server_address[1])

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up before its answer (it timed out) is routine, not an error."""
        error = sys.exc_info()[1]
        if isinstance(error, (BrokenPipeError, ConnectionResetError, TimeoutError)):
            log.debug("client %s went away before its answer", client_address)
            return
        log.exception("error serving %s", client_address)

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


class RunningSimulator:
    """A simulator serving in a background thread; for tests and embedding."""

    def __init__(
        self,
        simulator: Simulator,
        host: str = "127.0.0.1",
        port: int = 0,
        read_timeout: float = READ_TIMEOUT,
    ) -> None:
        self.simulator = simulator
        self.server = SimulatorHTTPServer(simulator, host, port, read_timeout)
        self._thread = threading.Thread(
            target=self.server.serve_forever, args=(0.05,), name="ampeco-sim", daemon=True
        )

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def start(self) -> RunningSimulator:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)
        self.simulator.close()

    def __enter__(self) -> RunningSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
