"""Locations v2.0 and their charging zones."""

from __future__ import annotations

from typing import Any, ClassVar

from .. import decisions
from ..store import Row, Tx
from .base import TIME_FILTERS, Filter, Resource, contains, eq, in_use, local_only, nothing

TRANSLATION_LISTS = ("description", "shortDescription", "additionalDescription", "streetAddress")


class Locations(Resource):
    kind = "location"
    model = "Location"
    id_param = "location"
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

    def defaults(self, tx: Tx, row: Row) -> dict[str, Any]:
        out: dict[str, Any] = {name: [] for name in TRANSLATION_LISTS}
        out.update(externalId=None, city=None, region=None, postCode=None, timezone=None, tags=[])
        return out

    def render(self, tx: Tx, row: Row, includes: list[str] | None = None) -> dict[str, Any]:
        out = super().render(tx, row, includes)
        # Cleared (null) enum lists and parking type are left out of reads, as AMPECO does.
        for name in ("parkingType", "accessMethods", "facilities"):
            if out.get(name) is None:
                out.pop(name, None)
        if "externalAppData" not in (includes or []):
            out.pop("externalAppData", None)
        hours = out.get("workingHours")
        if isinstance(hours, dict):
            out["workingHours"] = {"alwaysOpenForUserGroupIds": None, **hours}
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
            zones = tx.select("charging_zone", ["parent_id = ?"], [row.id])
            return [ChargingZones().render(tx, z) for z in zones]
        if name == "images":
            return []
        if name == "externalAppData":
            return row.body.get("externalAppData")
        return None  # locationImage

    def before_delete(self, tx: Tx, row: Row) -> None:
        # D1: refused while charge points or charging zones exist.
        points = tx.referencing("charge_point", "locationId", row.id)
        if points:
            raise in_use("location", "charge points", [p.id for p in points])
        zones = tx.select("charging_zone", ["parent_id = ?"], [row.id])
        if zones:
            raise in_use("location", "charging zones", [z.id for z in zones])


class ChargingZones(Resource):
    kind = "charging_zone"
    model = "ChargingZone"
    id_param = "chargingZone"
    parents = (("location", "location", "Location"),)

    def server_fields(self, tx: Tx, row: Row) -> dict[str, Any]:
        return {"id": row.id, "locationId": row.parent_id}

    def before_delete(self, tx: Tx, row: Row) -> None:
        # D2: refused while a charge point references the zone.
        points = tx.referencing("charge_point", "chargingZoneId", row.id)
        if points:
            raise in_use("charging zone", "charge points", [p.id for p in points])
