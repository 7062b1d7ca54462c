"""``ampeco-iac guard``: the plan of either engine, read alike, and what it lets through.

The first tests take the tenant-yaml example's prod stack through a change that removes
objects (a charge point with its EVSE and two connectors leaves the document, a tariff changes
its type, which replaces it) under each engine against the simulator: ``ampeco-iac offline
preview --json`` and the real CLI's ``pulumi preview --json``. Both plans must name the same
five objects, and the guard must refuse them above the limit, pass them at it, and pass them
above it only with the exact count confirmed. A failed preview, under either engine, leaves no
plan the guard accepts. The rest hold the reading rules on plans written here: components,
the engine's own resources and retained objects, the steps of one replacement, and plans that
cannot be checked.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pulumi_ampeco.cli import main
from pulumi_ampeco.errors import UsageError
from pulumi_ampeco.guard import Removal, judge, read_plan, removed_objects

from .conftest import Sim
from .pulumi_cli import REPO, Cli

EXAMPLE = REPO / "examples" / "tenant-yaml"
STACK = "prod"
#: What the change below removes from the tenant: (op, type, name).
REMOVED = {
    ("delete", "ampeco:ChargePoint", "tenant/locations/depot-north/charge_points/cp-2"),
    ("delete", "ampeco:Evse", "tenant/locations/depot-north/charge_points/cp-2/evses/1"),
    (
        "delete",
        "ampeco:Connector",
        "tenant/locations/depot-north/charge_points/cp-2/evses/1/connectors/0",
    ),
    (
        "delete",
        "ampeco:Connector",
        "tenant/locations/depot-north/charge_points/cp-2/evses/1/connectors/1",
    ),
    ("replace", "ampeco:Tariff", "tenant/tariffs/standard"),
}


def _remove_objects(document: Path) -> None:
    """cp-2 (the document's last object) leaves; the tariff's type changes, which replaces it."""
    text = document.read_text(encoding="utf-8")
    assert text.count("      cp-2:") == 1 and text.count("type: standard") == 1
    cut = text[: text.index("      cp-2:")]
    document.write_text(cut.replace("type: standard", "type: duration+energy"), encoding="utf-8")


def _guard(plan: Path, *options: str, confirm: str = "") -> subprocess.CompletedProcess[str]:
    """``ampeco-iac guard`` as a command, with ``AMPECO_CONFIRM_DELETES`` as given."""
    env = {k: v for k, v in os.environ.items() if k != "AMPECO_CONFIRM_DELETES"}
    if confirm:
        env["AMPECO_CONFIRM_DELETES"] = confirm
    return subprocess.run(
        [sys.executable, "-m", "pulumi_ampeco.cli", "guard", str(plan), *options],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _verdicts(plan: Path) -> None:
    """The guard on a plan that removes the five objects of :data:`REMOVED`."""
    refused = _guard(plan, "--max-deletes", "4")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "The plan deletes 5 objects from the tenant (1 of them replaced" in refused.stderr
    assert "guard: refused" in refused.stderr and "--confirm-deletes 5" in refused.stderr
    for op, type_, name in REMOVED:
        assert f"- {op:<8} {type_}  {name}  (id " in refused.stderr
    at_limit = _guard(plan, "--max-deletes", "5")
    assert at_limit.returncode == 0, at_limit.stderr
    assert "guard: passed" in at_limit.stdout
    assert _guard(plan, "--confirm-deletes", "5").returncode == 0
    assert _guard(plan, confirm="5").returncode == 0
    # A confirmation is for one count: the plan's, not any number above the limit.
    assert _guard(plan, "--confirm-deletes", "6").returncode == 1
    assert _guard(plan, confirm="4").returncode == 1
    assert _guard(plan).returncode == 1  # the default limit is 0


def _offline(project: Path, sim: Sim, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pulumi_ampeco.cli", "offline", *args, "--stack", STACK],
        cwd=project,
        env={**os.environ, "AMPECO_TENANT_URL": sim.base_url, "AMPECO_API_TOKEN": sim.token},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_offline_engines_plan(sim: Sim, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns(".*", "__pycache__"))
    first = _offline(project, sim, "preview", "--json")
    assert first.returncode == 0, first.stderr
    creates = json.loads(first.stdout)
    assert creates["changeSummary"] == {"create": 14}
    # The component is there as Pulumi shows it, and not an object of the tenant.
    custom = {s["newState"]["type"]: s["newState"]["custom"] for s in creates["steps"]}
    assert custom["ampeco:index:Tenant"] is False
    assert custom["pulumi-python:dynamic/ampeco:Location"] is True
    assert all("oldState" not in s for s in creates["steps"])
    up = _offline(project, sim, "up")
    assert up.returncode == 0, up.stderr
    _remove_objects(project / "tenant.yaml")

    preview = _offline(project, sim, "preview", "--json")
    assert preview.returncode == 0, preview.stderr
    # Standard output is the plan alone; the header goes to standard error.
    plan = json.loads(preview.stdout)
    assert "Previewing update (prod)" in preview.stderr
    assert plan["changeSummary"] == {"delete": 4, "replace": 1, "same": 8, "update": 1}
    assert {s["op"] for s in plan["steps"]} == {"delete", "replace", "update"}
    # No value of the program or the tenant, so no secret either.
    assert sim.token not in preview.stdout and "Depot North 2" not in preview.stdout
    state = json.loads((project / ".pulumi-offline" / f"{STACK}.json").read_text())
    ids = {urn: item["id"] for urn, item in state["resources"].items()}
    for step in plan["steps"]:
        assert step["oldState"]["id"] == ids[step["urn"]]
    (tariff,) = [s for s in plan["steps"] if s["op"] == "replace"]
    assert tariff["replaceReasons"] == ["type"]

    path = tmp_path / "plan.json"
    path.write_text(preview.stdout)
    found = removed_objects(read_plan(str(path), io.StringIO()))
    assert {(r.op, r.type, r.name) for r in found} == REMOVED
    _verdicts(path)

    # A preview that fails writes no plan, and the guard takes none for one.
    broken = (project / "tenant.yaml").read_text().replace("percentage: 25", "percentage: 250")
    (project / "tenant.yaml").write_text(broken)
    failed = _offline(project, sim, "preview", "--json")
    assert failed.returncode == 1 and failed.stdout == ""
    path.write_text(failed.stdout)
    empty = _guard(path, "--max-deletes", "100")
    assert empty.returncode == 2 and "the preview wrote no JSON" in empty.stderr


def test_the_pulumi_clis_plan(pulumi_cli: str, sim: Sim, tmp_path: Path) -> None:
    cli = Cli.from_project(
        pulumi_cli, tmp_path / "cli", EXAMPLE, ["__main__.py", "tenant.yaml"], [STACK]
    )
    cli.new_stack(STACK, sim.base_url, sim.token)
    cli("up", "--yes", "--skip-preview")
    _remove_objects(cli.project / "tenant.yaml")

    text = cli.stdout("preview", "--json")
    assert sim.token not in text
    path = tmp_path / "plan.json"
    path.write_text(text)
    found = removed_objects(read_plan(str(path), io.StringIO()))
    # The same five objects as the offline engine's plan names.
    assert {(r.op, r.type, r.name) for r in found} == REMOVED
    assert all(r.id and not r.retained for r in found)
    _verdicts(path)

    # A failed preview still prints JSON, with the error among its diagnostics.
    document = cli.project / "tenant.yaml"
    document.write_text(document.read_text().replace("percentage: 25", "percentage: 250"))
    path.write_text(cli.stdout("preview", "--json", ok=False))
    failed = _guard(path, "--max-deletes", "100")
    assert failed.returncode == 2
    assert "the output of a failed preview" in failed.stderr and "percentage" in failed.stderr


# --- reading plans ----------------------------------------------------------------------------

PREFIX = "urn:pulumi:prod::tenant::ampeco:index:Tenant$pulumi-python:dynamic/ampeco:"


def _step(op: str, kind: str, name: str, **old: Any) -> dict[str, Any]:
    state = {"type": f"pulumi-python:dynamic/ampeco:{kind}", "custom": True, **old}
    return {"op": op, "urn": f"{PREFIX}{kind}::{name}", "oldState": state}


def _read(plan: Any) -> list[Removal]:
    return removed_objects(read_plan("-", io.StringIO(json.dumps(plan))))


def test_components_and_the_engines_own_resources_are_not_tenant_objects() -> None:
    plan = {
        "steps": [
            {"op": "delete", "urn": "urn:pulumi:prod::tenant::ampeco:index:Tenant::tenant",
             "oldState": {"type": "ampeco:index:Tenant", "custom": False}},
            {"op": "delete",
             "urn": "urn:pulumi:prod::tenant::pulumi:providers:pulumi-python::default::1",
             "oldState": {"type": "pulumi:providers:pulumi-python", "custom": True}},
            {"op": "same", "urn": "urn:pulumi:prod::tenant::pulumi:pulumi:Stack::tenant-prod"},
            _step("update", "Tax", "vat"),
            _step("create", "Tax", "new"),
            _step("delete", "Tax", "old", id="40"),
        ]
    }  # fmt: skip
    assert _read(plan) == [Removal("delete", "ampeco:Tax", "old", "40", retained=False)]


def test_the_steps_of_one_replacement_count_once() -> None:
    urn = f"{PREFIX}Tariff::standard"
    plan = {
        "steps": [
            {"op": "create-replacement", "urn": urn,
             "newState": {"type": "pulumi-python:dynamic/ampeco:Tariff", "custom": True}},
            {"op": "replace", "urn": urn,
             "oldState": {"type": "pulumi-python:dynamic/ampeco:Tariff", "custom": True,
                          "id": "2200"}},
            {"op": "delete-replaced", "urn": urn,
             "oldState": {"type": "pulumi-python:dynamic/ampeco:Tariff", "custom": True,
                          "id": "2200"}},
        ]
    }  # fmt: skip
    assert _read(plan) == [Removal("replace", "ampeco:Tariff", "standard", "2200", False)]


def test_retained_objects_are_listed_but_not_counted() -> None:
    plan = {
        "steps": [
            _step("delete", "Currency", "EUR", id="1", retainOnDelete=True),
            _step("delete", "Tax", "old", id="40"),
        ]
    }
    removals = _read(plan)
    assert [r.retained for r in removals] == [True, False]
    verdict = judge(removals, max_deletes=1, confirmed=None)
    assert verdict.passed
    assert verdict.lines[0] == "The plan deletes 1 object from the tenant."
    assert "It lets go of 1 object that the tenant keeps (retain_on_delete):" in verdict.lines
    assert not judge(removals, max_deletes=0, confirmed=None).passed


def test_a_confirmation_is_needed_only_above_the_limit() -> None:
    removals = _read({"steps": [_step("delete", "Tax", f"t{n}", id=str(n)) for n in range(3)]})
    assert judge(removals, max_deletes=3, confirmed=7).passed
    assert judge(removals, max_deletes=2, confirmed=3).passed
    assert not judge(removals, max_deletes=2, confirmed=2).passed
    assert judge([], max_deletes=0, confirmed=None).passed


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "is empty"),
        ("Previewing update (prod):", "is not JSON"),
        ("[]", "is not a preview's JSON"),
        ('{"changeSummary": {"delete": 3}}', "is not a preview's JSON"),
        ('{"steps": [{"urn": "x"}]}', "steps[0] of the plan has no op"),
        ('{"steps": [{"op": "delete"}]}', "steps[0] of the plan (delete) has no URN"),
        (
            '{"steps": [], "diagnostics": [{"severity": "error", "message": "boom\\nmore"}]}',
            "is the output of a failed preview, which plans nothing: boom",
        ),
    ],
)
def test_a_plan_that_cannot_be_checked_stops_with_status_2(
    text: str, says: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(UsageError):
        removed_objects(read_plan("-", io.StringIO(text)))
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    assert main(["guard", "-", "--max-deletes", "100"]) == 2
    assert says in capsys.readouterr().err


def test_the_confirmation_from_the_environment_must_be_a_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"steps": [_step("delete", "Tax", "old", id="40")]}))
    monkeypatch.setenv("AMPECO_CONFIRM_DELETES", "all")
    assert main(["guard", str(plan)]) == 2
    assert "AMPECO_CONFIRM_DELETES: expected a whole number, got 'all'" in capsys.readouterr().err
    monkeypatch.setenv("AMPECO_CONFIRM_DELETES", " ")  # set but empty: no confirmation
    assert main(["guard", str(plan)]) == 1
    # The option wins over the environment.
    monkeypatch.setenv("AMPECO_CONFIRM_DELETES", "7")
    assert main(["guard", str(plan), "--confirm-deletes", "1"]) == 0
    with pytest.raises(SystemExit):
        main(["guard", str(plan), "--max-deletes", "-1"])
