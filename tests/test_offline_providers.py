"""A state file never chooses the code that serves its resources: every resource is served by
the installed provider of its type, whatever ``__provider`` the state holds (the provider
server would unpickle it), and a type no installed provider serves stops ``ampeco-iac
offline`` before it sends anything."""

from __future__ import annotations

import base64
import copy
import json
import pickle
from pathlib import Path
from typing import Any

import pulumi
import pytest

from ampeco_engine import OfflineEngineError, OfflineStack
from ampeco_engine.providers import ForeignProviderError, InstalledProviders
from ampeco_engine.state import ResourceState, StackState, commit
from ampeco_engine.values import make_secret

from . import test_offline_cli
from .test_offline_cli import Project
from .toy_provider import Thing, ToyStore, installed_provider

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
def test_a_state_whose_provider_was_replaced_is_served_by_the_installed_one(
    project: Project, tmp_path: Path
) -> None:
    code, _, _ = project("up")
    assert code == 0
    state = project.root / ".pulumi-offline" / "dev.json"
    data = json.loads(state.read_text())
    urn = next(u for u in data["resources"] if u.endswith("::zone"))
    own = data["resources"][urn]["outputs"]["__provider"]
    marker = tmp_path / "unpickled"
    planted = _planted(marker)
    for side in ("inputs", "outputs"):
        data["resources"][urn][side]["__provider"] = planted
    state.write_text(json.dumps(data))

    for operation in ("preview", "refresh", "up", "destroy"):
        code, out, err = project(operation)
        assert code == 0, (operation, out, err)
        assert planted not in out + err
        assert not marker.exists(), operation
        if operation in ("refresh", "up"):  # the state now holds the installed provider
            stored = json.loads(state.read_text())["resources"][urn]
            assert stored["inputs"]["__provider"] == stored["outputs"]["__provider"] == own
    assert json.loads(state.read_text())["resources"] == {}  # destroyed, by our provider


def test_a_pending_delete_is_deleted_by_the_provider_of_its_own_type(project: Project) -> None:
    code, _, _ = project("up")
    assert code == 0
    state = project.root / ".pulumi-offline" / "dev.json"
    data = json.loads(state.read_text())
    urn = next(u for u in data["resources"] if u.endswith("::zone"))
    depot = next(iter(data["resources"].values()))
    with project.sim.client() as api:
        extra = api.post(
            f"/locations/v2.0/{depot['id']}/charging-zones",
            json={"name": "Old", "status": "enabled"},
        ).json()["data"]
    replaced = copy.deepcopy(data["resources"][urn])
    replaced["id"] = str(extra["id"])
    replaced["outputs"]["__provider"] = depot["outputs"]["__provider"]  # real, of another kind
    data["pending_deletes"] = [{"urn": urn, **replaced}]
    state.write_text(json.dumps(data))
    code, _, err = project("up")
    assert code == 0, err
    deletes = [r["path"] for r in project.sim.requests() if r["method"] == "DELETE"]
    assert len(deletes) == 1 and deletes[0].endswith(f"/charging-zones/{extra['id']}"), deletes


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
    assert InstalledProviders([installed_provider]).serve(state, tmp_path / "s.json") == 0


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
        " install the package whose ampeco_engine.providers entry point serves the type. A"
        " program's own dynamic provider serves its resources while the program runs (preview,"
        " up); for refresh and destroy, --trust-stored-providers runs the ones this state"
        " stores, if you trust the file"
    )
    assert _own() not in str(caught.value)


