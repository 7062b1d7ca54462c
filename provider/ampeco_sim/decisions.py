"""The simulator's answers to what AMPECO does not document.

The decision table (D1–D46, ``docs/decisions.md``; decision D7 is ``docs/decisions.md#d7``)
is the source; change a choice there first. The values and schema patches the decisions need
live here; rules that are the behaviour of one resource live in its module, and the index below
says where.
"""

from __future__ import annotations

from typing import Any, Final

from .jsontree import objects

# Rules carried out by the resource that owns them (the D number is in a comment there):
#   D1, D2      locations.py          delete refused (409) while charge points / zones exist
#   D3, D4      charge_points.py,     deletes cascade to EVSEs and connectors
#               evses.py
#   D5, D6      tariffs.py            tariff / tariff group in use: 409
#   D7, D8, D9  billing.py            tax / TIN / base currency in use: 409
#   D10         (nothing)             externalId is not unique; listings may return several
#   D24         contract.py           unknown filters ignored, unknown include values 422
#   D27         (nothing)             the last connector of an EVSE may be deleted
#   D30         tariffs.py            pricing checked for types, enums, ranges and level rules only
#   D31         charge_points.py      a master station with satellites: 409
#   D32         charge_points.py      PATCH results must satisfy the create rules of `type`
#   D33         base.py (PUT mode),   omitted fields of a PUT go back to their defaults
#               tariffs.py
#   D34         tariffs.py            single-tariff resolution: a one-element list, no paging keys
#   D35, D36    base.py,              include-only relations absent; cursor links first/last null
#               pagination.py
#   D37         tariffs.py            a deleted group's base tariff stays
#   D44         contract.py,          a oneOf of objects: the variant its discriminator names,
#               catalogued.py         else any it fits; an update keeps an object of its variant
#   D45         app.py (admin API),   roaming operators are brought in, never created by the API
#               catalogued.py
#   D46         catalogued.py         custom tariff filters hold places 1, 2, …; reorder

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
# D20: per_page outside 1–100 is a 422 (the document's bounds do it).
# D22: rate limit per token.
RATE_LIMIT_REQUESTS: Final = 600
RATE_LIMIT_WINDOW_SECONDS: Final = 60
# D26: tariff group PUT with an empty tariffIds list.
TARIFF_GROUP_PUT_EMPTY_TARIFFS_REJECTED: Final = True
# D29: currency PATCH may not change alphabeticCode.
CURRENCY_CODE_IMMUTABLE: Final = True
# Statuses the decisions make the simulator answer although an operation does not list them
# (docs/decisions.md names these: 404 on some item paths, 409 on in-use deletes, 422 on listings),
# and those for requests it cannot read at all (ampeco_sim/bodies.py: 400 for a query with too
# many parameters, 415 for a body not sent as JSON in UTF-8).
UNDOCUMENTED_STATUSES_ALLOWED: Final = frozenset({400, 404, 409, 415, 422, 429})


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
    yet local objects have no operator; D18 settles on ``null``. Every
    ``roamingOperatorId`` property in a response schema is therefore marked nullable.
    """
    for node in objects(schema):
        props = node.get("properties")
        if isinstance(props, dict) and isinstance(props.get("roamingOperatorId"), dict):
            props["roamingOperatorId"]["nullable"] = True
