"""The simulator's embedded database: one SQLite file (or ``:memory:``).

Every object is a row of ``objects``: its kind, a per-kind integer id, the id of the parent it
lives under (for nested resources), its stored JSON body and timestamps. Writes run in
``BEGIN IMMEDIATE`` transactions behind one lock, so concurrent requests never share an id or
lose a write; ids come from a per-kind sequence row, so a deleted id is never reused.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from .catalog import COLLECTIONS

SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    kind TEXT NOT NULL,
    id INTEGER NOT NULL,
    parent_id INTEGER,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_ts INTEGER NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX IF NOT EXISTS objects_parent ON objects (kind, parent_id, id);
CREATE TABLE IF NOT EXISTS sequences (kind TEXT PRIMARY KEY, last_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

#: First id handed out per kind. Distinct ranges make a client that mixes up ids get a 404
#: instead of silently hitting another object.
ID_BASE = {
    "location": 4000,
    "charging_zone": 70,
    "charge_point": 90000,
    "evse": 255000,
    "connector": 301000,
    "tariff": 2200,
    "tariff_group": 500,
    "tax": 40,
    "tax_identification_number": 1,
    "currency": 1,
    "template_variable": 30000,
    **{entry.kind: entry.id_base for entry in COLLECTIONS},
}


#: SQLite integers are signed 64-bit; larger ids cannot name a stored object.
MAX_ID = 2**63 - 1


#: An id's digits: more than any id has are refused before ``int`` (which caps digits) sees them.
_DIGITS = re.compile(r"[0-9]{1,20}")


def as_id(value: object) -> int:
    """An id for SQL parameters: the integer, or -1 (matches nothing) when it cannot be one."""
    text = str(value)
    if isinstance(value, bool) or not _DIGITS.fullmatch(text) or int(text) > MAX_ID:
        return -1
    return int(text)


def _stored(body: dict[str, Any]) -> str:
    """The JSON text of a stored body; a number that is not finite raises, never stored."""
    return json.dumps(body, allow_nan=False)


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def iso(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SS+00:00``, the form the simulator emits everywhere."""
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat()


@dataclass
class Row:
    kind: str
    id: int
    parent_id: int | None
    body: dict[str, Any]
    created_at: str
    updated_at: str


class Tx:
    """Operations inside one transaction."""

    def __init__(self, conn: sqlite3.Connection, now: datetime) -> None:
        self._conn = conn
        self.now = now

    def _row(self, r: Sequence[Any]) -> Row:
        return Row(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5])

    def next_id(self, kind: str) -> int:
        cur = self._conn.execute("SELECT last_id FROM sequences WHERE kind = ?", (kind,))
        found = cur.fetchone()
        new_id = (found[0] if found else ID_BASE.get(kind, 1) - 1) + 1
        self._conn.execute(
            "INSERT INTO sequences (kind, last_id) VALUES (?, ?) "
            "ON CONFLICT(kind) DO UPDATE SET last_id = excluded.last_id",
            (kind, new_id),
        )
        return new_id

    def insert(self, kind: str, body: dict[str, Any], parent_id: int | None = None) -> Row:
        new_id = self.next_id(kind)
        stamp = iso(self.now)
        self._conn.execute(
            "INSERT INTO objects (kind, id, parent_id, body, created_at, updated_at, updated_ts)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (kind, new_id, parent_id, _stored(body), stamp, stamp, int(self.now.timestamp())),
        )
        return Row(kind, new_id, parent_id, body, stamp, stamp)

    def get(self, kind: str, id_: int) -> Row | None:
        if not 0 <= id_ <= MAX_ID:
            return None
        cur = self._conn.execute(
            "SELECT kind, id, parent_id, body, created_at, updated_at FROM objects "
            "WHERE kind = ? AND id = ?",
            (kind, id_),
        )
        found = cur.fetchone()
        return self._row(found) if found else None

    def update(self, row: Row, body: dict[str, Any]) -> Row:
        stamp = iso(self.now)
        self._conn.execute(
            "UPDATE objects SET body = ?, updated_at = ?, updated_ts = ? WHERE kind = ? AND id = ?",
            (_stored(body), stamp, int(self.now.timestamp()), row.kind, row.id),
        )
        return Row(row.kind, row.id, row.parent_id, body, row.created_at, stamp)

    def delete(self, kind: str, id_: int) -> None:
        self._conn.execute("DELETE FROM objects WHERE kind = ? AND id = ?", (kind, id_))

    def select(
        self,
        kind: str,
        where: Sequence[str] = (),
        params: Sequence[Any] = (),
        *,
        descending: bool = False,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Row]:
        sql = "SELECT kind, id, parent_id, body, created_at, updated_at FROM objects WHERE kind = ?"
        for clause in where:
            sql += f" AND ({clause})"
        sql += " ORDER BY id DESC" if descending else " ORDER BY id ASC"
        args: list[Any] = [kind, *params]
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            args += [limit, offset]
        return [self._row(r) for r in self._conn.execute(sql, args).fetchall()]

    def children(self, kind: str, parent_id: int) -> list[Row]:
        """Objects of ``kind`` filed under the object ``parent_id`` (nested resources)."""
        return self.select(kind, ["parent_id = ?"], [parent_id])

    def referencing(self, kind: str, path: str, id_: int) -> list[Row]:
        """Objects of ``kind`` whose field at ``path`` (dotted) holds the id ``id_``."""
        return self.select(kind, [f"CAST(json_extract(body, '$.{path}') AS TEXT) = ?"], [str(id_)])

    def count(self, kind: str, where: Sequence[str] = (), params: Sequence[Any] = ()) -> int:
        sql = "SELECT COUNT(*) FROM objects WHERE kind = ?"
        for clause in where:
            sql += f" AND ({clause})"
        result = self._conn.execute(sql, [kind, *params]).fetchone()
        return int(result[0])

    def get_meta(self, key: str) -> str | None:
        found = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(found[0]) if found else None

    def set_meta(self, key: str, value: str) -> None:
        self._conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )


class StoreClosed(RuntimeError):
    """The simulator is shutting down; no more transactions."""


class Store:
    """A SQLite database shared by all request threads."""

    def __init__(self, path: str = ":memory:") -> None:
        self.path = path
        self._lock = threading.Lock()
        self._closed = False
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        if path != ":memory:":
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(SCHEMA)

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        with self._lock:
            if self._closed:
                raise StoreClosed("the tenant is shutting down")
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(self._conn, utc_now())
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def wipe(self) -> None:
        with self._lock:
            if self._closed:
                raise StoreClosed("the tenant is shutting down")
            self._conn.executescript(
                "BEGIN; DELETE FROM objects; DELETE FROM sequences; DELETE FROM meta; COMMIT;"
            )

    def snapshot(self) -> sqlite3.Connection:
        """A copy of the whole database in memory, for :meth:`restore`: a test seeds a tenant
        once and starts each case from it, instead of seeding it again over the API."""
        copied = sqlite3.connect(":memory:", check_same_thread=False)
        with self._lock:
            if self._closed:
                raise StoreClosed("the tenant is shutting down")
            self._conn.backup(copied)
        return copied

    def restore(self, snapshot: sqlite3.Connection) -> None:
        """Back to the data of a :meth:`snapshot` (objects, id sequences and settings)."""
        with self._lock:
            if self._closed:
                raise StoreClosed("the tenant is shutting down")
            snapshot.backup(self._conn)

    def close(self) -> None:
        """Wait for the running transaction, then close; later requests get a 503."""
        with self._lock:
            self._closed = True
            self._conn.close()
