"""One configuration, many tenants: an export's ids belong to the tenant it read.

A production tenant is exported and its document applied to a staging tenant that holds
objects of its own under the same ids, to an empty tenant, and back to production. Staging's
own objects never change; every exported object ends up on each tenant, found by its key or
created; production takes the document back with no write; and on production an id whose
object no longer carries the exported key stops the run before any write.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from ampeco_sim import RunningSimulator, Simulator, SimulatorConfig
from pulumi_ampeco import cli
from pulumi_ampeco.testing import OfflineEngineError, OfflineStack

from .conftest import API, Sim, http_client
from .test_export import PASSWORD, PIN, TOKEN, export, seed, writes
from .test_export import _stack as export_stack

#: Collections whose objects a key names, and the field that holds it.
KEYED = {
    "/currencies/v2.0": "alphabeticCode",
    "/tax-identification-numbers/v2.0": "name",
    "/taxes/v2.0": "name",
    "/locations/v2.0": "externalId",
    "/charge-points/v2.0": "externalId",
}


@pytest.fixture
def tenants() -> Iterator[dict[str, Sim]]:
    """Three tenants: production (seeded as a back office would), staging (objects of its
    own, whose ids are production's ids too) and an empty one."""
    running = {}
    try:
        for name in ("prod", "staging", "fresh"):
            simulator = Simulator(
                SimulatorConfig(tokens=(TOKEN,), rate_limit=0, validate_responses=True)
            )
            runner = RunningSimulator(simulator)
            runner.__enter__()
            running[name] = (runner, Sim(runner.base_url, TOKEN, simulator))
        yield {name: sim for name, (_, sim) in running.items()}
    finally:
        for runner, _ in running.values():
            runner.__exit__(None, None, None)


def _api(sim: Sim) -> httpx.Client:
    return http_client(base_url=sim.base_url + API, headers={"Authorization": f"Bearer {TOKEN}"})


def _staging_own(sim: Sim) -> dict[str, dict[str, Any]]:
    """Staging's own objects: a location, two taxes and a tariff, made before any promotion
    (so their ids are the ones production's first objects have too)."""
    with _api(sim) as api:
        made = {
            "location": api.post(
                "/locations/v2.0",
                json={
                    "externalId": "staging-only",
                    "name": [{"locale": "en", "translation": "Staging lab"}],
                    "geoposition": {"latitude": 60.0, "longitude": 11.0},
                    "address": [{"locale": "en", "translation": "Lab road 1"}],
                    "country": "NO",
                },
            ),
            "tax": api.post("/taxes/v2.0", json={"name": "Staging VAT", "percentage": 20}),
            "tax2": api.post("/taxes/v2.0", json={"name": "Staging reduced", "percentage": 6}),
            "tariff": api.post("/tariffs/v1.0", json={"name": "Staging flat", "type": "free"}),
        }
    return {k: r.json()["data"] for k, r in made.items()}


def _own_paths(own: dict[str, dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """Each of staging's own objects with its collection."""
    collections = {
        "location": "/locations/v2.0",
        "tax": "/taxes/v2.0",
        "tax2": "/taxes/v2.0",
        "tariff": "/tariffs/v1.0",
    }
    return [(collections[kind], obj) for kind, obj in own.items()]


def _live(sim: Sim, path: str) -> dict[str, Any]:
    with _api(sim) as api:
        data: dict[str, Any] = api.get(path).json()["data"]
        return data


def _keys(sim: Sim) -> dict[str, set[Any]]:
    with _api(sim) as api:
        return {
            path: {o.get(field) for o in api.get(path, params={"per_page": 100}).json()["data"]}
            for path, field in KEYED.items()
        }


def _export(sim: Sim, out: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> list[str]:
    """Export (no write), and the config keys of the secrets it asks to set."""
    err = export(sim, out, capsys, *extra)
    return [line.rsplit(" ", 1)[1] for line in err.splitlines() if "config set --secret" in line]


def _stack(sim: Sim, document: Path, state: Path, secret_keys: list[str]) -> OfflineStack:
    """The export tests' stack, with each secret the export asks for set."""
    values = {k: PASSWORD if k.endswith("password") else PIN for k in secret_keys}
    stack: OfflineStack = export_stack(sim, document, state, values)
    return stack


def _clear(sim: Sim) -> None:
    with sim.admin() as admin:
        admin.delete("/requests")


def test_a_production_export_promotes_to_staging_and_a_fresh_tenant_without_touching_their_own(
    tenants: dict[str, Sim], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prod, staging, fresh = tenants["prod"], tenants["staging"], tenants["fresh"]
    own = _staging_own(staging)  # first: staging's ids are the ones production uses next
    with _api(prod) as api:
        seed(api)
    document = tmp_path / "tenant.yaml"
    secrets = _export(prod, document, capsys)
    data = yaml.safe_load(document.read_text(encoding="utf-8"))
    assert data["ids_from"] == f"{prod.base_url}/public-api"
    exported = _keys(prod)
    ids_taken = {o["id"] for o in own.values()}
    prod_ids = {e.get("adopt") for s in ("locations", "taxes", "tariffs") for e in data[s].values()}
    assert ids_taken & prod_ids  # the ids really collide

    for target, name in ((staging, "staging"), (fresh, "fresh")):
        with _stack(target, document, tmp_path / f"{name}.json", secrets) as stack:
            preview = stack.preview()
            assert "update" not in preview.counts() and "delete" not in preview.counts()
            _clear(target)
            stack.up()
            # Nothing of the tenant's own was written to: no write names one of its objects.
            own_paths = {f"{p}/{o['id']}" for p, o in _own_paths(own if target is staging else {})}
            assert not [w for w in writes(target) if w[1].removeprefix(API) in own_paths]
            assert not [w for w in writes(target) if w[0] == "DELETE"]
            after = stack.preview()
            assert set(after.counts()) == {"same"}, [
                (x.name, x.changes, x.old_inputs, x.inputs)
                for x in after.steps
                if x.action != "same"
            ]
        found = _keys(target)
        for path, keys in exported.items():
            assert keys - {None} <= found[path], path  # every exported object is there
        if target is staging:
            for path, obj in _own_paths(own):  # staging's own objects are as they were
                live = _live(target, f"{path}/{obj['id']}")
                assert {k: live[k] for k in obj if k != "updatedAt"} == {
                    k: obj[k] for k in obj if k != "updatedAt"
                }

    # Back on production, the document is what production holds: no write at all.
    with _stack(prod, document, tmp_path / "prod.json", secrets) as stack:
        _clear(prod)
        stack.up()
        assert writes(prod) == []
        assert set(stack.preview().counts()) == {"same"}


def test_the_ignored_ids_are_said_once_in_the_preview(
    tenants: dict[str, Sim],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    prod, staging = tenants["prod"], tenants["staging"]
    _staging_own(staging)
    with _api(prod) as api:
        api.post("/taxes/v2.0", json={"name": "VAT 25", "percentage": 25})
        api.post("/tax-identification-numbers/v2.0", json={"name": "NO 1 MVA"})
    project = tmp_path / "project"
    project.mkdir()
    _export(prod, project / "tenant.yaml", capsys, "--kinds", "Tax,TaxIdentificationNumber")
    (project / "Pulumi.yaml").write_text("name: promotion\nruntime: python\n")
    (project / "__main__.py").write_text(
        'import pulumi_ampeco as ampeco\n\nampeco.Tenant("tenant", "tenant.yaml")\n'
    )
    (project / "Pulumi.staging.yaml").write_text(
        f"config:\n  ampeco:tenantUrl: {staging.base_url}\n"
    )
    monkeypatch.setenv("AMPECO_API_TOKEN", TOKEN)
    code = cli.main(["offline", "preview", "--cwd", str(project), "--stack", "staging"])
    out, err = capsys.readouterr()
    assert code == 0, err
    note = (
        f"ids from {prod.base_url}/public-api are ignored on {staging.base_url}/public-api:"
        " they name that tenant's objects, so each object is found here by its key"
    )
    assert (out + err).count(note) == 1
    assert "= adopt    ampeco:Tax  tenant/taxes/VAT-25  (by its key)" in out


def test_on_its_own_tenant_an_id_whose_object_changed_stops_before_any_write(
    tenants: dict[str, Sim], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Production's tax was renamed in the back office after the export: the id no longer
    names the object the document describes, so the up stops before any request writes."""
    prod = tenants["prod"]
    with _api(prod) as api:
        tax = api.post("/taxes/v2.0", json={"name": "VAT 25", "percentage": 25}).json()["data"]
        api.post("/taxes/v2.0", json={"name": "VAT 12", "percentage": 12})
    document = tmp_path / "tenant.yaml"
    secrets = _export(prod, document, capsys, "--kinds", "Tax")
    with _api(prod) as api:
        api.patch(f"/taxes/v2.0/{tax['id']}", json={"name": "Old VAT"})
    with _stack(prod, document, tmp_path / "prod.json", secrets) as stack:
        _clear(prod)
        with pytest.raises(OfflineEngineError) as failed:
            stack.up()
        assert writes(prod) == []
    assert (
        f"adopt: id {tax['id']} is not the Tax this program describes: on the tenant its name"
        " is 'Old VAT', not 'VAT 25'"
    ) in str(failed.value)


def test_a_portable_export_has_no_ids_and_adopts_by_key(
    tenants: dict[str, Sim], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prod, fresh = tenants["prod"], tenants["fresh"]
    with _api(prod) as api:
        seeded = seed(api)
    document = tmp_path / "template.yaml"
    # Two tariffs share the name "Energy": without ids they cannot be told apart.
    status = cli.main(
        [
            "export",
            "--portable",
            "-o",
            str(document),
            "-c",
            f"ampeco:tenantUrl={prod.base_url}",
            "-c",
            f"ampeco:apiToken={TOKEN}",
        ]
    )
    err = capsys.readouterr().err
    assert status == 1
    assert "these share theirs with another object of their kind" in err
    assert f"  tariffs.Energy-{seeded['energy']['id']}" in err
    with _api(prod) as api:
        api.put(
            f"/tariffs/v1.0/{seeded['energy']['id']}",
            json={**seeded["energy"], "name": "Energy standard"},
        )
    secrets = _export(prod, document, capsys, "--portable")
    text = document.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert "ids_from" not in data
    adopts = [e.get("adopt") for s in data.values() for e in s.values()]
    assert set(adopts) <= {True, None}
    assert "adopt: true" in text
    with _stack(fresh, document, tmp_path / "fresh.json", secrets) as stack:
        stack.up()
        assert set(stack.preview().counts()) == {"same"}
    with _stack(prod, document, tmp_path / "prod.json", secrets) as stack:
        _clear(prod)
        stack.up()  # production has them: objects with a key are taken over by it
        assert not [w for w in writes(prod) if w[0] == "DELETE"]


def test_two_resources_of_one_program_cannot_adopt_one_object(sim: Sim, tmp_path: Path) -> None:
    from pulumi_ampeco import Tax

    def program() -> None:
        Tax("vat", name="VAT", percentage=25, adopt=40)
        Tax("also-vat", name="VAT 2", percentage=25, adopt=40)

    config = {"ampeco:tenantUrl": sim.base_url, "ampeco:apiToken": sim.token}
    with (
        OfflineStack(program, tmp_path / "state.json", config, transport="inprocess") as stack,
        pytest.raises(OfflineEngineError) as failed,
    ):
        stack.up()
    assert "the program raised DeclarationError" in str(failed.value)  # as it was declared
    assert (
        "Tax 'also-vat': `adopt` 40 takes over the Tax that Tax 'vat' already takes over; an"
        " object belongs to one resource"
    ) in str(failed.value)


def test_an_object_taken_by_id_is_not_taken_again_by_key(sim: Sim, tmp_path: Path) -> None:
    """One resource adopts a tax by its id, another by its name: whichever comes second is
    refused, so one object never has two resources."""
    from pulumi_ampeco import Tax

    with sim.client() as api:
        tax = api.post("/taxes/v2.0", json={"name": "VAT 25", "percentage": 25}).json()["data"]

    def program() -> None:
        Tax("by-id", name="VAT 25", percentage=25, adopt=tax["id"])
        Tax("by-key", name="VAT 25", percentage=25, adopt=True)

    config = {"ampeco:tenantUrl": sim.base_url, "ampeco:apiToken": sim.token}
    with (
        OfflineStack(program, tmp_path / "state.json", config, transport="inprocess") as stack,
        pytest.raises(OfflineEngineError) as failed,
    ):
        stack.up()
    assert f"the Tax with id {tax['id']} is already made or taken over by another resource" in str(
        failed.value
    )


def test_a_connector_adopted_by_id_may_differ_in_what_can_change() -> None:
    """A connector has no key that names it: its type or status edited in the document does
    not make the id name another object."""
    from pulumi_ampeco.provider import AmpecoProvider

    connector = AmpecoProvider("Connector")
    live = {"id": 7, "type": "type2", "format": "socket", "status": "enabled"}
    values = {"charge_point_id": 2, "evse_id": 3, "type": "type2", "format": "socket"}
    values["status"] = "disabled"
    assert connector._identity_differs(live, values, replaced_fields=False) == ""
