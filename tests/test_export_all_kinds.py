"""A tenant holding objects of every exported kind outside a site (two of each kind whose model
is generated, and the sub-collections: charge points on a circuit, a rate's price periods and
energy mix, a template's variables), seeded through the public API, not a program, is exported
and taken over with no write; its next preview is clean, and every seeded object is in the
state under the id the tenant gave it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from pulumi_ampeco import Tenant, cli, modelgen
from pulumi_ampeco.export.snapshot import SITE_KINDS
from pulumi_ampeco.kinds import KINDS
from pulumi_ampeco.testing import OfflineStack

from . import factories
from .conftest import API, Sim, http_client
from .kind_samples import NEEDS, SAMPLES, seed

TOKEN = "all-kinds-export-7c1d"
#: Kinds outside a site that this tenant does not hold: billing and tariffs, whose export and
#: take-over ``tests/test_export.py`` and ``tests/test_e2e_cli_adoption.py`` cover.
COVERED_ELSEWHERE = frozenset(
    {"Currency", "Tax", "TaxIdentificationNumber", "Tariff", "TariffGroup"}
)

#: The samples of the kinds whose model is generated (tests/test_export.py exports the others).
GENERATED = [
    sample
    for sample in SAMPLES
    if sample.kind in {spec.name for _, specs in modelgen.GENERATED.values() for spec in specs}
]


def _made(api: httpx.Client, kind: str, args: dict[str, Any]) -> int:
    parents = KINDS[kind].parent_fields
    body = KINDS[kind].model(**{k: v for k, v in args.items() if k not in parents}).to_wire()
    response = api.post(KINDS[kind].collection_path(args), json=body)
    assert response.status_code < 300, (kind, response.text)
    return int(response.json()["data"]["id"])


def make(api: httpx.Client, admin: httpx.Client) -> dict[str, list[int]]:
    """Two objects of every sampled kind, and what they refer to; ids by kind."""
    location = int(api.post("/locations/v2.0", json=factories.location(1)).json()["data"]["id"])
    point = api.post("/charge-points/v2.0", json=factories.charge_point(location, 1))
    point_id = int(point.json()["data"]["id"])
    evse = api.post(f"/charge-points/v2.0/{point_id}/evses", json=factories.evse(1))
    ids: dict[str, Any] = {
        "location": location,
        "charge_point": point_id,
        "evse": int(evse.json()["data"]["id"]),
        **seed(admin, dict.fromkeys(n for sample in SAMPLES for n in sample.needs)),
    }
    seeded: dict[str, list[int]] = {}
    needed = {need for sample in GENERATED for need in sample.needs}
    for name, (kind, args) in NEEDS.items():
        if name in needed:
            ids[name] = _made(api, kind, args(ids))
            seeded.setdefault(kind, []).append(ids[name])
    for sample in GENERATED:
        args = sample.args(ids)
        seeded.setdefault(sample.kind, []).append(_made(api, sample.kind, args))
        seeded[sample.kind].append(_made(api, sample.kind, {**args, **sample.other}))
    _sub_collections(api, ids, seeded)
    return seeded


def _sub_collections(api: httpx.Client, ids: dict[str, Any], seeded: dict[str, list[int]]) -> None:
    """Objects the API keeps under others (their ids are the parent's, or their own)."""
    circuit, rate = seeded["Circuit"][0], seeded["ElectricityRate"][0]
    actions = str(api.base_url).split("/public-api/")[0] + "/public-api/actions/circuit/v2.0"
    body = {"chargePointId": ids["charge_point"], "priority": 2}
    assert api.post(f"{actions}/{circuit}/attach-charge-point", json=body).status_code == 202
    seeded["CircuitChargePoint"] = [ids["charge_point"]]
    day = {"periods": [{"startsAt": "00:00", "endsAt": "06:00", "price": 0.1}]}
    base = f"/electricity-rates/v2.0/{rate}"
    assert api.put(f"{base}/price-periods/week-day/sat", json=day).status_code == 201
    assert api.put(f"{base}/price-periods/date/2026-12-24", json=day).status_code == 201
    assert api.put(f"{base}/energy-mix", json={"hydro": 90, "wind": 10}).status_code == 200
    seeded["ElectricityRatePricePeriods"] = [rate]
    seeded["ElectricityRateEnergyMix"] = [rate]
    template = seeded["ConfigurationTemplate"][0]
    variables = f"/configuration-templates/v1.0/{template}/variables"
    for key, value in (("HeartbeatInterval", "60"), ("ConnectionTimeOut", "30")):
        made = api.post(variables, json={"keyName": key, "value": value})
        assert made.status_code == 201, made.text
        seeded.setdefault("ConfigurationTemplateVariable", []).append(made.json()["data"]["id"])


def test_every_kind_exports_and_is_taken_over_without_a_write(
    sim: Sim, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sim.simulator is not None
    sim.simulator.config.tokens = (TOKEN,)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with http_client(base_url=sim.base_url + API, headers=headers) as api, sim.admin() as admin:
        seeded = make(api, admin)
    outside_a_site = {
        name
        for name, kind in KINDS.items()
        if kind.exported and name not in SITE_KINDS and name not in COVERED_ELSEWHERE
    }
    assert set(seeded) == outside_a_site
    document = tmp_path / "tenant.yaml"
    config = {"ampeco:tenantUrl": sim.base_url, "ampeco:apiToken": TOKEN}
    status = cli.main(
        ["export", "-o", str(document), *(a for k, v in config.items() for a in ("-c", f"{k}={v}"))]
    )
    assert status == 0, capsys.readouterr().err
    with OfflineStack(
        lambda: Tenant("tenant", document), tmp_path / "state.json", config, transport="inprocess"
    ) as stack:
        sim.clear_requests()
        stack.up()
        assert sim.writes() == []
        state = stack.state()["resources"].values()
        held: dict[str, set[int]] = {}
        for resource in state:
            kind = resource["type"].rsplit(":", 1)[-1]
            if kind in seeded:
                held.setdefault(kind, set()).add(int(resource["id"]))
        assert held == {kind: set(ids) for kind, ids in seeded.items()}
        sim.clear_requests()
        assert set(stack.preview().counts()) == {"same"}
        assert sim.writes() == []
