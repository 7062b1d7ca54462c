"""The simulator's answers to what AMPECO does not document.

Each name here carries one row of the decision table (D1–D37) in the API reference
(``shared/ampeco-api/README.md``). Change a choice there first, then here; nothing else in the
simulator hard-codes these behaviours.
"""

from __future__ import annotations

from typing import Any, Final

# D1, D2: deletes refused while dependants exist.
LOCATION_DELETE_BLOCKED_BY: Final = ("charge_point", "charging_zone")
CHARGING_ZONE_DELETE_BLOCKED_BY_CHARGE_POINTS: Final = True
# D3, D4: cascades.
CHARGE_POINT_DELETE_CASCADES: Final = True
EVSE_DELETE_CASCADES: Final = True
# D5–D9, D31: more "in use" refusals, all answered with 409.
IN_USE_STATUS: Final = 409
# D10: externalId is not unique on the server.
EXTERNAL_ID_UNIQUE: Final = False
# D11: charge point network.id unique per tenant; D12: EVSE networkId unique per charge point.
CHARGE_POINT_NETWORK_ID_UNIQUE: Final = True
EVSE_NETWORK_ID_UNIQUE_PER_CHARGE_POINT: Final = True
# D13, D28: a new tariff group gets a free base tariff, first in tariffIds.
BASE_TARIFF_TYPE: Final = "free"
BASE_TARIFF_POSITION: Final = 0


def base_tariff_name(group_name: str) -> str:
    """D28."""
    return f"{group_name} base tariff"


# D15: communicationMode when omitted on create.
def default_communication_mode(managed_by_operator: bool | None) -> str:
    return "none" if managed_by_operator is False else "direct_ocpp"


# D16: starting values of server-managed charge point fields.
CHARGE_POINT_NETWORK_STATUS: Final = "never_connected"
CHARGE_POINT_CURRENT_SECURITY_PROFILE: Final = 0
# D17: EVSE hardwareStatus before any report.
EVSE_HARDWARE_STATUS: Final = None
# D18: roamingOperatorId of local objects: null on locations and EVSEs, absent on charge points.
LOCAL_ROAMING_OPERATOR_ID: Final = None
# D19: deprecated location status.
LOCATION_STATUS: Final = "enabled"
# D20: per_page outside 1–100 is a 422 (the schema's bounds do it).
# D21: currency responses are wrapped in {"data": ...} like the rest.
CURRENCY_ENVELOPE: Final = True
# D22: rate limit per token.
RATE_LIMIT_REQUESTS: Final = 600
RATE_LIMIT_WINDOW_SECONDS: Final = 60
# D24: unknown filters ignored, unknown include values rejected (see contract.validate_query).
# D26: tariff group PUT with an empty tariffIds list.
TARIFF_GROUP_PUT_EMPTY_TARIFFS_REJECTED: Final = True
# D27: deleting the last connector of an EVSE is allowed.
# D29: currency PATCH may not change alphabeticCode.
CURRENCY_CODE_IMMUTABLE: Final = True
# D32: a PATCH result must satisfy the create rules of charge point type.
# D33: optional tariff / tariff group fields omitted from a PUT reset to their defaults.
# D34: single-tariff resolution answers a one-element list without links/meta.
# D35: include-only relations are absent unless included.
# D36: cursor-mode links.first/last are null.
# D37: deleting a tariff group keeps its base tariff.
TARIFF_GROUP_DELETE_KEEPS_BASE_TARIFF: Final = True

# Statuses the decisions make the simulator answer although an operation does not list them
# (the reference names these: 404 on some item paths, 409 on in-use deletes, 422 on listings).
UNDOCUMENTED_STATUSES_ALLOWED: Final = frozenset({404, 409, 422, 429})


#: D21: these operations are documented with a bare object; the simulator wraps it in data.
WRAPPED_CURRENCY_OPERATIONS: Final = ("currencyCreate", "currencyRead", "currencyUpdate")


def wrap_in_data(schema: dict[str, Any]) -> dict[str, Any]:
    """D21: the response schema of an operation that the simulator answers with an envelope."""
    if "data" in schema.get("properties", {}):
        return schema
    return {"type": "object", "required": ["data"], "properties": {"data": schema}}


def patch_response_schema(schema: Any) -> None:
    """Make the served response schemas say what D18 settled.

    ``roamingOperatorId`` is required and non-nullable in the location and EVSE read schemas,
    yet local objects have no operator; the reference settles on ``null``. Every
    ``roamingOperatorId`` property in a response schema is therefore marked nullable.
    """
    if isinstance(schema, list):
        for item in schema:
            patch_response_schema(item)
        return
    if not isinstance(schema, dict):
        return
    props = schema.get("properties")
    if isinstance(props, dict) and isinstance(props.get("roamingOperatorId"), dict):
        props["roamingOperatorId"]["nullable"] = True
    for value in schema.values():
        if isinstance(value, (dict, list)):
            patch_response_schema(value)
