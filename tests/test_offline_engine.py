"""The offline engine (ampeco_engine) against a toy dynamic provider, over both
transports: every scenario must behave identically over gRPC and in-process."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pytest

from ampeco_engine.transport import exception_line
from ampeco_engine.values import changed_paths, parse_path, path_contains, reset_path
from pulumi_ampeco.testing import UNKNOWN, OfflineEngineError, OfflineStack, RunResult, Step

from .toy_provider import PlainThing, Thing, ToyStore, installed_provider

THING = "pulumi-python:dynamic/toy:Thing"
PLAIN = "pulumi-python:dynamic/toy:PlainThing"
URN = "urn:pulumi:test::pulumi-ampeco-test::"


@dataclass
class Env:
    tmp: Path
    store: ToyStore
    transport: str

    @property
    def state_path(self) -> Path:
        return self.tmp / "state.json"

    def stack(self, program: Callable[[], None], **kwargs: Any) -> OfflineStack:
        config = {"toy:storePath": str(self.tmp / "store.json"), **kwargs.pop("config", {})}
        return OfflineStack(
            program,
            self.state_path,
            config=config,
            transport=kwargs.pop("transport", self.transport),  # type: ignore[arg-type]
            providers=[installed_provider],
            **kwargs,
        )


@pytest.fixture(params=["grpc", pytest.param("inprocess", marks=pytest.mark.quick)])
def env(request: pytest.FixtureRequest, tmp_path: Path) -> Env:
    return Env(tmp_path, ToyStore(tmp_path / "store.json"), request.param)


def things(**specs: dict[str, Any]) -> Callable[[], None]:
    """A program declaring one Thing per keyword: name -> constructor arguments."""

    def program() -> None:
        for name, kwargs in specs.items():
            Thing(name, **{"key": name, **kwargs})

    return program


def actions(result: RunResult) -> dict[str, str]:
    return {step.name: step.action for step in result.steps}


def resource(stack: OfflineStack, name: str, type_: str = THING) -> dict[str, Any]:
    found: dict[str, Any] = stack.state()["resources"][URN + f"{type_}::{name}"]
    return found


def writes(store: ToyStore) -> list[tuple[str, str]]:
    return [(method, key) for method, _id, key in store.log()]


def test_create_records_state_and_store(env: Env) -> None:
    stack = env.stack(things(a={"value": "x", "size": 3, "tags": {"env": "test"}}))
    result = stack.up()

    assert result.steps == [Step("a", THING, URN + f"{THING}::a", "create", [])]
    id_, obj = env.store.by_key("a")
    assert obj == {
        "key": "a",
        "value": "x",
        "size": 3,
        "tags": {"env": "test"},
        "kind": "basic",
        "parent_id": None,
        "revision": 1,
    }
    state = stack.state()
    assert state["version"] == 1 and state["pending_deletes"] == []
    entry = resource(stack, "a")
    assert entry["id"] == id_ and entry["type"] == THING and entry["name"] == "a"
    assert entry["custom"] is True and entry["external"] is False
    assert entry["parent"] == URN + "pulumi:pulumi:Stack::pulumi-ampeco-test-test"
    assert entry["inputs"]["value"] == "x" and entry["inputs"]["size"] == 3.0
    assert entry["outputs"]["revision"] == 1.0 and "__provider" in entry["outputs"]
    assert {k: entry[k] for k in ("protect", "retain_on_delete", "deleted_with")} == {
        "protect": False,
        "retain_on_delete": False,
        "deleted_with": "",
    }
    assert sorted(p.name for p in env.tmp.iterdir() if p.name.startswith(".state")) == []


def test_preview_of_unchanged_program_is_all_same_and_writes_nothing(env: Env) -> None:
    stack = env.stack(things(a={"value": "x"}, b={"size": 2}))
    stack.up()
    log = env.store.log()
    state_text = env.state_path.read_text()

    preview = stack.preview()
    assert preview.counts() == {"same": 2}
    assert all(step.changes == [] for step in preview.steps)
    assert stack.up().counts() == {"same": 2}
    assert env.store.log() == log
    before, after = json.loads(state_text), json.loads(env.state_path.read_text())
    assert after.pop("serial") == before.pop("serial") + 1  # the up wrote a snapshot
    assert after == before


def test_update_in_place(env: Env) -> None:
    stack = env.stack(things(a={"value": "x", "size": 1}))
    stack.up()
    id_, _ = env.store.by_key("a")

    stack.program = things(a={"value": "y", "size": 1})
    preview = stack.preview()
    assert preview.steps[0].action == "update" and preview.steps[0].changes == ["value"]
    assert env.store.objects()[id_]["value"] == "x"

    result = stack.up()
    assert result.step("a").action == "update" and result.step("a").changes == ["value"]
    assert env.store.objects()[id_] | {} == {**env.store.objects()[id_], "value": "y"}
    assert env.store.objects()[id_]["revision"] == 2
    entry = resource(stack, "a")
    assert entry["id"] == id_ and entry["outputs"]["revision"] == 2.0
    assert stack.preview().counts() == {"same": 1}


def test_replace_creates_before_deleting(env: Env) -> None:
    stack = env.stack(things(a={"kind": "basic"}))
    stack.up()
    old_id, _ = env.store.by_key("a")

    stack.program = things(a={"kind": "premium"})
    preview = stack.preview()
    assert preview.step("a").action == "replace" and "kind" in preview.step("a").changes
    assert env.store.objects().keys() == {old_id}

    assert stack.up().counts() == {"replace": 1}
    new_id, obj = env.store.by_key("a")
    assert new_id != old_id and obj["kind"] == "premium"
    assert env.store.log()[-2:] == [["create", new_id, "a"], ["delete", old_id, "a"]]
    assert resource(stack, "a")["id"] == new_id
    assert stack.state()["pending_deletes"] == []


def test_delete_before_replace(env: Env) -> None:
    opts = pulumi.ResourceOptions(delete_before_replace=True)
    stack = env.stack(things(a={"kind": "basic", "opts": opts}))
    stack.up()
    old_id, _ = env.store.by_key("a")

    stack.program = things(a={"kind": "premium", "opts": opts})
    assert stack.up().counts() == {"replace": 1}
    new_id, _ = env.store.by_key("a")
    assert env.store.log()[-2:] == [["delete", old_id, "a"], ["create", new_id, "a"]]


def family(*members: str) -> Callable[[], None]:
    """parent <- child <- grandchild, each taking its parent's id Output."""

    def program() -> None:
        parent_id = None
        for name in members:
            thing = Thing(name, key=name, parent_id=parent_id)
            parent_id = thing.id

    return program


