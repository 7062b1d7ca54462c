"""``ampeco-iac offline`` when its files fail it: a full disk, a journal of another state, a
program that ends early. Each says which file, what the tenant got and what to do."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import Any

import pytest

from ampeco_engine import state as state_module

from . import test_offline_cli
from .test_offline_cli import Project

project = test_offline_cli.project  # the fixture: a project directory and the command on it


def _full(path: Any) -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))


def _state(project: Project) -> Path:
    return project.root / ".pulumi-offline" / "dev.json"


def _journal_writes_fail_after(monkeypatch: pytest.MonkeyPatch, lines: int) -> None:
    """The disk fills up once the journal holds ``lines`` lines (header included)."""
    write = os.write
    written = [0]

    def writing(fd: int, data: bytes) -> int:
        if os.readlink(f"/proc/self/fd/{fd}").endswith(".journal"):
            written[0] += 1
            if written[0] > lines:
                raise _full("journal")
        return write(fd, data)

    monkeypatch.setattr(state_module.os, "write", writing)


def test_a_full_disk_at_the_final_snapshot_keeps_the_journal_and_the_next_up_finishes(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    save = state_module.save_state
    monkeypatch.setattr(
        state_module, "save_state", lambda path, state: (_ for _ in ()).throw(_full(path))
    )
    code, _, err = project("up")
    assert code == 1
    journal = state_module.journal_path(_state(project))
    assert (
        f"up failed: cannot write the state file {_state(project)}: No space left on device."
        f" The tenant was changed; the journal {journal} holds what was done: free space and"
        " run `ampeco-iac offline up` again, which finishes from the journal" in err
    )
    assert "Errno" not in err
    assert journal.exists()
    monkeypatch.setattr(state_module, "save_state", save)
    code, out, _ = project("up")
    assert code == 0
    assert "No changes: 2 resources unchanged" in out
    assert len(project.live("/locations/v2.0") or []) == 1  # nothing was made twice


def test_a_full_disk_before_anything_was_sent_says_repeating_is_safe(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    _journal_writes_fail_after(monkeypatch, 0)  # the journal's header cannot be written
    code, _, err = project("up")
    assert code == 2
    journal = state_module.journal_path(_state(project))
    assert (
        f"error: {journal}: cannot write the journal: No space left on device. Nothing was"
        " sent to the tenant; repeat the run once the disk has room" in err
    )
    assert [r for r in project.sim.requests() if r["method"] != "GET"] == []


def test_a_full_disk_in_the_middle_of_a_run_stops_it_and_the_state_records_what_was_done(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    write = os.write
    _journal_writes_fail_after(monkeypatch, 3)  # header, pending depot, depot; not the zone
    code, _, err = project("up")
    assert code == 1
    journal = state_module.journal_path(_state(project))
    assert (
        f"up failed: cannot write the journal {journal}: No space left on device; the run"
        f" stopped there. The state file {_state(project)} records what was done: repeat the"
        " run once the disk has room" in err
    )
    recorded = json.loads(_state(project).read_text())["resources"]
    assert [u.rsplit("::", 1)[1] for u in recorded] == ["depot"]
    assert project.live("/charging-zones/v2.0") in (None, [])  # its create was never sent
    monkeypatch.setattr(os, "write", write)  # room again
    code, out, _ = project("up")
    assert code == 0, out
    assert len(project.live("/locations/v2.0") or []) == 1


# --- a program that ends the process early -----------------------------------------------------


@pytest.mark.parametrize("call", ["sys.exit(0)", "os._exit(0)", "sys.exit(3)"])
def test_a_program_that_exits_before_it_is_done_fails_the_up_and_applies_nothing(
    project: Project, call: str
) -> None:
    program = test_offline_cli.PROGRAM.replace(
        "zone = ampeco", f"import os, sys\n{call}\nzone = ampeco"
    )
    (project.root / "__main__.py").write_text(program)
    code, out, err = project("up")
    assert code == 1
    assert (
        "error: up failed: the program exited before it finished declaring its resources"
        f" ({call}): nothing was applied" in err
    )
    assert "Done:" not in out
    assert [r for r in project.sim.requests() if r["method"] != "GET"] == []


@pytest.mark.timeout(60)
@pytest.mark.parametrize("call", ["sys.exit(0)", "os._exit(0)"])
def test_a_program_that_exits_inside_an_apply_ends_the_up_and_the_state_records_what_was_applied(
    project: Project, call: str
) -> None:
    """The exit happens in an ``apply`` callback, once the location exists on the tenant."""
    program = test_offline_cli.PROGRAM.split("zone = ampeco")[0] + (
        f"import os, sys\ndepot.id.apply(lambda _: {call})\n"
    )
    (project.root / "__main__.py").write_text(program)
    code, out, err = project("up")
    assert code == 1
    assert (
        "error: up failed: the program exited before it finished declaring its resources"
        f" ({call}): 1 step had been applied (1 create); the state records them" in err
    )
    assert "Done:" not in out
    recorded = json.loads(_state(project).read_text())["resources"]
    assert [u.rsplit("::", 1)[1] for u in recorded] == ["depot"]
    assert len(project.live("/locations/v2.0") or []) == 1
