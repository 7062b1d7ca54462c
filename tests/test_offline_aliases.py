"""Aliases in the offline engine, as Pulumi resolves them: a renamed resource with an alias to
its old name is the same resource (no create, no delete, the same id, its state carried over),
children follow a renamed parent, and two resources claiming one old resource is an error
before anything is written. The journal holds a rename as one line, so a crash right after it
keeps the object under its new name."""

from __future__ import annotations

import pulumi
import pytest

from ampeco_engine.aliases import AliasResolver, create_urn
from ampeco_engine.state import ResourceState, StackState, commit, load_state, rename
from pulumi_ampeco.testing import OfflineEngineError, OfflineStack

from . import test_offline_engine
from .test_offline_engine import URN, Env, actions, writes
from .toy_provider import Thing

env = test_offline_engine.env  # the fixture: both transports

COMPONENT = "test:index:Group"


def _ids(stack: OfflineStack) -> dict[str, str]:
    return {r["name"]: r["id"] for r in stack.state()["resources"].values() if r.get("id")}


def test_a_renamed_resource_with_an_alias_keeps_its_object(env: Env) -> None:
    env.stack(lambda: Thing("old", key="k", value="1")).up()
    before = _ids(env.stack(lambda: None))
    writes_before = len(writes(env.store))

    def renamed() -> None:
        Thing(
            "new",
            key="k",
            value="1",
            opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name="old")]),
        )

    stack = env.stack(renamed)
    preview = stack.preview()
    assert actions(preview) == {"new": "same"}
    assert preview.step("new").renamed_from == URN + "pulumi-python:dynamic/toy:Thing::old"
    up = stack.up()
    assert actions(up) == {"new": "same"}
    assert len(writes(env.store)) == writes_before  # no create, no delete
    assert _ids(stack) == {"new": before["old"]}
    assert set(stack.state()["resources"]) == {
        URN + "pulumi-python:dynamic/toy:Thing::new",
    } | {u for u in stack.state()["resources"] if u.endswith("Stack::pulumi-ampeco-test-test")}
    # The next run needs the alias no more.
    assert actions(env.stack(lambda: Thing("new", key="k", value="1")).preview()) == {"new": "same"}


def test_a_rename_with_a_change_is_an_update_of_the_same_object(env: Env) -> None:
    env.stack(lambda: Thing("old", key="k", value="1")).up()
    [old_id] = env.store.objects()

    def renamed() -> None:
        Thing(
            "new",
            key="k",
            value="2",
            opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name="old")]),
        )

    up = env.stack(renamed).up()
    assert actions(up) == {"new": "update"}
    assert list(env.store.objects()) == [old_id]
    assert env.store.objects()[old_id]["value"] == "2"


class Group(pulumi.ComponentResource):
    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, opts)
        Thing(f"{name}-member", key="member", value="1", opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({})


def test_children_follow_a_renamed_parent(env: Env) -> None:
    env.stack(lambda: Group("app")).up()
    [member_id] = env.store.objects()

    def renamed() -> None:
        Group("site", opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name="app")]))

    up = env.stack(renamed).up()
    assert actions(up) == {"site": "same", "site-member": "same"}
    assert up.step("site-member").renamed_from.endswith("::app-member")
    assert list(env.store.objects()) == [member_id]
    assert len(writes(env.store)) == 1  # the first create only


def test_two_resources_claiming_one_old_resource_write_nothing(env: Env) -> None:
    env.stack(lambda: Thing("old", key="k", value="1")).up()

    def both() -> None:
        for name in ("a", "b"):
            Thing(name, key=name, opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name="old")]))

    with pytest.raises(OfflineEngineError, match="both have the alias"):
        env.stack(both).up()
    assert len(writes(env.store)) == 1
    assert list(_ids(env.stack(lambda: None))) == ["old"]


def test_an_alias_naming_a_resource_still_declared_is_refused(env: Env) -> None:
    env.stack(lambda: Thing("a", key="a")).up()

    def clash() -> None:
        Thing("a", key="a")
        Thing("b", key="b", opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name="a")]))

    with pytest.raises(OfflineEngineError, match="registers itself"):
        env.stack(clash).up()
    assert len(writes(env.store)) == 1


def test_an_alias_to_nothing_is_a_create(env: Env) -> None:
    def program() -> None:
        Thing("new", key="k", opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name="never")]))

    up = env.stack(program).up()
    assert actions(up) == {"new": "create"}
    assert up.step("new").renamed_from == ""


def test_the_resolver_follows_pulumis_rules() -> None:
    project, stack = "p", "s"
    root = create_urn("p-s", "pulumi:pulumi:Stack", "", project, stack)
    parent = create_urn("site", COMPONENT, root, project, stack)
    resolver = AliasResolver(project, stack)
    resolver.renamed[parent] = create_urn("app", COMPONENT, root, project, stack)
    spec = type(
        "Alias",
        (),
        {
            "urn": "",
            "spec": type(
                "Spec",
                (),
                {
                    "name": "old",
                    "type": "",
                    "parentUrn": "",
                    "noParent": False,
                    "project": "",
                    "stack": "",
                },
            )(),
        },
    )()
    found = resolver.candidates("site-member", "t:index:T", parent, [spec])
    assert (
        found
        == [
            f"urn:pulumi:s::p::{COMPONENT}$t:index:T::old",
            f"urn:pulumi:s::p::{COMPONENT}$t:index:T::app-member",
            f"urn:pulumi:s::p::{COMPONENT}$t:index:T::old",
        ][:2]
    )


def test_a_rename_moves_every_reference_and_replays_once() -> None:
    old, new, child_urn = (f"urn:pulumi:s::p::t:T::{n}" for n in ("old", "new", "child"))
    resources = {
        old: ResourceState(urn=old, type="t:T", name="old", custom=True, id="1"),
        child_urn: ResourceState(
            urn=child_urn,
            type="t:T",
            name="child",
            custom=True,
            id="2",
            parent=old,
            dependencies=[old],
            property_dependencies={"x": [old]},
            deleted_with=old,
        ),
    }
    state = StackState(project="p", stack="s", resources=resources)
    state.apply({"op": "rename", "urn": new, "from": old})  # a journal line
    assert list(state.resources) == [new, child_urn]
    moved = state.resources[new]
    assert (moved.urn, moved.name, moved.id) == (new, "new", "1")
    child = state.resources[child_urn]
    assert (child.parent, child.dependencies, child.deleted_with) == (new, [new], new)
    assert child.property_dependencies == {"x": [new]}
    state.apply({"op": "rename", "urn": new, "from": old})  # replayed again: no change
    assert list(state.resources) == [new, child_urn]
    assert state.resources[new].id == "1"


def test_a_child_follows_a_parent_an_earlier_run_already_renamed(env: Env) -> None:
    """A run renamed the parent, then failed before the child registered: the next run finds
    the parent under its new name, and the child still under the parent's old one."""
    env.stack(lambda: Group("app")).up()
    [member_id] = env.store.objects()
    state = load_state(env.state_path, "pulumi-ampeco-test", "test")
    rename(
        state.resources,
        state.pending_deletes,
        URN + f"{COMPONENT}::app",
        URN + f"{COMPONENT}::site",
    )
    commit(env.state_path, state)

    def renamed() -> None:
        Group("site", opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name="app")]))

    up = env.stack(renamed).up()
    assert actions(up) == {"site": "same", "site-member": "same"}
    assert list(env.store.objects()) == [member_id]
    assert len(writes(env.store)) == 1
