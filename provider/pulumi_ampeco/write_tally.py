"""The requests that write to the tenant, tallied for a run's summary.

The offline engine runs the providers in a process of their own, so the tally is a file
named by an environment variable that the providers' processes inherit: each write request
sent appends a line. Paths carry ids only, never a value.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator

ENV = "AMPECO_WRITE_TALLY"


def record(method: str, path: str) -> None:
    """Count one request that may change the tenant (a retry counts again)."""
    target = os.environ.get(ENV)
    if not target or method in ("GET", "HEAD", "OPTIONS"):
        return
    with contextlib.suppress(OSError):  # a tally is a courtesy: it never fails a request
        fd = os.open(target, os.O_WRONLY | os.O_APPEND)  # never made anew once removed
        try:
            os.write(fd, f"{method} {path}\n".encode())
        finally:
            os.close(fd)


@contextlib.contextmanager
def tallying() -> Iterator[Callable[[], int | None]]:
    """Tally the writes of everything started inside (this process and its children); yields
    the count so far, ``None`` where no tally could be kept (no temporary file): the run goes
    on without one."""
    try:
        fd, name = tempfile.mkstemp(prefix="ampeco-writes-")
    except OSError:
        yield lambda: None
        return
    os.close(fd)
    previous = os.environ.get(ENV)
    os.environ[ENV] = name

    def count() -> int | None:
        try:
            with open(name, encoding="utf-8") as lines:
                return sum(1 for _ in lines)
        except OSError:
            return None

    try:
        yield count
    finally:
        if previous is None:
            os.environ.pop(ENV, None)
        else:
            os.environ[ENV] = previous
        with contextlib.suppress(OSError):
            os.unlink(name)
