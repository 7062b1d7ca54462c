"""The examples, unchanged, through the real Pulumi CLI against the simulator.

(a) the quickstart (the repository's root project, whose ``__main__.py`` runs
``examples/quickstart/__main__.py``) and (b) ``examples/tenant-yaml`` with its ``dev`` stack.
Each is copied into a temporary directory (``Cli.from_project``: the files the program needs
and the stack files named, never a developer's local ones; the project's own relative
``virtualenv`` resolves to the one running the tests) and taken through the rhythm a team
follows: stack init, the tenant URL and the token as a secret, preview, up, a preview that
expects no changes, an edit of the program or document and up, a change made outside Pulumi
picked up by refresh and undone by up, and destroy. After every step that writes, the tenant's
objects are looked up through the simulator's API; ``pulumi stack export`` must never hold the
token. Skipped, saying why, when ``pulumi`` is not on PATH.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from ampeco_engine.project import stack_config

from .conftest import API, Sim, http_client
from .live_objects import paths_in_export, statuses
from .pulumi_cli import REPO, Cli

TOKEN = "cli-examples-SECRET-9c2e"
LOCATION_TYPE = "pulumi-python:dynamic/ampeco:Location"


@dataclass(frozen=True)
class Example:
    """A project to run and how the test changes it."""

    source: Path
    #: What the program needs, relative to ``source`` (``Pulumi.yaml`` is always copied).
    files: tuple[str, ...]
    #: The stack to run; ``Pulumi.<stack>.yaml`` is copied from ``source`` if ``copy_stack``.
    stack: str
    copy_stack: bool
    #: The file to edit, relative to the project directory, and the one edit to make in it:
    #: the location's city goes from ``old`` to ``new``.
    edited_file: str
    old: str
    new: str
    #: The ids the stack outputs name, one of which is the location's.
    output_ids: Callable[[dict[str, Any]], set[str]]


QUICKSTART = Example(
    source=REPO,
    files=("__main__.py", "examples/quickstart"),
    stack="dev",
    copy_stack=False,
    edited_file="examples/quickstart/__main__.py",
    old='city="Oslo"',
    new='city="Bergen"',
    output_ids=lambda outputs: {str(outputs["location_id"])},
)

TENANT_YAML = Example(
    source=REPO / "examples" / "tenant-yaml",
    files=("__main__.py", "tenant.yaml"),
    stack="dev",
    copy_stack=True,
    edited_file="tenant.yaml",
    old="city: Oslo",
    new="city: Bergen",
    # `ids` maps each object of the document to its id.
    output_ids=lambda outputs: {str(value) for value in outputs["ids"].values()},
)


def _api() -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKEN}"}


def _live(sim: Sim, path: str) -> httpx.Response:
    with http_client(timeout=10) as client:
        return client.get(f"{sim.base_url}{API}{path}", headers=_api())


def _export(cli: Cli) -> tuple[str, dict[str, Any]]:
    text = cli.stdout("stack", "export")
    return text, json.loads(text)


def _location_of(export: dict[str, Any]) -> str:
    found = [
        str(item["id"])
        for item in export["deployment"].get("resources") or []
        if item.get("type") == LOCATION_TYPE
    ]
    assert len(found) == 1, f"expected one Location in the stack, found {found}"
    return found[0]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{path} no longer holds {old!r} exactly once; update this test"
    path.write_text(text.replace(old, new), encoding="utf-8")


def _writes(sim: Sim) -> list[tuple[str, str]]:
    return [(e["method"], e["path"]) for e in sim.requests() if e["method"] != "GET"]


def _clear_log(sim: Sim) -> None:
    with sim.admin() as admin:
        admin.delete("/requests").raise_for_status()


def _run(example: Example, cli_path: str, sim: Sim, root: Path) -> dict[str, Any]:
    """The whole rhythm for one example; returns the stack outputs after the first up."""
    assert sim.simulator is not None
    sim.simulator.config.tokens = (TOKEN,)
    stacks = (example.stack,) if example.copy_stack else ()
    cli = Cli.from_project(cli_path, root, example.source, example.files, stacks)
    # The stack's own config, as the copy of its Pulumi.<stack>.yaml has it (none if not copied).
    config = stack_config(cli.project, example.stack)
    assert (cli.project / f"Pulumi.{example.stack}.yaml").exists() == example.copy_stack

    cli("stack", "init", example.stack)
    cli("config", "set", "ampeco:tenantUrl", sim.base_url)
    cli("config", "set", "--secret", "ampeco:apiToken", TOKEN)
    # Set again: the copy already holds it, but this keeps the test independent of how init
    # treats an existing stack file.
    for key, value in config.values.items():
        assert not isinstance(value, dict | list), f"structured config {key} is not expected"
        cli("config", "set", key, value if isinstance(value, str) else json.dumps(value))
    assert TOKEN not in (cli.project / f"Pulumi.{example.stack}.yaml").read_text()

    # preview: only creates, and nothing written to the tenant
    _clear_log(sim)
    preview = cli("preview", "--diff")
    assert "create" in preview
    assert TOKEN not in preview
    assert _writes(sim) == []

    # up: every object of the stack exists on the tenant
    cli("up", "--yes", "--skip-preview")
    outputs: dict[str, Any] = json.loads(cli.stdout("stack", "output", "--json"))
    text, export = _export(cli)
    assert TOKEN not in text
    objects = paths_in_export(export)
    assert objects, "the stack created no tenant objects"
    assert set(statuses(sim.base_url, TOKEN, objects).values()) == {200}
    location_id = _location_of(export)
    assert location_id in example.output_ids(outputs)
    location = f"/locations/v2.0/{location_id}"
    assert _live(sim, location).json()["data"]["city"] == "Oslo"

    # nothing to do, and the check costs no write
    _clear_log(sim)
    cli("preview", "--expect-no-changes")
    assert _writes(sim) == []

    # a change to the program (or document) and up
    _edit(cli.project / example.edited_file, example.old, example.new)
    cli("up", "--yes", "--skip-preview")
    assert _live(sim, location).json()["data"]["city"] == "Bergen"
    cli("preview", "--expect-no-changes")

    # a change made outside Pulumi: refresh records it, up undoes it
    httpx.patch(
        f"{sim.base_url}{API}{location}", json={"city": "Trondheim"}, headers=_api(), timeout=10
    ).raise_for_status()
    cli("refresh", "--yes", "--skip-preview")
    text, _ = _export(cli)
    assert "Trondheim" in text
    cli("up", "--yes", "--skip-preview")
    assert _live(sim, location).json()["data"]["city"] == "Bergen"
    cli("preview", "--expect-no-changes")

    # the state never holds the token (checked before destroy, while it holds everything)
    text, export = _export(cli)
    assert TOKEN not in text
    assert sorted(paths_in_export(export)) == sorted(objects)

    # destroy: every object is gone from the tenant
    cli("destroy", "--yes", "--skip-preview")
    assert set(statuses(sim.base_url, TOKEN, objects).values()) == {404}
    text, export = _export(cli)
    assert TOKEN not in text
    assert paths_in_export(export) == []
    cli("stack", "rm", "--yes")
    return outputs


def test_quickstart_through_the_cli(pulumi_cli: str, sim: Sim, tmp_path: Path) -> None:
    _run(QUICKSTART, pulumi_cli, sim, tmp_path / "cli")


def test_tenant_yaml_dev_stack_through_the_cli(pulumi_cli: str, sim: Sim, tmp_path: Path) -> None:
    outputs = _run(TENANT_YAML, pulumi_cli, sim, tmp_path / "cli")
    # `ids`: an id for every object of the document, by its name.
    assert isinstance(outputs["ids"], dict) and outputs["ids"]
    assert all(outputs["ids"].values())
