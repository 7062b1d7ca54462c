"""``ampeco-iac export --format python``: a seeded tenant read into a program, and that program
run through the offline engine adopting every object without a single write."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import httpx
import pytest

import pulumi_ampeco
from pulumi_ampeco.client import AmpecoClient
from pulumi_ampeco.export import document, program, snapshot
from pulumi_ampeco.export.document import Exported
from pulumi_ampeco.kinds import KINDS
from pulumi_ampeco.tenant.validation import load

from . import factories as f
from .conftest import TOKEN, Sim
from .stack_harness import StackHarness, writes

ROOT = Path(__file__).resolve().parent.parent
#: The charge point's OCPP password: it must stay out of the program.
PASSWORD = "ocpp-PASSWORD-5e71c"
#: A config key long enough that its line must break.
LONG_KEY = "depot-north-with-a-long-key-cp-1-password-for-ocpp-basic"


@dataclass
class Seeded:
    ids: dict[str, int]
    exported: Exported
    code: str


def _post(api: httpx.Client, path: str, body: dict[str, Any]) -> int:
    response = api.post(path, json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["data"]["id"])


def seed(sim: Sim) -> dict[str, int]:
    """A small tenant through the public API: every kind, and every reference by id."""
    ids: dict[str, int] = {}
    with sim.client() as api:
        ids["tin"] = _post(api, "/tax-identification-numbers/v2.0", f.tin())
        ids["tax"] = _post(api, "/taxes/v2.0", f.tax(1, taxIdentificationNumberId=ids["tin"]))
        ids["other_tax"] = _post(api, "/taxes/v2.0", f.tax(2, percentage=12.5))
        ids["tariff"] = _post(
            api,
            "/tariffs/v1.0",
            f.tariff(1, externalId="std", pricing={"pricePerKwh": 0.35, "taxID": ids["tax"]}),
        )
        ids["group"] = _post(
            api, "/tariff-groups/v1.0", f.tariff_group(1, tariffIds=[ids["tariff"]])
        )
        ids["location"] = _post(api, "/locations/v2.0", f.location(1, city="Oslo"))
        location = ids["location"]
        ids["zone"] = _post(api, f"/locations/v2.0/{location}/charging-zones", f.charging_zone())
        ids["utility"] = _post(api, "/utilities/v1.0", {"name": "Elvia"})
        network = {"id": "NET-1", "protocol": "ocpp 1.6", "password": PASSWORD}
        ids["cp"] = _post(
            api,
            "/charge-points/v2.0",
            f.charge_point(
                location, chargingZoneId=ids["zone"], utilityId=ids["utility"], network=network
            ),
        )
        evses = f"/charge-points/v2.0/{ids['cp']}/evses"
        ids["evse"] = _post(api, evses, f.evse(1))
        ids["evse_in_group"] = _post(api, evses, f.evse(2, tariffGroupId=ids["group"]))
        connectors = f"{evses}/{ids['evse']}/connectors"
        ids["type2"] = _post(api, connectors, f.connector())
        ids["ccs"] = _post(api, connectors, f.connector(type="ccs2", format="cable"))
    return ids


def export(sim: Sim) -> tuple[Exported, str]:
    with AmpecoClient(sim.base_url, TOKEN) as client:
        snap = snapshot.read(client, list(KINDS))
    exported = document.build(snap)
    return exported, program.render(exported)


@pytest.fixture
def seeded(sim: Sim) -> Seeded:
    ids = seed(sim)
    exported, code = export(sim)
    return Seeded(ids, exported, code)


class ExportedProgram(StackHarness):
    """The rendered program as the stack's program, with its secrets in the stack config."""

    def __init__(self, sim: Sim, state: Path, code: str, secrets: dict[str, str]) -> None:
        self.code = compile(code, "__main__.py", "exec")
        super().__init__(sim, state, TOKEN, secrets=("ampeco:apiToken",))
        for key, value in secrets.items():
            self.stack.set_config(f"{self.stack.project}:{key}", value, secret=True)

    def program(self) -> None:
        exec(self.code, {"__name__": "__main__"})


@pytest.fixture
def stack(sim: Sim, seeded: Seeded, tmp_path: Path) -> Iterator[ExportedProgram]:
    secrets = dict.fromkeys(seeded.exported.secrets, PASSWORD)
    run = ExportedProgram(sim, tmp_path / "state.json", seeded.code, secrets)
    yield run
    run.stack.close()


def tenant_names(exported: Exported) -> dict[str, bool | int]:
    """The names the ``Tenant`` component gives the document's objects → their ``adopt``."""
    plan = load(exported.document, config=lambda key: ("secret", True))
    assert plan.problems == []
    return {node.name: node.adopt for node in plan.nodes}


def ruff(*args: str, text: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, "--stdin-filename", "__main__.py", "-"],
        input=text,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


