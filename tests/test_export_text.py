"""Text read from a tenant is data, never template: an export escapes every ``${`` so that the
document (and the Python program) gives back each value byte for byte, and a name that reads
like a config reference never pulls a stack's secret into the tenant."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pulumi_ampeco.export import document, program, yaml_text
from pulumi_ampeco.export.snapshot import Snapshot
from pulumi_ampeco.tenant.loading import literal, parse, substitute, unliteral

from . import factories as f
from .conftest import API, Sim, http_client
from .test_export import TOKEN, _stack, export, writes

pytestmark = pytest.mark.quick

#: What a hostile back-office user types into a name to reach the pipeline's secrets.
BAIT = (
    "${config:ampeco:apiToken}",
    "$${config:ampeco:apiToken}",
    "a ${config:apiToken} b",
    "$$${x}",
    "${",
    "$",
    "{}",
    "${}",
)
#: Text made of the characters the escape rule is about, and a few others.
TEXT = st.text(alphabet=st.sampled_from("${}$:ab c"), min_size=1, max_size=40).filter(
    lambda t: t.strip() != ""
)


def _everything_leaks(key: str) -> tuple[str | None, bool]:
    """A stack whose every config key is set to a secret: a reference anywhere shows."""
    return "LEAKED-SECRET", True


def _round_trip(name: str) -> tuple[str, str]:
    """A tax named ``name``, exported as a document and read back with every config set; and
    the same tax exported as a program, the name its call passes."""
    snap = Snapshot(objects={"Tax": {7: {"id": 7, "name": name, "percentage": 10}}})
    exported = document.build(snap)
    source = parse(yaml_text.render(exported))
    assert source.problems == []
    loaded = substitute(source.data, _everything_leaks, "p")
    assert loaded.problems == [] and loaded.secret_paths == []
    [(_, tax)] = loaded.data["taxes"].items()
    tree = ast.parse(program.render(exported))
    [call] = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and n.keywords]
    [given_name] = [k.value for k in call.keywords if k.arg == "name"]
    assert isinstance(given_name, ast.Constant)
    return tax["name"], given_name.value


@pytest.mark.parametrize("name", BAIT)
def test_text_that_reads_as_a_reference_stays_text(name: str) -> None:
    assert _round_trip(name) == (name, name)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_any_text_survives_export_and_load(name: str) -> None:
    assert _round_trip(name) == (name, name)


@given(st.text(max_size=60))
def test_the_escape_is_undone_exactly(text: str) -> None:
    assert unliteral(literal(text)) == text
    assert "${" not in literal(text).replace("$${", "")


def test_an_escaped_text_stays_escaped_through_the_document() -> None:
    """``$${x}`` in the tenant is written ``$$${x}`` and read back as ``$${x}``."""
    exported = document.build(Snapshot(objects={"Tax": {1: {"id": 1, "name": "$${x}"}}}))
    assert "name: $$${x}" in yaml_text.render(exported)


def test_a_hostile_tenant_cannot_pull_a_secret_through_export(
    sim: Sim, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A tax and a location whose texts read as config references are exported and taken
    over; the tenant keeps its own texts and gets no write, and the token never reaches it."""
    assert sim.simulator is not None
    sim.simulator.config.tokens = (TOKEN,)
    bait = "${config:ampeco:apiToken}"
    with http_client(
        base_url=sim.base_url + API, headers={"Authorization": f"Bearer {TOKEN}"}
    ) as api:
        tax = api.post("/taxes/v2.0", json={**f.tax(1), "name": bait}).json()["data"]
        site_body: dict[str, Any] = {
            **f.location(1),
            "externalId": bait,
            "name": f.translation(f"Depot {bait}"),
            "address": f.translation(f"$${bait}"),
        }
        site = api.post("/locations/v2.0", json=site_body).json()["data"]
    document_path = tmp_path / "tenant.yaml"
    export(sim, document_path, capsys)
    with _stack(sim, document_path, tmp_path / "state.json") as stack:
        stack.up()
        assert writes(sim) == []
        assert set(stack.preview().counts()) == {"same"}
    with http_client(
        base_url=sim.base_url + API, headers={"Authorization": f"Bearer {TOKEN}"}
    ) as api:
        assert api.get(f"/taxes/v2.0/{tax['id']}").json()["data"]["name"] == bait
        live = api.get(f"/locations/v2.0/{site['id']}").json()["data"]
        everything = api.get("/locations/v2.0").text + api.get("/taxes/v2.0").text
    assert live["externalId"] == bait
    assert live["name"] == site_body["name"] and live["address"] == site_body["address"]
    assert TOKEN not in everything
