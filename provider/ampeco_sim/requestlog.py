"""The request log: what each request was and how it ended, bounded in entries and in bytes.

Tests read it to see the calls a client made and the bodies it wrote. A client may also send
bodies of megabytes, refused or not; the log keeps a write body only up to ``BODY_LIMIT`` bytes
(beyond that, its length and a marker) and drops its oldest entries once it holds more than
``max_entries`` of them or more than ``max_bytes`` of their text, so no client can make the
simulator grow without end. Bodies are kept as compact JSON text, secrets masked, and read
back when the log is listed.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

from .bodies import json_body
from .errors import ApiError

#: The largest write body the log keeps; a larger one is logged by its length only.
BODY_LIMIT = 64 * 1024
#: Entries the log holds at most.
MAX_ENTRIES = 100_000
#: Bytes of text (paths, queries, bodies, ``ENTRY_OVERHEAD`` each) the log holds at most.
MAX_BYTES = 64 * 1024 * 1024
#: Bytes an entry is counted for besides its text: the entry object, its fields and its slot.
ENTRY_OVERHEAD = 200
#: The methods whose bodies the log keeps.
WRITES = frozenset({"POST", "PUT", "PATCH"})
#: Body fields the log never shows (OCPP passwords, charger PINs).
SECRET_FIELDS = frozenset({"password", "pin"})


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    method: str
    path: str
    query: str
    status: int
    duration_ms: float
    outcome: str  # "answered", "fault", "ghost", "dropped", "late"
    operation: str | None
    body_bytes: int  # the length of the body as received
    body: bytes | None = None  # a write's JSON body as compact text, secrets masked

    @property
    def size(self) -> int:
        """The bytes this entry counts for against the log's bound."""
        return ENTRY_OVERHEAD + len(self.path) + len(self.query) + len(self.body or b"")

    @property
    def body_omitted(self) -> bool:
        """Whether a write body was left out for its size (not: it was not JSON)."""
        return self.body_bytes > BODY_LIMIT and self.method in WRITES

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "status": self.status,
            "durationMs": round(self.duration_ms, 3),
            "outcome": self.outcome,
            "operation": self.operation,
            "body": None if self.body is None else json.loads(self.body),
            "bodyBytes": self.body_bytes,
            "bodyOmitted": self.body_omitted,
        }


class RequestLog:
    """The last requests, oldest first, within ``max_entries`` and ``max_bytes``."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: deque[LoggedRequest] = deque()
        self._bytes = 0
        self._lock = threading.Lock()

    def add(self, entry: LoggedRequest) -> None:
        with self._lock:
            self._entries.append(entry)
            self._bytes += entry.size
            while self._entries and (
                len(self._entries) > self.max_entries or self._bytes > self.max_bytes
            ):
                self._bytes -= self._entries.popleft().size

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            kept = list(self._entries)
        return [entry.as_dict() for entry in kept]

    def usage(self) -> dict[str, int]:
        """How full the log is, and its bounds (``GET /_sim/requests`` shows it as ``meta``)."""
        with self._lock:
            return {
                "entries": len(self._entries),
                "bytes": self._bytes,
                "maxEntries": self.max_entries,
                "maxBytes": self.max_bytes,
                "bodyLimit": BODY_LIMIT,
            }

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0


def logged_body(method: str, body: bytes) -> bytes | None:
    """The JSON body of a write as the log keeps it, secrets masked; ``None`` for one over
    ``BODY_LIMIT`` (not even parsed) or one the tenant would not take (not JSON, too deep,
    not valid Unicode, a number that is not finite)."""
    if method not in WRITES or len(body) > BODY_LIMIT or not body.strip():
        return None
    try:
        value = json_body(body, "application/json")
    except ApiError:
        return None
    return json.dumps(_masked(value), ensure_ascii=False, separators=(",", ":")).encode()


def _masked(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: "***" if k in SECRET_FIELDS else _masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value