def test_dependencies_order_creates_and_reverse_deletes(env: Env) -> None:
    stack = env.stack(family("parent", "child", "grandchild"))
    assert stack.up().counts() == {"create": 3}
    assert writes(env.store) == [
        ("create", "parent"),
        ("create", "child"),
        ("create", "grandchild"),
    ]
    child = resource(stack, "child")
    parent_urn = URN + f"{THING}::parent"
    assert child["dependencies"] == [parent_urn]
    assert child["property_dependencies"]["parent_id"] == [parent_urn]

    # The provider refuses to delete an object that still has children, so any other order
    # would fail.
    stack.program = family()
    assert stack.up().counts() == {"delete": 3}
    assert writes(env.store)[3:] == [
        ("delete", "grandchild"),
        ("delete", "child"),
        ("delete", "parent"),
    ]
    assert stack.state()["resources"] == {}


def test_removing_a_resource_from_the_program_deletes_it(env: Env) -> None:
    stack = env.stack(things(a={}, b={}))
    stack.up()
    b_id, _ = env.store.by_key("b")

    stack.program = things(a={})
    assert actions(stack.preview()) == {"a": "same", "b": "delete"}
    assert b_id in env.store.objects()

    assert actions(stack.up()) == {"a": "same", "b": "delete"}
    assert b_id not in env.store.objects()
    assert list(stack.state()["resources"]) == [URN + f"{THING}::a"]


