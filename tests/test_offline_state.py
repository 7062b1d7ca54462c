"""The offline engine's state file, its journal and its lock, on their own."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest

from ampeco_engine.lock import StateLockedError, lock_path, state_lock
from ampeco_engine.state import (
    Journal,
    ResourceState,
    StackState,
    commit,
    journal_path,
    load_state,
)


def resource(name: str, id_: str) -> ResourceState:
    return ResourceState(
        urn=f"urn:pulumi:dev::p::t::{name}", type="t", name=name, custom=True, id=id_
    )


def snapshot(path: Path) -> StackState:
    state = StackState(
        project="p", stack="dev", resources={"urn:pulumi:dev::p::t::a": resource("a", "1")}
    )
    commit(path, state)
    return state


def test_a_journal_replays_over_its_snapshot_and_a_torn_last_line_is_skipped(
    tmp_path: Path,
) -> None:
    path = tmp_path / "dev.json"
    state = snapshot(path)
    journal = Journal(journal_path(path), state.serial)
    journal.pending_create("urn:pulumi:dev::p::t::b", "t", "b")
    journal.put(resource("c", "3"))
    journal.pending_create("urn:pulumi:dev::p::t::c", "t", "c")  # then c's answer: see below
    journal.put(resource("c", "3"))
    journal.drop("urn:pulumi:dev::p::t::a")
    journal.close()
    with journal_path(path).open("ab") as handle:
        handle.write(b'{"op": "put", "urn": "urn:pulumi:dev::p::t::d", "reso')  # killed mid-line

    loaded = load_state(path, "p", "dev")
    assert sorted(loaded.resources) == ["urn:pulumi:dev::p::t::c"]
    assert loaded.pending_creates == {"urn:pulumi:dev::p::t::b": {"type": "t", "name": "b"}}

    # The next run's snapshot includes it; the journal goes.
    commit(path, loaded)
    assert not journal_path(path).exists()
    again = load_state(path, "p", "dev")
    assert again.pending_creates == loaded.pending_creates
    assert json.loads(path.read_text())["pending_creates"] == [
        {"urn": "urn:pulumi:dev::p::t::b", "type": "t", "name": "b"}
    ]


def test_a_journal_of_an_older_snapshot_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "dev.json"
    state = snapshot(path)
    journal = Journal(journal_path(path), state.serial)
    journal.drop("urn:pulumi:dev::p::t::a")
    journal.close()
    commit(path, load_state(path, "p", "dev"))  # written, then killed before the unlink:
    Journal(journal_path(path), state.serial).close()  # a journal of the older snapshot
    with journal_path(path).open("a") as handle:
        handle.write(
            json.dumps(
                {
                    "op": "put",
                    "urn": "urn:pulumi:dev::p::t::a",
                    "resource": resource("a", "1").to_json(),
                }
            )
            + "\n"
        )
    assert load_state(path, "p", "dev").resources == {}


def test_a_damaged_journal_names_the_file_and_the_line(tmp_path: Path) -> None:
    path = tmp_path / "dev.json"
    state = snapshot(path)
    journal = Journal(journal_path(path), state.serial)
    journal.drop("urn:pulumi:dev::p::t::a")
    journal.close()
    text = journal_path(path).read_text()
    journal_path(path).write_text(text + "not json\n" + text.splitlines()[1] + "\n")
    with pytest.raises(ValueError, match=r"dev\.json\.journal: line 3 is not a journal entry"):
        load_state(path, "p", "dev")


def test_the_lock_refuses_a_second_holder_and_is_gone_after(tmp_path: Path) -> None:
    state = tmp_path / "dev.json"
    with state_lock(state, "up"):
        holder = json.loads(lock_path(state).read_text())
        assert holder["pid"] == os.getpid() and holder["host"] == socket.gethostname()
        second = state_lock(state, "preview")
        with pytest.raises(StateLockedError, match=rf"up by pid {os.getpid()} on host"):
            second.__enter__()
    assert not lock_path(state).exists()
    with state_lock(state, "up"):  # free again
        pass
