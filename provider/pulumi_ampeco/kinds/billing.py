"""Tax identification numbers, taxes and currencies (``D<n>``: ``docs/decisions.md``)."""

from __future__ import annotations

from ..models import billing
from .declaration import LAST_UPDATED_AT, Example, IdOf, Key, Kind, Output, Ref, Section

TAX_IDENTIFICATION_NUMBER = Kind(
    name="TaxIdentificationNumber",
    model=billing.TaxIdentificationNumber,
    doc="A registration number of the operator (a VAT number) that taxes refer to.",
    collection="/tax-identification-numbers/v2.0",
    keys=(Key(("name",)),),
    outputs={"last_updated_at": LAST_UPDATED_AT},
    quirks=("The tenant refuses to delete a number that a tax uses (D8).",),
    section=Section("tax_identification_numbers", "tax identification number"),
    example=Example("operator-vat", {"name": "NO 923 609 016 MVA"}),
)

TAX = Kind(
    name="Tax",
    model=billing.Tax,
    doc="A tax rate that tariffs apply.",
    collection="/taxes/v2.0",
    keys=(Key(("name",)),),
    outputs={"last_updated_at": LAST_UPDATED_AT},
    quirks=("The tenant refuses to delete a tax that a tariff uses or that is its default (D7).",),
    section=Section(
        "taxes",
        "tax",
        refs=(
            Ref(
                "tax_identification_number",
                "tax_identification_number_id",
                "tax_identification_numbers",
            ),
        ),
    ),
    example=Example(
        "vat-25",
        {
            "name": "VAT 25%",
            "percentage": 25,
            "display_name": "VAT",
            "tax_identification_number_id": IdOf("TaxIdentificationNumber"),
        },
    ),
)

CURRENCY = Kind(
    name="Currency",
    model=billing.Currency,
    doc="How amounts in one currency are shown.",
    collection="/currencies/v2.0",
    keys=(Key(("alphabetic_code",)),),
    # The code is the currency's identity; the API refuses to change it (D29).
    replace_on=frozenset({"alphabetic_code"}),
    always_send=frozenset({"alphabetic_code"}),
    outputs={
        "currency_name": Output("name", str, "the currency's name, from ISO 4217"),
        "numeric_code": Output("numericCode", str, "the ISO 4217 numeric code"),
    },
    quirks=(
        "Every PATCH carries `alphabetic_code`: the API requires it.",
        "The tenant refuses to delete its base currency (D9); AMPECO marks deleting a currency"
        " deprecated.",
    ),
    section=Section("currencies", "currency"),
    example=Example("sek", {"alphabetic_code": "SEK", "suffix": " kr", "decimal": 2}),
)

KINDS = (CURRENCY, TAX_IDENTIFICATION_NUMBER, TAX)
