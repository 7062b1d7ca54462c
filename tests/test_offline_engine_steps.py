"""The plan details of the offline engine's steps (``Step.old_inputs``, ``inputs``, ``id``)
with the toy provider, in process: what each action carries, secrets still marked, unknowns in
a preview, no id before anything happened."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi
import pytest

from ampeco_engine.values import is_secret, make_secret, to_plain
from pulumi_ampeco.testing import UNKNOWN, OfflineStack, Step

from .toy_provider import Thing, ToyStore, installed_provider

pytestmark = pytest.mark.quick


class Toy:
    """A program of two Things (``b`` depends on ``a``), changed between runs."""

    def __init__(self, tmp: Path) -> None:
        self.store = ToyStore(tmp / "store.json")
        self.a: dict[str, Any] = {"value": "one", "size": 3, "tags": {"env": "test"}}
        self.with_b = True
        self.stack = OfflineStack(
            self.program,
            tmp / "state.json",
            {"toy:storePath": str(tmp / "store.json")},
            transport="inprocess",
            providers=[installed_provider],
        )

    def program(self) -> None:
        a = Thing("a", key="a", **self.a)
        if self.with_b:
            Thing("b", key="b", value=pulumi.Output.secret("pw-1"), parent_id=a.id)


def by_name(steps: list[Step]) -> dict[str, Step]:
    return {step.name: step for step in steps}


def test_each_action_carries_its_values(tmp_path: Path) -> None:
    toy = Toy(tmp_path)

    planned = by_name(toy.stack.preview().steps)
    assert planned["a"].inputs == {
        "key": "a",
        "value": "one",
        "size": 3.0,
        "tags": {"env": "test"},
        "kind": "basic",
    }
    assert planned["b"].inputs["parent_id"] is UNKNOWN
    assert is_secret(planned["b"].inputs["value"])
    assert to_plain(planned["b"].inputs["value"]) == "pw-1"
    assert "__provider" not in planned["b"].inputs
    assert (planned["a"].id, planned["a"].old_inputs) == ("", {})

    created = by_name(toy.stack.up().steps)
    id_a, _ = toy.store.by_key("a")
    assert created["a"].id == id_a
    assert created["b"].inputs["parent_id"] == id_a
    assert created["b"].inputs["value"] == make_secret("pw-1")

    same = by_name(toy.stack.preview().steps)
    assert same["a"].action == "same" and same["a"].id == ""
    assert same["a"].old_inputs == same["a"].inputs == created["a"].inputs

    toy.a["size"] = 4
    updated = toy.stack.up().step("a")
    assert (updated.action, updated.changes, updated.id) == ("update", ["size"], id_a)
    assert updated.changed_values() == {"size": (3.0, 4.0)}
    # Step equality still compares what happened only.
    assert updated == Step("a", updated.type, updated.urn, "update", ["size"])

    toy.a["kind"] = "premium"
    replaced = toy.stack.up().step("a")
    assert replaced.action == "replace" and "kind" in replaced.changes
    assert replaced.changed_values()["kind"] == ("basic", "premium")
    assert replaced.id not in ("", id_a)

    toy.store.drift(replaced.id, value="changed elsewhere")
    refreshed = toy.stack.refresh().step("a")
    assert refreshed.action == "read" and refreshed.id == replaced.id
    assert refreshed.changed_values()["value"] == ("one", "changed elsewhere")

    toy.with_b = False
    deleted = toy.stack.up().step("b")
    assert deleted.action == "delete" and deleted.inputs == {}
    assert deleted.id == created["b"].id
    assert deleted.old_inputs["key"] == "b" and is_secret(deleted.old_inputs["value"])

    destroyed = toy.stack.destroy().step("a")
    assert destroyed.id == replaced.id and destroyed.old_inputs["kind"] == "premium"
