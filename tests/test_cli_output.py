"""What ``ampeco-iac`` says: plain help texts, the same flags on every command, a quiet end
when a reader stops reading, hints that fit what happened, and plans that say what is known."""

from __future__ import annotations

import argparse
import inspect
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import pulumi_ampeco as ampeco
from ampeco_engine import UNKNOWN
from ampeco_engine.results import RunResult, Step
from pulumi_ampeco import offline, write_tally
from pulumi_ampeco.cli import _parser, main
from pulumi_ampeco.resource_base import ArgumentError

from .conftest import Sim

LOCATION = {
    "name": [{"locale": "en", "translation": "Depot"}],
    "geoposition": {"latitude": 59.9, "longitude": 10.7},
    "address": [{"locale": "en", "translation": "Street 1"}],
    "country": "NO",
}

DYNAMIC = "pulumi-python:dynamic/ampeco:"


def parsers() -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Every command and subcommand with its parser."""

    def walk(
        parser: argparse.ArgumentParser, path: str
    ) -> Iterator[tuple[str, argparse.ArgumentParser]]:
        yield path, parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    yield from walk(sub, f"{path} {name}")

    yield from walk(_parser(), "ampeco-iac")


def options(parser: argparse.ArgumentParser) -> dict[str, set[str]]:
    """Each option's destination → its flags."""
    return {a.dest: set(a.option_strings) for a in parser._actions if a.option_strings}


def test_help_texts_are_plain_text() -> None:
    for path, parser in parsers():
        assert "`" not in parser.format_help(), path


def test_the_project_stack_and_config_flags_are_the_same_everywhere() -> None:
    seen = 0
    for path, parser in parsers():
        flags = options(parser)
        for dest, expected in (
            ("cwd", {"-C", "--cwd"}),
            ("stack", {"-s", "--stack"}),
            ("config", {"-c", "--config"}),
        ):
            if dest in flags:
                assert flags[dest] == expected, (path, flags[dest])
                seen += 1
    assert seen >= 20  # validate, export, init and every offline operation


def test_a_reader_that_stops_early_ends_the_command_quietly() -> None:
    # The schema is far longer than a pipe holds: the write meets a closed pipe.
    run = subprocess.run(
        ["bash", "-c", f"'{sys.executable}' -m pulumi_ampeco.cli schema | head -n 1"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.stdout == "{\n"
    assert run.stderr == ""


def test_validate_of_a_missing_file_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(tmp_path / "tenant.yml")]) == 2
    err = capsys.readouterr().err
    assert err == f"error: there is no file {tmp_path / 'tenant.yml'}\n"


def test_a_misspelled_argument_names_the_line_and_the_closest_argument() -> None:
    line = inspect.currentframe().f_lineno + 2  # type: ignore[union-attr]
    with pytest.raises(ArgumentError) as raised:
        ampeco.Location("depot", nmae={"en": "Depot"})  # type: ignore[call-overload]
    message = str(raised.value)
    where, rest = message.split(" Location 'depot': ", 1)
    assert where.endswith(f"{Path(__file__).name}:{line}:")
    assert rest.startswith("no argument 'nmae'; did you mean 'name'?")
    assert isinstance(raised.value, TypeError)  # what a program catching TypeError expects
    with pytest.raises(ArgumentError, match="no argument 'adpot'; did you mean 'adopt'"):
        ampeco.Location("depot", adpot=True)  # type: ignore[call-overload]


def _step(name: str, action: str, inputs: dict[str, object], **extra: object) -> Step:
    return Step(name, DYNAMIC + name.split("-")[0], f"urn::{name}", action, inputs=inputs, **extra)  # type: ignore[arg-type]


