"""``bash scripts/quickstart`` end to end, as on a fresh clone: the bundled simulator (no
tenant in the environment), the Pulumi CLI when it is on PATH and the offline engine otherwise.
A first run creates the quickstart and prints ids, a second one changes nothing and prints the
same ids, ``destroy`` deletes it all; the simulator never outlives a run."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parent.parent
RESOURCES = 15


def quickstart(
    directory: Path | str, *args: str, cwd: Path = REPO, **env: str
) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v for k, v in os.environ.items() if k not in ("AMPECO_TENANT_URL", "AMPECO_API_TOKEN")
    }
    environment.update(QUICKSTART_DIR=str(directory), **env)
    return subprocess.run(
        ["bash", str(REPO / "scripts" / "quickstart"), *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(autouse=True)
def pulumi_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Pulumi CLI's home of each test its own (its workspace files, its plugins), not the
    user's, which other runs may be writing at the same time."""
    monkeypatch.setenv("PULUMI_HOME", str(tmp_path / "pulumi-home"))


def ids(output: str) -> str:
    """The ids the run printed: the offline engine's table, or ``pulumi stack output``."""
    if "\nIds:\n" in output:
        return output.split("\nIds:\n", 1)[1].split("\n\n", 1)[0]
    return output.split("Current stack outputs", 1)[1].split("==>", 1)[0]


def stub_pulumi(directory: Path) -> str:
    """A PATH with a ``pulumi`` first that only records its calls (in ``directory/calls``)."""
    directory.mkdir(parents=True, exist_ok=True)
    stub = directory / "pulumi"
    stub.write_text(f'#!/bin/sh\necho "$*" >>"{directory / "calls"}"\n', encoding="utf-8")
    stub.chmod(0o755)
    return f"{directory}{os.pathsep}{os.environ['PATH']}"


def path_without_pulumi() -> str:
    """PATH less the directories that hold a ``pulumi`` (the repository's venv adds none)."""
    return os.pathsep.join(
        d for d in os.environ["PATH"].split(os.pathsep) if not (Path(d) / "pulumi").exists()
    )


