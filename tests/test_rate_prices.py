"""An electricity rate's price periods and energy mix (D42): objects of their own, one per rate
with the rate's id, set through the rate's own calls (``pulumi_ampeco.channels``). Offline
engine, provider in process, simulator over sockets.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pulumi
import pytest
import yaml

import pulumi_ampeco as ampeco
from pulumi_ampeco import Tenant, cli
from pulumi_ampeco.testing import OfflineEngineError, OfflineStack

from .conftest import Sim
from .stack_harness import StackHarness, writes

TOKEN = "rate-prices-SECRET-7"
#: The kinds this module gives their rhythm.
CHANNEL_KINDS = ("ElectricityRatePricePeriods", "ElectricityRateEnergyMix")

NIGHT = [{"starts_at": "00:00", "ends_at": "06:00", "price": 0.08}]
PEAK = [
    {"starts_at": "07:00", "ends_at": "10:00", "price": 0.31},
    {"starts_at": "17:00", "ends_at": "20:00", "price": 0.35},
]


class Rate(StackHarness):
    """A utility and a rate; ``periods`` and ``mix`` are what the program states of it."""

    def __init__(self, sim: Sim, state: Path) -> None:
        self.periods: dict[str, Any] | None = {
            "week_days": [
                {"week_day": "mon", "periods": PEAK},
                {"week_day": "tue", "periods": PEAK},
            ],
            "dates": [{"date": "2026-12-24", "periods": NIGHT}],
        }
        self.mix: dict[str, Any] | None = {"solar": 30, "wind": 50, "hydro": 20}
        self.adopt: bool | int = False
        super().__init__(sim, state, TOKEN)

    def program(self) -> None:
        utility = ampeco.Utility("utility", name="Grid Co")
        rate = ampeco.ElectricityRate(
            "rate", name="Time of use", utility_id=utility.id, default_price=0.2, tax_percentage=25
        )
        pulumi.export("rate", rate.id)
        if self.periods is not None:
            ampeco.ElectricityRatePricePeriods(
                "periods", electricity_rate_id=rate.id, **self.periods, adopt=self.adopt
            )
        if self.mix is not None:
            ampeco.ElectricityRateEnergyMix(
                "mix", electricity_rate_id=rate.id, **self.mix, adopt=self.adopt
            )


@pytest.fixture
def rate(sim: Sim, tmp_path: Path) -> Iterator[Rate]:
    r = Rate(sim, tmp_path / "state.json")
    yield r
    r.stack.close()


def _days(api: httpx.Client, rate: int) -> dict[str, Any]:
    listed = api.get(f"/electricity-rates/v2.0/{rate}/price-periods").json()["data"]
    return {item.get("weekDay") or item["date"]: item["periods"] for item in listed}


def _calls(calls: list[dict[str, Any]]) -> list[str]:
    """The writes, as ``METHOD last-part-of-the-path``."""
    return [f"{e['method']} {e['path'].rsplit('/', 1)[-1]}" for e in calls if e["method"] != "GET"]


def test_price_periods_and_energy_mix_through_their_whole_life(rate: Rate) -> None:
    made = rate.run("up")
    rate_id = int(str(made.outputs["rate"]).split(".")[0])
    assert made.step("periods").action == "create" and made.step("mix").action == "create"
    made_here = [c for c in _calls(rate.last) if c.startswith("PUT")]
    assert sorted(made_here) == ["PUT 2026-12-24", "PUT energy-mix", "PUT mon", "PUT tue"]
    base = f"/electricity-rates/v2.0/{rate_id}"
    with rate.api() as api:
        assert set(_days(api, rate_id)) == {"mon", "tue", "2026-12-24"}
        mix = api.get(f"{base}/energy-mix").json()["data"]
        assert (mix["solar"], mix["wind"], mix["hydro"], mix["coal"]) == (30, 50, 20, 0)

    # a no-op preview: one read of the periods and one of the mix for the rate, no write
    assert set(rate.run("preview").counts()) == {"same"}
    assert writes(rate.last) == []
    reads = [e["path"] for e in rate.last if e["path"].startswith(f"/public-api/resources{base}/")]
    assert sorted(r.rsplit("/", 1)[-1] for r in reads) == ["energy-mix", "price-periods"]

    # one day changed, one day dropped: one PUT, one DELETE
    assert rate.periods is not None
    rate.periods["week_days"] = [{"week_day": "mon", "periods": NIGHT}]
    assert rate.run("up").step("periods").action == "update"
    assert sorted(_calls(rate.last)) == ["DELETE tue", "PUT mon"]
    assert rate.run("preview").step("periods").action == "same"

    # `any` instead of specific days: the specific days go first
    rate.periods["week_days"] = [{"week_day": "any", "periods": NIGHT}]
    rate.run("up")
    assert _calls(rate.last) == ["DELETE mon", "PUT any"]
    # a date dropped while another is added: the new one first, so no date is left unpriced
    rate.periods["dates"] = [{"date": "2026-12-25", "periods": NIGHT}]
    rate.run("up")
    assert _calls(rate.last) == ["PUT 2026-12-25", "DELETE 2026-12-24"]
    rate.periods["dates"] = [{"date": "2026-12-24", "periods": NIGHT}]
    rate.run("up")

    # a source the program does not set is the tenant's: kept by the next change; one the
    # program stops setting goes back to 0
    with rate.api() as api:
        assert (
            api.put(
                f"{base}/energy-mix", json={"solar": 30, "wind": 50, "hydro": 20, "nuclear": 5}
            ).status_code
            == 200
        )
    assert rate.run("preview").step("mix").action == "same"
    rate.mix = {"solar": 30, "wind": 45}
    rate.run("up")
    with rate.api() as api:
        mix = api.get(f"{base}/energy-mix").json()["data"]
        assert (mix["solar"], mix["wind"], mix["hydro"], mix["nuclear"]) == (30, 45, 0, 5)
    rate.mix = {"solar": 30, "wind": 50, "hydro": 20}
    rate.run("up")

    # changed outside Pulumi: a day added and the mix changed are shown and put back
    with rate.api() as api:
        added = api.put(
            f"{base}/price-periods/date/2026-12-31",
            json={"periods": [{"startsAt": "00:00", "endsAt": "24:00", "price": 0.5}]},
        )
        assert added.status_code == 201
        assert api.put(f"{base}/energy-mix", json={"wind": 100}).status_code == 200
    preview = rate.run("preview")
    assert preview.step("periods").action == "update" and preview.step("mix").action == "update"
    rate.run("up")
    with rate.api() as api:
        assert set(_days(api, rate_id)) == {"any", "2026-12-24"}
        assert api.get(f"{base}/energy-mix").json()["data"]["wind"] == 50
    assert set(rate.run("preview").counts()) == {"same"}

    # overlapping periods: refused in check, before any API call
    rate.periods["week_days"] = [
        {
            "week_day": "any",
            "periods": [*NIGHT, {"starts_at": "05:00", "ends_at": "08:00", "price": 1}],
        }
    ]
    with pytest.raises(OfflineEngineError) as caught:
        rate.run("preview")
    assert [p for p, _ in caught.value.failures] == ["week_days.0.periods"]
    assert "overlaps" in str(caught.value.failures)
    assert writes(rate.last) == []

    # removed from the program: every period deleted, the mix back to 0; the rate stays
    rate.periods = None
    rate.mix = None
    done = rate.run("up")
    assert done.step("periods").action == "delete" and done.step("mix").action == "delete"
    with rate.api() as api:
        assert _days(api, rate_id) == {}
        assert not any(api.get(f"{base}/energy-mix").json()["data"].values())
        assert api.get(base).status_code == 200


def test_a_rate_deleted_outside_is_made_again_with_its_prices(rate: Rate) -> None:
    rate_id = int(str(rate.run("up").outputs["rate"]).split(".")[0])
    with rate.api() as api:
        assert api.delete(f"/electricity-rates/v2.0/{rate_id}").status_code == 204
    preview = rate.run("preview")
    assert {preview.step(n).action for n in ("rate", "periods", "mix")} == {"replace"}
    again = int(str(rate.run("up").outputs["rate"]).split(".")[0])
    with rate.api() as api:
        assert set(_days(api, again)) == {"mon", "tue", "2026-12-24"}
    assert set(rate.run("preview").counts()) == {"same"}


def test_a_create_that_failed_half_way_converges(sim: Sim, rate: Rate) -> None:
    sim.fault(method="PUT", path="week-day/tue", status=422, count=1)
    with pytest.raises(OfflineEngineError):
        rate.run("up")
    ids = rate.run("up")  # the days set the first time are the program's: no adopt needed
    rate_id = int(str(ids.outputs["rate"]).split(".")[0])
    with rate.api() as api:
        assert set(_days(api, rate_id)) == {"mon", "tue", "2026-12-24"}
    assert set(rate.run("preview").counts()) == {"same"}


def test_prices_set_outside_are_changed_only_with_adopt(rate: Rate) -> None:
    rate.periods, rate.mix = None, None
    rate_id = int(str(rate.run("up").outputs["rate"]).split(".")[0])
    base = f"/electricity-rates/v2.0/{rate_id}"
    with rate.api() as api:
        body = {"periods": [{"startsAt": "07:00", "endsAt": "10:00", "price": 0.31}]}
        assert api.put(f"{base}/price-periods/week-day/mon", json=body).status_code == 201
        assert api.put(f"{base}/energy-mix", json={"wind": 100}).status_code == 200

    # what the tenant holds already, stated alike: taken as it is, with no write
    rate.periods = {"week_days": [{"week_day": "mon", "periods": PEAK[:1]}]}
    rate.mix = {"wind": 100}
    rate.run("up")
    assert writes(rate.last) == []
    rate.periods, rate.mix = None, None
    rate.run("up")  # the objects go, and with them the periods and the mix
    with rate.api() as api:
        assert api.put(f"{base}/price-periods/week-day/mon", json=body).status_code == 201
        assert api.put(f"{base}/energy-mix", json={"wind": 100}).status_code == 200

    # stated otherwise: refused without `adopt`, naming what differs; nothing changed
    rate.periods = {"week_days": [{"week_day": "mon", "periods": PEAK}]}
    rate.mix = {"wind": 60, "solar": 40}
    with pytest.raises(OfflineEngineError) as caught:
        rate.run("up")
    # the first of the two refused names what differs in it: a day, or a source set outside
    # (wind; solar is 0 in the tenant, which the program may set without adopting)
    assert f"adopt={rate_id}" in str(caught.value)
    assert "(mon)" in str(caught.value) or "(wind)" in str(caught.value)
    with rate.api() as api:
        assert _days(api, rate_id)["mon"] == body["periods"]
    rate.adopt = rate_id
    adopted = rate.run("up")
    assert adopted.step("periods").action == "create"
    assert sorted(_calls(rate.last)) == ["PUT energy-mix", "PUT mon"]
    assert set(rate.run("preview").counts()) == {"same"}


def test_the_tenants_rules_for_price_periods(api: httpx.Client) -> None:
    utility = api.post("/utilities/v1.0", json={"name": "U"}).json()["data"]["id"]
    rate = api.post(
        "/electricity-rates/v2.0",
        json={"name": "R", "utilityId": utility, "defaultPrice": 0.2, "taxPercentage": 25},
    ).json()["data"]["id"]
    base = f"/electricity-rates/v2.0/{rate}/price-periods"
    day = {"periods": [{"startsAt": "08:00", "endsAt": "09:00", "price": 1}]}
    assert api.put(f"{base}/week-day/mon", json=day).status_code == 201
    assert api.put(f"{base}/week-day/mon", json=day).status_code == 200
    refused = api.put(f"{base}/week-day/any", json=day)
    assert refused.status_code == 422 and "weekDay" in refused.json()["errors"]
    overlap = {"periods": [*day["periods"], {"startsAt": "08:30", "endsAt": "10:00", "price": 2}]}
    assert "periods.1.startsAt" in api.put(f"{base}/date/2026-01-01", json=overlap).json()["errors"]
    backwards = {"periods": [{"startsAt": "09:00", "endsAt": "08:00", "price": 1}]}
    assert "periods.0.endsAt" in api.put(f"{base}/week-day/tue", json=backwards).json()["errors"]
    assert api.put(f"{base}/week-day/someday", json=day).status_code == 404
    assert api.put(f"{base}/date/2026-02-30", json=day).status_code == 404
    assert api.delete(f"{base}/week-day/sun").status_code == 404
    # the rate's delete takes its periods with it
    assert api.delete(f"/electricity-rates/v2.0/{rate}").status_code == 204
    assert api.get(base).status_code == 404


def test_export_writes_a_rates_prices_in_place_and_takes_them_over(
    sim: Sim, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sim.use_token(TOKEN)
    with sim.client() as api:
        utility = api.post("/utilities/v1.0", json={"name": "U"}).json()["data"]["id"]
        rates = [
            api.post(
                "/electricity-rates/v2.0",
                json={"name": n, "utilityId": utility, "defaultPrice": 0.2, "taxPercentage": 25},
            ).json()["data"]["id"]
            for n in ("Priced", "Plain")
        ]
        base = f"/electricity-rates/v2.0/{rates[0]}"
        body = {"periods": [{"startsAt": "00:00", "endsAt": "06:00", "price": 0.08}]}
        assert api.put(f"{base}/price-periods/week-day/any", json=body).status_code == 201
        assert api.put(f"{base}/energy-mix", json={"solar": 60, "wind": 40}).status_code == 200
    document = tmp_path / "tenant.yaml"
    config = {"ampeco:tenantUrl": sim.base_url, "ampeco:apiToken": TOKEN}
    flags = [a for k, v in config.items() for a in ("-c", f"{k}={v}")]
    assert cli.main(["export", "-o", str(document), *flags]) == 0, capsys.readouterr().err
    data = yaml.safe_load(document.read_text())["electricity_rates"]
    assert data["Priced"]["price_periods"]["week_days"] == [
        {"week_day": "any", "periods": [{"starts_at": "00:00", "ends_at": "06:00", "price": 0.08}]}
    ]
    assert data["Priced"]["energy_mix"]["solar"] == 60
    # a rate with no periods and the zero mix of a new rate has neither written
    assert "price_periods" not in data["Plain"] and "energy_mix" not in data["Plain"]
    with OfflineStack(lambda: Tenant("tenant", document), tmp_path / "state.json", config) as stack:
        sim.clear_requests()
        stack.up()
        assert sim.writes() == []
        kinds = {r["type"].rsplit(":", 1)[-1]: r["id"] for r in stack.state()["resources"].values()}
        assert kinds["ElectricityRatePricePeriods"] == str(rates[0])
        assert kinds["ElectricityRateEnergyMix"] == str(rates[0])
        assert set(stack.preview().counts()) == {"same"}
        assert sim.writes() == []
