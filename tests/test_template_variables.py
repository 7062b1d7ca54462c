"""A configuration template's variables (D43): a nested collection that the API reads only in
its listing. Offline engine, provider in process, simulator over sockets."""

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

TOKEN = "template-variables-SECRET-3"
#: The kinds this module gives their rhythm (the API has no read of one variable).
OWN_RHYTHM = ("ConfigurationTemplateVariable",)


class Templates(StackHarness):
    def __init__(self, sim: Sim, state: Path) -> None:
        self.variable: dict[str, Any] | None = {"key_name": "HeartbeatInterval", "value": "300"}
        self.adopt = False
        super().__init__(sim, state, TOKEN)

    def program(self) -> None:
        template = ampeco.ConfigurationTemplate(
            "template", name="Default 1.6", ocpp_version="ocpp 1.6"
        )
        pulumi.export("template", template.id)
        if self.variable is not None:
            it = ampeco.ConfigurationTemplateVariable(
                "it", template_id=template.id, **self.variable, adopt=self.adopt
            )
            pulumi.export("it", it.id)


@pytest.fixture
def templates(sim: Sim, tmp_path: Path) -> Iterator[Templates]:
    t = Templates(sim, tmp_path / "state.json")
    yield t
    t.stack.close()


def _variables(api: httpx.Client, template: str) -> dict[str, Any]:
    listed = api.get(f"/configuration-templates/v1.0/{template}/variables").json()["data"]
    return {str(v["id"]): v for v in listed}


def test_a_template_variable_through_its_whole_life(templates: Templates) -> None:
    made = templates.run("up")
    ids = {k: str(v).split(".")[0] for k, v in made.outputs.items()}
    items = f"/configuration-templates/v1.0/{ids['template']}/variables"
    with templates.api() as api:
        assert _variables(api, ids["template"])[ids["it"]]["value"] == "300"

    # a no-op preview reads the listing, not the variable (there is no such read), no write
    assert set(templates.run("preview").counts()) == {"same"}
    assert writes(templates.last) == []
    assert not [e for e in templates.last if e["path"].endswith(f"/variables/{ids['it']}")]

    # update, drift, deleted outside: updated, put back, made again
    assert templates.variable is not None
    templates.variable["value"] = "600"
    assert templates.run("up").step("it").action == "update"
    with templates.api() as api:
        assert api.patch(f"{items}/{ids['it']}", json={"value": "1"}).status_code == 200
    assert templates.run("preview").step("it").action == "update"
    templates.run("up")
    with templates.api() as api:
        assert _variables(api, ids["template"])[ids["it"]]["value"] == "600"
        assert api.delete(f"{items}/{ids['it']}").status_code == 204
    assert templates.run("preview").step("it").action == "replace"
    again = templates.run("up")
    new_id = str(again.outputs["it"]).split(".")[0]
    with templates.api() as api:
        assert _variables(api, ids["template"])[new_id]["keyName"] == "HeartbeatInterval"

    # an OCPP 2.0.1 field beside an OCPP 1.6 key: refused in check
    templates.variable = {**templates.variable, "component": "OCPPCommCtrlr"}
    with pytest.raises(OfflineEngineError) as caught:
        templates.run("preview")
    assert "OCPP 2.0.1" in str(caught.value.failures)
    assert writes(templates.last) == []
    templates.variable = {"key_name": "HeartbeatInterval", "value": "600"}

    # removed: deleted
    templates.variable = None
    assert templates.run("up").step("it").action == "delete"
    with templates.api() as api:
        assert _variables(api, ids["template"]) == {}


def test_a_variable_set_outside_is_adopted_by_its_key(templates: Templates) -> None:
    templates.variable = None
    template = str(templates.run("up").outputs["template"]).split(".")[0]
    with templates.api() as api:
        made = api.post(
            f"/configuration-templates/v1.0/{template}/variables",
            json={"keyName": "MeterValueSampleInterval", "value": "60"},
        )
        assert made.status_code == 201
    templates.variable = {"key_name": "MeterValueSampleInterval", "value": "60"}
    with pytest.raises(OfflineEngineError) as caught:
        templates.run("up")
    assert "adopt=True" in str(caught.value)
    templates.adopt = True
    adopted = templates.run("up")
    assert str(adopted.outputs["it"]).split(".")[0] == str(made.json()["data"]["id"])
    assert writes(templates.last) == []


