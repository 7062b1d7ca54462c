"""The offline engine's state file, its journal and its lock, on their own."""

from __future__ import annotations

import base64
import errno
import json
import os
import re
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ampeco_engine.lock import StateLockedError, lock_path, state_lock
from ampeco_engine.state import (
    Journal,
    ResourceState,
    StackState,
    StateFileError,
    commit,
    journal_path,
    load_state,
)
from ampeco_engine.values import SECRET_SIG, SECRET_SIG_KEY, encode_for_state, make_secret

pytestmark = pytest.mark.quick


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
    with pytest.raises(StateFileError, match=r"dev\.json\.journal: line 3 is not a journal entry"):
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


# --- malformed files: each names the file and the entry, and nothing is loaded -----------------

URN = "urn:pulumi:dev::p::t::a"


def written(path: Path) -> dict[str, Any]:
    snapshot(path)
    data: dict[str, Any] = json.loads(path.read_text())
    return data


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            lambda d: d["resources"][URN].update(inputs=[1]),
            r"resources\[0\]: 'inputs' should be an object, not a list",
        ),
        (lambda d: d["resources"][URN].pop("type"), r"resources\[0\]: has no 'type'"),
        (
            lambda d: d["resources"].update({URN: 5}),
            r"resources\[0\]: should be an object, not a whole number",
        ),
        (
            lambda d: d["resources"][URN].update(custom="yes"),
            r"resources\[0\]: 'custom' should be true or false, not text",
        ),
        (
            lambda d: d["resources"][URN].update(dependencies=[1]),
            r"resources\[0\]: 'dependencies' should be a list of texts",
        ),
        (
            lambda d: d["resources"][URN].update(
                outputs={"pin": {SECRET_SIG_KEY: SECRET_SIG, "base64": "%%"}}
            ),
            r"resources\[0\]: 'outputs' holds a secret whose 'base64' is not the base64",
        ),
        (
            lambda d: d.update(resources=[]),
            r"the file: 'resources' should be an object, not a list",
        ),
        (lambda d: d.pop("project"), r"the file: has no 'project'"),
        (
            lambda d: d.update(version=2),
            r"the file: 'version' should be 1, the layout this engine reads, not another whole"
            r" number",
        ),
        (
            lambda d: d.update(version=2, project=None),  # another layout: the version first
            r"the file: 'version' should be 1, the layout this engine reads, not another",
        ),
        (
            lambda d: d["resources"][URN].update(property_dependencies={"x": "urn"}),
            r"resources\[0\]: 'property_dependencies' should be an object of lists of"
            r" texts, not an object holding something else",
        ),
        (lambda d: d.update(serial="7"), r"the file: 'serial' should be a whole number, not text"),
        (
            lambda d: d.update(pending_deletes=[{"type": "t"}]),
            r"pending_deletes\[0\]: has no 'urn'",
        ),
        (
            lambda d: d.update(pending_creates=["urn"]),
            r"pending_creates\[0\]: should be an object, not text",
        ),
        (
            lambda d: d.update(outputs={"x": {SECRET_SIG_KEY: SECRET_SIG}}),
            r"outputs: holds a secret whose 'base64'",
        ),
    ],
)
def test_a_malformed_entry_names_the_file_and_the_entry(
    tmp_path: Path, damage: Callable[[dict[str, Any]], Any], message: str
) -> None:
    path = tmp_path / "dev.json"
    data = written(path)
    damage(data)
    path.write_text(json.dumps(data))
    with pytest.raises(StateFileError, match=rf"^{re.escape(str(path))}: {message}") as caught:
        load_state(path, "p", "dev")
    assert "nothing was sent to the tenant" in str(caught.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, r"not a state file: it ends early, at line \d+: it was cut short"),
        (b"\xff\xfe{}", r"not a state file: byte 0 is not UTF-8"),
        (b'{"version": 1,, }', r"not a state file: line 1, column 15: Expecting property name"),
        (b"[" * 100_000, r"not a state file: it is nested too deeply"),
        (b"[]", r"the file: should be an object, not a list"),
        (b'{"version": 1}x', r"not a state file: line 1, column 15: Extra data"),
    ],
)
def test_a_file_that_is_not_a_state_names_the_file(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "dev.json"
    text = path.read_bytes() if written(path) else b""
    path.write_bytes(text[: len(text) // 2] if content is None else content)  # None: truncated
    with pytest.raises(StateFileError, match=rf"^{re.escape(str(path))}: {message}"):
        load_state(path, "p", "dev")


def test_a_malformed_journal_entry_names_the_journal_and_its_line(tmp_path: Path) -> None:
    path = tmp_path / "dev.json"
    state = snapshot(path)
    journal = Journal(journal_path(path), state.serial)
    journal.drop(URN)
    journal.close()
    lines = journal_path(path).read_text().splitlines()
    for entry, message in [
        (
            {"op": "put", "urn": URN, "resource": {"type": "t", "name": "a", "custom": 1}},
            r"line 3, resource: 'custom' should be true or false, not a whole number",
        ),
        ({"op": "drop"}, r"line 3: has no 'urn'"),
        (
            {"op": "rewind", "urn": URN},
            r"line 3: 'op' is not one of pending, put, .* \(it is text of 6 characters\)",
        ),
        ({"op": "rename", "urn": URN}, r"line 3: has no 'from'"),
        (["drop", URN], r"line 3: should be an object, not a list"),
        (
            {"op": "pending_delete", "urn": URN, "resource": {"name": "a", "custom": True}},
            r"line 3, resource: has no 'type'",
        ),
    ]:
        journal_path(path).write_text("\n".join([*lines, json.dumps(entry)]) + "\n")
        with pytest.raises(StateFileError, match=rf"dev\.json\.journal: {message}\. The journal"):
            load_state(path, "p", "dev")


def test_inputs_that_parse_but_nest_too_deeply_to_decode_are_named(tmp_path: Path) -> None:
    path = tmp_path / "dev.json"
    data = written(path)
    data["resources"][URN]["inputs"] = {"deep": "DEEP"}
    # 900 levels: JSON's parser takes them, decoding the values would overflow the stack.
    path.write_text(json.dumps(data).replace('"DEEP"', "[" * 900 + "]" * 900))
    with pytest.raises(StateFileError, match=r"resources\[0\]: 'inputs' is nested too"):
        load_state(path, "p", "dev")


def test_a_state_cut_short_after_a_closing_brace_is_called_cut_short(tmp_path: Path) -> None:
    path = tmp_path / "dev.json"
    written(path)
    text = path.read_text()
    cut = text.index("}", text.index('"custom"')) + 1  # the end of a resource's entry
    path.write_text(text[:cut] + "\n")
    with pytest.raises(StateFileError, match=r"dev\.json: not a state file: it ends early, at"):
        load_state(path, "p", "dev")


@pytest.mark.parametrize(
    ("head", "message"),
    [('{"journal": 1, "serial": "1"}', "line 1"), ("[1]", "line 1"), ('"x"', "line 1")],
)
def test_a_journal_whose_header_is_damaged_is_refused_not_ignored(
    tmp_path: Path, head: str, message: str
) -> None:
    """Ignoring it would forget the pending creates the interrupted run recorded."""
    path = tmp_path / "dev.json"
    state = snapshot(path)
    journal = Journal(journal_path(path), state.serial)
    journal.pending_create("urn:pulumi:dev::p::t::b", "t", "b")
    journal.close()
    lines = journal_path(path).read_text().splitlines()
    journal_path(path).write_text("\n".join([head, *lines[1:]]) + "\n")
    with pytest.raises(StateFileError, match=rf"dev\.json\.journal: {message}: should be the"):
        load_state(path, "p", "dev")


def test_secrets_are_stored_base64_encoded_and_the_older_key_is_still_read(tmp_path: Path) -> None:
    path = tmp_path / "dev.json"
    data = written(path)
    encoded = base64.b64encode(json.dumps("hunter2").encode()).decode()
    data["resources"][URN]["outputs"] = {
        "new": {SECRET_SIG_KEY: SECRET_SIG, "base64": encoded},
        "old": {SECRET_SIG_KEY: SECRET_SIG, "ciphertext": encoded},
    }
    path.write_text(json.dumps(data))
    outputs = load_state(path, "p", "dev").resources[URN].outputs
    assert outputs == {"new": make_secret("hunter2"), "old": make_secret("hunter2")}
    assert encode_for_state(outputs)["old"] == data["resources"][URN]["outputs"]["new"]


# --- values read from a file are described, never quoted --------------------------------------


def test_a_number_too_long_to_read_names_the_file_and_its_position(tmp_path: Path) -> None:
    path = tmp_path / "dev.json"
    written(path)
    text = path.read_text().replace('"serial": 1', '"serial": ' + "7" * 5000)
    path.write_text(text)
    line = text[: text.index("7777")].count("\n") + 1
    with pytest.raises(
        StateFileError,
        match=rf"^{re.escape(str(path))}: not a state file: line"
        rf" {line}, column \d+: a number has more than \d+ digits",
    ) as caught:
        load_state(path, "p", "dev")
    assert "7777" not in str(caught.value)


def test_a_state_path_that_is_a_directory_is_named(tmp_path: Path) -> None:
    path = tmp_path / "dev.json"
    path.mkdir()
    with pytest.raises(
        StateFileError,
        match=rf"^{re.escape(str(path))}: cannot read the state"
        " file: Is a directory",
    ):
        load_state(path, "p", "dev")


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.update(serial="SECRET-MARK"),
        lambda d: d.update(version="SECRET-MARK"),
        lambda d: d.update(project="SECRET-MARK"),
        lambda d: d["resources"].update({"SECRET-MARK": d["resources"][URN] | {"custom": 0}}),
    ],
)
def test_a_damaged_field_is_described_by_its_type_never_quoted(
    tmp_path: Path, damage: Callable[[dict[str, Any]], Any]
) -> None:
    path = tmp_path / "dev.json"
    data = written(path)
    damage(data)
    path.write_text(json.dumps(data))
    with pytest.raises(StateFileError) as caught:
        load_state(path, "p", "dev")
    assert "SECRET" not in str(caught.value)


def test_a_journal_op_that_is_not_known_is_described_by_its_length(tmp_path: Path) -> None:
    path = tmp_path / "dev.json"
    state = snapshot(path)
    Journal(journal_path(path), state.serial).close()
    with journal_path(path).open("a") as handle:
        handle.write(json.dumps({"op": "SECRET-TOKEN", "urn": URN}) + "\n")
    with pytest.raises(StateFileError) as caught:
        load_state(path, "p", "dev")
    assert "line 2: 'op' is not one of pending, put, drop" in str(caught.value)
    assert "(it is text of 12 characters)" in str(caught.value)
    assert "SECRET" not in str(caught.value)


# --- a journal that does not belong to the state ----------------------------------------------


@pytest.mark.parametrize("serial", [0, 7])
def test_a_journal_of_another_snapshot_is_refused_and_kept(tmp_path: Path, serial: int) -> None:
    """Dropping it would forget the creates it records (the next up then makes them again)."""
    path = tmp_path / "dev.json"
    snapshot(path)  # serial 1: a journal of 0 is the one before, holding nothing more
    commit(path, load_state(path, "p", "dev"))  # serial 2
    journal = Journal(journal_path(path), serial)
    journal.pending_create("urn:pulumi:dev::p::t::b", "t", "b")
    journal.close()
    before = journal_path(path).read_bytes()
    with pytest.raises(StateFileError) as caught:
        load_state(path, "p", "dev")
    message = str(caught.value)
    assert message.startswith(f"{journal_path(path)}: this journal does not belong to the state")
    assert f"file {path}" in message
    assert "move the journal aside" in message and "refresh" in message
    assert journal_path(path).read_bytes() == before


# --- the lock ---------------------------------------------------------------------------------


def test_a_lock_path_that_is_a_symlink_is_refused_and_its_target_left_alone(
    tmp_path: Path,
) -> None:
    state = tmp_path / "dev.json"
    target = tmp_path / "precious.txt"
    target.write_text("keep me\n")
    lock_path(state).symlink_to(target)
    refused = pytest.raises(StateLockedError, match=r"dev\.json\.lock is a symbolic link")
    with refused, state_lock(state, "up"):
        pass
    assert target.read_text() == "keep me\n"
    lock_path(state).unlink()
    lock_path(state).symlink_to(tmp_path / "nowhere")  # a dangling link: nothing is created
    with pytest.raises(StateLockedError, match="symbolic link"), state_lock(state, "up"):
        pass
    assert not (tmp_path / "nowhere").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "dev.json.lock",
        "precious.txt",
    ]  # no temporary file left behind