def test_protect_blocks_delete_and_replace(env: Env) -> None:
    protect = pulumi.ResourceOptions(protect=True)
    stack = env.stack(things(a={"opts": protect}, b={}))
    stack.up()
    assert resource(stack, "a")["protect"] is True

    stack.program = things(b={})
    for operation in (stack.preview, stack.up):
        with pytest.raises(OfflineEngineError, match="protect") as caught:
            operation()
        assert (caught.value.name, caught.value.type) == ("a", THING)
    assert "a" in {o["key"] for o in env.store.objects().values()}
    assert URN + f"{THING}::a" in stack.state()["resources"]

    stack.program = things(a={"kind": "premium", "opts": protect}, b={})
    with pytest.raises(OfflineEngineError, match="unable to replace"):
        stack.up()

    stack.program = things(a={}, b={})  # unprotect first, then removal works
    assert actions(stack.up()) == {"a": "same", "b": "same"}
    stack.program = things(b={})
    assert actions(stack.up()) == {"a": "delete", "b": "same"}
    assert "a" not in {o["key"] for o in env.store.objects().values()}


def test_retain_on_delete_drops_from_state_without_deleting(env: Env) -> None:
    stack = env.stack(things(a={"opts": pulumi.ResourceOptions(retain_on_delete=True)}))
    stack.up()
    id_, _ = env.store.by_key("a")

    stack.program = things()
    assert stack.up().counts() == {"delete": 1}
    assert stack.state()["resources"] == {}
    assert id_ in env.store.objects()
    assert [m for m, *_ in env.store.log()] == ["create"]


def test_deleted_with_skips_the_delete_call_when_the_target_goes_too(env: Env) -> None:
    def program(with_child: bool, with_parent: bool = True) -> Callable[[], None]:
        def run() -> None:
            parent = Thing("parent", key="parent") if with_parent else None
            if with_child:
                Thing("child", key="child", opts=pulumi.ResourceOptions(deleted_with=parent))

        return run

    stack = env.stack(program(with_child=True))
    stack.up()
    assert resource(stack, "child")["deleted_with"] == URN + f"{THING}::parent"

    # Only the child goes: its own Delete runs.
    stack.program = program(with_child=False)
    stack.up()
    assert writes(env.store)[-1] == ("delete", "child")

    # Both go: the parent's Delete covers the child, which is only dropped from state.
    stack.program = program(with_child=True)
    stack.up()
    child_id, _ = env.store.by_key("child")
    stack.program = program(with_child=False, with_parent=False)
    assert actions(stack.up()) == {"parent": "delete", "child": "delete"}
    assert writes(env.store)[-1] == ("delete", "parent")
    assert child_id in env.store.objects()
    assert stack.state()["resources"] == {}


def test_ignore_changes_keeps_the_old_inputs(env: Env) -> None:
    opts = pulumi.ResourceOptions(ignore_changes=["value", "tags.env"])
    stack = env.stack(things(a={"value": "x", "size": 1, "tags": {"env": "a", "t": "1"}}))
    stack.up()

    stack.program = things(
        a={"value": "y", "size": 1, "tags": {"env": "b", "t": "1"}, "opts": opts}
    )
    assert stack.preview().counts() == {"same": 1}

    stack.program = things(
        a={"value": "y", "size": 2, "tags": {"env": "b", "t": "2"}, "opts": opts}
    )
    result = stack.up()
    assert result.step("a").action == "update"
    assert result.step("a").changes == ["size", "tags"]
    _, obj = env.store.by_key("a")
    assert (obj["value"], obj["size"], obj["tags"]) == ("x", 2, {"env": "a", "t": "2"})
    assert resource(stack, "a")["inputs"]["value"] == "x"