# --- the text ----------------------------------------------------------------------------------


def test_program_is_valid_stable_python_without_secrets(sim: Sim, seeded: Seeded) -> None:
    code = seeded.code
    compile(code, "__main__.py", "exec")
    assert program.render(seeded.exported) == code
    assert export(sim)[1] == code  # a second read of the same tenant: the same bytes
    assert PASSWORD not in code
    [key] = seeded.exported.secrets
    assert f"#   pulumi config set --secret {key}\n" in code
    assert code.count("config = pulumi.Config()") == 1
    assert f'config.require_secret("{key}")' in code
    if find_spec("ruff") is not None:
        checked = ruff("check", text=code)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        formatted = ruff("format", "--diff", text=code)
        assert formatted.returncode == 0, formatted.stdout + formatted.stderr


def test_program_names_only_what_the_top_level_keeps(seeded: Seeded) -> None:
    """Nested objects are written as dictionaries; every name the program takes from
    ``pulumi_ampeco`` is one the top level keeps (none of the moved nested types)."""
    named = {
        node.attr
        for node in ast.walk(ast.parse(seeded.code))
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "ampeco"
    }
    assert {"ChargePoint", "Location"} <= named
    assert named <= set(pulumi_ampeco.__all__)


def calls(code: str) -> dict[str, tuple[str, str, dict[str, str]]]:
    """Each declaration: variable → (class, resource name, keyword → source text)."""
    found: dict[str, tuple[str, str, dict[str, str]]] = {}
    for stmt in ast.parse(code).body:
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call):
            call = stmt.value
            [target] = stmt.targets
            assert isinstance(target, ast.Name) and isinstance(call.func, ast.Attribute)
            if not isinstance(call.func.value, ast.Name) or call.func.value.id != "ampeco":
                continue
            [name] = call.args
            assert isinstance(name, ast.Constant) and isinstance(name.value, str)
            kwargs = {k.arg or "": ast.unparse(k.value) for k in call.keywords}
            found[target.id] = (call.func.attr, name.value, kwargs)
    return found


def test_declarations_name_ids_references_and_parents(seeded: Seeded) -> None:
    ids = seeded.ids
    declared = calls(seeded.code)
    names = tenant_names(seeded.exported)
    # The Tenant component's names, in its order (what is referred to comes first).
    assert [name for _, name, _ in declared.values()] == list(names)
    assert {name: int(k["adopt"]) for _, name, k in declared.values()} == names
    by_id = {(cls, int(k["adopt"])): (var, k) for var, (cls, _, k) in declared.items()}
    tin, _ = by_id["TaxIdentificationNumber", ids["tin"]]
    tax, tax_args = by_id["Tax", ids["tax"]]
    assert tax_args["tax_identification_number_id"] == f"{tin}.id"
    tariff, tariff_args = by_id["Tariff", ids["tariff"]]
    assert f"'tax_id': {tax}.id" in tariff_args["pricing"]
    group, group_args = by_id["TariffGroup", ids["group"]]
    assert group_args["tariff_ids"] == f"[{tariff}.id]"
    location, _ = by_id["Location", ids["location"]]
    zone, zone_args = by_id["ChargingZone", ids["zone"]]
    assert zone_args["location_id"] == f"{location}.id"
    cp, cp_args = by_id["ChargePoint", ids["cp"]]
    assert cp_args["location_id"] == f"{location}.id"
    assert cp_args["charging_zone_id"] == f"{zone}.id"
    utility, _ = by_id["Utility", ids["utility"]]
    assert cp_args["utility_id"] == f"{utility}.id"
    evse, evse_args = by_id["Evse", ids["evse"]]
    assert evse_args["charge_point_id"] == f"{cp}.id"
    assert "tariff_group_id" not in evse_args
    _, grouped_args = by_id["Evse", ids["evse_in_group"]]
    assert grouped_args["tariff_group_id"] == f"{group}.id"
    for connector in ("type2", "ccs"):
        _, connector_args = by_id["Connector", ids[connector]]
        assert connector_args["charge_point_id"] == f"{cp}.id"
        assert connector_args["evse_id"] == f"{evse}.id"
    # The tenant's own objects stay when the stack is destroyed; the others do not.
    retained = {var for var, (_, _, k) in declared.items() if "opts" in k}
    assert len(retained) == len(seeded.exported.retained)
    assert all(f"\n#   {var} (" in seeded.code for var in retained)  # named in the header
    assert tax not in retained and cp not in retained
    assert all("external_id=None" not in str(k) for _, _, k in declared.values())


# --- the round trip ----------------------------------------------------------------------------


