"""The configuration kinds under the real Pulumi engine: every kind of ``kind_samples`` (models
generated from AMPECO's document) and every kind with calls of its own (a charge point on a
circuit, OCPP keys, a rate's price periods and energy mix, a template's variables), in one
program run by ``pulumi``.

``pulumi up`` makes them all; ``pulumi preview --expect-no-changes`` then writes nothing; a
change made outside Pulumi to one object of each sort shows as an update and ``pulumi up``
puts it back; ``pulumi destroy`` removes what the program made (OCPP keys stay the station's).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .conftest import Sim
from .kind_samples import NEEDS, SAMPLES, seed
from .pulumi_cli import Cli

TOKEN = "cli-config-SECRET-5e1a"

PROGRAM = """\
import json
from pathlib import Path
from typing import Any

import pulumi

import pulumi_ampeco as ampeco


def resolved(value: Any, made: dict[str, Any]) -> Any:
    \"\"\"``@name`` stands for the id of the object the program made under that name.\"\"\"
    if isinstance(value, str) and value.startswith("@"):
        return made[value[1:]].id
    if isinstance(value, dict):
        return {k: resolved(v, made) for k, v in value.items()}
    if isinstance(value, list):
        return [resolved(v, made) for v in value]
    return value


def main() -> None:
    plan = json.loads((Path(__file__).parent / "plan.json").read_text())
    made: dict[str, Any] = {}
    for name, kind, args in plan:
        made[name] = getattr(ampeco, kind)(name, **resolved(args, made))
    pulumi.export("ids", {name: made[name].id for name, _kind, _args in plan})
"""


def plan(seeded: dict[str, int]) -> list[tuple[str, str, dict[str, Any]]]:
    """Every object of the program, in the order it is declared: ``(name, kind, arguments)``;
    ``seeded``: the ids of what the simulator's admin API brought in (a roaming operator)."""
    site: list[tuple[str, str, dict[str, Any]]] = [
        (
            "location",
            "Location",
            {
                "external_id": "cli-config",
                "name": "Depot",
                "geoposition": {"latitude": 59.9, "longitude": 10.7},
                "address": "Street 1",
                "country": "NO",
            },
        ),
        (
            "charge_point",
            "ChargePoint",
            {
                "name": "CP",
                "type": "public",
                "status": "enabled",
                "location_id": "@location",
                "external_id": "cli-cp",
                "network": {"id": "CLI-CP"},
            },
        ),
        (
            "evse",
            "Evse",
            {
                "charge_point_id": "@charge_point",
                "physical_reference": "CLI*E1",
                "current_type": "ac",
                "network_id": "1",
                "status": "enabled",
            },
        ),
    ]
    ids: dict[str, Any] = {
        name: f"@{name}" for name in (*NEEDS, "location", "charge_point", "evse")
    }
    ids.update(seeded)
    needs = [(name, kind, args(ids)) for name, (kind, args) in NEEDS.items()]
    samples = [(f"sample-{s.kind}", s.kind, s.args(ids)) for s in SAMPLES]
    own: list[tuple[str, str, dict[str, Any]]] = [
        ("circuit", "Circuit", {"name": "CLI", "phases": "three_phase", "max_current": 32}),
        (
            "member",
            "CircuitChargePoint",
            {"circuit_id": "@circuit", "charge_point_id": "@charge_point", "priority": 1.0},
        ),
        (
            "ocpp",
            "ChargePointConfiguration",
            {"charge_point_id": "@charge_point", "keys": {"HeartbeatInterval": "120"}},
        ),
        (
            "rate",
            "ElectricityRate",
            {
                "name": "CLI rate",
                "utility_id": "@utility",
                "default_price": 0.2,
                "tax_percentage": 25,
            },
        ),
        (
            "periods",
            "ElectricityRatePricePeriods",
            {
                "electricity_rate_id": "@rate",
                "week_days": [
                    {
                        "week_day": "any",
                        "periods": [{"starts_at": "00:00", "ends_at": "06:00", "price": 0.1}],
                    }
                ],
            },
        ),
        ("mix", "ElectricityRateEnergyMix", {"electricity_rate_id": "@rate", "wind": 100}),
        ("template", "ConfigurationTemplate", {"name": "CLI 1.6", "ocpp_version": "ocpp 1.6"}),
        (
            "variable",
            "ConfigurationTemplateVariable",
            {"template_id": "@template", "key_name": "HeartbeatInterval", "value": "300"},
        ),
    ]
    return [*site, *needs, *samples, *own]


def test_the_configuration_kinds_under_the_real_engine(
    pulumi_cli: str, sim: Sim, tmp_path: Path
) -> None:
    sim.use_token(TOKEN)
    with sim.admin() as admin:
        objects = plan(seed(admin, {n for s in SAMPLES for n in s.needs}))
    cli = Cli(pulumi_cli, tmp_path / "cli", PROGRAM, name="ampeco-cli-configuration")
    (cli.project / "plan.json").write_text(json.dumps(objects))
    cli.new_stack("test", sim.base_url, TOKEN)

    cli("up", "--yes")
    ids = json.loads(cli.stdout("stack", "output", "--json"))["ids"]
    assert set(ids) == {name for name, _kind, _args in objects}
    sim.clear_requests()
    cli("preview", "--expect-no-changes")
    assert sim.writes() == []

    # changed outside Pulumi: a generated kind, a membership, a key, a price period, a variable
    circuit, point, rate = ids["circuit"], ids["charge_point"], ids["rate"]
    with sim.client() as api:
        api.put(f"/utilities/v1.0/{ids['utility']}", json={"name": "Renamed"}).raise_for_status()
        actions = sim.base_url + f"/public-api/actions/circuit/v2.0/{circuit}"
        api.post(f"{actions}/set-charge-point-priority/{point}", json={"priority": 5})
        keys = f"/charge-points/v2.0/{point}/configurations"
        api.patch(f"{keys}/HeartbeatInterval", json={"value": "900"}).raise_for_status()
        night = {"periods": [{"startsAt": "00:00", "endsAt": "07:00", "price": 0.1}]}
        api.put(f"/electricity-rates/v2.0/{rate}/price-periods/week-day/any", json=night)
        template = f"/configuration-templates/v1.0/{ids['template']}/variables"
        api.patch(f"{template}/{ids['variable']}", json={"value": "1"}).raise_for_status()
    sim.clear_requests()
    preview = cli("preview")
    assert sim.writes() == []
    assert "~ 5 to update" in preview, preview
    cli("up", "--yes", "--skip-preview")
    cli("preview", "--expect-no-changes")
    with sim.client() as api:
        listed = api.get(f"/circuits/v2.0/{circuit}/charge-point-priorities").json()["data"]
        assert [(m["id"], m["priority"]) for m in listed] == [(int(point), 1.0)]
        assert api.get(f"{keys}/HeartbeatInterval").json()["data"]["key"]["value"] == "120"

    cli("destroy", "--yes")
    with sim.client() as api:
        assert api.get(f"/circuits/v2.0/{circuit}").status_code == 404
        assert api.get(f"/charge-points/v2.0/{point}").status_code == 404
        assert api.get(f"/utilities/v1.0/{ids['utility']}").status_code == 404
