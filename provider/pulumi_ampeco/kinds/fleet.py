"""Configuration templates, charge point vendors and models, and vendor error codes
(``D<n>``: ``docs/decisions.md``)."""

from __future__ import annotations

from ..models import fleet
from .declaration import Key, Kind, Ref, Section

CONFIGURATION_TEMPLATE = Kind(
    name="ConfigurationTemplate",
    model=fleet.ConfigurationTemplate,
    doc="A named set of OCPP configuration values for charge points of one OCPP version.",
    collection="/configuration-templates/v1.0",
    keys=(Key(("name",)),),
    quirks=("The template's variables are not managed yet: the tenant keeps what it has.",),
    section=Section("configuration_templates", "configuration template"),
)

CHARGE_POINT_VENDOR = Kind(
    name="ChargePointVendor",
    model=fleet.ChargePointVendor,
    doc="A maker of charge points, which charge point models name.",
    collection="/charge-point-vendors/v1.0",
    keys=(Key(("name",)),),
    quirks=("The tenant refuses to delete a vendor that a charge point model names (D39).",),
    section=Section("charge_point_vendors", "charge point vendor"),
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
)

KINDS = (CONFIGURATION_TEMPLATE, CHARGE_POINT_VENDOR, CHARGE_POINT_MODEL, VENDOR_ERROR_CODE)
