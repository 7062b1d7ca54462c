"""A progress display for long offline operations (``ampeco-iac offline up`` and friends).

An operation on a large tenant runs thousands of resource steps and prints its plan only at
the end; without a sign of life a user cannot tell a slow tenant from a hung run. The engine
reports each step from several worker threads at once, so every method here is thread-safe,
and none ever raises: a progress line is not worth failing a deployment over.

On a terminal (``live``) one status line is rewritten in place; elsewhere (CI logs, pipes) a
plain line is printed now and then, so logs stay readable and short runs stay quiet.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable, Mapping
from typing import IO

#: Seconds between two redraws of the live line: faster is flicker, not information.
LIVE_INTERVAL = 0.1
#: Columns assumed when the terminal does not say.
FALLBACK_WIDTH = 100

_CLEAR = "\r\x1b[K"
_TRUTHY = frozenset({"1", "true", "yes"})


def _one_line(text: str) -> str:
    """``text`` without line breaks or control characters, which would break the live line."""
    return "".join(c if c.isprintable() else " " for c in text).strip()


class Progress:
    """Counts finished steps and shows them on ``stream``, live or as periodic lines."""

    def __init__(
        self,
        stream: IO[str],
        *,
        live: bool,
        title: str,
        interval: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._live = live
        self._title = _one_line(title)
        self._interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        self._total: int | None = None
        self._done = 0
        #: Steps started and not finished yet, oldest first (a dict keeps the order).
        self._running: dict[str, int] = {}
        self._last = ""
        self._drawn: float | None = None  # live: when the line was last drawn
        self._on_screen = False  # live: a status line is showing and must be cleared first
        self._printed_at = clock()  # plain: the first line only after a whole interval
        self._printed = False  # plain: a periodic line was printed
        self._closed = False
        self._broken = False

    # the engine's side ---------------------------------------------------------------------

    def set_total(self, total: int | None) -> None:
        """The number of steps expected, when known; ``None`` shows only the count."""
        with self._lock:
            self._total = total if total is None or total >= 0 else None
            self._tick()

    def started(self, what: str) -> None:
        """A step began; ``what`` (e.g. ``create ampeco:Location depot-north``) is shown."""
        what = _one_line(what)
        with self._lock:
            self._running[what] = self._running.get(what, 0) + 1
            # Move it to the end: the live line shows the step started last.
            self._running[what] = self._running.pop(what)
            self._tick()

    def finished(self, what: str) -> None:
        """A step is done: one more counted."""
        what = _one_line(what)
        with self._lock:
            self._done += 1
            self._last = what
            left = self._running.pop(what, 0) - 1
            if left > 0:
                self._running[what] = left
            self._tick()

    def note(self, line: str) -> None:
        """Print ``line`` on its own line now (e.g. a retry), then restore the live line."""
        with self._lock:
            text = line.rstrip("\n")
            if self._live and self._on_screen:
                self._write(_CLEAR + text + "\n")
                self._on_screen = False
                if not self._closed:
                    self._draw(self._clock())
            else:
                self._write(text + "\n")

    def close(self) -> None:
        """Leave the stream clean for what follows: clear the live line, or print a final
        count when periodic lines were printed (a short run stays silent). Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._live:
                if self._on_screen:
                    self._write(_CLEAR)
                    self._on_screen = False
            elif self._printed:
                self._write(f"{self._title}: {self._count()} steps done\n")

    @property
    def done(self) -> int:
        """Steps finished so far."""
        with self._lock:
            return self._done

    # drawing (the lock is held) ------------------------------------------------------------

    def _count(self) -> str:
        return f"{self._done}" if self._total is None else f"{self._done}/{self._total}"

    def _tick(self) -> None:
        if self._closed or self._broken:
            return
        now = self._clock()
        if self._live:
            if self._drawn is None or now - self._drawn >= LIVE_INTERVAL:
                self._draw(now)
        elif now - self._printed_at >= self._interval:
            last = f" (last: {self._last})" if self._last else ""
            self._write(f"{self._title}: {self._count()} steps done{last}\n")
            self._printed_at = now
            self._printed = True

    def _draw(self, now: float) -> None:
        current = next(reversed(self._running), "") if self._running else self._last
        text = f"{self._title}: {self._count()} steps"
        if current:
            text += f" · {current}"
        width = max(10, self._width() - 1)  # the last column would wrap on some terminals
        if len(text) > width:  # a wrapped line cannot be rewritten with \r
            text = text[: width - 1] + "…"
        self._write(_CLEAR + text)
        self._drawn = now
        self._on_screen = True

    def _width(self) -> int:
        """``COLUMNS``, else this stream's terminal (stdout may be redirected), else stdout's."""
        if not os.environ.get("COLUMNS"):
            try:
                return os.get_terminal_size(self._stream.fileno()).columns
            except (AttributeError, OSError, ValueError):
                pass
        return shutil.get_terminal_size((FALLBACK_WIDTH, 24)).columns

    def _write(self, text: str) -> None:
        if self._broken:
            return
        try:
            self._stream.write(text)
            self._stream.flush()
        except (OSError, ValueError):  # closed or broken pipe: stop showing, keep working
            self._broken = True


def for_stream(stream: IO[str], title: str, *, env: Mapping[str, str] | None = None) -> Progress:
    """A ``Progress`` on ``stream``: live on an interactive terminal, plain lines otherwise.

    CI systems often emulate a TTY but keep every ``\\r`` redraw in their logs, and a ``dumb``
    terminal cannot clear a line; both get plain lines.
    """
    env = os.environ if env is None else env
    try:
        tty = stream.isatty()
    except (OSError, ValueError):
        tty = False
    ci = env.get("CI", "").strip().lower() in _TRUTHY
    live = tty and not ci and env.get("TERM", "") != "dumb"
    return Progress(stream, live=live, title=title)