def test_ocpp_201_variables_are_told_apart_by_their_whole_identity(
    sim: Sim, tmp_path: Path
) -> None:
    """Two variables of one component and name, of different types, are two objects: each is
    created (not refused as the other's twin), and a document names them by keys, so adding a
    third in front of them changes neither."""
    sim.use_token(TOKEN)

    def variable(kind: str, value: str) -> dict[str, Any]:
        return {
            "component": "SmartChargingCtrlr",
            "variable_name": "Limit",
            "variable_type": kind,
            "value": value,
        }

    document = tmp_path / "tenant.yaml"
    template = {"name": "Fleet 2.0.1", "ocpp_version": "ocpp 2.0.1"}
    variables = {"actual": variable("Actual", "16"), "max": variable("MaxSet", "32")}
    document.write_text(
        yaml.safe_dump({"configuration_templates": {"fleet": {**template, "variables": variables}}})
    )
    config = {"ampeco:tenantUrl": sim.base_url, "ampeco:apiToken": TOKEN}
    with OfflineStack(lambda: Tenant("tenant", document), tmp_path / "state.json", config) as stack:
        stack.up()
        first = {r["name"]: r["id"] for r in stack.state()["resources"].values()}
        variables = {"min": variable("MinSet", "6"), **variables}
        document.write_text(
            yaml.safe_dump(
                {"configuration_templates": {"fleet": {**template, "variables": variables}}}
            )
        )
        again = stack.up()
        assert again.counts().get("create") == 1 and "update" not in again.counts()
        kept = {r["name"]: r["id"] for r in stack.state()["resources"].values()}
        assert {k: v for k, v in kept.items() if k in first} == first
        with sim.client() as api:
            [made] = api.get("/configuration-templates/v1.0").json()["data"]
            listed = api.get(f"/configuration-templates/v1.0/{made['id']}/variables").json()
        assert sorted(v["variableType"] for v in listed["data"]) == ["Actual", "MaxSet", "MinSet"]


def test_the_tenants_rules_for_template_variables(api: httpx.Client) -> None:
    def template(version: str) -> int:
        made = api.post(
            "/configuration-templates/v1.0", json={"name": version, "ocppVersion": version}
        )
        return int(made.json()["data"]["id"])

    old, new = template("ocpp 1.6"), template("ocpp 2.0.1")
    key = {"keyName": "HeartbeatInterval", "value": "300"}
    variable = {"component": "OCPPCommCtrlr", "variableName": "HeartbeatInterval", "value": "300"}
    assert api.post(f"/configuration-templates/v1.0/{old}/variables", json=key).status_code == 201
    assert api.post(f"/configuration-templates/v1.0/{old}/variables", json=key).status_code == 409
    wrong = api.post(f"/configuration-templates/v1.0/{old}/variables", json=variable)
    assert wrong.status_code == 422 and "keyName" in wrong.json()["errors"]
    made = api.post(f"/configuration-templates/v1.0/{new}/variables", json=variable)
    assert made.status_code == 201
    shown = made.json()["data"]
    assert shown["variableType"] is None and shown["evseId"] is None
    assert api.post(f"/configuration-templates/v1.0/{new}/variables", json=key).status_code == 422
    # the template's delete takes its variables with it
    assert api.delete(f"/configuration-templates/v1.0/{old}").status_code == 204
    assert api.get(f"/configuration-templates/v1.0/{old}/variables").status_code == 404


def test_export_writes_a_templates_variables_and_takes_them_over(
    sim: Sim, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sim.use_token(TOKEN)
    with sim.client() as api:
        made = api.post(
            "/configuration-templates/v1.0", json={"name": "Fleet", "ocppVersion": "ocpp 1.6"}
        )
        template = made.json()["data"]["id"]
        for name, value in (("HeartbeatInterval", "300"), ("MeterValueSampleInterval", "60")):
            body = {"keyName": name, "value": value}
            assert api.post(f"/configuration-templates/v1.0/{template}/variables", json=body)
    document = tmp_path / "tenant.yaml"
    config = {"ampeco:tenantUrl": sim.base_url, "ampeco:apiToken": TOKEN}
    flags = [a for k, v in config.items() for a in ("-c", f"{k}={v}")]
    assert cli.main(["export", "-o", str(document), *flags]) == 0, capsys.readouterr().err
    written = yaml.safe_load(document.read_text())["configuration_templates"]["Fleet"]["variables"]
    assert sorted((v["key_name"], v["value"]) for v in written.values()) == [
        ("HeartbeatInterval", "300"),
        ("MeterValueSampleInterval", "60"),
    ]
    with OfflineStack(lambda: Tenant("tenant", document), tmp_path / "state.json", config) as stack:
        sim.clear_requests()
        stack.up()
        assert sim.writes() == []
        assert set(stack.preview().counts()) == {"same"}
