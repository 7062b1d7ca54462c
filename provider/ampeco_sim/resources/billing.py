"""Taxes v2.0, tax identification numbers v2.0 and currencies v2.0."""

from __future__ import annotations

from typing import Any, ClassVar

import pycountry

from .. import decisions
from ..errors import FieldErrors
from ..store import Row, Tx
from .base import Resource, require_ref
from .settings import base_currency_id, default_tax_id


class Taxes(Resource):
    kind = "tax"
    defaults: ClassVar[dict[str, Any]] = {"displayName": None, "taxIdentificationNumberId": None}

    def check(
        self, tx: Tx, body: dict[str, Any], row: Row | None, parent_id: int | None
    ) -> FieldErrors:
        errors: FieldErrors = {}
        tin = body.get("taxIdentificationNumberId")
        require_ref(tx, errors, "taxIdentificationNumberId", "tax_identification_number", tin)
        return errors

    def before_delete(self, tx: Tx, row: Row) -> None:
        # D7: used by a tariff, or the tenant's default tax.
        if row.id == default_tax_id(tx):
            self.refuse_delete("the tenant's default tax")
        self.refuse_delete_while_used("tariffs", tx.referencing("tariff", "pricing.taxID", row.id))


class TaxIdentificationNumbers(Resource):
    kind = "tax_identification_number"

    def before_delete(self, tx: Tx, row: Row) -> None:
        # D8: a number that a tax points at stays.
        taxes = tx.referencing("tax", "taxIdentificationNumberId", row.id)
        self.refuse_delete_while_used("taxes", taxes)


class Currencies(Resource):
    kind = "currency"
    # AMPECO's document names no paging parameter for currencies; the simulator pages them as
    # the other v2.0 collections of its family (page, per_page), so a long list still ends.
    pagination = "page"
    defaults: ClassVar[dict[str, Any]] = {
        "prefix": None,
        "suffix": None,
        "decimal": None,
        "unitPriceAndCalculationsDecimal": None,
        "enableUseOfMinorCurrencyUnit": False,
        "minorUnitSign": None,
    }

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
            self.refuse_delete("the tenant's base currency")
