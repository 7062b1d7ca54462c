"""The progress display of long offline operations: what a terminal and a CI log receive."""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass

import pytest

from pulumi_ampeco.progress import Progress, for_stream

pytestmark = pytest.mark.quick


@dataclass
class Clock:
    """A clock that moves only when the test says so."""

    now: float = 100.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


class Broken(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError("the reader went away")


def screen(raw: str) -> list[str]:
    """What a terminal shows after ``raw``: ``\\r`` returns to the line start, ``\\x1b[K``
    clears the rest of the line. A bare model, enough for one status line and notes."""
    lines = [""]
    col = 0
    i = 0
    while i < len(raw):
        if raw.startswith("\x1b[K", i):
            lines[-1] = lines[-1][:col]
            i += 3
            continue
        char = raw[i]
        if char == "\r":
            col = 0
        elif char == "\n":
            lines.append("")
            col = 0
        else:
            line = lines[-1]
            lines[-1] = line[:col] + char + line[col + 1 :]
            col += 1
        i += 1
    return lines


@pytest.fixture(autouse=True)
def _width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")


def live(clock: Clock, title: str = "Updating") -> tuple[Terminal, Progress]:
    stream = Terminal()
    return stream, Progress(stream, live=True, title=title, clock=clock)


def test_live_line_shows_count_total_and_current_object() -> None:
    clock = Clock()
    stream, progress = live(clock)
    progress.set_total(3000)
    progress.started("create ampeco:Evse evse-12")
    clock.now += 0.2
    progress.finished("create ampeco:Location depot-north")
    assert screen(stream.getvalue())[-1] == "Updating: 1/3000 steps · create ampeco:Evse evse-12"
    assert "\n" not in stream.getvalue()


def test_live_line_without_total_shows_only_the_count() -> None:
    clock = Clock()
    stream, progress = live(clock, "Previewing")
    progress.started("read ampeco:Tax vat")
    assert screen(stream.getvalue()) == ["Previewing: 0 steps · read ampeco:Tax vat"]
    clock.now += 1
    progress.finished("read ampeco:Tax vat")
    assert screen(stream.getvalue()) == ["Previewing: 1 steps · read ampeco:Tax vat"]


def test_live_redraws_are_throttled_but_the_first_is_immediate() -> None:
    clock = Clock()
    stream, progress = live(clock)
    progress.set_total(100)
    assert stream.getvalue().count("\r") == 1  # the first draw
    for n in range(50):  # 50 steps within 0.05 s: no redraw
        clock.now += 0.001
        progress.started(f"create ampeco:Evse evse-{n}")
        progress.finished(f"create ampeco:Evse evse-{n}")
    assert stream.getvalue().count("\r") == 1
    clock.now += 0.1
    progress.finished("create ampeco:Evse evse-50")
    assert stream.getvalue().count("\r") == 2
    assert screen(stream.getvalue())[-1].startswith("Updating: 51/100 steps")


def test_live_close_clears_the_line_for_the_output_that_follows() -> None:
    clock = Clock()
    stream, progress = live(clock)
    progress.set_total(2)
    progress.started("create ampeco:Tax vat")
    progress.close()
    progress.close()  # idempotent
    stream.write("Resources: 2 created\n")
    assert screen(stream.getvalue()) == ["Resources: 2 created", ""]
    assert stream.getvalue().endswith("\r\x1b[KResources: 2 created\n")
    progress.finished("create ampeco:Tax vat")  # late: counted, not drawn
    assert progress.done == 1 and stream.getvalue().endswith("created\n")


def test_a_note_gets_its_own_line_and_the_status_comes_back() -> None:
    clock = Clock()
    stream, progress = live(clock)
    progress.set_total(10)
    progress.started("create ampeco:Location depot-north with a long name")
    progress.note("GET /public-api/x: tenant unreachable (connection refused); retrying in 1.0 s")
    assert screen(stream.getvalue()) == [
        "GET /public-api/x: tenant unreachable (connection refused); retrying in 1.0 s",
        "Updating: 0/10 steps · create ampeco:Location depot-north with a long name",
    ]
    progress.close()
    assert screen(stream.getvalue())[-1] == ""


def test_lines_are_truncated_to_the_terminal_width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    clock = Clock()
    stream, progress = live(clock)
    progress.set_total(3000)
    clock.now += 1
    progress.started("create ampeco:Evse " + "x" * 200)
    shown = screen(stream.getvalue())
    assert len(shown) == 1 and len(shown[0]) < 40
    assert shown[0].startswith("Updating: 0/3000 steps · create") and shown[0].endswith("…")


def test_names_with_line_breaks_cannot_break_the_live_line() -> None:
    stream, progress = live(Clock())
    progress.started("create ampeco:Tax a\nb\rc")
    assert screen(stream.getvalue()) == ["Updating: 0 steps · create ampeco:Tax a b c"]


def test_plain_lines_at_most_every_interval_and_a_final_count() -> None:
    clock = Clock()
    stream = io.StringIO()
    progress = Progress(stream, live=False, title="Updating", interval=5.0, clock=clock)
    progress.set_total(3000)
    for n in range(48):
        clock.now += 0.25  # 12 s in all: two periodic lines, at 5 s and 10 s
        progress.started(f"create ampeco:Evse evse-{n}")
        progress.finished(f"create ampeco:Evse evse-{n}")
    progress.close()
    text = stream.getvalue()
    assert "\r" not in text and "\x1b" not in text
    assert text.splitlines() == [
        "Updating: 19/3000 steps done (last: create ampeco:Evse evse-18)",
        "Updating: 39/3000 steps done (last: create ampeco:Evse evse-38)",
        "Updating: 48/3000 steps done",
    ]


def test_plain_lines_without_total() -> None:
    clock = Clock()
    stream = io.StringIO()
    progress = Progress(stream, live=False, title="Destroying", interval=1.0, clock=clock)
    clock.now += 2
    progress.finished("delete ampeco:Tax vat")
    progress.close()
    assert stream.getvalue().splitlines() == [
        "Destroying: 1 steps done (last: delete ampeco:Tax vat)",
        "Destroying: 1 steps done",
    ]


def test_a_short_plain_run_prints_nothing() -> None:
    clock = Clock()
    stream = io.StringIO()
    progress = Progress(stream, live=False, title="Updating", clock=clock)
    progress.set_total(3)
    for n in range(3):
        clock.now += 1
        progress.started(f"create ampeco:Tax t{n}")
        progress.finished(f"create ampeco:Tax t{n}")
    progress.close()
    assert stream.getvalue() == ""


def test_plain_notes_are_printed_at_once() -> None:
    stream = io.StringIO()
    progress = Progress(stream, live=False, title="Updating", clock=Clock())
    progress.note("GET /x: tenant busy or unavailable (HTTP 503); retrying in 0.5 s\n")
    progress.close()
    assert stream.getvalue() == "GET /x: tenant busy or unavailable (HTTP 503); retrying in 0.5 s\n"


def test_concurrent_steps_are_all_counted_on_a_terminal() -> None:
    stream = Terminal()
    progress = Progress(stream, live=True, title="Updating")  # the real clock
    progress.set_total(8 * 500)
    gate = threading.Barrier(8)

    def work(worker: int) -> None:
        gate.wait()
        for n in range(500):
            what = f"create ampeco:Evse w{worker}-{n}"
            progress.started(what)
            if n % 100 == 0:
                progress.note(f"note {worker}-{n}")
            progress.finished(what)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    progress.close()
    assert progress.done == 4000
    shown = screen(stream.getvalue())
    # Every note whole on its own line; the status line cleared at the end.
    assert sorted(shown[:-1]) == sorted(
        f"note {w}-{n}" for w in range(8) for n in range(0, 500, 100)
    )
    assert shown[-1] == ""


def test_concurrent_steps_are_all_counted_in_plain_lines() -> None:
    stream = io.StringIO()
    progress = Progress(stream, live=False, title="Updating", interval=0.0)
    gate = threading.Barrier(8)

    def work(worker: int) -> None:
        gate.wait()
        for n in range(250):
            progress.started(f"create ampeco:Evse w{worker}-{n}")
            progress.finished(f"create ampeco:Evse w{worker}-{n}")

    threads = [threading.Thread(target=work, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    progress.close()
    lines = stream.getvalue().splitlines()
    assert lines[-1] == "Updating: 2000 steps done"
    assert all(line.startswith("Updating: ") for line in lines)  # no line torn by another


def test_a_broken_stream_never_raises() -> None:
    for is_live in (True, False):
        clock = Clock()
        progress = Progress(Broken(), live=is_live, title="Updating", interval=1, clock=clock)
        progress.set_total(2)
        progress.started("create ampeco:Tax vat")
        clock.now += 2
        progress.finished("create ampeco:Tax vat")
        progress.note("a note")
        progress.close()
        assert progress.done == 1
    closed = Terminal()
    closed.close()  # writing raises ValueError
    progress = Progress(closed, live=True, title="Updating")
    progress.started("x")
    progress.note("y")
    progress.close()


@pytest.mark.parametrize(
    ("tty", "env", "expected"),
    [
        (True, {"TERM": "xterm-256color"}, True),
        (True, {}, True),
        (True, {"TERM": "xterm", "CI": "true"}, False),
        (True, {"TERM": "xterm", "CI": "1"}, False),
        (True, {"TERM": "xterm", "CI": "false"}, True),
        (True, {"TERM": "dumb"}, False),
        (False, {"TERM": "xterm"}, False),
    ],
)
def test_for_stream_is_live_only_on_an_interactive_terminal(
    tty: bool, env: dict[str, str], expected: bool
) -> None:
    stream = Terminal() if tty else io.StringIO()
    progress = for_stream(stream, "Updating", env=env)
    progress.started("create ampeco:Tax vat")
    assert ("\r" in stream.getvalue()) is expected