def test_replace_on_changes(env: Env) -> None:
    def program(value: str, replace_on: list[str]) -> Callable[[], None]:
        def run() -> None:
            opts = pulumi.ResourceOptions(replace_on_changes=replace_on)
            PlainThing("plain", key="plain", value=value, opts=opts)
            Thing("custom", key="custom", value=value, opts=opts)

        return run

    stack = env.stack(program("1", []))
    stack.up()
    stack.program = program("2", [])
    assert actions(stack.up()) == {"plain": "update", "custom": "update"}

    # The engine only knows which keys changed when it computed the diff itself (the
    # provider's diff returned no verdict); a dynamic provider's verdict names no keys.
    stack.program = program("3", ["value"])
    result = stack.up()
    assert actions(result) == {"plain": "replace", "custom": "update"}
    assert result.step("plain").changes == ["value"]
    assert [m for m, _i, key in env.store.log() if key == "plain"][-2:] == ["create", "delete"]


def test_values_cross_the_wire_like_with_the_engine(env: Env) -> None:
    stack = env.stack(things(a={"size": 3, "tags": None}, b={"tags": {"x": None, "y": "1"}}))
    stack.up()

    received = env.store.received("a")
    assert received["size_type"] == "float"  # the provider normalized it in check; still float
    assert "tags" not in received["keys"] and "revision" not in received["keys"]
    assert "__provider" in received["keys"]
    assert env.store.received("b")["tags"] == {"y": "1"}
    entry = resource(stack, "a")
    assert isinstance(entry["inputs"]["size"], float)
    assert isinstance(entry["outputs"]["size"], float)
    assert "tags" not in entry["inputs"]


def test_preview_leaves_server_outputs_unknown_and_never_writes(env: Env) -> None:
    def program(value: str) -> Callable[[], None]:
        def run() -> None:
            a = Thing("a", key="a", value=value)
            b = Thing("b", key="b", parent_id=a.id)
            pulumi.export("id", a.id)
            pulumi.export("revision", a.revision)
            pulumi.export("value", a.value)
            pulumi.export("child_parent", b.parent_id)

        return run

    stack = env.stack(program("x"))
    preview = stack.preview()
    assert preview.counts() == {"create": 2}
    assert preview.outputs == {
        "id": UNKNOWN,
        "revision": UNKNOWN,
        "value": "x",
        "child_parent": UNKNOWN,
    }
    assert not env.state_path.exists()
    assert not (env.tmp / "store.json").exists() or env.store.log() == []

    stack.up()
    stack.program = program("y")
    preview = stack.preview()
    assert actions(preview) == {"a": "update", "b": "same"}
    id_, _ = env.store.by_key("a")
    assert preview.outputs == {"id": id_, "revision": UNKNOWN, "value": "y", "child_parent": id_}
    assert len(env.store.log()) == 2


def test_stack_outputs_and_secrets(env: Env) -> None:
    class Group(pulumi.ComponentResource):
        def __init__(self, name: str) -> None:
            super().__init__("toy:index:Group", name)
            self.member = Thing(
                "member",
                key="member",
                value=pulumi.Output.secret("hunter2"),
                opts=pulumi.ResourceOptions(parent=self, additional_secret_outputs=["revision"]),
            )
            self.register_outputs({"member_id": self.member.id})

    def program() -> None:
        group = Group("group")
        pulumi.export("member_id", group.member.id)
        pulumi.export("value", group.member.value)
        pulumi.export("info", {"n": 2, "names": ["a", "b"]})
        pulumi.export("token", pulumi.Config("toy").require_secret("token"))

    stack = env.stack(program, config={"toy:token": "tok-SECRET-1"}, secrets=("toy:token",))
    result = stack.up()
    member_urn = URN + f"toy:index:Group${THING}::member"
    assert {s.urn for s in result.steps} == {URN + "toy:index:Group::group", member_urn}
    id_, obj = env.store.by_key("member")
    assert obj["value"] == "hunter2"  # the provider received plaintext
    assert env.store.received("member")["token"] == "tok-SECRET-1"  # and decrypted config
    assert result.outputs == {
        "member_id": id_,
        "value": "hunter2",
        "info": {"n": 2.0, "names": ["a", "b"]},
        "token": "tok-SECRET-1",
    }

    text = env.state_path.read_text()
    assert "hunter2" not in text and "tok-SECRET-1" not in text
    state = stack.state()
    member = state["resources"][member_urn]
    assert member["parent"] == URN + "toy:index:Group::group"
    for secret in (member["inputs"]["value"], member["outputs"]["value"]):
        assert set(secret) == {"4dabf18193072939515e22adb298388d", "base64"}  # named for what it is
    assert "base64" in member["outputs"]["revision"]
    group = state["resources"][URN + "toy:index:Group::group"]
    assert group["custom"] is False and group["outputs"] == {"member_id": id_}
    revealed = stack.state(show_secrets=True)
    assert revealed["resources"][member_urn]["outputs"]["value"] == "hunter2"
    assert revealed["outputs"]["token"] == "tok-SECRET-1"
    assert stack.preview().counts() == {"same": 2}


