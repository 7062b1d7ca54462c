"""Taxes v2.0, tax identification numbers v2.0 and currencies v2.0."""

from __future__ import annotations

from typing import Any

import pycountry

from .. import decisions
from ..errors import Conflict, FieldErrors
from ..store import Row, Tx
from .base import Resource, in_use, require_ref
from .settings import base_currency_id, default_tax_id


class Taxes(Resource):
    kind = "tax"
    model = "Tax"
    id_param = "tax"
    pagination = "page"

    def check(
        self, tx: Tx, body: dict[str, Any], row: Row | None, parent_id: int | None
    ) -> FieldErrors:
        errors: FieldErrors = {}
        if "taxIdentificationNumberId" in body:
            require_ref(
                tx,
                errors,
                "taxIdentificationNumberId",
                "tax_identification_number",
                body["taxIdentificationNumberId"],
            )
        return errors

    def defaults(self, tx: Tx, row: Row) -> dict[str, Any]:
        return {"displayName": None, "taxIdentificationNumberId": None}

    def server_fields(self, tx: Tx, row: Row) -> dict[str, Any]:
        return {"id": row.id, "lastUpdatedAt": row.updated_at}

    def before_delete(self, tx: Tx, row: Row) -> None:
        # D7: used by a tariff, or the tenant's default tax.
        if row.id == default_tax_id(tx):
            raise Conflict("The tax is the tenant's default tax and cannot be deleted.")
        tariffs = tx.referencing("tariff", "pricing.taxID", row.id)
        if tariffs:
            raise in_use("tax", "tariffs", [t.id for t in tariffs])


class TaxIdentificationNumbers(Resource):
    kind = "tax_identification_number"
    model = "TaxIdentificationNumber"
    id_param = "taxIdentificationNumber"
    pagination = "page"

    def server_fields(self, tx: Tx, row: Row) -> dict[str, Any]:
        return {"id": row.id, "lastUpdatedAt": row.updated_at}

    def before_delete(self, tx: Tx, row: Row) -> None:
        # D8: a number that a tax points at stays.
        taxes = tx.referencing("tax", "taxIdentificationNumberId", row.id)
        if taxes:
            raise in_use("tax identification number", "taxes", [t.id for t in taxes])


class Currencies(Resource):
    kind = "currency"
    model = "Currency"
    id_param = "currency"
    pagination = "page"

    def check(
        self, tx: Tx, body: dict[str, Any], row: Row | None, parent_id: int | None
    ) -> FieldErrors:
        code = body.get("alphabeticCode")
        if (
            row is not None
            and decisions.CURRENCY_CODE_IMMUTABLE
            and code is not None
            and code != row.body.get("alphabeticCode")
        ):
            # D29: the code is the currency's identity.
            return {"alphabeticCode": ["The alphabetic code cannot be changed."]}
        return {}

    def defaults(self, tx: Tx, row: Row) -> dict[str, Any]:
        return {
            "prefix": None,
            "suffix": None,
            "decimal": None,
            "unitPriceAndCalculationsDecimal": None,
            "enableUseOfMinorCurrencyUnit": False,
            "minorUnitSign": None,
        }

    def server_fields(self, tx: Tx, row: Row) -> dict[str, Any]:
        code = str(row.body.get("alphabeticCode"))
        known = pycountry.currencies.get(alpha_3=code)
        return {
            "id": row.id,
            "name": f"{code} ({known.name})" if known else code,
            "numericCode": str(known.numeric) if known else None,
        }

    def before_delete(self, tx: Tx, row: Row) -> None:
        # D9: the base currency stays.
        if row.id == base_currency_id(tx):
            raise Conflict("The currency is the tenant's base currency and cannot be deleted.")
