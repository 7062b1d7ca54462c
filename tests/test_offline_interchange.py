"""The state a move carries between the engines (``ampeco_engine.interchange``): every
resource as it was, secrets as Pulumi's plaintext secrets (which ``pulumi stack import``
encrypts) and back, and a state that is not settled refused."""

from __future__ import annotations

import json

import pytest

from ampeco_engine.interchange import InterchangeError, from_deployment, to_deployment
from ampeco_engine.state import ResourceState, StackState
from ampeco_engine.values import SECRET_SIG, SECRET_SIG_KEY, is_secret, make_secret, to_plain

pytestmark = pytest.mark.quick

ROOT = "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev"
CP = "urn:pulumi:dev::p::pulumi-python:dynamic/ampeco:ChargePoint::home"


def _state() -> StackState:
    cp = ResourceState(
        urn=CP,
        type="pulumi-python:dynamic/ampeco:ChargePoint",
        name="home",
        custom=True,
        id="90000",
        parent=ROOT,
        inputs={
            "name": "Home",
            "pin": make_secret("4711"),
            "network": {"id": "N", "password": make_secret("pw")},
        },
        outputs={"name": "Home", "pin": make_secret("4711")},
        protect=True,
        additional_secret_outputs=["pin"],
    )
    return StackState(project="p", stack="dev", resources={CP: cp}, outputs={"id": "90000"})


def test_a_state_crosses_to_a_deployment_and_back_unchanged() -> None:
    deployment = to_deployment(_state(), {"ampeco:apiToken": make_secret("tok"), "x:y": "1"})
    text = json.dumps(deployment)
    resources = deployment["deployment"]["resources"]
    assert [r["type"] for r in resources] == [
        "pulumi:pulumi:Stack",
        "pulumi:providers:pulumi-python",
        "pulumi-python:dynamic/ampeco:ChargePoint",
    ]
    provider = resources[1]
    assert resources[2]["provider"] == f"{provider['urn']}::{provider['id']}"
    assert provider["inputs"]["ampeco:apiToken"] == {
        SECRET_SIG_KEY: SECRET_SIG,
        "plaintext": '"tok"',
    }
    pin = resources[2]["inputs"]["pin"]
    assert pin == {SECRET_SIG_KEY: SECRET_SIG, "plaintext": '"4711"'}
    assert resources[2]["protect"] is True and resources[2]["parent"] == ROOT
    assert "base64" not in text  # Pulumi's form, not the offline file's

    back = from_deployment(deployment, "p", "dev")
    assert list(back.resources) == [CP]  # the stack and its provider are Pulumi's own
    cp = back.resources[CP]
    original = _state().resources[CP]
    assert (cp.id, cp.parent, cp.protect, cp.additional_secret_outputs) == (
        original.id,
        original.parent,
        True,
        ["pin"],
    )
    assert is_secret(cp.inputs["pin"]) and to_plain(cp.inputs) == to_plain(original.inputs)
    assert back.outputs == {"id": "90000"}


def test_an_unsettled_state_or_an_encrypted_export_does_not_move() -> None:
    state = _state()
    state.pending_creates = {CP: {"type": "t", "name": "home"}}
    with pytest.raises(InterchangeError, match="1 create\\(s\\) an interrupted run may have sent"):
        to_deployment(state, {})
    encrypted = to_deployment(_state(), {})
    encrypted["deployment"]["resources"][2]["inputs"]["pin"] = {
        SECRET_SIG_KEY: SECRET_SIG,
        "ciphertext": "v1:abc",
    }
    with pytest.raises(InterchangeError, match="--show-secrets"):
        from_deployment(encrypted, "p", "dev")
    with pytest.raises(InterchangeError, match="version 3"):
        from_deployment({"version": 2}, "p", "dev")
