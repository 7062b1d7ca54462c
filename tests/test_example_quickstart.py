"""The quickstart, as the repository's root project runs it (its ``__main__.py`` runs
``examples/quickstart/__main__.py``), through the offline engine against the simulator: up
creates every object and links them, a second preview costs no write, destroy leaves nothing
behind."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from ampeco_engine.project import project_main, project_name, project_program
from pulumi_ampeco.testing import OfflineStack

from .conftest import Sim
from .stack_harness import writes

REPO = Path(__file__).resolve().parent.parent
TOKEN = "quickstart-SECRET-5e7b"
OBJECTS_BY_KIND = {
    "Location": 1,
    "ChargingZone": 1,
    "ChargePoint": 2,
    "Evse": 3,
    "Connector": 4,
    "TaxIdentificationNumber": 1,
    "Tax": 1,
    "Tariff": 1,
    "TariffGroup": 1,
}


def test_the_root_project_runs_the_quickstart() -> None:
    # No `main` in the root Pulumi.yaml: a relative virtualenv would then resolve against the
    # `main` directory for the dynamic provider plugin (pulumi/pulumi#7061).
    assert "main" not in yaml.safe_load((REPO / "Pulumi.yaml").read_text(encoding="utf-8"))
    # The program is the root __main__.py, which runs the quickstart's (the test below runs it).
    assert project_main(REPO) == REPO / "__main__.py"


def test_quickstart_up_preview_destroy(sim: Sim, tmp_path: Path) -> None:
    sim.use_token(TOKEN)
    stack = OfflineStack(
        project_program(REPO),
        tmp_path / "state.json",
        {"ampeco:tenantUrl": sim.base_url, "ampeco:apiToken": TOKEN},
        secrets=("ampeco:apiToken",),
        project=project_name(REPO),
        stack="quickstart",
        cwd=REPO,
    )

    created = stack.up()
    assert created.counts() == {"create": sum(OBJECTS_BY_KIND.values())}
    assert Counter(step.type.rsplit(":", 1)[-1] for step in created.steps) == OBJECTS_BY_KIND
    ids = {step.name: step.id for step in created.steps}
    assert all(ids.values())
    out = created.outputs
    assert out["location_id"] == ids["depot-north"]
    assert out["tariff_group_id"] == ids["public-prices"]
    assert set(out["evse_ids"]) == {"ac-twin-evse-1", "ac-twin-evse-2", "dc-fast-evse-1"}
    assert len(out["connector_ids"]) == 4

    with sim.client() as api:

        def live(path: str) -> Any:
            response = api.get(path)
            assert response.status_code == 200, (path, response.text)
            return response.json()["data"]

        location = live(f"/locations/v2.0/{ids['depot-north']}")
        assert location["externalId"] == "quickstart-depot-north"
        zone = live(f"/locations/v2.0/{ids['depot-north']}/charging-zones/{ids['level-2']}")
        assert zone["status"] == "enabled"
        for name in ("ac-twin", "dc-fast"):
            point = live(f"/charge-points/v2.0/{ids[name]}")
            assert point["type"] == "public"
            assert str(point["chargingZoneId"]) == ids["level-2"]
            assert str(point["locationId"]) == ids["depot-north"]
        tax = live(f"/taxes/v2.0/{ids['vat-25']}")
        assert str(tax["taxIdentificationNumberId"]) == ids["operator-vat"]
        tariff = live(f"/tariffs/v1.0/{ids['standard']}")
        assert tariff["type"] == "standard"
        assert str(tariff["pricing"]["taxID"]) == ids["vat-25"]
        group = live(f"/tariff-groups/v1.0/{ids['public-prices']}")
        assert ids["standard"] in [str(t) for t in group["tariffIds"]]
        for name, point in (
            ("ac-twin-evse-1", "ac-twin"),
            ("ac-twin-evse-2", "ac-twin"),
            ("dc-fast-evse-1", "dc-fast"),
        ):
            evse = live(f"/evses/v2.1/{ids[name]}")
            assert str(evse["chargePointId"]) == ids[point]
            assert str(evse["tariffGroupId"]) == ids["public-prices"]
        plugs = live(
            f"/charge-points/v2.0/{ids['dc-fast']}/evses/{ids['dc-fast-evse-1']}/connectors"
        )
        assert sorted(c["type"] for c in plugs) == ["ccs2", "chademo"]

    with sim.admin() as admin:
        admin.delete("/requests")
    again = stack.preview()
    assert again.counts() == {"same": sum(OBJECTS_BY_KIND.values())}
    assert {step.name: step.id for step in again.steps} == dict.fromkeys(ids, "")
    assert writes(sim.requests()) == []

    destroyed = stack.destroy()
    assert destroyed.counts() == {"delete": sum(OBJECTS_BY_KIND.values())}
    assert stack.state()["resources"] == {}
    with sim.client() as api:
        assert api.get(f"/locations/v2.0/{ids['depot-north']}").status_code == 404
        assert api.get(f"/tariffs/v1.0/{ids['standard']}").status_code == 404
        assert api.get("/charge-points/v2.0").json()["data"] == []
        assert api.get("/evses/v2.1").json()["data"] == []
