"""Taxes v2.0, tax identification numbers v2.0 and currencies v2.0: the desired state."""

from __future__ import annotations

from pydantic import Field, field_validator

from .base import AmpecoModel, Translations

#: ISO 4217 codes the API accepts (v3.110.0).
CURRENCY_CODES = frozenset(
    [
        "AED",
        "AFN",
        "ALL",
        "AMD",
        "ANG",
        "AOA",
        "ARS",
        "AUD",
        "AWG",
        "AZN",
        "BAM",
        "BBD",
        "BDT",
        "BGN",
        "BHD",
        "BIF",
        "BMD",
        "BND",
        "BOB",
        "BOV",
        "BRL",
        "BSD",
        "BTN",
        "BWP",
        "BYN",
        "BZD",
        "CAD",
        "CDF",
        "CHE",
        "CHF",
        "CHW",
        "CLF",
        "CLP",
        "CNY",
        "COP",
        "COU",
        "CRC",
        "CUC",
        "CUP",
        "CVE",
        "CZK",
        "DJF",
        "DKK",
        "DOP",
        "DZD",
        "EGP",
        "ERN",
        "ETB",
        "EUR",
        "FJD",
        "FKP",
        "GBP",
        "GEL",
        "GHS",
        "GIP",
        "GMD",
        "GNF",
        "GTQ",
        "GYD",
        "HKD",
        "HNL",
        "HRK",
        "HTG",
        "HUF",
        "IDR",
        "ILS",
        "INR",
        "IQD",
        "IRR",
        "ISK",
        "JMD",
        "JOD",
        "JPY",
        "KES",
        "KGS",
        "KHR",
        "KMF",
        "KPW",
        "KRW",
        "KWD",
        "KYD",
        "KZT",
        "LAK",
        "LBP",
        "LKR",
        "LRD",
        "LSL",
        "LYD",
        "MAD",
        "MDL",
        "MGA",
        "MKD",
        "MMK",
        "MNT",
        "MOP",
        "MRU",
        "MUR",
        "MVR",
        "MWK",
        "MXN",
        "MXV",
        "MYR",
        "MZN",
        "NAD",
        "NGN",
        "NIO",
        "NOK",
        "NPR",
        "NZD",
        "OMR",
        "PAB",
        "PEN",
        "PGK",
        "PHP",
        "PKR",
        "PLN",
        "PYG",
        "QAR",
        "RON",
        "RSD",
        "RUB",
        "RWF",
        "SAR",
        "SBD",
        "SCR",
        "SDG",
        "SEK",
        "SGD",
        "SHP",
        "SLL",
        "SOS",
        "SRD",
        "SSP",
        "STN",
        "SVC",
        "SYP",
        "SZL",
        "THB",
        "TJS",
        "TMT",
        "TND",
        "TOP",
        "TRY",
        "TTD",
        "TWD",
        "TZS",
        "UAH",
        "UGX",
        "USD",
        "USN",
        "UYI",
        "UYU",
        "UYW",
        "UZS",
        "VES",
        "VND",
        "VUV",
        "WST",
        "XAF",
        "XAG",
        "XAU",
        "XBA",
        "XBB",
        "XBC",
        "XBD",
        "XCD",
        "XDR",
        "XOF",
        "XPD",
        "XPF",
        "XPT",
        "XSU",
        "XTS",
        "XUA",
        "XXX",
        "YER",
        "ZAR",
        "ZMW",
        "ZWL",
    ]
)


class TaxIdentificationNumber(AmpecoModel):
    name: str = Field(min_length=1)
    """the registration number, e.g. a VAT registration such as NO 987 654 321 MVA"""


class Tax(AmpecoModel):
    name: str = Field(min_length=1)
    """internal name of the tax"""
    percentage: float = Field(ge=0, le=100)
    """tax rate in percent, e.g. 25"""
    display_name: Translations | None = None
    """name of the tax printed for customers, per locale"""
    tax_identification_number_id: int | None = None
    """id of the tax identification number the tax belongs to"""


class Currency(AmpecoModel):
    alphabetic_code: str
    """the currency's ISO 4217 code, e.g. EUR"""
    prefix: str | None = None
    """text put before amounts, e.g. $ or £"""
    suffix: str | None = None
    """text put after amounts, e.g. ` kr`"""
    decimal: int | None = Field(default=None, ge=0, le=4)
    """decimal places used when charging a payment method and for totals, 0 to 4"""
    unit_price_and_calculations_decimal: int | None = Field(default=None, ge=0, le=5)
    """decimal places of unit prices in tariffs (per kWh, per minute), 0 to 5"""
    enable_use_of_minor_currency_unit: bool | None = None
    """use the minor unit (e.g. cents) for flexible-tariff thresholds and home-charging costs"""
    minor_unit_sign: str | None = None
    """sign of the minor currency unit, e.g. ¢ or c"""

    @field_validator("alphabetic_code")
    @classmethod
    def _iso_4217(cls, value: str) -> str:
        if value not in CURRENCY_CODES:
            raise ValueError(f"{value!r} is not an ISO 4217 code the API accepts (e.g. 'EUR')")
        return value
