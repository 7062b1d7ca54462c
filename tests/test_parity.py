"""One program, both engines: the Pulumi CLI and ``ampeco-iac offline`` decide the same steps.

The program (two versions, chosen by the config ``parity:step``) holds what a stack goes
through: creates, an adoption of an object the tenant already has, updates, drift made outside
Pulumi, a replacement (a tariff's ``type``), deletions, a ``retain_on_delete`` location that
stays on the tenant, a ``protect`` one, ``ignore_changes``, a rename by alias, and resources of
a dynamic provider of the program's own. Each engine runs it against its own simulator seeded
alike. For every preview the step of each resource (create/update/replace/delete/same) and the
changed fields must be the same under both; after each up the tenants must hold the same
objects (ids and timestamps aside). The differences that remain by design (docs/engines.md)
are in what is displayed, not in what is decided, and are not compared here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from ampeco_sim import RunningSimulator, Simulator, SimulatorConfig

from .conftest import API, http_client
from .pulumi_cli import Cli

TOKEN = "parity-SECRET-19c"

PROGRAM = '''\
"""The parity scenario: version 1 or 2 by the config parity:step."""

import pulumi
from pulumi.dynamic import CreateResult, Resource, ResourceProvider, UpdateResult

import pulumi_ampeco as ampeco


class Noop(ResourceProvider):
    def create(self, props):
        return CreateResult(id_="own-" + props["value"], outs=props)

    def update(self, id_, olds, news):
        return UpdateResult(outs=news)


class Own(Resource):
    def __init__(self, name, value):
        super().__init__(Noop(), name, {"value": value})


def site(name, city="Oslo", **opts):
    return ampeco.Location(
        name,
        external_id=f"parity-{name}",
        name=name.title(),
        geoposition={"latitude": 59.9, "longitude": 10.7},
        address="Street 1",
        country="NO",
        city=city,
        opts=pulumi.ResourceOptions(**opts),
    )


def main():
    two = pulumi.Config("parity").require("step") == "2"
    depot = site("depot", city="Bergen" if two else "Oslo")
    site("guarded", protect=True)
    if not two:
        site("kept", retain_on_delete=True)
        site("gone")
    zone_name, aliases = ("zone-2", [pulumi.Alias(name="zone")]) if two else ("zone", None)
    ampeco.ChargingZone(
        zone_name,
        location_id=depot.id,
        name="Level 1",
        status="enabled",
        opts=pulumi.ResourceOptions(aliases=aliases),
    )
    ampeco.Tax("vat", name="Parity VAT", percentage=24 if two else 25)
    ampeco.Tax("existing", name="Parity existing", percentage=10, adopt=True)
    ampeco.Tariff(
        "flat",
        name="Parity flat",
        type="standard" if two else "free",
        external_id="parity-flat",
        pricing={"price_per_kwh": 0.3} if two else None,
    )
    ampeco.ChargePoint(
        "cp",
        name="CP renamed" if two else "CP",
        type="public",
        status="enabled",
        location_id=depot.id,
        external_id="parity-cp",
        network={"id": "PARITY-1", "protocol": "ocpp 1.6"},
        opts=pulumi.ResourceOptions(ignore_changes=["name"]),
    )
    Own("own", "2" if two else "1")
'''

#: Per collection: the fields that identify and describe an object, ids and times aside.
COLLECTIONS = ("/locations/v2.0", "/taxes/v2.0", "/tariffs/v1.0", "/charge-points/v2.0")
VOLATILE = {"id", "createdAt", "lastUpdatedAt", "updatedAt", "locationId", "chargingZoneId"}


class _Tenant:
    """A simulator seeded as the parity scenario expects (one tax to adopt)."""

    def __init__(self) -> None:
        self.runner = RunningSimulator(
            Simulator(SimulatorConfig(tokens=(TOKEN,), rate_limit=0, validate_responses=True))
        )

    def __enter__(self) -> _Tenant:
        self.runner.__enter__()
        self.api("POST", "/taxes/v2.0", {"name": "Parity existing", "percentage": 10})
        return self

    def __exit__(self, *exc: object) -> None:
        self.runner.__exit__(None, None, None)

    @property
    def url(self) -> str:
        return str(self.runner.base_url)

    def api(self, method: str, path: str, body: Any = None) -> Any:
        with http_client() as client:
            response = client.request(
                method,
                f"{self.url}{API}{path}",
                json=body,
                headers={"Authorization": f"Bearer {TOKEN}"},
                timeout=10,
            )
        response.raise_for_status()
        return response.json() if response.content else None

    def objects(self) -> dict[str, list[dict[str, Any]]]:
        """Every object of the scenario's collections, ids and times aside, sorted."""
        found = {}
        for path in COLLECTIONS:
            items = self.api("GET", path + "?per_page=100")["data"]
            found[path] = sorted(
                json.dumps({k: v for k, v in o.items() if k not in VOLATILE}, sort_keys=True)
                for o in items
            )
        depot = [
            o
            for o in self.api("GET", "/locations/v2.0")["data"]
            if o.get("externalId") == "parity-depot"
        ]
        zones = self.api("GET", f"/locations/v2.0/{depot[0]['id']}/charging-zones")["data"]
        found["zones"] = sorted(z["name"] for z in zones)
        return found

    def drift(self) -> None:
        """A change made in the back office: the guarded location's name."""
        [guarded] = [
            o
            for o in self.api("GET", "/locations/v2.0")["data"]
            if o.get("externalId") == "parity-guarded"
        ]
        self.api(
            "PATCH",
            f"/locations/v2.0/{guarded['id']}",
            {"name": [{"locale": "en", "translation": "Changed outside"}]},
        )


