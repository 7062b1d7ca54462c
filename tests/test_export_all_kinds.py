"""A tenant holding objects of every kind whose model is generated (two of each, seeded through
the public API, not a program) is exported and taken over with no write; its next preview is
clean, and every seeded object is in the state under the id the tenant gave it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from pulumi_ampeco import Tenant, cli
from pulumi_ampeco.kinds import KINDS
from pulumi_ampeco.testing import OfflineStack

from . import factories
from .conftest import API, Sim
from .kind_samples import NEEDS, SAMPLES, seed

TOKEN = "all-kinds-export-7c1d"


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
    for name, (kind, args) in NEEDS.items():
        ids[name] = _made(api, kind, args(ids))
        seeded.setdefault(kind, []).append(ids[name])
    for sample in SAMPLES:
        args = sample.args(ids)
        seeded.setdefault(sample.kind, []).append(_made(api, sample.kind, args))
        seeded[sample.kind].append(_made(api, sample.kind, {**args, **sample.other}))
    return seeded


def test_every_kind_exports_and_is_taken_over_without_a_write(
    sim: Sim, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sim.simulator is not None
    sim.simulator.config.tokens = (TOKEN,)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=sim.base_url + API, headers=headers) as api, sim.admin() as admin:
        seeded = make(api, admin)
    assert set(seeded) == {sample.kind for sample in SAMPLES}
    document = tmp_path / "tenant.yaml"
    config = {"ampeco:tenantUrl": sim.base_url, "ampeco:apiToken": TOKEN}
    status = cli.main(
        ["export", "-o", str(document), *(a for k, v in config.items() for a in ("-c", f"{k}={v}"))]
    )
    assert status == 0, capsys.readouterr().err
    with OfflineStack(lambda: Tenant("tenant", document), tmp_path / "state.json", config) as stack:
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
