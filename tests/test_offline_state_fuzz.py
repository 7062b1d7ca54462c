"""Damaged state files and journals, at random: the loader refuses each with a clear error
(never a traceback), never shows a value planted in the file, and never changes the files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ampeco_engine.state import Journal, StateFileError, commit, journal_path, load_state

from .test_offline_state import resource, snapshot

MARK = "SECRET-MARK-7f3a"

#: What a damaged field may hold: the planted secret (alone, as a key, inside), huge numbers.
_VALUES = st.one_of(
    st.just(MARK),
    st.just(f"x{MARK}x"),
    st.just({MARK: MARK}),
    st.just([MARK]),
    st.just(-1),
    st.just(10**4000),
    st.none(),
    st.booleans(),
    st.floats(allow_nan=False),
    st.text(max_size=5),
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


def _set(data: Any, path: tuple[Any, ...], value: Any, rename: bool) -> None:
    for step in path[:-1]:
        data = data[step]
    if rename and isinstance(data, dict):
        data[MARK] = data.pop(path[-1])  # a key (a URN, a field name) replaced by the secret
    else:
        data[path[-1]] = value


def _files(tmp: Path) -> tuple[Path, dict[str, Any], list[str]]:
    path = tmp / "dev.json"
    state = snapshot(path)
    state.resources["urn:pulumi:dev::p::t::b"] = resource("b", "2")
    commit(path, state)
    journal = Journal(journal_path(path), state.serial)
    journal.pending_create("urn:pulumi:dev::p::t::c", "t", "c")
    journal.put(resource("c", "3"))
    journal.close()
    data = json.loads(path.read_text())
    return path, data, journal_path(path).read_text().splitlines()


def _loads_or_refuses(path: Path) -> None:
    files = {p: p.read_bytes() for p in (path, journal_path(path))}
    try:
        load_state(path, "p", "dev")
    except StateFileError as exc:
        message = str(exc)
        assert MARK not in message and "Traceback" not in message
        assert str(path) in message  # the file (or its journal) is named
    assert {p: p.read_bytes() for p in files} == files  # nothing rewritten nor deleted


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_a_damaged_state_or_journal_is_refused_clearly_and_left_as_it_is(
    tmp_path_factory: Any, data: st.DataObject
) -> None:
    tmp = tmp_path_factory.mktemp("fuzz")
    path, state, lines = _files(tmp)
    how = data.draw(st.sampled_from(["state", "journal", "cut", "bytes"]))
    if how == "state":
        where = data.draw(st.sampled_from(_paths(state)))
        _set(state, where, data.draw(_VALUES), data.draw(st.booleans()))
        path.write_text(json.dumps(state))
    elif how == "journal":
        number = data.draw(st.integers(0, len(lines) - 1))
        entry = json.loads(lines[number])
        where = data.draw(st.sampled_from(_paths(entry) or [("op",)]))
        _set(entry, where, data.draw(_VALUES), data.draw(st.booleans()))
        lines[number] = json.dumps(entry)
        journal_path(path).write_text("\n".join(lines) + "\n")
    elif how == "cut":
        raw = path.read_bytes()
        path.write_bytes(raw[: data.draw(st.integers(0, len(raw) - 1))])
    else:
        raw = bytearray(path.read_bytes())
        at = data.draw(st.integers(0, len(raw) - 1))
        raw[at : at + 1] = data.draw(st.binary(min_size=1, max_size=8))
        path.write_bytes(bytes(raw))
    _loads_or_refuses(path)
