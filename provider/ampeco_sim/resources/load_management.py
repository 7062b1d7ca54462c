"""Which charge points are on a circuit of dynamic load management, with their priority.

AMPECO keeps the membership behind actions (attach, detach, set a priority) and shows it as the
circuit's charge point priorities. The rules beyond the document are decision D40: a charge
point is on one circuit at most; attaching it again to its own circuit only sets the priority
given; detaching or prioritising one that is not on the circuit is a 404; a deleted circuit or
charge point takes its memberships with it.
"""

from __future__ import annotations

from typing import Any

from ..errors import FieldErrors, Invalid, NotFound
from ..store import Row, Tx
from .base import Request, Resource, Response, eq, require_ref

KIND = "circuit_member"


def membership(tx: Tx, charge_point_id: int) -> Row | None:
    """The circuit membership of a charge point, if it is on one."""
    clause, params = eq("chargePointId")(charge_point_id)
    rows = tx.select(KIND, [clause], params)
    return rows[0] if rows else None


def forget(tx: Tx, *, circuit_id: int | None = None, charge_point_id: int | None = None) -> None:
    """Drop the memberships of a deleted circuit or charge point (D40)."""
    if circuit_id is not None:
        for row in tx.children(KIND, circuit_id):
            tx.delete(KIND, row.id)
    if charge_point_id is not None:
        found = membership(tx, charge_point_id)
        if found is not None:
            tx.delete(KIND, found.id)


class CircuitChargePoints(Resource):
    """``GET /circuits/v2.0/{circuit}/charge-point-priorities`` and the circuit's actions."""

    kind = KIND
    parents = ("circuit",)

    def render(self, tx: Tx, row: Row, includes: list[str] | None = None) -> dict[str, Any]:
        # Listed as the charge point: its id, its priority, and its EVSEs' own priorities.
        charge_point_id = int(row.body["chargePointId"])
        evses = tx.children("evse", charge_point_id)
        priority = row.body.get("priority", 0)
        return {
            "id": charge_point_id,
            "priority": priority,
            "evses": [{"id": e.id, "priority": priority} for e in evses],
        }

    def attach(self, tx: Tx, req: Request) -> Response:
        circuit_id = self.parent_id(tx, req)
        assert circuit_id is not None
        body = dict(req.body)
        errors: FieldErrors = {}
        charge_point_id = body["chargePointId"]  # required by the document
        require_ref(tx, errors, "chargePointId", "charge_point", charge_point_id)
        found = membership(tx, charge_point_id) if not errors else None
        if found is not None and found.parent_id != circuit_id:
            errors["chargePointId"] = [
                f"The charge point is already attached to circuit {found.parent_id}."
            ]
        if errors:
            raise Invalid(errors)
        if found is None:
            tx.insert(KIND, {"chargePointId": charge_point_id, **_priority(body)}, circuit_id)
        elif "priority" in body:
            tx.update(found, {**found.body, **_priority(body)})
        return Response(202)

    def detach(self, tx: Tx, req: Request) -> Response:
        tx.delete(KIND, self._member(tx, req).id)
        return Response(202)

    def set_priority(self, tx: Tx, req: Request) -> Response:
        found = self._member(tx, req)
        tx.update(found, {**found.body, **_priority(req.body)})
        return Response(202)

    def _member(self, tx: Tx, req: Request) -> Row:
        circuit_id = self.parent_id(tx, req)
        charge_point_id = req.ids["chargePoint"]
        if tx.get("charge_point", charge_point_id) is None:
            raise NotFound("ChargePoint", charge_point_id)
        found = membership(tx, charge_point_id)
        if found is None or found.parent_id != circuit_id:
            raise NotFound("ChargePoint", charge_point_id)
        return found


def _priority(body: dict[str, Any]) -> dict[str, Any]:
    return {"priority": body["priority"]} if body.get("priority") is not None else {}
