"""The acceptance rhythm, table-driven, for the billing kinds: TaxIdentificationNumber, Tax and
Currency (natural keys, no externalId), through the offline engine (providers in process)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pytest

from pulumi_ampeco import Currency, Tax, TaxIdentificationNumber
from pulumi_ampeco.testing import OfflineEngineError, OfflineStack

from .conftest import Sim
from .stack_harness import StackHarness, writes

pytestmark = pytest.mark.quick

TOKEN = "billing-SECRET-0c2d"


@dataclass
class BillingCase:
    name: str
    cls: Callable[..., pulumi.CustomResource]
    collection: str
    args: dict[str, Any]
    change: dict[str, Any]  # an update in place
    wire_change: dict[str, Any]  # the PATCH body it must cause
    key: dict[str, Any]  # the natural key, on the wire
    replace: dict[str, Any] = field(default_factory=dict)  # a change that replaces


CASES = [
    BillingCase(
        "TaxIdentificationNumber",
        TaxIdentificationNumber,
        "/tax-identification-numbers/v2.0",
        {"name": "NO 987 654 321 MVA"},
        {"name": "NO 987 654 322 MVA"},
        {"name": "NO 987 654 322 MVA"},
        {"name": "NO 987 654 321 MVA"},
    ),
    BillingCase(
        "Tax",
        Tax,
        "/taxes/v2.0",
        {"name": "VAT Norway", "percentage": 25, "display_name": {"en": "VAT 25%"}},
        {"percentage": 12.5},
        {"percentage": 12.5},
        {"name": "VAT Norway"},
    ),
    BillingCase(
        "Currency",
        Currency,
        "/currencies/v2.0",
        {"alphabetic_code": "NOK", "suffix": " kr", "decimal": 2},
        {"decimal": 3},
        {"alphabeticCode": "NOK", "decimal": 3},
        {"alphabeticCode": "NOK"},
        replace={"alphabetic_code": "SEK"},
    ),
]


class BillingStack(StackHarness):
    def __init__(self, sim: Sim, state: Path, kind: BillingCase) -> None:
        self.kind = kind
        self.args = dict(kind.args)
        self.opts: dict[str, Any] = {}
        super().__init__(sim, state, TOKEN, secrets=("ampeco:apiToken",))

    def program(self) -> None:
        obj = self.kind.cls("it", **self.args, **self.opts)
        pulumi.export("id", obj.id)

    def listed(self) -> list[dict[str, Any]]:
        with self.api() as api:
            return list(api.get(self.kind.collection).json()["data"])


@pytest.fixture(params=CASES, ids=[k.name for k in CASES])
def tenant(request: pytest.FixtureRequest, sim: Sim, tmp_path: Path) -> Iterator[BillingStack]:
    t = BillingStack(sim, tmp_path / "state.json", request.param)
    yield t
    t.stack.close()


def test_rhythm(tenant: BillingStack) -> None:
    before = tenant.listed()
    assert tenant.run("preview").counts() == {"create": 1}
    assert tenant.last == []
    created = tenant.run("up")
    assert created.counts() == {"create": 1}
    with tenant.api() as api:
        live = api.get(f"{tenant.kind.collection}/{created.outputs['id']}").json()["data"]
    for wire_key, value in tenant.kind.key.items():
        assert live[wire_key] == value

    assert tenant.run("preview").counts() == {"same": 1}
    assert writes(tenant.last) == []

    tenant.args.update(tenant.kind.change)
    assert tenant.run("up").counts() == {"update": 1}
    assert writes(tenant.last) == [("PATCH", tenant.kind.wire_change)]
    assert tenant.run("preview").counts() == {"same": 1}

    if tenant.kind.replace:
        tenant.args.update(tenant.kind.replace)
        replaced = tenant.run("up")
        assert replaced.counts() == {"replace": 1}
        assert replaced.outputs["id"] != created.outputs["id"]

    assert tenant.run("destroy").counts() == {"delete": 1}
    assert tenant.listed() == before  # the seeded currency and default tax are untouched


def test_adoption_by_natural_key(tenant: BillingStack) -> None:
    with tenant.api() as api:
        wire = {
            "TaxIdentificationNumber": {"name": "NO 987 654 321 MVA"},
            "Tax": {"name": "VAT Norway", "percentage": 20},
            "Currency": {"alphabeticCode": "NOK", "decimal": 4},
        }[tenant.kind.name]
        existing = api.post(tenant.kind.collection, json=wire).json()["data"]
    with pytest.raises(OfflineEngineError) as caught:
        tenant.run("up")
    assert "adopt=True" in str(caught.value)
    tenant.opts = {"adopt": True}
    adopted = tenant.run("up")
    assert adopted.outputs["id"] == str(existing["id"])
    assert not [e for e in tenant.last if e["method"] == "POST"]
    assert tenant.run("preview").counts() == {"same": 1}


def test_a_tax_refers_to_its_tax_identification_number(sim: Sim, tmp_path: Path) -> None:
    assert sim.simulator is not None
    sim.simulator.config.tokens = (TOKEN,)

    def program() -> None:
        tin = TaxIdentificationNumber("tin", name="NO 987 654 321 MVA")
        tax = Tax("vat", name="VAT", percentage=25, tax_identification_number_id=tin.id)
        pulumi.export("tin", tin.id)
        pulumi.export("tax", tax.tax_identification_number_id)

    config = {"ampeco:tenantUrl": sim.base_url, "ampeco:apiToken": TOKEN}
    with OfflineStack(program, tmp_path / "s.json", config, transport="inprocess") as stack:
        result = stack.up()
        assert int(result.outputs["tin"]) == result.outputs["tax"]
        assert stack.destroy().counts() == {"delete": 2}  # the tax goes before its TIN
