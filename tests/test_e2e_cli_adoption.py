"""Taking over a tenant under the real Pulumi engine: ``ampeco-iac export``, then ``pulumi up``.

The tenant is the one ``test_export`` seeds as a back office would (several locales, repeated
names, objects without a key, EVSEs with connectors, a charge point's OCPP password and another
one's pin). Its export is taken through the ``Tenant`` component in a Pulumi project, with the
two secrets set as the export says (``pulumi config set --secret``). The preview and the up
make no write, every object of the tenant ends up in the state under its own id, the next
preview expects no changes, and neither the output nor ``pulumi stack export`` holds a secret.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pulumi_ampeco.cli import main

from .conftest import API, Sim, http_client
from .live_objects import paths_in_export
from .pulumi_cli import Cli
from .test_export import PASSWORD, PIN, TOKEN, _all_objects, export, seed, writes

PROGRAM = """\
from pathlib import Path

import pulumi

from pulumi_ampeco import Tenant


def main() -> None:
    tenant = Tenant("tenant", document=Path(__file__).parent / "tenant.yaml")
    pulumi.export("ids", tenant.ids)
"""


def test_an_exported_tenant_is_taken_over_without_a_write(
    pulumi_cli: str, sim: Sim, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sim.simulator is not None
    sim.simulator.config.tokens = (TOKEN,)
    with http_client(
        base_url=sim.base_url + API, headers={"Authorization": f"Bearer {TOKEN}"}
    ) as api:
        seed(api)
    live = [str(o["id"]) for o in _all_objects(sim)]

    cli = Cli(pulumi_cli, tmp_path / "cli", PROGRAM, name="ampeco-cli-adoption")
    said = export(sim, cli.project / "tenant.yaml", capsys)
    setters = [line for line in said.splitlines() if line.startswith("pulumi config set --secret")]
    assert len(setters) == 2, said

    cli.new_stack("prod", sim.base_url, TOKEN)
    for setter in setters:
        key = setter.rsplit(" ", 1)[1]
        cli("config", "set", "--secret", key, PASSWORD if key.endswith("password") else PIN)

    sim.clear_requests()
    preview = cli("preview")
    up = cli("up", "--yes", "--skip-preview")
    assert writes(sim) == []
    for text in (preview, up):
        for secret in (TOKEN, PASSWORD, PIN):
            assert secret not in text

    state = json.loads(cli.stdout("stack", "export"))
    adopted = paths_in_export(state)
    assert len(adopted) == len(live) == len(set(adopted))
    ids = {path.rsplit("/", 1)[1] for path in adopted}
    assert ids == set(live)
    outputs = json.loads(cli.stdout("stack", "output", "--json"))
    assert {str(v) for v in outputs["ids"].values()} == ids

    sim.clear_requests()
    cli("preview", "--expect-no-changes")
    assert writes(sim) == []
    exported = cli.stdout("stack", "export")
    for secret in (TOKEN, PASSWORD, PIN):
        assert secret not in exported
    shown = cli.stdout("stack", "export", "--show-secrets")
    assert PASSWORD in shown and PIN in shown


def test_an_exported_project_previews_and_adopts_under_the_real_engine(
    pulumi_cli: str, sim: Sim, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``export --project`` writes a project the CLI runs as it is: ``pulumi stack init`` of
    the stack it wrote, the secrets it names, then preview and up with no write."""
    sim.use_token(TOKEN)
    with http_client(
        base_url=sim.base_url + API, headers={"Authorization": f"Bearer {TOKEN}"}
    ) as api:
        seed(api)
    live = {str(o["id"]) for o in _all_objects(sim)}
    cli = Cli.empty(pulumi_cli, tmp_path / "cli")
    args = ["export", "--project", str(cli.project), "-c", f"ampeco:tenantUrl={sim.base_url}"]
    assert main([*args, "-c", f"ampeco:apiToken={TOKEN}"]) == 0
    err = capsys.readouterr().err
    assert "pulumi stack init dev && pulumi preview" in err

    cli("stack", "init", "dev")
    cli.env["AMPECO_API_TOKEN"] = TOKEN  # the stack file says: the token from the environment
    stack = (cli.project / "Pulumi.dev.yaml").read_text()
    assert f"ampeco:tenantUrl: {sim.base_url}" in stack  # kept by stack init
    for key in [line.split()[1] for line in stack.splitlines() if " is secret too: " in line]:
        cli("config", "set", "--secret", key, PASSWORD if key.endswith("password") else PIN)

    sim.clear_requests()
    cli("preview")
    cli("up", "--yes", "--skip-preview")
    assert writes(sim) == []
    adopted = paths_in_export(json.loads(cli.stdout("stack", "export")))
    assert {path.rsplit("/", 1)[1] for path in adopted} == live
    cli("preview", "--expect-no-changes")
    assert writes(sim) == []
