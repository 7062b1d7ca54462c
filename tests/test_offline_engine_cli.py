"""The offline engine's core scenario (create, no-op preview, update, destroy) through the
real Pulumi CLI, compared with the same scenario through ``OfflineStack``.

Skipped when ``pulumi`` is not on PATH. Everything the CLI touches is isolated in a temporary
directory: a ``file://`` backend, a private ``PULUMI_HOME``, a passphrase secrets provider.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pulumi_ampeco.testing import OfflineStack

from .pulumi_cli import Cli
from .toy_provider import ToyStore, installed_provider

TOKEN = "tok-CLI-SECRET-7"

PROGRAM = '''\
"""The scenario program; run by the CLI (via __main__.py) and by OfflineStack."""

import pulumi

from tests.toy_provider import Thing


def main() -> None:
    value = pulumi.Config("scenario").get("value") or "1"
    with_child = pulumi.Config("scenario").get("child") != "no"
    a = Thing("a", key="a", value=value, size=3, tags={"env": "cli"})
    if with_child:
        Thing("b", key="b", parent_id=a.id)
    pulumi.export("a_id", a.id)
    pulumi.export("a_value", a.value)
'''


def _writes(store: ToyStore) -> list[tuple[str, str]]:
    return [(method, key) for method, _id, key in store.log()]


def _objects(store: ToyStore) -> list[dict[str, Any]]:
    return sorted(store.objects().values(), key=lambda o: str(o["key"]))


def _offline_program(project: Path) -> Callable[[], None]:
    spec = importlib.util.spec_from_file_location("offline_cli_scenario", project / "scenario.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    program: Callable[[], None] = module.main
    return program


def test_core_scenario_matches_the_real_cli(pulumi_cli: str, tmp_path: Path) -> None:
    cli = Cli(pulumi_cli, tmp_path / "cli", PROGRAM)
    cli_store = ToyStore(tmp_path / "cli-store.json")
    offline_store = ToyStore(tmp_path / "offline-store.json")
    offline = OfflineStack(
        _offline_program(cli.project),
        tmp_path / "offline-state.json",
        config={"toy:storePath": str(offline_store.path), "toy:token": TOKEN},
        secrets=("toy:token",),
        transport="grpc",
        project="offline-cli-check",
        stack="test",
        providers=[installed_provider],
    )

    cli("stack", "init", "test")
    cli("config", "set", "toy:storePath", str(cli_store.path))
    cli("config", "set", "--secret", "toy:token", TOKEN)

    # create
    cli("up", "--yes", "--skip-preview")
    created = offline.up()
    assert created.counts() == {"create": 2}
    assert _writes(cli_store) == _writes(offline_store) == [("create", "a"), ("create", "b")]
    assert _objects(cli_store) == _objects(offline_store)
    assert cli_store.received("a") == offline_store.received("a")  # same values on the wire
    assert cli_store.received("a")["token"] == TOKEN

    outputs = json.loads(cli.stdout("stack", "output", "--json", "--show-secrets"))
    assert outputs == created.outputs == {"a_id": cli_store.by_key("a")[0], "a_value": "1"}
    exported = cli("stack", "export")
    assert TOKEN not in exported
    assert TOKEN not in offline.state_path.read_text()

    # no-op preview
    cli("preview", "--expect-no-changes")
    assert offline.preview().counts() == {"same": 2}
    assert _writes(cli_store) == _writes(offline_store)

    # update and removal
    for key, value in (("scenario:value", "2"), ("scenario:child", "no")):
        cli("config", "set", key, value)
        offline.set_config(key, value)
    cli("up", "--yes", "--skip-preview")
    result = offline.up()
    assert {s.name: s.action for s in result.steps} == {"a": "update", "b": "delete"}
    assert _writes(cli_store) == _writes(offline_store)
    assert _writes(cli_store)[-2:] == [("update", "a"), ("delete", "b")]
    assert _objects(cli_store) == _objects(offline_store)
    cli("preview", "--expect-no-changes")

    # destroy
    cli("destroy", "--yes", "--skip-preview")
    offline.destroy()
    assert cli_store.objects() == offline_store.objects() == {}
    assert offline.state()["resources"] == {}
    cli("stack", "rm", "--yes", "--force")