def test_up_adopts_every_object_without_a_write(stack: ExportedProgram, seeded: Seeded) -> None:
    names = tenant_names(seeded.exported)
    adopted = stack.run("up")
    assert writes(stack.last) == [], "the first up of an exported program wrote to the tenant"
    assert {step.name: step.action for step in adopted.steps} == dict.fromkeys(names, "create")
    assert {step.name: int(step.id) for step in adopted.steps} == names

    previewed = stack.run("preview")
    assert writes(stack.last) == []
    assert {s.name: (s.action, s.changes) for s in previewed.steps} == dict.fromkeys(
        names, ("same", [])
    )

    # A change in the back office is drift that the next preview shows.
    with stack.api() as api:
        assert api.patch(f"/taxes/v2.0/{seeded.ids['tax']}", json={"percentage": 24}).is_success
    drifted = stack.run("preview")
    assert [s.action for s in drifted.steps if s.action != "same"] == ["update"]


# --- the writer on its own ---------------------------------------------------------------------


def test_identifiers_literals_and_namespaced_secrets() -> None:
    exported = Exported(
        document={
            "taxes": {
                "vat-25": {"name": "VAT \"25\" '%'", "percentage": 25.0, "adopt": 7},
                "VAT_25": {"name": "VAT\n25 ø", "percentage": 25, "adopt": 8},
            },
            "tariffs": {
                "a": {
                    "name": "A",
                    "type": "flat rate",
                    "external_id": None,
                    "pricing": {"price_per_kwh": 0.3, "tax": "VAT_25"},
                    "adopt": 9,
                    "retain_on_delete": True,
                },
                "evening-rate-for-depot-customers": {"name": "E", "type": "free", "adopt": 15},
                "night-rate-for-depot-customers": {"name": "N", "type": "free", "adopt": 16},
            },
            "tariff_groups": {
                "all": {
                    "name": "All",
                    "tariffs": [
                        "a",
                        "evening-rate-for-depot-customers",
                        "night-rate-for-depot-customers",
                    ],
                    "adopt": 17,
                },
            },
            "locations": {
                "depot": {
                    "name": {"en": "Depot", "zh": "充电站" * 15},
                    "adopt": 10,
                    "charge_points": {
                        "cp-1": {
                            "name": "CP",
                            "pin": "${config:pins:cp-1}",
                            "network": {"password": "${config:" + LONG_KEY + "}"},
                            "adopt": 11,
                            "evses": [
                                {"network_id": "A/1", "adopt": 12, "connectors": [{"adopt": 13}]},
                                {"adopt": 14},
                            ],
                        },
                    },
                },
            },
        },
        secrets=["pins:cp-1", LONG_KEY],
    )
    code = program.render(exported)
    declared = calls(code)
    assert list(declared) == [
        "tax_vat_25",
        "tax_vat_25_2",
        "tariff_a",
        "tariff_evening_rate_for_depot_customers",
        "tariff_night_rate_for_depot_customers",
        "tariff_group_all",
        "location_depot",
        "charge_point_depot_cp_1",
        "evse_depot_cp_1_a_1",
        "connector_depot_cp_1_a_1_0",
        "evse_depot_cp_1_1",
    ]
    assert [name for _, name, _ in declared.values()] == [
        "taxes/vat-25",
        "taxes/VAT_25",
        "tariffs/a",
        "tariffs/evening-rate-for-depot-customers",
        "tariffs/night-rate-for-depot-customers",
        "tariff_groups/all",
        "locations/depot",
        "locations/depot/charge_points/cp-1",
        "locations/depot/charge_points/cp-1/evses/A/1",
        "locations/depot/charge_points/cp-1/evses/A/1/connectors/0",
        "locations/depot/charge_points/cp-1/evses/1",
    ]
    taxes = [ast.literal_eval(declared[v][2]["name"]) for v in ("tax_vat_25", "tax_vat_25_2")]
    assert taxes == ["VAT \"25\" '%'", "VAT\n25 ø"]
    tariff = declared["tariff_a"][2]
    assert "external_id" not in tariff
    assert tariff["pricing"] == "{'price_per_kwh': 0.3, 'tax_id': tax_vat_25_2.id}"
    assert tariff["opts"] == "pulumi.ResourceOptions(retain_on_delete=True)"
    cp = declared["charge_point_depot_cp_1"][2]
    assert cp["pin"] == "pulumi.Config('pins').require_secret('cp-1')"
    assert cp["network"] == f"{{'password': config.require_secret('{LONG_KEY}')}}"
    assert declared["tariff_group_all"][2]["tariff_ids"] == (
        "[tariff_a.id, tariff_evening_rate_for_depot_customers.id,"
        " tariff_night_rate_for_depot_customers.id]"
    )
    assert program.render(exported) == code
    if find_spec("ruff") is not None:
        # Long lines broken where the formatter breaks them (wide characters count twice).
        checked = ruff("check", text=code)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        formatted = ruff("format", "--diff", text=code)
        assert formatted.returncode == 0, formatted.stdout + formatted.stderr
