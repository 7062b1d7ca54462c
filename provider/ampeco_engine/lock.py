"""One operation at a time per state file: a lock beside it, ``<state>.lock``.

Two runs on one state would each create every object and each record only its own, so the
second waits for nobody: it stops at once, naming the holder. The lock is an ``flock`` on the
file, so the kernel releases it when the holder dies (SIGKILL, OOM) and a later run takes it
over by itself; the file's content (pid, host, start, operation) is what the message names.
A lock left on another host, where ``flock`` may not reach (some network file systems), cannot
be judged from here: the message says how to break it (``force``).
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class StateLockedError(Exception):
    """Another operation holds the state's lock (or held it on another host)."""

    def __init__(self, message: str, holder: dict[str, Any]) -> None:
        super().__init__(message)
        self.holder = holder


def lock_path(state_path: Path) -> Path:
    return state_path.with_name(state_path.name + ".lock")


def describe(holder: dict[str, Any]) -> str:
    """``pid 123 on host ci-7 (up since 2026-11-29 10:02:11 UTC)``."""
    since = holder.get("started", "?")
    operation = holder.get("operation") or "an operation"
    pid, host = holder.get("pid", "?"), holder.get("host", "?")
    return f"{operation} by pid {pid} on host {host} (since {since})"


def _read(fd: int) -> dict[str, Any]:
    os.lseek(fd, 0, os.SEEK_SET)
    raw = b""
    while chunk := os.read(fd, 65536):
        raw += chunk
    try:
        data = json.loads(raw.decode("utf-8")) if raw.strip() else {}
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {"pid": "?", "host": "?", "started": "?", "operation": "unreadable lock"}
    return data if isinstance(data, dict) else {}


def _open_locked(path: Path) -> tuple[int, bool]:
    """A descriptor of the lock file at ``path`` and whether this process now holds it.

    A file unlinked by a releasing holder between our open and our flock is not the lock any
    more: open again until the locked file is the one at ``path``."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return fd, False
        except BaseException:
            os.close(fd)
            raise
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd, True
        os.close(fd)


@contextlib.contextmanager
def state_lock(
    state_path: Path, operation: str, *, force: bool = False, notices: list[str] | None = None
) -> Iterator[None]:
    """Hold the state's lock for the ``with`` block; raises :class:`StateLockedError`.

    ``force`` breaks a lock recorded by a process of another host (after the user checked that
    it runs no more); a holder alive on this host is never broken. ``notices`` receives a line
    when a lock left by a dead process is taken over."""
    path = lock_path(state_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    host = socket.gethostname()
    fd, held = _open_locked(path)
    try:
        holder = _read(fd)
        if not held:
            raise StateLockedError(
                f"the state {state_path} is locked: {describe(holder)} is running. Wait for it "
                f"to end; if that process is gone, its lock is released by itself",
                holder,
            )
        if holder:
            if holder.get("host") not in (host, None) and not force:
                raise StateLockedError(
                    f"the state {state_path} is locked by {describe(holder)}, which this "
                    f"machine cannot check. If no operation runs there any more, run again "
                    f"with --force-unlock",
                    holder,
                )
            if notices is not None:
                notices.append(f"took over the lock left by {describe(holder)}, which ended")
        started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
        mine = {"pid": os.getpid(), "host": host, "started": started, "operation": operation}
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(mine) + "\n").encode("utf-8"), 0)
        os.fsync(fd)
        try:
            yield
        finally:
            # Unlinked while still held: a run that opened the old file re-checks (see above).
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
    finally:
        os.close(fd)
