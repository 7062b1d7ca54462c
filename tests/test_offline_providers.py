"""A state file never chooses the code that serves its resources: every ``__provider`` it holds
must be the installed provider's own, or ``ampeco-iac offline`` stops before sending anything
(the provider server would unpickle it)."""

from __future__ import annotations

import base64
import copy
import json
import pickle
from pathlib import Path
from typing import Any

import pytest

from ampeco_engine import OfflineStack
from ampeco_engine.providers import ForeignProviderError, InstalledProviders
from ampeco_engine.state import ResourceState, StackState, commit
from ampeco_engine.values import make_secret

from . import test_offline_cli
from .test_offline_cli import Project
from .toy_provider import Thing, installed_provider

project = test_offline_cli.project  # the fixture: a project directory and the command on it

FIX = (
    "nothing was sent to the tenant. Use this stack's own state file, or restore it from a"
    " copy you trust (a backup, version control)"
)


class _Touch:
    """Unpickled, it creates the file ``path`` (as ``open(path, "w")`` does)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, tuple[str, str]]:
        return open, (str(self.path), "w")


def _planted(marker: Path) -> str:
    return base64.b64encode(pickle.dumps(_Touch(marker), protocol=4)).decode()


@pytest.mark.timeout(240)
def test_a_state_whose_provider_was_replaced_is_refused_by_every_operation(
    project: Project, tmp_path: Path
) -> None:
    code, _, _ = project("up")
    assert code == 0
    state = project.root / ".pulumi-offline" / "dev.json"
    data = json.loads(state.read_text())
    urn = next(u for u in data["resources"] if u.endswith("::zone"))
    marker = tmp_path / "unpickled"
    planted = _planted(marker)
    for side in ("inputs", "outputs"):
        data["resources"][urn][side]["__provider"] = planted
    state.write_text(json.dumps(data))
    before = state.read_bytes()
    position = list(data["resources"]).index(urn)

    for operation in ("refresh", "destroy", "preview", "up"):
        code, out, err = project(operation)
        assert code == 2, (operation, out, err)
        assert (
            f"error: {state}: resources[{position}] (ampeco:ChargingZone): its provider is not"
            " this installation's pulumi-ampeco provider (the state was made by another program"
            f" or altered); {FIX}" in err
        )
        assert planted not in out + err
        assert not marker.exists(), operation
        assert project.sim.requests() == [], operation
        assert state.read_bytes() == before


def test_a_replaced_provider_of_a_pending_delete_is_refused(project: Project) -> None:
    code, _, _ = project("up")
    assert code == 0
    state = project.root / ".pulumi-offline" / "dev.json"
    data = json.loads(state.read_text())
    urn = next(u for u in data["resources"] if u.endswith("::zone"))
    replaced = copy.deepcopy(data["resources"][urn])
    depot = next(iter(data["resources"].values()))
    replaced["outputs"]["__provider"] = depot["outputs"]["__provider"]  # real, of another kind
    data["pending_deletes"] = [{"urn": urn, **replaced}]
    state.write_text(json.dumps(data))
    code, _, err = project("destroy")
    assert code == 2
    assert (
        f"error: {state}: pending_deletes[0] (ampeco:ChargingZone): its provider is not this"
        " installation's pulumi-ampeco provider" in err
    )
    assert project.sim.requests() == []


# --- the engine on its own, with the toy provider ----------------------------------------------


def _thing(name: str, provider: Any) -> ResourceState:
    return ResourceState(
        urn=f"urn:pulumi:test::p::pulumi-python:dynamic/toy:Thing::{name}",
        type="pulumi-python:dynamic/toy:Thing",
        name=name,
        custom=True,
        id="1",
        inputs={"key": name, "__provider": provider},
        outputs={"key": name, "__provider": provider},
    )


def _own() -> str:
    expected = InstalledProviders([installed_provider]).expected("pulumi-python:dynamic/toy:Thing")
    assert expected is not None
    return expected.value


def test_the_installed_value_is_the_one_a_declared_resource_stores(tmp_path: Path) -> None:
    def program() -> None:
        Thing("a", key="a")

    stack = OfflineStack(
        program,
        tmp_path / "state.json",
        {"toy:storePath": str(tmp_path / "store.json")},
        transport="inprocess",
        project="p",
        providers=[installed_provider],
    )
    stack.up()
    stored = stack.state()["resources"]
    assert [r["inputs"]["__provider"] for r in stored.values()] == [_own()]


def test_a_secret_provider_equal_to_the_installed_one_is_accepted(tmp_path: Path) -> None:
    state = StackState(project="p", stack="test")
    thing = _thing("a", make_secret(_own()))
    state.resources[thing.urn] = thing
    InstalledProviders([installed_provider]).verify(state, tmp_path / "s.json")


def test_a_type_no_installed_provider_serves_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    state = StackState(project="p", stack="test")
    thing = _thing("a", _own())
    state.resources[thing.urn] = thing
    commit(path, state)
    stack = OfflineStack(lambda: None, path, transport="inprocess", project="p")
    with pytest.raises(ForeignProviderError) as caught:
        stack.refresh()
    assert str(caught.value) == (
        f"{path}: resources[0] (toy:Thing): no provider installed here serves this type (the"
        f" state was made by another program or altered); {FIX}; if the state is this stack's,"
        " install the package whose ampeco_engine.providers entry point serves the type"
    )
    assert _own() not in str(caught.value)


def test_a_provider_pickled_differently_is_refused_and_never_unpickled(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    marker = tmp_path / "unpickled"
    state = StackState(project="p", stack="test")
    for thing in (_thing("a", _own()), _thing("b", _planted(marker))):
        state.resources[thing.urn] = thing
    commit(path, state)
    stack = OfflineStack(
        lambda: None,
        path,
        {"toy:storePath": str(tmp_path / "store.json")},
        transport="inprocess",
        project="p",
        providers=[installed_provider],
    )
    for operation in (stack.refresh, stack.destroy, stack.preview, stack.up):
        with pytest.raises(ForeignProviderError, match=r"resources\[1\] \(toy:Thing\): its"):
            operation()
    assert not marker.exists()
    assert not (tmp_path / "store.json").exists()  # the provider was never called
