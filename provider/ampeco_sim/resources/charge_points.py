"""Charge points v2.0."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from .. import decisions
from ..catalog import Reference
from ..errors import FieldErrors
from ..store import Row, Tx
from .base import (
    TIME_FILTERS,
    Filter,
    Resource,
    contains,
    deep_merge,
    eq,
    flag,
    local_only,
    nothing,
    require_ref,
)
from .evses import Evses
from .load_management import forget
from .ocpp import OcppKeys

SATELLITE = "via_ocpp_connected_charge_point"


class ChargePoints(Resource):
    kind = "charge_point"
    create_only = ("communicationMode", "ocppConnectedChargePointId", "sharingCode")
    # D3: EVSEs and their connectors go with the charge point, and so do the OCPP keys set on
    # it (D41).
    dependents = (Evses, OcppKeys)
    # D39: a station names an existing utility and holds it (location, zone and master
    # station are checked in ``check``, each by its own rule).
    refs: ClassVar[Mapping[str, Reference]] = {"utilityId": Reference("utility")}
    defaults: ClassVar[dict[str, Any]] = {
        "managedByOperator": True,
        "autoStartWithoutAuthorization": False,
        "disableAutoStartEmulation": False,
        "enableAutoFaultRecovery": True,
        "usesRenewableEnergy": False,
        "displayTariffAndCosts": False,
        "capabilities": [],
        "tags": [],
        "modelId": None,
        "utilityId": None,
        "noticeId": None,
        "chargingZoneId": None,
        "network": {"id": None},
        "partner": {"corporateBillingAsDefault": False},
    }
    nested_defaults: ClassVar[dict[str, dict[str, Any]]] = {
        "partner": {"corporateBillingAsDefault": False},
        "network": {"id": None},
    }
    filters: ClassVar[dict[str, Filter]] = {
        "locationId": eq("locationId"),
        "chargingZoneId": eq("chargingZoneId"),
        "externalId": eq("externalId"),
        "name": eq("name"),
        "networkId": eq("network.id"),
        "type": eq("type"),
        "partnerId": eq("partner.id"),
        "userId": eq("user.id"),
        "modelId": eq("modelId"),
        "utilityId": eq("utilityId"),
        "tag": contains("tags"),
        "managedByOperator": flag("managedByOperator", default=True),
        "evsePhysicalReference": lambda v: (
            "EXISTS (SELECT 1 FROM objects e WHERE e.kind = 'evse' AND e.parent_id = objects.id"
            " AND json_extract(e.body, '$.physicalReference') = ?)",
            [str(v)],
        ),
        "subOperatorId": nothing,
        "vendorId": nothing,
        "circuitId": lambda v: (
            "EXISTS (SELECT 1 FROM objects m WHERE m.kind = 'circuit_member'"
            " AND m.parent_id = ? AND json_extract(m.body, '$.chargePointId') = objects.id)",
            [str(v)],
        ),
        "sharingCode": nothing,
        "bootNotificationSerialNumber": nothing,
        "desiredSecurityProfileStatus": lambda v: (
            ("json_extract(body, '$.security.desiredProfile') IS NOT NULL", [])
            if v == "pending"
            else ("0", [])
        ),
        "roaming": local_only,
        "roamingOperatorIds": nothing,
        **TIME_FILTERS,
    }

    def check(
        self, tx: Tx, body: dict[str, Any], row: Row | None, parent_id: int | None
    ) -> FieldErrors:
        errors: FieldErrors = {}
        result = body if row is None else deep_merge(row.body, body)
        kind = result.get("type")
        # Documented conditional requirements; D32 applies them to the result of a PATCH.
        if kind in ("public", "private") and result.get("locationId") is None:
            errors["locationId"] = [f"The location id field is required when type is {kind}."]
        if kind == "personal" and not result.get("pin"):
            errors["pin"] = ["The pin field is required when type is personal."]
        if row is None:
            mode = body.setdefault(
                "communicationMode",
                decisions.default_communication_mode(body.get("managedByOperator")),
            )
            if mode == SATELLITE and body.get("ocppConnectedChargePointId") is None:
                errors["ocppConnectedChargePointId"] = [
                    "The ocpp connected charge point id field is required when communication"
                    f" mode is {SATELLITE}."
                ]
            require_ref(
                tx,
                errors,
                "ocppConnectedChargePointId",
                "charge_point",
                body.get("ocppConnectedChargePointId"),
            )
        require_ref(tx, errors, "locationId", "location", body.get("locationId"))
        require_ref(tx, errors, "chargingZoneId", "charging_zone", body.get("chargingZoneId"))
        if body.get("installationAndMaintenanceCompanyId") is not None:
            # Documented: an unknown or foreign company is a 422; a new tenant knows none.
            errors["installationAndMaintenanceCompanyId"] = [
                "The selected installation and maintenance company ID is invalid."
            ]
        network_id = (body.get("network") or {}).get("id")
        if network_id is not None and decisions.CHARGE_POINT_NETWORK_ID_UNIQUE:
            # D11: the OCPP identity is unique within the tenant.
            clash = tx.select(self.kind, ["json_extract(body, '$.network.id') = ?"], [network_id])
            if any(other.id != (row.id if row else None) for other in clash):
                errors["network.id"] = ["The network.id has already been taken."]
        return errors

    def render(self, tx: Tx, row: Row, includes: list[str] | None = None) -> dict[str, Any]:
        out = super().render(tx, row, includes)
        if out.get("communicationMode") != SATELLITE:
            out.pop("ocppConnectedChargePointId", None)
        stored_security = row.body.get("security") or {}
        security: dict[str, Any] = {
            **stored_security,
            "currentProfile": decisions.CHARGE_POINT_CURRENT_SECURITY_PROFILE,
        }
        if stored_security.get("desiredProfile") is not None:
            security["desiredProfileStatus"] = "pending"
        out["security"] = security
        return out

    def server_fields(self, tx: Tx, row: Row) -> dict[str, Any]:
        # D16: never connected; hardwareStatus and firstContactAt are left out.
        return {
            "id": row.id,
            "networkStatus": decisions.CHARGE_POINT_NETWORK_STATUS,
            "createdAt": row.created_at,
            "lastUpdatedAt": row.updated_at,
        }

    def include(self, tx: Tx, row: Row, name: str) -> Any:
        return None  # lastBootNotification, chargingProfile and the smart-charging parts

    def cascade(self, tx: Tx, row: Row) -> None:
        super().cascade(tx, row)
        forget(tx, charge_point_id=row.id)  # D40: it leaves its circuit

    def before_delete(self, tx: Tx, row: Row) -> None:
        # D31: a master station whose satellites still point at it stays.
        satellites = tx.referencing(self.kind, "ocppConnectedChargePointId", row.id)
        self.refuse_delete_while_used("satellite charge points", satellites)
