"""What ``ampeco-iac`` says: plain help texts, the same flags on every command, a quiet end
when a reader stops reading, hints that fit what happened, and plans that say what is known."""

from __future__ import annotations

import argparse
import inspect
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import pulumi_ampeco as ampeco
from ampeco_engine import UNKNOWN
from ampeco_engine.results import RunResult, Step
from pulumi_ampeco import offline
from pulumi_ampeco.cli import _parser, main
from pulumi_ampeco.resource_base import ArgumentError

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
    assert message.startswith(f"tests/{Path(__file__).name}:{line}: Location 'depot': ")
    assert "no argument 'nmae'; did you mean 'name'?" in message
    assert isinstance(raised.value, TypeError)  # what a program catching TypeError expects


def _step(name: str, action: str, inputs: dict[str, object], **extra: object) -> Step:
    return Step(name, DYNAMIC + name.split("-")[0], f"urn::{name}", action, inputs=inputs, **extra)  # type: ignore[arg-type]


def test_an_adoption_waits_only_for_the_objects_it_needs_that_do_not_exist_yet() -> None:
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
    result = RunResult("preview", [created, adopted, by_key, zone_new, zone_keyed], {})
    plans = offline.adoption_plans(result, {})
    assert plans["urn::ChargingZone-a"] == offline.Waiting(("Location-new",))
    assert plans["urn::ChargingZone-b"] == offline.Waiting(("Location-keyed",))
    shown = offline.format_steps(result, "preview", plans)
    assert "(what it changes shows once Location-new exists)" in shown
    assert "(what it changes shows once Location-keyed exists)" in shown


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