@pytest.mark.parametrize("transport", ["grpc", "inprocess"])
def test_a_programs_own_provider_serves_its_type_and_a_stored_one_never_runs(
    tmp_path: Path, transport: str
) -> None:
    """No installed provider serves toy:Thing here (the program's own, so to speak): the
    resources the program still declares give the provider for deleting the one it dropped;
    the pickle the state stores for it (planted) is never loaded. Without any resource of the
    type left in the program, the up stops before any write."""
    store = tmp_path / "store.json"
    config = {"toy:storePath": str(store)}
    path = tmp_path / "state.json"

    def program(names: tuple[str, ...]) -> Any:
        return lambda: [Thing(name, key=name) for name in names]

    OfflineStack(program(("a", "b")), path, config, transport="inprocess", project="p").up()
    marker = tmp_path / "unpickled"
    data = json.loads(path.read_text())
    for item in data["resources"].values():
        item["outputs"]["__provider"] = item["inputs"]["__provider"] = _planted(marker)
    path.write_text(json.dumps(data))

    stack = OfflineStack(program(("b",)), path, config, transport=transport, project="p")
    result = stack.up()
    assert {s.name: s.action for s in result.steps} == {"b": "same", "a": "delete"}
    assert not marker.exists()
    assert [o["key"] for o in ToyStore(store).objects().values()] == ["b"]

    emptied = OfflineStack(program(()), path, config, transport=transport, project="p")
    with pytest.raises(OfflineEngineError, match="the program declares no resource of it any"):
        emptied.up()
    assert [o["key"] for o in ToyStore(store).objects().values()] == ["b"]
    assert not marker.exists()

    # A run that fails before reaching `b` writes the state with what `b` stored, unchanged.
    data = json.loads(path.read_text())
    [urn_b] = list(data["resources"])
    data["resources"][urn_b]["inputs"]["__provider"] = _planted(marker)
    path.write_text(json.dumps(data))
    ToyStore(store).fail_next("create", "refused", key="c")
    failing = OfflineStack(program(("c",)), path, config, transport=transport, project="p")
    with pytest.raises(OfflineEngineError, match="refused"):
        failing.up()
    assert json.loads(path.read_text())["resources"][urn_b]["inputs"]["__provider"] == (
        _planted(marker)
    )
    assert not marker.exists()


def test_a_provider_pickled_differently_is_served_by_the_installed_one(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    marker = tmp_path / "unpickled"
    state = StackState(project="p", stack="test")
    for thing in (_thing("a", _own()), _thing("b", _planted(marker))):
        state.resources[thing.urn] = thing
    assert InstalledProviders([installed_provider]).serve(state, path) == 2
    assert {r.inputs["__provider"] for r in state.resources.values()} == {_own()}
    commit(path, state)
    data = json.loads(path.read_text())
    data["resources"][state.resources[thing.urn].urn]["outputs"]["__provider"] = _planted(marker)
    path.write_text(json.dumps(data))
    stack = OfflineStack(
        lambda: None,
        path,
        {"toy:storePath": str(tmp_path / "store.json")},
        transport="inprocess",
        project="p",
        providers=[installed_provider],
    )
    stack.refresh()
    stack.destroy()
    assert not marker.exists()
    assert stack.state()["resources"] == {}


def test_a_renamed_resource_of_a_programs_own_provider_keeps_what_the_state_stored(
    tmp_path: Path,
) -> None:
    """Renamed by an alias, then its update fails: the state keeps the value it stored for
    the provider (under the new name), never the engine's stand-in."""
    store = tmp_path / "store.json"
    config = {"toy:storePath": str(store)}
    path = tmp_path / "state.json"
    OfflineStack(
        lambda: Thing("a", key="a", value="1"), path, config, transport="inprocess", project="p"
    ).up()
    marker = tmp_path / "unpickled"
    data = json.loads(path.read_text())
    [item] = data["resources"].values()
    item["outputs"]["__provider"] = item["inputs"]["__provider"] = _planted(marker)
    path.write_text(json.dumps(data))
    ToyStore(store).fail_next("update", "refused", key="a")

    def renamed() -> None:
        Thing(
            "a2", key="a", value="2", opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name="a")])
        )

    with pytest.raises(OfflineEngineError, match="refused"):
        OfflineStack(renamed, path, config, transport="inprocess", project="p").up()
    [(urn, item)] = json.loads(path.read_text())["resources"].items()
    assert urn.endswith("::a2")
    assert item["inputs"]["__provider"] == _planted(marker)
    assert not marker.exists()
