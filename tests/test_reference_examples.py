"""The examples on the reference pages work as written: each page's tenant document passes
``ampeco-iac validate`` and says what the kind's declared example says; each page's program
type-checks (``mypy --strict``, one run for all pages) and is laid out as the formatter would;
the programs run against the simulator through the offline engine, and read back unchanged."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pulumi_ampeco import cli, codegen
from pulumi_ampeco.kinds import KINDS, SECTIONS, Kind
from pulumi_ampeco.kinds.declaration import with_ids
from pulumi_ampeco.tenant import load
from pulumi_ampeco.tenant.loading import parse
from pulumi_ampeco.testing import OfflineStack

from .conftest import Sim

TOKEN = "reference-examples-4b2e"
_BLOCK = re.compile(r"^```(yaml|python)\n(.*?)^```$", re.S | re.M)


def blocks(kind: Kind) -> dict[str, str]:
    """The example blocks of the kind's reference page, by language."""
    page = (codegen.REFERENCE / f"{codegen.slug(kind.name)}.md").read_text(encoding="utf-8")
    found = dict(_BLOCK.findall(page.split("\n## Arguments\n", 1)[0]))
    assert set(found) == {"yaml", "python"}, kind.name
    return found


def test_every_example_names_declared_objects_under_keys_of_its_own() -> None:
    givens = {p.kind for kind in KINDS.values() for p in kind.given_parents}
    keys = []
    for kind in KINDS.values():
        assert kind.example is not None, kind.name
        assert set(kind.example.named()) <= {*KINDS, *givens}, kind.name
        keys.append(kind.example.key)
        codegen.variable(kind)  # a Python name
    # One name per object in any program the pages show.
    assert len(keys) == len(set(keys))


def _expected(kind: Kind) -> tuple[dict[str, Any], set[str]]:
    """What the document's object should hold: the example's arguments without those the
    document writes by nesting or by key (returned apart), other ids as stand-ins."""
    assert kind.example is not None and kind.section is not None
    args = with_ids(kind.example.args, lambda _kind: codegen.STAND_IN_ID)
    by_key = set()
    for ref in kind.section.refs:
        *head, last = ref.id_field.split(".")
        holder = args
        for part in head:
            holder = holder.get(part, {})
        if last in holder:
            del holder[last]
            by_key.add(ref.id_field)
    for name in kind.section.parent_fields:
        del args[name]
    return args, by_key


@pytest.mark.parametrize("kind", KINDS.values(), ids=list(KINDS))
def test_the_tenant_document_example_validates_and_holds_the_example(
    kind: Kind, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = tmp_path / "tenant.yaml"
    document.write_text(blocks(kind)["yaml"], encoding="utf-8")
    assert cli.main(["validate", str(document)]) == 0, capsys.readouterr().err
    assert f" {kind.name}" in capsys.readouterr().out

    [node] = [n for n in load(parse(blocks(kind)["yaml"])).nodes if n.section.kind == kind.name]
    args, by_key = _expected(kind)
    assert node.args == args
    assert set(node.refs) == by_key
    assert set(node.parents) == set(SECTIONS[node.section.name].parent_fields)


def _programs(tmp_path: Path) -> list[Path]:
    files = []
    for kind in KINDS.values():
        path = tmp_path / f"example_{codegen.slug(kind.name).replace('-', '_')}.py"
        path.write_text(blocks(kind)["python"], encoding="utf-8")
        files.append(path)
    return files


def test_the_python_examples_type_check_and_are_formatted(tmp_path: Path) -> None:
    programs = [str(p) for p in _programs(tmp_path)]
    cache = ["--cache-dir", str(tmp_path / "cache")]
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", *cache, *programs],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert checked.returncode == 0, checked.stdout
    formatted = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "--diff", *programs],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr


def _runnable() -> list[str]:
    """The kinds whose programs declare every object they name (none naming a roaming
    operator, which only the tenant's roaming connections make)."""
    return [
        name
        for name in KINDS
        if all(
            named in KINDS
            for kind in codegen.example_kinds([name])
            for named in (kind.example.named() if kind.example else [])
        )
    ]


def _run(text: str, sim: Sim, state: Path) -> OfflineStack:
    sim.use_token(TOKEN)
    code = compile(text, "example.py", "exec")
    return OfflineStack(
        lambda: exec(code, {"__name__": "__main__"}),
        state,
        {"ampeco:tenantUrl": sim.base_url, "ampeco:apiToken": TOKEN},
        transport="inprocess",
    )


def test_every_example_program_runs_and_reads_back_unchanged(sim: Sim, tmp_path: Path) -> None:
    """One program with every example (each page's program is part of it, declared alike)."""
    kinds = codegen.example_kinds(_runnable())
    assert len(kinds) == len(KINDS) - 1  # all but the custom tariff filter
    with _run(codegen.example_program(_runnable()), sim, tmp_path / "state.json") as stack:
        made = stack.up()
        assert made.counts() == {"create": len(kinds)}
        assert sorted(step.type.rsplit(":", 1)[-1] for step in made.steps) == sorted(
            kind.name for kind in kinds
        )
        sim.clear_requests()
        assert set(stack.preview().counts()) == {"same"}
        assert sim.writes() == []


def test_a_page_program_runs_as_written(sim: Sim, tmp_path: Path) -> None:
    """The parking space's page, the longest chain of objects named by id."""
    program = blocks(KINDS["ParkingSpace"])["python"]
    with _run(program, sim, tmp_path / "state.json") as stack:
        made = stack.up()
        assert made.counts() == {"create": len(codegen.example_kinds(["ParkingSpace"]))}
        [space] = [s for s in made.steps if s.type.endswith(":ParkingSpace")]
        evse = next(s.id for s in made.steps if s.type.endswith(":Evse"))
        with sim.client() as api:
            live = api.get(f"/parking-spaces/v1.0/{space.id}").json()["data"]
        assert live["evses"] == [int(evse)]


def test_an_example_names_its_objects_by_key_in_a_document_and_by_variable_in_python() -> None:
    evse = blocks(KINDS["Evse"])
    assert "tariff_group: public\n" in evse["yaml"]
    assert "tariff_group_id=public.id,\n" in evse["python"]
    tariff = blocks(KINDS["Tariff"])
    assert "tax: vat-25" in tariff["yaml"] and '"tax_id": vat_25.id' in tariff["python"]
    terminal = blocks(KINDS["PaymentTerminal"])  # charge points have no key outside a location
    assert f"charge_point_id: {codegen.STAND_IN_ID}  # the id of a charge point" in terminal["yaml"]
    assert "charge_point_id=depot_north_1.id," in terminal["python"]