def test_an_adoption_waits_for_every_value_a_preview_does_not_know() -> None:
    created = _step("Location-new", "create", {"name": "new"})
    adopted = _step("Location-old", "create", {"adopt": 4000.0})
    by_key = _step("Location-keyed", "create", {"adopt": True})
    zone_new = _step(
        "ChargingZone-a",
        "create",
        {"adopt": 70.0, "location_id": UNKNOWN},
        dependencies={"location_id": ["urn::Location-new"]},
    )
    zone_keyed = _step(
        "ChargingZone-b",
        "create",
        {"adopt": 71.0, "location_id": UNKNOWN},
        dependencies={"location_id": ["urn::Location-keyed"]},
    )
    # A list holding ids, though both objects are adopted by id: which is which is unknown.
    tin = _step("TaxIdentificationNumber-t", "create", {"adopt": 1.0})
    group = _step(
        "TariffGroup-g",
        "create",
        {"adopt": 500.0, "name": "G", "tariff_ids": [UNKNOWN, UNKNOWN]},
        dependencies={"tariff_ids": ["urn::Tariff-a", "urn::Tariff-b"]},
    )
    # A nested object made from an adopted object's id is not that id.
    tariff = _step(
        "Tariff-t",
        "create",
        {"adopt": 2200.0, "name": "T", "type": "flat rate", "pricing": UNKNOWN},
        dependencies={"pricing": ["urn::Tax-v"]},
    )
    steps = [created, adopted, by_key, zone_new, zone_keyed, tin, group, tariff]
    result = RunResult("preview", steps, {})
    plans = offline.adoption_plans(result, {})
    assert plans["urn::ChargingZone-a"] == offline.Waiting(("Location-new",))
    assert plans["urn::ChargingZone-b"] == offline.Waiting(("Location-keyed",))
    assert plans["urn::TariffGroup-g"] == offline.Waiting(("urn::Tariff-a", "urn::Tariff-b"))
    assert plans["urn::Tariff-t"] == offline.Waiting(("urn::Tax-v",))
    shown = offline.format_steps(result, "preview", plans)
    assert "(what it changes shows at up, once the ids of Location-new are known)" in shown


def test_a_reference_to_an_object_adopted_by_id_is_that_id(
    sim: Sim, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plan of a zone under a location adopted in the same run reads the zone itself."""
    with sim.client() as api:
        location = api.post("/locations/v2.0", json=LOCATION).json()["data"]
        zone = api.post(
            f"/locations/v2.0/{location['id']}/charging-zones",
            json={"name": "Level 1", "status": "enabled"},
        ).json()["data"]
    config = {"ampeco:tenantUrl": sim.base_url, "ampeco:apiToken": sim.token}
    parent = _step("Location-depot", "create", {"adopt": float(location["id"])})
    child = _step(
        "ChargingZone-level",
        "create",
        {
            "adopt": float(zone["id"]),
            "location_id": UNKNOWN,
            "name": "Level 2",
            "status": "enabled",
        },
        dependencies={"location_id": ["urn::Location-depot"]},
    )
    plans = offline.adoption_plans(RunResult("preview", [parent, child], {}), config)
    assert plans["urn::ChargingZone-level"] == {"name": ("Level 1", "Level 2")}
    # During the up, an adoption without a plan promises nothing.
    lines = offline.step_lines(child, "up", None)
    assert len(lines) == 1 and lines[0].startswith("= adopt")


def test_the_summary_names_components_apart_and_counts_writes() -> None:
    tenant = Step("tenant", "ampeco:index:Tenant", "urn::tenant", "create", custom=False)
    objects = [_step(f"Tax-{n}", "create", {"adopt": float(n)}) for n in range(1, 4)]
    result = RunResult("up", [tenant, *objects], {})
    assert offline.format_summary(result, "up", 0) == (
        "Done: 3 adopted (and 1 component created); 0 write requests to the tenant"
    )
    assert offline.format_summary(RunResult("preview", [tenant, *objects], {}), "preview") == (
        "Plan: 3 to adopt (and 1 component to create)"
    )
    same = [Step(s.name, s.type, s.urn, "same") for s in objects]
    unchanged = RunResult("up", [Step("tenant", "t", "urn::t", "same", custom=False), *same], {})
    assert offline.format_summary(unchanged, "up", 1) == (
        "No changes: 3 resources unchanged; 1 write request to the tenant"
    )


def test_a_refresh_shows_no_write_count_and_an_empty_stack_says_so() -> None:
    tenant = Step("tenant", "ampeco:index:Tenant", "urn::tenant", "create", custom=False)
    assert offline.format_summary(RunResult("preview", [tenant], {}), "preview") == (
        "Plan: no resources (and 1 component to create)"
    )
    read = _step("Tax-1", "read", {"name": "VAT"}, changes=["name"])
    assert offline.format_summary(RunResult("refresh", [read], {}), "refresh", None) == (
        "Done: 1 changed"
    )


def test_the_write_tally_counts_writes_and_leaves_nothing_behind(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(write_tally.ENV, raising=False)
    with write_tally.tallying() as count:
        path = Path(os.environ[write_tally.ENV])
        write_tally.record("GET", "/taxes/v2.0")
        write_tally.record("POST", "/taxes/v2.0")
        write_tally.record("PATCH", "/taxes/v2.0/1")
        assert count() == 2
    assert write_tally.ENV not in os.environ and not path.exists()
    write_tally.record("POST", "/taxes/v2.0")  # after the run: the file is not made again
    assert not path.exists()

    def no_temporary_file(**_: object) -> tuple[int, str]:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(write_tally.tempfile, "mkstemp", no_temporary_file)
    with write_tally.tallying() as count:
        assert count() is None and write_tally.ENV not in os.environ