def test_refresh_records_drift_and_forgets_vanished_objects(env: Env) -> None:
    stack = env.stack(things(a={"value": "x"}, b={}))
    stack.up()
    a_id, _ = env.store.by_key("a")
    b_id, _ = env.store.by_key("b")
    env.store.drift(a_id, value="drifted")
    env.store.vanish(b_id)

    # Without refresh the provider's live diff sees the drift, but nothing knows b is gone.
    assert actions(stack.preview()) == {"a": "update", "b": "same"}

    result = stack.refresh()
    assert actions(result) == {"a": "read", "b": "delete"}
    assert result.step("a").changes == ["value"]
    entry = resource(stack, "a")
    assert entry["inputs"]["value"] == "drifted" and entry["outputs"]["value"] == "drifted"
    assert URN + f"{THING}::b" not in stack.state()["resources"]

    assert actions(stack.preview()) == {"a": "update", "b": "create"}
    stack.up()
    assert env.store.by_key("a")[1]["value"] == "x"
    assert stack.preview().counts() == {"same": 2}
    assert stack.refresh().counts() == {"read": 2}
    assert all(step.changes == [] for step in stack.refresh().steps)


def test_destroy_empties_state_and_store(env: Env) -> None:
    def program() -> None:
        family("p", "c")()
        Thing("solo", key="solo")
        pulumi.export("x", 1)

    stack = env.stack(program)
    stack.up()
    assert stack.state()["outputs"] == {"x": 1.0}

    result = stack.destroy()
    assert result.counts() == {"delete": 3}
    assert writes(env.store)[-3:].index(("delete", "c")) < writes(env.store)[-3:].index(
        ("delete", "p")
    )
    assert env.store.objects() == {}
    state = stack.state()
    assert state["resources"] == {} and state["outputs"] == {} and result.outputs == {}
    assert stack.destroy().steps == []


def test_a_failing_step_keeps_previous_state_and_the_next_up_converges(env: Env) -> None:
    def program(value: str) -> Callable[[], None]:
        def run() -> None:
            a = Thing("a", key="a", value=value)
            Thing("b", key="b", value=value, parent_id=a.id)  # registers after a completes

        return run

    stack = env.stack(program("1"))
    stack.up()
    b_id, _ = env.store.by_key("b")
    b_before = resource(stack, "b")

    env.store.fail_next("update", "injected update failure", key="b")
    stack.program = program("2")
    with pytest.raises(OfflineEngineError) as caught:
        stack.up()
    error = caught.value
    assert (error.name, error.type, error.urn) == ("b", THING, URN + f"{THING}::b")
    assert error.provider_message == "RuntimeError: injected update failure"
    assert str(error) == (
        f"up failed: {THING} resource 'b': update failed: RuntimeError: injected update failure"
    )
    assert "Traceback (most recent call last)" in error.details
    assert "toy_provider.py" in error.details
    assert error.result is not None and actions(error.result) == {"a": "update"}

    assert resource(stack, "b") == b_before  # the failed step left b as it was
    assert env.store.objects()[b_id]["value"] == "1"
    assert resource(stack, "a")["inputs"]["value"] == "2"  # the completed step is recorded

    assert actions(stack.up()) == {"a": "same", "b": "update"}
    assert env.store.objects()[b_id]["value"] == "2"
    assert stack.preview().counts() == {"same": 2}


