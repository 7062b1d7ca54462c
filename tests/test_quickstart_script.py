"""``bash scripts/quickstart`` end to end, as on a fresh clone: the bundled simulator (no
tenant in the environment), the Pulumi CLI when it is on PATH and the offline engine otherwise.
A first run creates the quickstart and prints ids, a second one changes nothing and prints the
same ids, ``destroy`` deletes it all; the simulator never outlives a run."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parent.parent
RESOURCES = 15


def quickstart(directory: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v for k, v in os.environ.items() if k not in ("AMPECO_TENANT_URL", "AMPECO_API_TOKEN")
    }
    environment.update(QUICKSTART_DIR=str(directory), **env)
    return subprocess.run(
        ["bash", str(REPO / "scripts" / "quickstart"), *args],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def ids(output: str) -> str:
    """The ids the run printed: the offline engine's table, or ``pulumi stack output``."""
    if "\nIds:\n" in output:
        return output.split("\nIds:\n", 1)[1].split("\n\n", 1)[0]
    return output.split("Current stack outputs", 1)[1].split("==>", 1)[0]


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
        assert f"Done: {RESOURCES} created" in out
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
        assert f"No changes: {RESOURCES} resources unchanged" in second.stdout
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
