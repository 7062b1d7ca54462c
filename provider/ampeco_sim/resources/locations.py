"""Locations v2.0 and their charging zones."""

from __future__ import annotations

from typing import Any, ClassVar

from .. import decisions
from ..store import Row, Tx
from .base import TIME_FILTERS, Filter, Resource, contains, eq, local_only, nothing

TRANSLATION_LISTS = ("description", "shortDescription", "additionalDescription", "streetAddress")


class Locations(Resource):
    kind = "location"
    defaults: ClassVar[dict[str, Any]] = {
        **{name: [] for name in TRANSLATION_LISTS},
        "externalId": None,
        "city": None,
        "region": None,
        "postCode": None,
        "timezone": None,
        "tags": [],
    }
    nested_defaults: ClassVar[dict[str, dict[str, Any]]] = {
        "workingHours": {"alwaysOpenForUserGroupIds": None}
    }
    filters: ClassVar[dict[str, Filter]] = {
        "country": eq("country"),
        "state": eq("state"),
        "region": eq("region"),
        "city": eq("city"),
        "partnerId": nothing,
        "externalId": eq("externalId"),
        "tag": contains("tags"),
        "roaming": local_only,
        **TIME_FILTERS,
    }

    def render(self, tx: Tx, row: Row, includes: list[str] | None = None) -> dict[str, Any]:
        out = super().render(tx, row, includes)
        # Cleared (null) enum lists and parking type are left out of reads, as AMPECO does.
        for name in ("parkingType", "accessMethods", "facilities"):
            if out.get(name) is None:
                out.pop(name, None)
        if "externalAppData" not in (includes or []):
            out.pop("externalAppData", None)
        return out

    def server_fields(self, tx: Tx, row: Row) -> dict[str, Any]:
        return {
            "id": row.id,
            "roamingOperatorId": decisions.LOCAL_ROAMING_OPERATOR_ID,
            "lastUpdatedAt": row.updated_at,
            "status": decisions.LOCATION_STATUS,
        }

    def include(self, tx: Tx, row: Row, name: str) -> Any:
        if name == "chargingZones":
            return [ChargingZones().render(tx, z) for z in tx.children("charging_zone", row.id)]
        if name == "images":
            return []
        if name == "externalAppData":
            return row.body.get("externalAppData")
        return None  # locationImage

    def before_delete(self, tx: Tx, row: Row) -> None:
        # D1: refused while charge points or charging zones exist.
        self.refuse_delete_while_used(
            "charge points", tx.referencing("charge_point", "locationId", row.id)
        )
        self.refuse_delete_while_used("charging zones", tx.children("charging_zone", row.id))


class ChargingZones(Resource):
    kind = "charging_zone"
    parents = ("location",)

    def server_fields(self, tx: Tx, row: Row) -> dict[str, Any]:
        return {"id": row.id, "locationId": row.parent_id}

    def before_delete(self, tx: Tx, row: Row) -> None:
        # D2: refused while a charge point references the zone.
        points = tx.referencing("charge_point", "chargingZoneId", row.id)
        self.refuse_delete_while_used("charge points", points)
