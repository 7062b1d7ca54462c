"""A configuration template's variables: the OCPP values the template sets on a station.

A variable has the shape of its template's OCPP version: ``keyName`` for OCPP 1.6, the
``component`` and ``variableName`` (with their instances, an EVSE and a connector) for 2.0.1.
The document has no read of one variable: they are read in the listing. The rules beyond the
document are decision D43: a variable of the other OCPP version than its template's is a 422,
a variable keeps the fields of its template's version only (D44: the variant's fields), and a
template names a key (1.6) or a component's variable (2.0.1, with its instances, EVSE and
connector) once (409 on a second create; 422 on an update that would make a twin); a
template's delete takes its variables with it.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ..contract import Operation, body_errors, object_variants, schema_properties
from ..errors import ApiError, FieldErrors, Invalid
from ..store import Row, Tx
from .base import Request, Resource, Response

KIND = "template_variable"
#: What names a variable in its template, per OCPP version.
IDENTITY = {
    "ocpp 1.6": ("keyName",),
    "ocpp 2.0.1": (
        "component",
        "componentInstance",
        "variableName",
        "variableInstance",
        "variableType",
        "evseId",
        "connectorId",
    ),
}


class TemplateVariables(Resource):
    kind = KIND
    parents = ("configuration_template",)
    parent_parameters: ClassVar[tuple[str, ...] | None] = ("template",)
    id_parameter: ClassVar[str | None] = "variable"

    def _shaped(
        self, tx: Tx, op: Operation, body: dict[str, Any], parent_id: int
    ) -> dict[str, Any]:
        """The body as a variable of its template's version (D43): the fields of that
        version's variant of the operation's body only (D44: a variant keeps its own fields;
        a 2.0.1 component beside a 1.6 key is dropped), which must fit it (422 naming the
        field: a body fitting the other variant may hold a 1.6 ``keyName`` that is no text)."""
        fields = set(IDENTITY.get(self._version(tx, parent_id), ()))
        variants = object_variants(op.body_schema or {}) or []
        variant = next((v for v in variants if fields <= set(schema_properties(v))), None)
        if variant is None:
            return body
        own = schema_properties(variant)
        kept = {name: value for name, value in body.items() if name in own}
        errors = body_errors(variant, kept)
        if errors:
            raise Invalid(errors)
        return kept

    def _version(self, tx: Tx, template_id: int | None) -> str:
        template = tx.get("configuration_template", template_id) if template_id else None
        return str(template.body.get("ocppVersion")) if template else "ocpp 1.6"

    def check(
        self, tx: Tx, body: dict[str, Any], row: Row | None, parent_id: int | None
    ) -> FieldErrors:
        version = self._version(tx, parent_id)
        merged = {**(row.body if row is not None else {}), **body}
        if version == "ocpp 1.6" and "keyName" not in merged:
            return {"keyName": ["The key name field is required for an OCPP 1.6 template."]}
        if version == "ocpp 2.0.1" and "keyName" in merged:
            return {"keyName": ["An OCPP 2.0.1 template takes components and variables."]}
        return {}

    def _twin(self, tx: Tx, body: dict[str, Any], row: Row | None, parent_id: int) -> bool:
        fields = IDENTITY[self._version(tx, parent_id)]
        mine = tuple(body.get(f) for f in fields)
        return any(
            tuple(other.body.get(f) for f in fields) == mine
            for other in tx.children(KIND, parent_id)
            if row is None or other.id != row.id
        )

    def create(self, tx: Tx, req: Request) -> Response:
        parent_id = self.parent_id(tx, req)
        assert parent_id is not None
        body = dict(req.body)
        self._validate(tx, body, None, parent_id)
        body = self._shaped(tx, req.op, body, parent_id)
        if self._twin(tx, body, None, parent_id):
            raise ApiError(409, "The template already has this variable.")
        row = tx.insert(KIND, body, parent_id)
        return Response(201, {"data": self._shown(tx, req, row, "201")})

    def update(self, tx: Tx, req: Request) -> Response:
        row = self.load(tx, req)
        assert row.parent_id is not None
        self._validate(tx, req.body, row, row.parent_id)
        merged = self._shaped(tx, req.op, {**row.body, **req.body}, row.parent_id)
        if self._twin(tx, merged, row, row.parent_id):
            field_ = "keyName" if "keyName" in merged else "variableName"
            raise Invalid({field_: ["The template already has this variable."]})
        row = tx.update(row, merged)
        return Response(200, {"data": self._shown(tx, req, row, "200")})

    def server_fields(self, tx: Tx, row: Row) -> dict[str, Any]:
        return {"id": row.id, "lastUpdatedAt": row.updated_at}

    def render(self, tx: Tx, row: Row, includes: list[str] | None = None) -> dict[str, Any]:
        out = super().render(tx, row, includes)
        if "keyName" not in row.body:  # OCPP 2.0.1: every field shown, null where unset
            for name in IDENTITY["ocpp 2.0.1"]:
                out.setdefault(name, None)
        return out