def test_a_failed_program_records_completed_steps_but_deletes_nothing(env: Env) -> None:
    stack = env.stack(things(old={}))
    stack.up()

    def program() -> None:
        a = Thing("a", key="a")
        Thing("b", key="b", parent_id=a.id)  # registers only after a is created

    stack.program = program
    env.store.fail_next("create", "no b today", key="b")
    with pytest.raises(OfflineEngineError, match="no b today"):
        stack.up()
    resources = stack.state()["resources"]
    assert URN + f"{THING}::a" in resources and URN + f"{THING}::b" not in resources
    assert URN + f"{THING}::old" in resources  # not deleted after a failed program
    assert sorted(p.name for p in env.tmp.iterdir() if p.suffix == ".tmp") == []

    def broken() -> None:
        Thing("a", key="a")
        raise ValueError("bug in the program")

    stack.program = broken
    with pytest.raises(OfflineEngineError, match="ValueError: bug in the program"):
        stack.up()
    assert URN + f"{THING}::old" in stack.state()["resources"]

    stack.program = program
    assert actions(stack.up()) == {"a": "same", "b": "create", "old": "delete"}


def test_check_failures_name_every_property(env: Env) -> None:
    stack = env.stack(things(bad={"key": "", "size": -1}))
    for operation in (stack.preview, stack.up):
        with pytest.raises(OfflineEngineError) as caught:
            operation()
        error = caught.value
        assert sorted(error.failures) == [
            ("key", "must be a non-empty string"),
            ("size", "must be a whole number >= 0"),
        ]
        assert "key: must be a non-empty string" in str(error)
        assert "size: must be a whole number >= 0" in str(error)
        assert "'bad'" in str(error) and THING in str(error)
    assert stack.state()["resources"] == {}
    assert not (env.tmp / "store.json").exists() or env.store.objects() == {}


def test_import_fails_like_the_engine(env: Env) -> None:
    stack = env.stack(things(a={"opts": pulumi.ResourceOptions(import_="thing-42")}))
    for operation in (stack.preview, stack.up):
        with pytest.raises(OfflineEngineError) as caught:
            operation()
        assert caught.value.name == "a"
        assert caught.value.provider_message == "KeyError: '__provider'"
    assert stack.state()["resources"] == {}


def test_get_reads_an_existing_object(env: Env) -> None:
    stack = env.stack(things(a={"value": "x"}))
    stack.up()
    id_, _ = env.store.by_key("a")

    def program() -> None:
        Thing("a", key="a", value="x")
        ref = Thing("ref", key="a", opts=pulumi.ResourceOptions(id=id_))
        pulumi.export("read_value", ref.value)

    stack.program = program
    preview = stack.preview()  # reads run in previews too, as with the engine
    assert actions(preview) == {"a": "same", "ref": "read"}
    assert preview.outputs == {"read_value": "x"}
    result = stack.up()
    assert actions(result) == {"a": "same", "ref": "read"}
    assert result.outputs == {"read_value": "x"}
    ref = resource(stack, "ref")
    assert ref["external"] is True and ref["id"] == id_

    stack.program = things(a={"value": "x"})
    assert actions(stack.up()) == {"a": "same"}
    assert URN + f"{THING}::ref" not in stack.state()["resources"]
    assert id_ in env.store.objects()