Steps = dict[str, tuple[str, tuple[str, ...]]]

_REPLACE_OPS = {"replace", "create-replacement", "delete-replaced"}


def _cli_steps(preview: dict[str, Any]) -> Steps:
    """Per resource name: the step and the changed fields, from ``pulumi preview --json
    --show-sames``."""
    steps: Steps = {}
    for step in preview.get("steps") or []:
        urn = step["urn"]
        if "::pulumi:pulumi:Stack::" in urn or "pulumi:providers:" in urn:
            continue
        name = urn.rsplit("::", 1)[1]
        op = "replace" if step["op"] in _REPLACE_OPS else step["op"]
        # The changed inputs, as the engine compares them (a dynamic provider names none).
        old = (step.get("oldState") or {}).get("inputs") or {}
        new = (step.get("newState") or {}).get("inputs") or {}
        reasons = tuple(
            sorted(
                k for k in old.keys() | new.keys() if k != "__provider" and old.get(k) != new.get(k)
            )
        )
        previous = steps.get(name)
        if previous is not None and previous[0] == "replace":
            continue
        steps[name] = (op, reasons if op == "update" else ())
    return steps


def _offline_steps(result: dict[str, Any]) -> Steps:
    return {
        name: (action, tuple(changes) if action == "update" else ())
        for name, (action, changes) in result.items()
    }


OFFLINE_DRIVER = """\
import json, sys
from ampeco_engine.project import project_program
from pulumi_ampeco.testing import OfflineStack

root, url, step, operation = sys.argv[1:5]
stack = OfflineStack(
    project_program(root),
    root + "/state.json",
    {"ampeco:tenantUrl": url, "ampeco:apiToken": sys.argv[5], "parity:step": step},
    secrets=("ampeco:apiToken",),
    project="parity",
    stack="test",
    cwd=root,
)
result = getattr(stack, operation)()
print(json.dumps({s.name: [s.action, sorted(s.changes)] for s in result.steps
                  if "/" not in s.type or "dynamic" in s.type}))
"""


def _offline(root: Path, url: str, step: str, operation: str) -> Steps:
    completed = subprocess.run(
        [sys.executable, "-c", OFFLINE_DRIVER, str(root), url, step, operation, TOKEN],
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]),
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    raw = json.loads(completed.stdout.strip().splitlines()[-1])
    return _offline_steps({k: (v[0], tuple(v[1])) for k, v in raw.items()})


def test_both_engines_decide_the_same_steps_and_leave_the_same_tenant(
    pulumi_cli: str, tmp_path: Path
) -> None:
    with _Tenant() as cli_tenant, _Tenant() as offline_tenant:
        cli = Cli(pulumi_cli, tmp_path / "cli", PROGRAM, name="parity")
        cli("stack", "init", "test")
        cli("config", "set", "ampeco:tenantUrl", cli_tenant.url)
        cli("config", "set", "--secret", "ampeco:apiToken", TOKEN)
        offline_root = tmp_path / "offline"
        offline_root.mkdir()
        (offline_root / "Pulumi.yaml").write_text("name: parity\nruntime: python\n")
        (offline_root / "scenario.py").write_text(PROGRAM)
        (offline_root / "__main__.py").write_text("import scenario\n\nscenario.main()\n")

        table: list[tuple[str, str, Any, Any]] = []
        for step in ("1", "2"):
            cli("config", "set", "parity:step", step)
            if step == "2":
                cli_tenant.drift()
                offline_tenant.drift()
            by_cli = _cli_steps(json.loads(cli.stdout("preview", "--json", "--show-sames")))
            by_offline = _offline(offline_root, offline_tenant.url, step, "preview")
            for name in sorted(set(by_cli) | set(by_offline)):
                table.append((step, name, by_cli.get(name), by_offline.get(name)))
            assert by_cli == by_offline, "\n".join(
                f"{s} {n}: cli {c} offline {o}" for s, n, c, o in table if c != o
            )
            cli("up", "--yes", "--skip-preview")
            _offline(offline_root, offline_tenant.url, step, "up")
            assert cli_tenant.objects() == offline_tenant.objects()

        # The scenario reaches every kind of step, so the comparison means something.
        decided = {cli_step[0] for s, _, cli_step, _ in table if s == "2"}
        assert decided >= {"update", "replace", "delete", "same"}
        print("\n".join(f"step {s}  {n:<10} {c}" for s, n, c, _ in table))
