"""EVSEs (nested under charge points v2.0 and top-level v2.1) and their connectors."""

from __future__ import annotations

from typing import Any, ClassVar

from .. import decisions
from ..errors import FieldErrors
from ..store import Row, Tx, as_id
from .base import (
    TIME_FILTERS,
    Filter,
    Resource,
    eq,
    local_only,
    nothing,
    present,
    require_ref,
)


class Connectors(Resource):
    kind = "connector"
    parents = ("charge_point", "evse")
    defaults: ClassVar[dict[str, Any]] = {"status": "enabled"}


class Evses(Resource):
    """EVSEs as the top-level v2.1 API shows them (with ``chargePointId``)."""

    kind = "evse"
    create_only = ("chargePointId",)  # fixed at creation; not in the update schema
    # D4: connectors go with their EVSE.
    dependents = (Connectors,)
    shows_charge_point: ClassVar[bool] = True
    defaults: ClassVar[dict[str, Any]] = {
        "label": None,
        "allowsReservation": False,
        "bookingEnabled": False,
        "externalId": None,
    }
    nested_defaults: ClassVar[dict[str, dict[str, Any]]] = {
        "powerOptions": {"phaseRotation": None, "connectedPhase": None}
    }
    filters: ClassVar[dict[str, Filter]] = {
        "chargePointId": lambda v: ("parent_id = ?", [as_id(v)]),
        "physicalReference": eq("physicalReference"),
        "externalId": eq("externalId"),
        "roaming": local_only,
        "hasTariffGroup": present("tariffGroupId"),
        "hasRoamingTariffIds": local_only,
        "roamingOperatorIds": nothing,
        **TIME_FILTERS,
    }

    def check(
        self, tx: Tx, body: dict[str, Any], row: Row | None, parent_id: int | None
    ) -> FieldErrors:
        errors: FieldErrors = {}
        if row is None and parent_id is None:
            cp = require_ref(tx, errors, "chargePointId", "charge_point", body.get("chargePointId"))
            parent_id = cp.id if cp else None
        require_ref(tx, errors, "tariffGroupId", "tariff_group", body.get("tariffGroupId"))
        network_id = body.get("networkId")
        if (
            network_id is not None
            and parent_id is not None
            and decisions.EVSE_NETWORK_ID_UNIQUE_PER_CHARGE_POINT
        ):
            # D12: the OCPP EVSE number is unique within its charge point.
            siblings = tx.select(
                self.kind,
                ["parent_id = ?", "json_extract(body, '$.networkId') = ?"],
                [parent_id, network_id],
            )
            if any(other.id != (row.id if row else None) for other in siblings):
                errors["networkId"] = ["The network id has already been taken."]
        if body.get("bookingEnabled") is True:
            body["allowsReservation"] = True  # booking implies reservations
        return errors

    def body_parent(self, body: dict[str, Any], parent_id: int | None) -> int | None:
        # v2.1 names the charge point in the body (checked in `check`); it becomes the parent.
        return int(body.pop("chargePointId"))

    def server_fields(self, tx: Tx, row: Row) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "id": row.id,
            "roamingOperatorId": decisions.LOCAL_ROAMING_OPERATOR_ID,
            "hardwareStatus": decisions.EVSE_HARDWARE_STATUS,
            "createdAt": row.created_at,
            "lastUpdatedAt": row.updated_at,
        }
        if self.shows_charge_point:
            fields = {"chargePointId": row.parent_id, **fields}
        return fields

    def include(self, tx: Tx, row: Row, name: str) -> Any:
        if name == "connectors":
            return [Connectors().render(tx, c) for c in tx.children("connector", row.id)]
        return None  # chargingProfile, externalAppData


class NestedEvses(Evses):
    """The same EVSEs under ``/charge-points/v2.0/{chargePoint}/evses``."""

    parents = ("charge_point",)
    shows_charge_point = False

    def body_parent(self, body: dict[str, Any], parent_id: int | None) -> int | None:
        return parent_id  # the URL decides

    filters: ClassVar[dict[str, Filter]] = {}
