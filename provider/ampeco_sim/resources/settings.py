"""Tenant settings (read-only) and the objects every tenant starts with."""

from __future__ import annotations

from typing import Any

from ..store import Tx
from .base import Request, Response

BASE_CURRENCY_KEY = "settings.baseCurrencyId"
DEFAULT_TAX_KEY = "settings.defaultTaxId"
MULTI_TAX_KEY = "settings.enableMultiTaxSupport"


def seed(tx: Tx, base_currency: str, multi_tax: bool = True) -> None:
    """Give a new tenant its base currency and default tax (once per database)."""
    if tx.get_meta(BASE_CURRENCY_KEY) is not None:
        return
    currency = tx.insert(
        "currency",
        {
            "alphabeticCode": base_currency,
            "prefix": None,
            "suffix": None,
            "decimal": 2,
            "unitPriceAndCalculationsDecimal": 4,
            "enableUseOfMinorCurrencyUnit": False,
            "minorUnitSign": None,
        },
    )
    tax = tx.insert("tax", {"name": "Default VAT", "percentage": 20, "displayName": None})
    tx.set_meta(BASE_CURRENCY_KEY, str(currency.id))
    tx.set_meta(DEFAULT_TAX_KEY, str(tax.id))
    tx.set_meta(MULTI_TAX_KEY, "true" if multi_tax else "false")


def base_currency_id(tx: Tx) -> int | None:
    value = tx.get_meta(BASE_CURRENCY_KEY)
    return int(value) if value else None


def default_tax_id(tx: Tx) -> int | None:
    value = tx.get_meta(DEFAULT_TAX_KEY)
    return int(value) if value else None


def base_currency_code(tx: Tx) -> str | None:
    currency_id = base_currency_id(tx)
    row = tx.get("currency", currency_id) if currency_id is not None else None
    return str(row.body["alphabeticCode"]) if row else None


class Settings:
    """``GET /settings/v1.0``: the parts of the tenant settings our resources depend on."""

    def read(self, tx: Tx, req: Request) -> Response:
        currency_id = base_currency_id(tx)
        tax_id = default_tax_id(tx)
        currency = tx.get("currency", currency_id) if currency_id is not None else None
        tax = tx.get("tax", tax_id) if tax_id is not None else None
        data: dict[str, Any] = {}
        if currency is not None:
            data["baseCurrency"] = {"id": currency.id, "lastUpdatedAt": currency.updated_at}
        if tax is not None:
            data["defaultTax"] = {
                "id": tax.id,
                "enableMultiTaxSupport": tx.get_meta(MULTI_TAX_KEY) == "true",
                "taxInformationNotInInvoicesAndReceipts": False,
                "lastUpdatedAt": tax.updated_at,
            }
        return Response(200, {"data": data})
