"""The rhythm for Tariff and TariffGroup (both PUT), with the base tariff the tenant adds to
every new group, through the offline engine (providers in process) against the simulator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest

from pulumi_ampeco import Tariff, TariffGroup, Tax

from .conftest import Sim
from .stack_harness import StackHarness

pytestmark = pytest.mark.quick

TOKEN = "tariffs-SECRET-5a11"


class Prices(StackHarness):
    def __init__(self, sim: Sim, state: Path) -> None:
        self.public: dict[str, Any] = {
            "name": "Public AC",
            "type": "standard",
            "external_id": "public-ac",
            "description": {"en": "AC price", "nb-NO": "AC-pris"},
            "pricing": {
                "multi_price_per_kwh": [
                    {"first_kwh": 0, "last_kwh": 20, "fee_per_kwh": 0.39},
                    {"first_kwh": 20, "fee_per_kwh": 0.34},
                ],
            },
        }
        self.order = ["public", "members"]
        super().__init__(sim, state, TOKEN)

    def program(self) -> None:
        tax = Tax("vat", name="VAT", percentage=25)
        public = Tariff(
            "public", **{**self.public, "pricing": {**self.public["pricing"], "tax_id": tax.id}}
        )
        members = Tariff(
            "members",
            name="Members",
            type="free",
            restrictions={"apply_to_user_group_ids": [3]},
        )
        ids = {"public": public.id, "members": members.id}
        group = TariffGroup("group", name="Oslo AC", tariff_ids=[ids[k] for k in self.order])
        pulumi.export("public", public.id)
        pulumi.export("members", members.id)
        pulumi.export("group", group.id)
        pulumi.export("base", group.base_tariff_id)

    def get(self, path: str) -> Any:
        return self.live(path).json()["data"]


@pytest.fixture
def prices(sim: Sim, tmp_path: Path) -> Iterator[Prices]:
    p = Prices(sim, tmp_path / "state.json")
    yield p
    p.stack.close()


def puts(calls: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    return [(e["path"].split("/")[3], e["body"]) for e in calls if e["method"] == "PUT"]


def test_rhythm(prices: Prices) -> None:
    before = len(prices.get("/tariffs/v1.0"))
    created = prices.run("up")
    assert created.counts() == {"create": 4}
    out = {k: str(v).split(".")[0] for k, v in created.outputs.items()}
    group = prices.get(f"/tariff-groups/v1.0/{out['group']}")
    # The tenant put its free base tariff first; the program's order follows.
    assert group["tariffIds"] == [int(out["base"]), int(out["public"]), int(out["members"])]
    assert prices.get(f"/tariffs/v1.0/{out['base']}")["type"] == "free"

    # The base tariff is not drift.
    assert prices.run("preview").counts() == {"same": 4}
    assert [e for e in prices.last if e["method"] != "GET"] == []

    # Reordering the group: a PUT that keeps the base tariff first.
    prices.order = ["members", "public"]
    assert prices.run("up").counts() == {"same": 3, "update": 1}
    assert puts(prices.last) == [
        (
            "tariff-groups",
            {
                "name": "Oslo AC",
                "tariffIds": [int(out["base"]), int(out["members"]), int(out["public"])],
            },
        ),
    ]

    # A tariff is PUT whole; a locale left out is deleted.
    prices.public["description"] = {"en": "AC price"}
    prices.public["pricing"]["multi_price_per_kwh"][0]["fee_per_kwh"] = 0.41
    assert prices.run("up").counts() == {"same": 3, "update": 1}
    [(kind, body)] = puts(prices.last)
    assert kind == "tariffs" and body["name"] == "Public AC" and body["type"] == "standard"
    assert body["pricing"]["multiPricePerKwh"][0]["feePerKwh"] == 0.41
    live = prices.get(f"/tariffs/v1.0/{out['public']}")
    assert {k: v for k, v in live["description"].items() if v is not None} == {"en": "AC price"}
    assert prices.run("preview").counts() == {"same": 4}

    # A new type is a new tariff: created first, the group moved to it, then the old deleted.
    prices.public["type"] = "flat rate"
    prices.public["pricing"] = {"price_per_session": 2.5}
    result = prices.run("up")
    assert result.step("public").action == "replace"
    methods = [(e["method"], e["path"].split("/")[3]) for e in prices.last if e["method"] != "GET"]
    assert methods.index(("POST", "tariffs")) < methods.index(("DELETE", "tariffs"))
    new_public = str(result.outputs["public"])
    assert int(new_public) in prices.get(f"/tariff-groups/v1.0/{out['group']}")["tariffIds"]

    # destroy: everything the program made goes; the base tariff stays (D37).
    assert prices.run("destroy").counts() == {"delete": 4}
    remaining = prices.get("/tariffs/v1.0")
    assert [t["id"] for t in remaining][before:] == [int(out["base"])]
