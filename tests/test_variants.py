"""Bodies that are a ``oneOf`` of objects (D44): one generated model holding every variant's
fields, checked as the variant its discriminator names (else any it fits) before any API
call, with messages that name the field and what to do; and the simulator reading the same
``oneOf`` the same way, where a strict JSON Schema ``oneOf`` would refuse every body that
several identical variants accept."""

from __future__ import annotations

from typing import Any

import pydantic
import pytest
from jsonschema import Draft4Validator
from pulumi.output import Unknown

from ampeco_sim.contract import default_contract
from pulumi_ampeco import modelgen
from pulumi_ampeco.models import base
from pulumi_ampeco.models.roaming import RoamingProvider
from pulumi_ampeco.models.sites import PaymentTerminal
from pulumi_ampeco.provider import AmpecoProvider

pytestmark = pytest.mark.quick

TERMINAL = {"name": "Kiosk", "integration_id": 1, "operator_id": 1}


def problems(model: type[pydantic.BaseModel], **values: Any) -> list[tuple[str, str]]:
    try:
        model(**values)
    except pydantic.ValidationError as exc:
        return [(".".join(map(str, e["loc"])), e["msg"]) for e in exc.errors()]
    return []


def test_the_terminal_model_is_the_union_of_its_variants() -> None:
    variants = PaymentTerminal.variants
    assert variants.discriminator == "terminal_type"
    assert [v.title for v in variants.variants][:3] == ["Payter", "Valina", "Crane"]
    required = {n for n, f in PaymentTerminal.model_fields.items() if f.is_required()}
    assert required == {"name", "integration_id", "terminal_type", "operator_id"}
    assert {"merchant_account", "terminal_id", "preauthorize_amount"} <= set(
        PaymentTerminal.model_fields
    )
    # Read-only fields stay out, even where a variant lists them as required (`bundle`).
    valina = variants.chosen({"terminal_type": "Valina"})
    assert valina is not None and "bundle" not in valina.required
    assert "admin_token" not in PaymentTerminal.model_fields


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            {"terminal_type": "Crane", "charge_point_id": 1},
            [("serial_number", "a Crane payment terminal needs `serial_number`")],
        ),
        (
            {
                "terminal_type": "Crane",
                "serial_number": "C",
                "charge_point_id": 1,
                "merchant_account": "m",
            },
            [
                (
                    "merchant_account",
                    "`merchant_account` is not a field of a Crane payment terminal (an"
                    " AdyenCastles one has it)",
                )
            ],
        ),
        (
            {"terminal_type": "Ampeco"},
            [("", "an Ampeco payment terminal needs `charging_zone_id` or `charge_point_id`")],
        ),
        (
            {"terminal_type": "Ampeco", "charging_zone_id": 1, "charge_point_id": 2},
            [("charge_point_id", "set `charging_zone_id` or `charge_point_id`, not both")],
        ),
        (
            {
                "terminal_type": "Payter",
                "serial_number": "P",
                "default_language": "en",
                "charge_point_id": 1,
            },
            [
                (
                    "",
                    "a Payter payment terminal needs either `preauthorize_amount` (Payter on CP)"
                    " or `transaction_timeout` (Payter on Location)",
                )
            ],
        ),
        (
            {"terminal_type": "Web portal", "charge_point_id": 1},
            [
                (
                    "charge_point_id",
                    "`charge_point_id` is not a field of a Web portal payment terminal (a Payter"
                    " or Valina or Crane or Ampeco or Nayax or Embedded or Pax or Windcave or"
                    " AdyenCastles or Printec Castles or Cardlink Castles one has it)",
                )
            ],
        ),
        ({"terminal_type": "Web portal"}, []),
        ({"terminal_type": "Embedded", "charging_zone_id": 4}, []),
    ],
)
def test_a_terminal_is_checked_as_the_variant_its_type_names(
    values: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    assert problems(PaymentTerminal, **TERMINAL, **values) == expected


def test_without_a_discriminator_any_variant_the_fields_fit_will_do() -> None:
    assert problems(RoamingProvider, platform_id=1, hubject_id="NO*EMP") == []
    assert problems(RoamingProvider, platform_id=1, country_code="NO", party_id="EMP") == []
    assert problems(RoamingProvider, platform_id=1) == []  # either
    # Fields of both: the closest variant's problems.
    assert problems(
        RoamingProvider, platform_id=1, country_code="NO", party_id="E", hubject_id="H"
    ) == [
        (
            "hubject_id",
            "`hubject_id` is not a field of an OCPI or Gireve 2.2.1 roaming provider (a Hubject"
            " one has it)",
        )
    ]


def test_check_reports_a_variant_problem_at_its_field_before_any_call() -> None:
    news = {**TERMINAL, "terminal_type": "Crane", "serial_number": "C", "charge_point_id": 1}
    news |= {"merchant_account": "m", "__provider": "p"}
    failures = AmpecoProvider("PaymentTerminal").check({}, news).failures
    assert [f.property for f in failures] == ["merchant_account"]
    # A value not known yet (preview) is no missing field.
    unknown = {**TERMINAL, "terminal_type": "Ampeco", "charge_point_id": Unknown()}
    assert (
        AmpecoProvider("PaymentTerminal").check({}, {**unknown, "__provider": "p"}).failures == []
    )


DOCUMENT: dict[str, Any] = {
    "paths": {},
    "components": {
        "schemas": {
            "Common": {
                "type": "object",
                "required": ["kind"],
                "properties": {"kind": {"type": "string", "enum": ["A", "B", "C"]}},
            }
        }
    },
}


def _shape(title: str, fields: dict[str, Any], required: list[str]) -> dict[str, Any]:
    part = {"type": "object", "properties": fields, "required": required}
    return {"title": title, "allOf": [{"$ref": "#/components/schemas/Common"}, part]}


def _generated(schema: dict[str, Any], **spec: Any) -> type[base.AmpecoModel]:
    writer = modelgen._Writer(DOCUMENT)
    writer.model("Gadget", schema, **spec)
    namespace: dict[str, Any] = {}
    source = "from typing import ClassVar, Literal\n" + "\n\n".join(writer.classes)
    exec(source, {**vars(base)}, namespace)  # the generated class, over the models' base
    model: type[base.AmpecoModel] = namespace["Gadget"]
    model.model_rebuild(_types_namespace={**vars(base), **namespace})
    return model


def test_modelgen_makes_one_model_of_any_object_variants() -> None:
    same = {"x": {"type": "integer"}}
    schema = {
        "oneOf": [
            _shape("A", same, ["x"]),
            _shape("B", same, []),  # the shape of A: a strict oneOf could never tell them apart
            _shape(
                "C",
                {"y": {"type": "string"}, "z": {"type": "string", "readOnly": True}},
                ["y", "z"],
            ),
        ]
    }
    gadget = _generated(schema, exactly_one=())
    assert gadget.variants is not None and gadget.variants.discriminator == "kind"
    assert set(gadget.model_fields) == {"kind", "x", "y"}
    assert [n for n, f in gadget.model_fields.items() if f.is_required()] == ["kind"]
    assert problems(gadget, kind="B") == []
    assert problems(gadget, kind="A") == [("x", "an A gadget needs `x`")]
    assert problems(gadget, kind="C", y="y") == []  # `z` is read-only: never asked for
    conflicting = {"oneOf": [_shape("A", same, []), _shape("B", {"x": {"type": "string"}}, [])]}
    with pytest.raises(ValueError, match="different types"):
        _generated(conflicting)


def test_the_simulator_reads_the_variants_as_the_models_do() -> None:
    contract = default_contract()
    create = next(
        op
        for op in contract.operations
        if op.method == "POST" and op.template.endswith("/payment-terminals/v1.0")
    )
    body = {"name": "K", "integrationId": 1, "operatorId": 1, "terminalType": "Ampeco"}
    # JSON Schema's own oneOf refuses it: Ampeco, Embedded, Windcave and Web portal all fit.
    strict = Draft4Validator(create.body_schema)
    assert not strict.is_valid({**body, "chargePointId": 1})
    assert create.validate_body({**body, "chargePointId": 1}) == {}
    # The type names the variant, whose own errors are reported field by field.
    crane = {**body, "terminalType": "Crane"}
    assert create.validate_body(crane) == {"serialNumber": ["The serialNumber field is required."]}
    # A field of another variant is not kept.
    kept = create.clean_body({**crane, "serialNumber": "S", "adyenApiKey": "k"})
    assert "adyenApiKey" not in kept
    # Without a discriminator, any variant will do (a circuit's load-balancing integration).
    circuit = next(o for o in contract.operations if o.operation_id == "circuitCreate")
    zaptec = {"name": "Main", "phases": "three_phase", "maxCurrent": 63}
    zaptec["loadBalancingIntegration"] = {"installationId": "0194db65-2791-70ae-9575-89959f57d915"}
    assert circuit.validate_body(zaptec) == {}
