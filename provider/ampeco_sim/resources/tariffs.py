"""Tariffs v1.0 and tariff groups v1.0 (both updated with PUT)."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from .. import decisions
from ..errors import FieldErrors
from ..store import Row, Tx, as_id
from .base import TIME_FILTERS, Filter, Request, Resource, Response, eq, require_ref
from .settings import base_currency_code

LOCK_FLAGS = (
    "lockPriceOnSessionStart",
    "lockEnergyPriceOnSessionStart",
    "lockDurationPriceOnSessionStart",
    "lockIdlePriceOnSessionStart",
)
AUDIENCE_FLAGS = (
    "applyToUsersOfChargePointPartner",
    "applyToUsersOfChargePointOwner",
    "applyToUsersOfAllRoamingEmsps",
    "applyToAdHocUsers",
)
AUDIENCE_LISTS = (
    "applyToUsersOfPartners",
    "applyToUserGroupIds",
    "applyToUsersWithGroups",
    "applyToUsersWithSubscriptions",
)


def in_group(value: Any) -> tuple[str, list[Any]]:
    return (
        "id IN (SELECT value FROM json_each((SELECT g.body FROM objects g"
        " WHERE g.kind = 'tariff_group' AND g.id = ?), '$.tariffIds'))",
        [as_id(value)],
    )


def level_errors(levels: Any, path: str, first: str, last: str, step: float) -> FieldErrors:
    """The documented level rules: start at 0, chain without gaps, end open (``null``)."""
    errors: FieldErrors = {}
    if not isinstance(levels, list) or not levels:
        return errors
    if levels[0].get(first) != 0:
        errors[f"{path}.0.{first}"] = ["The first level must start at 0."]
    for i in range(1, len(levels)):
        previous_end = levels[i - 1].get(last)
        if previous_end is None or levels[i].get(first) != previous_end + step:
            errors[f"{path}.{i}.{first}"] = [
                f"The {first} must follow the {last} of the previous level."
            ]
    if levels[-1].get(last) is not None:
        errors[f"{path}.{len(levels) - 1}.{last}"] = ["The last level must be open (null)."]
    return errors


class Tariffs(Resource):
    kind = "tariff"
    # D33: what a PUT leaves out is back at these values.
    defaults: ClassVar[dict[str, Any]] = {
        "description": None,
        "additionalInformation": None,
        "learnMoreUrl": None,
        "stopSession": {"timeLimitMinutes": None, "stopWhenEnergyExceedsKwh": None},
        "partner": {"id": None},
        "display": {
            "defaultPriceInformation": None,
            "defaultPriceInformationOffline": None,
            "priceInformation": None,
            "totalCostInformation": None,
        },
        "integrationId": None,
        "externalId": None,
    }
    filters: ClassVar[dict[str, Filter]] = {
        "tariffGroupId": in_group,
        "type": eq("type"),
        "partnerId": eq("partner.id"),
    }

    def check(
        self, tx: Tx, body: dict[str, Any], row: Row | None, parent_id: int | None
    ) -> FieldErrors:
        errors: FieldErrors = {}
        pricing = body.get("pricing") or {}
        require_ref(tx, errors, "pricing.taxID", "tax", pricing.get("taxID"))
        errors.update(
            level_errors(
                pricing.get("multiPricePerKwh"),
                "pricing.multiPricePerKwh",
                "firstKwh",
                "lastKwh",
                0,
            )
        )
        for name in ("multiPricePerDuration", "multiIdleFee"):
            errors.update(
                level_errors(pricing.get(name), f"pricing.{name}", "firstUnit", "lastUnit", 1)
            )
        return errors

    def render(self, tx: Tx, row: Row, includes: list[str] | None = None) -> dict[str, Any]:
        out = super().render(tx, row, includes)
        out["pricing"] = {
            "taxID": None,
            **{flag: False for flag in LOCK_FLAGS},
            **(row.body.get("pricing") or {}),
        }
        out["restrictions"] = {
            **{flag: False for flag in AUDIENCE_FLAGS if flag != "applyToUsersOfChargePointOwner"},
            **{name: [] for name in AUDIENCE_LISTS if name != "applyToUsersWithGroups"},
            "startDate": None,
            "endDate": None,
            **(row.body.get("restrictions") or {}),
        }
        return out

    def server_fields(self, tx: Tx, row: Row) -> dict[str, Any]:
        return {"id": row.id, "currency": base_currency_code(tx), "lastUpdatedAt": row.updated_at}

    def list(self, tx: Tx, req: Request) -> Response:
        filters = req.query.get("filter") or {}
        if "userId" in filters and "tariffGroupId" in filters:
            return self.resolve(tx, req, filters["tariffGroupId"], filters["userId"])
        return super().list(tx, req)

    def resolve(self, tx: Tx, req: Request, group_id: Any, user_id: Any) -> Response:
        """D34: the single tariff of a group that applies to a user (or to ad hoc charging)."""
        group = tx.get("tariff_group", as_id(group_id))
        anonymous = str(user_id) == ""
        for tariff_id in reversed((group.body.get("tariffIds") or []) if group else []):
            tariff = tx.get(self.kind, tariff_id)
            if tariff is not None and _applies(tariff.body, anonymous, tx.now.date()):
                return Response(200, {"data": [self._shown(tx, req, tariff, "200")]})
        return Response(200, {"data": []})

    def before_delete(self, tx: Tx, row: Row) -> None:
        # D5: a tariff listed by a group stays.
        groups = tx.select(
            "tariff_group",
            ["EXISTS (SELECT 1 FROM json_each(body, '$.tariffIds') WHERE value = ?)"],
            [row.id],
        )
        self.refuse_delete_while_used("tariff groups", groups)


def _applies(body: dict[str, Any], anonymous: bool, today: date) -> bool:
    """Whether a tariff's restrictions admit a driver the simulator knows nothing else about.

    It has no users, groups or subscriptions, so: ad hoc drivers match ``applyToAdHocUsers``,
    everybody matches a tariff without audience restrictions, and the date window applies.
    """
    r = body.get("restrictions") or {}
    start, end = r.get("startDate"), r.get("endDate")
    if start and date.fromisoformat(start) > today:
        return False
    if end and date.fromisoformat(end) < today:
        return False
    restricted = any(r.get(f) for f in AUDIENCE_FLAGS) or any(r.get(n) for n in AUDIENCE_LISTS)
    if not restricted:
        return True
    return anonymous and bool(r.get("applyToAdHocUsers"))


class TariffGroups(Resource):
    kind = "tariff_group"
    defaults: ClassVar[dict[str, Any]] = {"tariffIds": [], "partnerId": None}
    filters: ClassVar[dict[str, Filter]] = {"partnerId": eq("partnerId"), **TIME_FILTERS}

    def check(
        self, tx: Tx, body: dict[str, Any], row: Row | None, parent_id: int | None
    ) -> FieldErrors:
        errors: FieldErrors = {}
        ids = body.get("tariffIds")
        # D26 on the result of a PUT: an explicit [] and an omitted list (D33) both empty it.
        if row is not None and not ids and decisions.TARIFF_GROUP_PUT_EMPTY_TARIFFS_REJECTED:
            errors["tariffIds"] = ["A tariff group needs at least one tariff."]
        for i, tariff_id in enumerate(ids or []):
            require_ref(tx, errors, f"tariffIds.{i}", "tariff", tariff_id)
        return errors

    def after_create(self, tx: Tx, row: Row) -> Row:
        # D13/D28: the server adds a free base tariff at the front of the list.
        base = tx.insert(
            "tariff",
            {
                "name": decisions.base_tariff_name(row.body["name"]),
                "type": decisions.BASE_TARIFF_TYPE,
            },
        )
        ids = list(row.body.get("tariffIds") or [])
        ids.insert(decisions.BASE_TARIFF_POSITION, base.id)
        return tx.update(row, {**row.body, "tariffIds": ids})

    def server_fields(self, tx: Tx, row: Row) -> dict[str, Any]:
        return {"id": row.id, "lastUpdatedAt": row.updated_at}

    def before_delete(self, tx: Tx, row: Row) -> None:
        # D6: a group assigned to an EVSE stays. D37: its base tariff is kept either way.
        evses = tx.referencing("evse", "tariffGroupId", row.id)
        self.refuse_delete_while_used("EVSEs", evses)
