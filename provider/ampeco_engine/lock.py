"""One operation at a time per state file: a lock beside it, ``<state>.lock``.

Two runs on one state would each create every object and each record only its own, so the
second waits for nobody: it stops at once, naming the holder. The lock is an ``flock`` on the
file, so the kernel releases it when the holder dies (SIGKILL, OOM) and a later run takes it
over by itself; the file's content (pid, host, start, operation) is what the message names.
A lock left on another host, where ``flock`` may not reach (some network file systems), cannot
be judged from here: the message says how to break it (``force``).

The lock never exists without its content: the holder's record is written whole to a
temporary file, which is locked and then linked into place (``link`` fails when a lock is
there) or, over a dead holder's lock, renamed into place. Only the process holding the
``flock`` of the file at the lock's path replaces or removes it, so two runs taking over one
stale lock cannot both win. No lock file is opened through a symbolic link: one at the lock's
path is refused, so its target is never written.
"""

from __future__ import annotations

import contextlib
import datetime
import errno
import fcntl
import json
import os
import re
import socket
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .results import EngineStartError


class StateLockedError(EngineStartError):
    """Another operation holds the state's lock (or held it on another host), or the lock's
    path cannot be used."""

    def __init__(self, message: str, holder: dict[str, Any]) -> None:
        super().__init__(message)
        self.holder = holder


def lock_path(state_path: Path) -> Path:
    return state_path.with_name(state_path.name + ".lock")


_HOST = re.compile(r"[A-Za-z0-9][\w.-]{0,252}")
_STARTED = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC")
#: What each field of a lock's record may hold to be shown; anything else shows as ``?`` (the
#: file may have been damaged, and what it holds then may be a secret).
_SHOWN: dict[str, Callable[[Any], bool]] = {
    "pid": lambda v: isinstance(v, int) and not isinstance(v, bool) and 0 < v < 2**32,
    "host": lambda v: isinstance(v, str) and _HOST.fullmatch(v) is not None,
    "started": lambda v: isinstance(v, str) and _STARTED.fullmatch(v) is not None,
    "operation": lambda v: v in ("preview", "up", "refresh", "destroy"),
}


def describe(holder: dict[str, Any]) -> str:
    """``up by pid 123 on host ci-7 (since 2026-11-29 10:02:11 UTC)``; a field that is not as
    this engine writes it shows as ``?``."""
    shown = {k: holder.get(k) if ok(holder.get(k)) else "?" for k, ok in _SHOWN.items()}
    operation = shown["operation"] if shown["operation"] != "?" else "an operation"
    return f"{operation} by pid {shown['pid']} on host {shown['host']} (since {shown['started']})"


_UNREADABLE = {"pid": "?", "host": "?", "started": "?", "operation": "unreadable lock"}


def _read(fd: int) -> dict[str, Any]:
    os.lseek(fd, 0, os.SEEK_SET)
    raw = b""
    while chunk := os.read(fd, 65536):
        raw += chunk
    try:
        data = json.loads(raw.decode("utf-8")) if raw.strip() else {}
    except ValueError:  # not UTF-8, not JSON, a number too long to read
        return dict(_UNREADABLE)
    return data if isinstance(data, dict) else dict(_UNREADABLE)


def _record(directory: Path, operation: str) -> tuple[int, str]:
    """A new file in ``directory`` holding this process's record, locked by it: a descriptor
    and the file's name."""
    started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    mine = {"pid": os.getpid(), "host": socket.gethostname(), "started": started}
    mine["operation"] = operation
    fd, temp = tempfile.mkstemp(prefix=".lock.", suffix=".tmp", dir=directory)
    try:
        os.write(fd, (json.dumps(mine) + "\n").encode("utf-8"))
        os.fsync(fd)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # nobody else knows the file yet
    except BaseException:
        os.close(fd)
        os.unlink(temp)
        raise
    return fd, temp


def _open_existing(path: Path) -> int | None:
    """A descriptor of the lock at ``path``, never through a symbolic link; ``None`` when it
    was removed meanwhile."""
    try:
        return os.open(path, os.O_RDWR | os.O_NOFOLLOW)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            raise
        raise StateLockedError(
            f"the state's lock {path} is a symbolic link: no lock is written through a link."
            " Remove the link (this engine never makes one) and run again",
            {},
        ) from None


def _still_at(fd: int, path: Path) -> bool:
    """Whether the file of ``fd`` is the one at ``path`` (not replaced nor removed since)."""
    try:
        return os.fstat(fd).st_ino == os.lstat(path).st_ino
    except FileNotFoundError:
        return False


def _acquire(
    path: Path, operation: str, state_path: Path, force: bool, notices: list[str] | None
) -> int:
    """Put this process's locked record at ``path``; its descriptor, held until released."""
    fd, temp = _record(path.parent, operation)
    try:
        while True:
            try:
                os.link(temp, path)  # fails if any file, or a link, is there
                return fd
            except FileExistsError:
                pass
            except OSError as error:
                if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
                    raise
                raise StateLockedError(
                    f"{path}: the file system of {path.parent} cannot hold the lock (it has no"
                    " hard links, which the lock is made with); keep the state on a local disk."
                    " Nothing was sent to the tenant",
                    {},
                ) from None
            other = _open_existing(path)
            if other is None:
                continue  # released meanwhile: try again
            try:
                if _take_over(other, path, state_path, force, notices):
                    os.rename(temp, path)  # only the holder of the flock at path does this
                    return fd
            finally:
                os.close(other)
    except BaseException:
        os.close(fd)
        raise
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)


def _take_over(
    fd: int, path: Path, state_path: Path, force: bool, notices: list[str] | None
) -> bool:
    """Whether the lock open on ``fd`` was left by a process that ended (it is then ours to
    replace); ``False`` when it changed meanwhile (look again). Raises
    :class:`StateLockedError` when it is held."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _read(fd)
        raise StateLockedError(
            f"the state {state_path} is locked: {describe(holder)} is running. Wait for it "
            f"to end; if that process is gone, its lock is released by itself",
            holder,
        ) from None
    if not _still_at(fd, path):
        return False  # released (removed) or taken over between our open and our flock
    holder = _read(fd)
    if holder.get("host") != socket.gethostname() and not force:
        raise StateLockedError(
            f"the state {state_path} is locked by {describe(holder)}, which this "
            f"machine cannot check. If no operation runs there any more, run again "
            f"with --force-unlock",
            holder,
        )
    if notices is not None:
        notices.append(f"took over the lock left by {describe(holder)}, which ended")
    return True


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
    fd = _acquire(path, operation, state_path, force, notices)
    try:
        yield
    finally:
        # Removed while still held: a run that opened it meanwhile looks again (see above).
        if _still_at(fd, path):
            path.unlink()
        os.close(fd)