def test_an_up_starts_one_provider_unless_its_checks_read_from_the_tenant(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = env.stack(things(a={"value": "x"}))
    started: list[object] = []
    open_transport = stack._open_transport

    def counted() -> Any:
        started.append(None)
        return open_transport()

    monkeypatch.setattr(stack, "_open_transport", counted)
    stack.up()
    assert len(started) == 1  # checks and apply share it, as one operation
    id_, _ = env.store.by_key("a")

    def program() -> None:
        Thing("a", key="a", value="y")
        Thing("ref", key="a", opts=pulumi.ResourceOptions(id=id_))

    stack.program = program
    started.clear()
    assert actions(stack.up()) == {"a": "update", "ref": "read"}
    # The checks pass read `ref`: the apply pass gets a provider with nothing read yet.
    assert len(started) == 2


def test_a_program_runs_many_times_in_one_process(env: Env, tmp_path: Path) -> None:
    stack = env.stack(things(a={}))
    other = OfflineStack(
        things(z={}),
        tmp_path / "other-state.json",
        config={"toy:storePath": str(tmp_path / "other-store.json")},
        transport=env.transport,  # type: ignore[arg-type]
        stack="other",
        providers=[installed_provider],
    )
    with stack, other:
        for round_ in range(3):
            stack.program = things(a={"value": str(round_)})
            stack.up()
            assert other.up().counts() == ({"create": 1} if round_ == 0 else {"same": 1})
            assert stack.preview().counts() == {"same": 1}
        assert env.store.by_key("a")[1]["value"] == "2"
        assert ToyStore(tmp_path / "other-store.json").by_key("z")[0]
    with pytest.raises(RuntimeError, match="closed"):
        stack.up()


def test_failed_deletes_stay_in_state_and_are_retried(env: Env) -> None:
    stack = env.stack(things(a={"kind": "basic"}, b={}))
    stack.up()
    old_a, _ = env.store.by_key("a")
    b_id, _ = env.store.by_key("b")

    stack.program = things(a={"kind": "basic"})
    env.store.fail_next("delete", "b is busy", key="b")
    with pytest.raises(OfflineEngineError, match="b is busy") as caught:
        stack.up()
    assert (caught.value.name, caught.value.urn) == ("b", URN + f"{THING}::b")
    assert URN + f"{THING}::b" in stack.state()["resources"] and b_id in env.store.objects()
    assert actions(stack.up()) == {"a": "same", "b": "delete"}
    assert b_id not in env.store.objects()

    # A replaced object whose delete fails stays pending and goes on the next run.
    stack.program = things(a={"kind": "premium"})
    env.store.fail_next("delete", "old a is busy", key="a")
    with pytest.raises(OfflineEngineError, match="old a is busy"):
        stack.up()
    new_a = resource(stack, "a")["id"]
    assert new_a != old_a and {old_a, new_a} <= env.store.objects().keys()
    pending = stack.state()["pending_deletes"]
    assert [(p["urn"], p["id"]) for p in pending] == [(URN + f"{THING}::a", old_a)]
    assert stack.up().steps == [
        Step("a", THING, URN + f"{THING}::a", "same"),
        Step("a", THING, URN + f"{THING}::a", "delete"),
    ]
    assert env.store.objects().keys() == {new_a}
    assert stack.state()["pending_deletes"] == []


def test_state_file_is_replaced_atomically_after_every_operation(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ampeco_engine.state as state_module

    replaced: list[tuple[str, str]] = []
    real_replace = state_module.os.replace

    def spy(src: str, dst: str) -> None:
        replaced.append((str(src), str(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(state_module.os, "replace", spy)
    stack = env.stack(things(a={}))
    stack.preview()
    assert replaced == [] and not env.state_path.exists()
    stack.up()
    env.store.fail_next("create", "nope", key="b")
    stack.program = things(a={}, b={})
    with pytest.raises(OfflineEngineError):
        stack.up()
    stack.refresh()
    stack.destroy()
    writes_to_state = [src for src, dst in replaced if dst == str(env.state_path)]
    assert len(writes_to_state) == 4  # up, failed up, refresh, destroy
    for src in writes_to_state:
        assert Path(src).parent == env.tmp and src.endswith(".tmp")
    assert [p for p in env.tmp.iterdir() if p.suffix == ".tmp"] == []


def test_independent_resources_register_concurrently(env: Env) -> None:
    names = [f"r{i}" for i in range(12)]
    stack = env.stack(things(**{name: {"size": i} for i, name in enumerate(names)}))
    assert stack.up().counts() == {"create": 12}
    assert len(stack.state()["resources"]) == 12
    assert stack.preview().counts() == {"same": 12}
    assert stack.destroy().counts() == {"delete": 12}
    assert env.store.objects() == {}


def test_invalid_use_is_reported_clearly(env: Env) -> None:
    with pytest.raises(ValueError, match="unknown transport"):
        OfflineStack(things(), env.state_path, transport="carrier-pigeon")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="namespace"):
        OfflineStack(things(), env.state_path, config={"storePath": "x"})

    def duplicate() -> None:
        Thing("a", key="a")
        Thing("a", key="again")

    with pytest.raises(OfflineEngineError, match="Duplicate resource URN"):
        env.stack(duplicate).up()
    with pytest.raises(OfflineEngineError, match="ignore changes"):
        stack = env.stack(things(a={"tags": {"k": "v"}}))
        stack.up()
        stack.program = things(a={"opts": pulumi.ResourceOptions(ignore_changes=["tags.k"])})
        stack.up()


@pytest.mark.quick
def test_property_paths_and_diffs_follow_the_engine() -> None:
    assert parse_path('tags.env[0]["a.b"]') == ("tags", "env", 0, "a.b")
    assert parse_path("list[*].name") == ("list", "*", "name")
    assert path_contains(("tags",), ("tags", "env"))
    assert path_contains(("list", "*"), ("list", 3, "x"))
    assert not path_contains(("tags", "env"), ("tags",))

    new: dict[str, Any] = {"a": 2, "tags": {"env": "new", "t": "1"}, "extra": 1}
    assert reset_path(("tags", "env"), {"a": 1, "tags": {"env": "old"}}, new)
    assert reset_path(("extra",), {}, new)  # absent in old: removed from new
    assert new == {"a": 2, "tags": {"env": "old", "t": "1"}}
    assert not reset_path(("tags", "env"), {"tags": {"env": "x"}}, {"a": 1})
    assert reset_path(("missing", "deeper"), {}, {})

    old = {"a": 1.0, "l": [1.0, 2.0], "d": {"x": "1"}}
    assert changed_paths(old, {"a": 1.0, "l": [1.0, 3.0, 4.0], "d": {"x": "1", "y": "2"}}) == [
        ("d", "y"),
        ("l", 1),
        ("l", 2),
    ]


@pytest.mark.quick
def test_provider_errors_are_reduced_to_the_exception_line() -> None:
    details = (
        "Traceback (most recent call last):\n"
        '  File "x.py", line 1, in f\n'
        "    raise KeyError('__provider')\n"
        "    ^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
        "KeyError: '__provider'\n"
    )
    assert exception_line(details) == "KeyError: '__provider'"
    chained = details + "\nDuring handling of the above exception, another exception occurred:\n\n"
    chained += details.replace("KeyError: '__provider'", "RuntimeError: two\nlines")
    assert exception_line(chained) == "RuntimeError: two\nlines"
    assert exception_line("plain message") == "plain message"


def test_a_program_may_declare_thousands_of_dynamic_resources(tmp_path: Path) -> None:
    """The SDK nests a pickling wrapper once per dynamic resource; ours undo it each time."""
    from pulumi_ampeco import TaxIdentificationNumber

    def program() -> None:
        for n in range(1500):
            TaxIdentificationNumber(f"tin-{n}", name=f"TIN {n}")

    stack = OfflineStack(
        program,
        tmp_path / "state.json",
        {"ampeco:tenantUrl": "http://127.0.0.1:9", "ampeco:apiToken": "t"},
        transport="inprocess",
    )
    with stack:
        assert stack.preview().counts() == {"create": 1500}  # a preview makes no API call


@pytest.mark.timeout(60)
def test_an_interrupt_raised_inside_an_apply_ends_the_up_and_the_state_keeps_the_create(
    env: Env,
) -> None:
    """A ``KeyboardInterrupt`` in an ``apply`` callback (Ctrl+C without the command's signal
    handler) reaches the caller, and the run's record is written first."""

    def interrupt(_: Any) -> None:
        raise KeyboardInterrupt

    def program() -> None:
        Thing("a", key="a").id.apply(interrupt)

    with pytest.raises(KeyboardInterrupt):
        env.stack(program).up()
    assert [r["name"] for r in env.stack(program).state()["resources"].values()] == ["a"]
    assert [entry[0] for entry in env.store.log()] == ["create"]