def test_the_lock_appears_with_its_holder_already_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "dev.json"
    seen: list[dict[str, Any]] = []
    link = os.link

    def watching(source: Any, target: Any, *args: Any, **kwargs: Any) -> None:
        seen.append(json.loads(Path(source).read_text()))  # what the lock will hold
        link(source, target, *args, **kwargs)

    monkeypatch.setattr(os, "link", watching)
    with state_lock(state, "up"):
        assert json.loads(lock_path(state).read_text()) == seen[0]
    assert seen[0]["pid"] == os.getpid() and seen[0]["operation"] == "up"


def test_a_stale_lock_is_taken_over_whole_and_a_held_one_is_not(tmp_path: Path) -> None:
    state = tmp_path / "dev.json"
    stale = {"pid": 999999, "host": socket.gethostname(), "started": "?", "operation": "up"}
    lock_path(state).write_text(json.dumps(stale))
    notices: list[str] = []
    with state_lock(state, "destroy", notices=notices):
        holder = json.loads(lock_path(state).read_text())
        assert holder["pid"] == os.getpid() and holder["operation"] == "destroy"
    assert notices == [
        f"took over the lock left by up by pid 999999 on host"
        f" {socket.gethostname()} (since ?), which ended"
    ]
    # A process that holds the flock of the file at the lock's path (a run taking it over
    # right now) wins; this one stops and replaces nothing.
    lock_path(state).write_text(json.dumps(stale))
    fd = os.open(lock_path(state), os.O_RDWR)
    try:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX)
        with pytest.raises(StateLockedError, match="is running"), state_lock(state, "up"):
            pass
        assert json.loads(lock_path(state).read_text()) == stale
    finally:
        os.close(fd)


def test_a_damaged_lock_is_described_without_its_values(tmp_path: Path) -> None:
    state = tmp_path / "dev.json"
    lock_path(state).write_text(
        json.dumps({"pid": "SECRET", "host": "SECRET pw", "started": "SECRET", "operation": "x"})
    )
    with pytest.raises(StateLockedError) as caught, state_lock(state, "up"):
        pass
    assert "SECRET" not in str(caught.value)
    assert "an operation by pid ? on host ? (since ?)" in str(caught.value)


def test_a_file_system_without_hard_links_is_named_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lock is made with a hard link; where the file system has none (some network and
    FUSE mounts), the run cannot start, and says so."""

    def refused(source: Any, target: Any, *args: Any, **kwargs: Any) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", refused)
    state = tmp_path / "dev.json"
    with (
        pytest.raises(StateLockedError, match=r"cannot hold the lock \(it has no hard links"),
        state_lock(state, "up"),
    ):
        pass
    assert list(tmp_path.iterdir()) == []  # no lock, no temporary file left