def claimed(directory: Path, tenant: str, engine: str) -> Path:
    """A quickstart directory whose state, as its marker says, belongs to tenant and engine."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "tenant").write_text(f"{tenant}\n{engine}\n", encoding="utf-8")
    return directory


def simulator_url(output: str) -> str:
    match = re.search(r"the bundled simulator at (http://\S+)", output)
    assert match is not None, output
    return match.group(1)


def assert_stopped(output: str) -> None:
    assert "==> simulator stopped" in output
    with pytest.raises(httpx.TransportError):
        httpx.get(simulator_url(output) + "/_sim/health", timeout=2)


def test_quickstart_twice_then_destroy(tmp_path: Path) -> None:
    directory = tmp_path / "qs"
    first = quickstart(directory)
    out = first.stdout
    assert first.returncode == 0, first.stdout + first.stderr
    assert "demo-token" in out and "==> engine: " in out
    offline = "==> engine: ampeco-iac offline" in out
    if offline:
        assert f"Done: {RESOURCES} created; {RESOURCES} write requests to the tenant" in out
        assert "+ create   ampeco:Location  depot-north" in out
        assert len(ids(out).splitlines()) == RESOURCES
        assert (directory / "offline" / "quickstart.json").is_file()
    else:  # pulumi counts the stack resource too
        assert re.search(rf"\b{RESOURCES + 1} created", out), out
    assert "location_id" in out
    assert (directory / "tenant.sqlite").is_file()
    assert_stopped(out)

    second = quickstart(directory)
    assert second.returncode == 0, second.stdout + second.stderr
    if offline:
        unchanged = f"No changes: {RESOURCES} resources unchanged; 0 write requests to the tenant"
        assert unchanged in second.stdout
        assert "+ create" not in second.stdout
    else:
        assert re.search(rf"\b{RESOURCES + 1} unchanged", second.stdout), second.stdout
        assert " created" not in second.stdout
    assert ids(second.stdout) == ids(out)
    assert_stopped(second.stdout)

    # The state belongs to the simulator's tenant: another tenant is refused, untouched.
    elsewhere = quickstart(
        directory, AMPECO_TENANT_URL="https://tenant.invalid", AMPECO_API_TOKEN="t"
    )
    assert elsewhere.returncode == 1
    assert "belongs to simulator" in elsewhere.stderr

    # ... and to its engine: the other one would not see it, so it is refused, untouched.
    assert (
        directory / "tenant"
    ).read_text() == f"simulator\n{'offline' if offline else 'pulumi'}\n"
    other = stub_pulumi(tmp_path / "bin") if offline else path_without_pulumi()
    for action in ("destroy", "up"):
        refused = quickstart(directory, action, PATH=other)
        assert refused.returncode == 1, refused.stdout + refused.stderr
        made_by = "the offline engine" if offline else "the Pulumi CLI"
        assert f"the quickstart state in {directory} was made by {made_by}" in refused.stderr
        assert "==> engine" not in refused.stdout
    assert not (tmp_path / "bin" / "calls").exists()
    if offline:
        state = json.loads((directory / "offline" / "quickstart.json").read_text())
        assert len(state["resources"]) == RESOURCES

    gone = quickstart(directory, "destroy")
    assert gone.returncode == 0, gone.stdout + gone.stderr
    if offline:
        assert f"Done: {RESOURCES} deleted" in gone.stdout
    assert f"to start over, remove {directory}" in gone.stdout
    assert_stopped(gone.stdout)


def test_unknown_action_is_refused(tmp_path: Path) -> None:
    result = quickstart(tmp_path / "qs", "apply")
    assert result.returncode == 2
    assert "usage: bash scripts/quickstart [up|destroy]" in result.stderr


@pytest.mark.parametrize(
    ("only_set", "missing"),
    [("AMPECO_TENANT_URL", "AMPECO_API_TOKEN"), ("AMPECO_API_TOKEN", "AMPECO_TENANT_URL")],
)
def test_half_a_tenant_is_refused(tmp_path: Path, only_set: str, missing: str) -> None:
    result = quickstart(tmp_path / "qs", **{only_set: "https://tenant.invalid"})
    assert result.returncode == 2
    assert f"{only_set} is set but {missing} is not" in result.stderr
    assert "Set both to use your tenant, or neither" in result.stderr
    assert "simulator" not in result.stdout


def test_relative_quickstart_dir_is_where_the_caller_is(tmp_path: Path) -> None:
    name = f"qs-{tmp_path.name}"  # relative; must not appear at the repository root
    claimed(tmp_path / name, "simulator", "offline")
    result = quickstart(
        name, cwd=tmp_path, AMPECO_TENANT_URL="https://tenant.invalid", AMPECO_API_TOKEN="t"
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"the quickstart state in {tmp_path / name} belongs to simulator" in result.stderr
    assert not (REPO / name).exists()


@pytest.mark.parametrize("action", ["up", "destroy"])
def test_offline_state_is_refused_to_the_pulumi_cli(tmp_path: Path, action: str) -> None:
    directory = claimed(tmp_path / "qs", "simulator", "offline")
    result = quickstart(directory, action, PATH=stub_pulumi(tmp_path / "bin"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"the quickstart state in {directory} was made by the offline engine" in result.stderr
    assert "but this run would use the Pulumi CLI" in result.stderr
    assert "Run with the same engine (without 'pulumi' on PATH)" in result.stderr
    assert f"or remove {directory} to start over" in result.stderr
    assert not (tmp_path / "bin" / "calls").exists()  # refused before any pulumi command
    assert "simulator" not in result.stdout  # nor started
    assert (directory / "tenant").read_text() == "simulator\noffline\n"


def test_pulumi_state_is_refused_to_the_offline_engine(tmp_path: Path) -> None:
    directory = claimed(tmp_path / "qs", "simulator", "pulumi")
    result = quickstart(directory, "destroy", PATH=path_without_pulumi())
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"the quickstart state in {directory} was made by the Pulumi CLI" in result.stderr
    assert "Run with the same engine (with 'pulumi' on PATH)" in result.stderr
    assert (directory / "tenant").read_text() == "simulator\npulumi\n"


def test_marker_without_engine_is_read_from_the_state_there(tmp_path: Path) -> None:
    """A marker written before the engine was recorded: the state files tell the engine."""
    directory = tmp_path / "qs"
    (directory / "offline").mkdir(parents=True)
    (directory / "offline" / "quickstart.json").write_text("{}", encoding="utf-8")
    (directory / "tenant").write_text("simulator\n", encoding="utf-8")
    result = quickstart(directory, "destroy", PATH=stub_pulumi(tmp_path / "bin"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "was made by the offline engine" in result.stderr
    assert not (tmp_path / "bin" / "calls").exists()


def test_another_tenant_is_refused_before_the_engine(tmp_path: Path) -> None:
    directory = claimed(tmp_path / "qs", "https://tenant-a.invalid", "offline")
    result = quickstart(directory, PATH=stub_pulumi(tmp_path / "bin"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "belongs to https://tenant-a.invalid, not to simulator" in result.stderr
    assert not (tmp_path / "bin" / "calls").exists()
