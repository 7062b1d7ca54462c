"""Configuration templates, charge point vendors and models, and vendor error codes
(``D<n>``: ``docs/decisions.md``)."""

from __future__ import annotations

from ..channels import StationKeys
from ..models import fleet, stations, templates
from .declaration import Example, IdOf, Key, Kind, Parent, Ref, Section

CONFIGURATION_TEMPLATE = Kind(
    name="ConfigurationTemplate",
    model=fleet.ConfigurationTemplate,
    doc="A named set of OCPP configuration values for charge points of one OCPP version.",
    collection="/configuration-templates/v1.0",
    keys=(Key(("name",)),),
    quirks=(
        "The template's variables are objects of their own (`ConfigurationTemplateVariable`);"
        " deleting a template deletes its variables (D43).",
    ),
    section=Section("configuration_templates", "configuration template", children=("variables",)),
    example=Example("default-ocpp-16", {"name": "Default OCPP 1.6", "ocpp_version": "ocpp 1.6"}),
)

CONFIGURATION_TEMPLATE_VARIABLE = Kind(
    name="ConfigurationTemplateVariable",
    model=templates.ConfigurationTemplateVariable,
    doc="A value a configuration template sets: an OCPP 1.6 key, or an OCPP 2.0.1 variable.",
    collection="/configuration-templates/v1.0/{template_id}/variables",
    parents=(Parent("template_id", "ConfigurationTemplate"),),
    keys=(
        Key(("key_name",)),
        Key(
            ("component", "variable_name"),
            within=(
                "component_instance",
                "variable_instance",
                "variable_type",
                "evse_id",
                "connector_id",
            ),
        ),
    ),
    item_reads=False,
    quirks=(
        "A variable has its template's OCPP version: `key_name` in an OCPP 1.6 template,"
        " `component` and `variable_name` in an OCPP 2.0.1 one; a template names a key or"
        " a component's variable once (D43).",
        "The API reads variables only in their template's listing.",
    ),
    section=Section("variables", "template variable"),
    example=Example(
        "heartbeat",
        {
            "template_id": IdOf("ConfigurationTemplate"),
            "key_name": "HeartbeatInterval",
            "value": "300",
        },
    ),
)

CHARGE_POINT_VENDOR = Kind(
    name="ChargePointVendor",
    model=fleet.ChargePointVendor,
    doc="A maker of charge points, which charge point models name.",
    collection="/charge-point-vendors/v1.0",
    keys=(Key(("name",)),),
    quirks=("The tenant refuses to delete a vendor that a charge point model names (D39).",),
    section=Section("charge_point_vendors", "charge point vendor"),
    example=Example("alpitronic", {"name": "Alpitronic"}),
)

CHARGE_POINT_MODEL = Kind(
    name="ChargePointModel",
    model=fleet.ChargePointModel,
    doc="A model of charge point from a vendor, with its manuals.",
    collection="/charge-point-models/v1.0",
    keys=(Key(("name",), {"vendorId": "vendor_id"}, within=("vendor_id",)),),
    section=Section(
        "charge_point_models",
        "charge point model",
        refs=(Ref("vendor", "vendor_id", "charge_point_vendors"),),
    ),
    example=Example(
        "hyc300",
        {
            "name": "HYC300",
            "vendor_id": IdOf("ChargePointVendor"),
            "user_manual": "https://example.com/manuals/hyc300.pdf",
        },
    ),
)

VENDOR_ERROR_CODE = Kind(
    name="VendorErrorCode",
    model=fleet.VendorErrorCode,
    doc="What an error code a charge point reports means, and what the driver should do.",
    collection="/vendor-error-codes/v2.0",
    keys=(Key(("vendor_id", "error_code")),),
    quirks=(
        "`vendor_id` is the vendor's name as charge points report it (text), not the id of a"
        " charge point vendor; a vendor's code is unique (D39).",
    ),
    section=Section("vendor_error_codes", "vendor error code"),
    example=Example(
        "abb-e42",
        {
            "vendor_id": "ABB",
            "error_code": "E42",
            "error_code_description": "Ground fault",
            "error_code_customer_action": "Unplug the cable and try another charger",
        },
    ),
)


CHARGE_POINT_CONFIGURATION = Kind(
    name="ChargePointConfiguration",
    model=stations.ChargePointConfiguration,
    doc="OCPP configuration keys a program sets on a charge point, with their values.",
    collection=StationKeys.collection,
    parents=(Parent("charge_point_id", "ChargePoint"),),
    channel=StationKeys(),
    open_maps=frozenset({"keys"}),
    exported=False,
    quirks=(
        "One object per charge point, with the charge point's id; it names only the keys the"
        " program sets. Creating it sets them (every charge point has its configuration"
        " already); a key dropped from `keys`, or the deleted object, leaves the station's"
        " value (D41).",
        "The tenant hands each changed key to the station; a station that refuses it, or is"
        " not connected, fails the update (406) and the keys set before it stay set (D41).",
        "`ampeco-iac export` leaves OCPP keys out: a station's configuration is mostly its own"
        " defaults, which the program should not pin (D41).",
    ),
    section=Section("ocpp_configuration", "OCPP configuration", single=True),
    example=Example(
        "depot-north-1-ocpp",
        {
            "charge_point_id": IdOf("ChargePoint"),
            "keys": {"HeartbeatInterval": "300", "MeterValueSampleInterval": "60"},
        },
    ),
)

KINDS = (
    CONFIGURATION_TEMPLATE,
    CONFIGURATION_TEMPLATE_VARIABLE,
    CHARGE_POINT_VENDOR,
    CHARGE_POINT_MODEL,
    VENDOR_ERROR_CODE,
    CHARGE_POINT_CONFIGURATION,
)
