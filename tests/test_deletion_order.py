"""The order in which the offline engine deletes: dependents first, ties in reverse
registration order, cycles broken at their last-registered member."""

from __future__ import annotations

import random

import pytest

from ampeco_engine.records import dependents_first
from ampeco_engine.state import ResourceState

pytestmark = pytest.mark.quick


def node(
    name: str, needs: tuple[str, ...] = (), parent: str = "", deleted_with: str = ""
) -> ResourceState:
    return ResourceState(
        urn=f"u:{name}",
        type="t",
        name=name,
        custom=True,
        parent=f"u:{parent}" if parent else "",
        deleted_with=f"u:{deleted_with}" if deleted_with else "",
        dependencies=[f"u:{n}" for n in needs[: len(needs) // 2]],
        property_dependencies={"p": [f"u:{n}" for n in needs[len(needs) // 2 :]]},
    )


def names(order: list[ResourceState]) -> list[str]:
    return [r.name for r in order]


def one_at_a_time(resources: list[ResourceState]) -> list[ResourceState]:
    """The rule written out plainly, one pick per pass over what is left."""
    remaining = list(resources)
    ordered: list[ResourceState] = []
    while remaining:
        urns = {r.urn for r in remaining}
        needed: set[str] = set()
        for r in remaining:
            needed |= r.depends_on() & urns
        pick = next((r for r in reversed(remaining) if r.urn not in needed), remaining[-1])
        ordered.append(pick)
        remaining = [r for r in remaining if r is not pick]
    return ordered


def test_dependents_go_before_what_they_depend_on() -> None:
    resources = [
        node("location"),
        node("tariff"),
        node("charge-point", ("location",)),
        node(
            "evse",
            (
                "charge-point",
                "tariff",
            ),
        ),
        node(
            "connector",
            (
                "evse",
                "charge-point",
            ),
        ),
        node("tax"),
    ]
    assert names(dependents_first(resources)) == [
        "tax",
        "connector",
        "evse",
        "charge-point",
        "tariff",
        "location",
    ]


def test_parent_and_deleted_with_count_as_edges_and_unknown_urns_are_ignored() -> None:
    resources = [
        node("component"),
        node("child", parent="component"),
        node("shadow", deleted_with="child"),
        node("stray", ("not-in-this-set",)),
    ]
    assert names(dependents_first(resources)) == ["stray", "shadow", "child", "component"]


def test_a_cycle_is_broken_at_its_last_registered_member() -> None:
    resources = [node("a", ("c",)), node("b", ("a",)), node("c", ("b",)), node("free")]
    assert names(dependents_first(resources)) == ["free", "c", "b", "a"]


@pytest.mark.parametrize("seed", range(25))
def test_random_graphs_match_the_rule_written_out(seed: int) -> None:
    rng = random.Random(seed)
    count = rng.randint(1, 60)
    resources = []
    for i in range(count):
        # Mostly edges to earlier resources (as registration gives), some forward: cycles.
        needs = tuple(f"r{rng.randrange(count)}" for _ in range(rng.randint(0, 4)))
        parent = f"r{rng.randrange(i)}" if i and rng.random() < 0.3 else ""
        resources.append(node(f"r{i}", needs, parent=parent))
    assert names(dependents_first(resources)) == names(one_at_a_time(resources))
