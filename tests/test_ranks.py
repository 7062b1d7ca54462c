"""D46: a roaming operator's custom tariff filters are ranked by the program's ``order``,
compared and applied relatively, so that one run reaches the program's order whatever order
the engine takes the filters in, and the next run has nothing to do. Filters the program does
not rank keep their places."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pulumi
import pytest
from pulumi.dynamic import Config, ConfigureRequest

import pulumi_ampeco as ampeco
from pulumi_ampeco import runtime
from pulumi_ampeco.provider import AmpecoProvider

from .conftest import Sim
from .kind_samples import seed
from .stack_harness import StackHarness

TOKEN = "ranks-SECRET-5e2a"
KIND = "CustomTariffFilter"


@pytest.fixture
def tenant(sim: Sim) -> Iterator[tuple[Sim, int]]:
    sim.use_token(TOKEN)
    with sim.admin() as admin:
        operator = seed(admin, ["roaming_operator"])["roaming_operator"]
    yield sim, operator
    runtime.reset()


def operation(sim: Sim) -> AmpecoProvider:
    """The provider as a new engine operation configures it (nothing noted, nothing cached)."""
    provider = AmpecoProvider(KIND)
    config = {"ampeco:tenantUrl": sim.base_url, "ampeco:apiToken": TOKEN}
    provider.configure(ConfigureRequest(Config(config, "test")))
    return provider


def arranged(api: httpx.Client, path: str) -> list[str]:
    listed = api.get(path).json()["data"]
    return [f["name"] for f in sorted(listed, key=lambda f: f["order"])]


def props(operator: int, name: str, rank: int | None) -> dict[str, Any]:
    return {"roaming_operator_id": operator, "name": name, "status": "enabled", "order": rank}


@pytest.mark.parametrize("changed_by", ["program", "tenant"])
@pytest.mark.parametrize("steps", ["each diff then its update", "every diff, then updates"])
def test_one_run_reaches_the_order_in_whatever_order_the_engine_goes(
    tenant: tuple[Sim, int], changed_by: str, steps: str
) -> None:
    sim, operator = tenant
    path = f"/roaming-operators/v2.0/{operator}/custom-tariff-filters"
    with sim.client() as api:
        ids = {
            n: api.post(path, json={"name": n, "status": "enabled"}).json()["data"]["id"]
            for n in "ABUCD"
        }
        start = {"filters": [{"id": ids[n], "order": p} for p, n in enumerate("ABUCD", 1)]}
        # The program ranks A, B, C and D (not U): B, D, A, C.
        after = {"A": 30, "B": 10, "C": 40, "D": 20}
        before = {"A": 1, "B": 2, "C": 4, "D": 5} if changed_by == "program" else after
        olds = {n: props(operator, n, before[n]) for n in after}
        news = {n: props(operator, n, after[n]) for n in after}
        for order in itertools.permutations(after):
            api.put(f"{path}/reorder", json=start).raise_for_status()
            provider = operation(sim)
            if steps == "each diff then its update":
                for n in order:
                    if provider.diff(str(ids[n]), olds[n], news[n]).changes:
                        provider.update(str(ids[n]), olds[n], news[n])
            else:
                due = [n for n in order if provider.diff(str(ids[n]), olds[n], news[n]).changes]
                for n in due:
                    provider.update(str(ids[n]), olds[n], news[n])
            assert arranged(api, path) == ["B", "D", "U", "A", "C"], order
            sim.clear_requests()
            provider = operation(sim)
            assert not any(provider.diff(str(ids[n]), news[n], news[n]).changes for n in order)
            assert sim.writes() == []


def test_creates_rank_the_new_filters_among_those_already_there(tenant: tuple[Sim, int]) -> None:
    sim, operator = tenant
    path = f"/roaming-operators/v2.0/{operator}/custom-tariff-filters"
    provider = operation(sim)
    made = {n: provider.create(props(operator, n, r)).id for n, r in (("C", 3), ("A", 1))}
    with sim.client() as api:
        api.post(path, json={"name": "U", "status": "enabled"}).raise_for_status()
        made["B"] = provider.create(props(operator, "B", 2)).id
        # Sorted within the places they hold: U keeps its place.
        assert arranged(api, path) == ["A", "B", "U", "C"]
        # A read keeps the program's rank where the tenant's order agrees, and shows the
        # tenant's place where it does not.
        provider = operation(sim)
        assert provider.read(made["B"], props(operator, "B", 2)).outs["order"] == 2
        assert provider.read(made["C"], props(operator, "C", 1)).outs["order"] == 4
    # Not ranking a filter any more leaves it where it is.
    provider = operation(sim)
    unranked = props(operator, "A", None)
    assert not provider.diff(made["A"], unranked, unranked).changes


class Filters(StackHarness):
    def __init__(self, sim: Sim, state: Path, operator: int) -> None:
        self.operator = operator
        self.ranks = {"fast": 1, "slow": 2, "night": 3}
        super().__init__(sim, state, TOKEN)

    def program(self) -> None:
        for name, rank in self.ranks.items():
            ampeco.CustomTariffFilter(
                name, roaming_operator_id=self.operator, name=name, status="enabled", order=rank
            )
        pulumi.export("operator", self.operator)


def test_a_stack_reorders_its_filters_in_one_up(tenant: tuple[Sim, int], tmp_path: Path) -> None:
    sim, operator = tenant
    path = f"/roaming-operators/v2.0/{operator}/custom-tariff-filters"
    run = Filters(sim, tmp_path / "state.json", operator)
    run.run("up")
    with sim.client() as api:
        assert arranged(api, path) == ["fast", "slow", "night"]
        run.ranks = {"fast": 30, "slow": 20, "night": 10}
        run.run("up")
        assert arranged(api, path) == ["night", "slow", "fast"]
        # One reorder, no PATCH: a rank is never written as a field.
        assert [e["path"].rsplit("/", 1)[-1] for e in run.last if e["method"] != "GET"] == [
            "reorder"
        ]
        assert set(run.run("preview").counts()) == {"same"}
        # Reordered in the back office: a preview shows it, an up puts it back.
        night = next(f["id"] for f in api.get(path).json()["data"] if f["name"] == "night")
        moved = {"filters": [{"id": night, "order": 3}]}
        api.put(f"{path}/reorder", json=moved).raise_for_status()
        assert "update" in run.run("preview").counts()
        run.run("up")
        assert arranged(api, path) == ["night", "slow", "fast"]
        assert set(run.run("preview").counts()) == {"same"}
    run.stack.close()
