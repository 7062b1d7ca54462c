"""Tariffs and tariff groups (both replaced whole with PUT) (``D<n>``: ``docs/decisions.md``)."""

from __future__ import annotations

from ..models import tariffs
from .declaration import LAST_UPDATED_AT, Example, IdOf, Key, Kind, Output, Ref, Section

TARIFF = Kind(
    name="Tariff",
    model=tariffs.Tariff,
    doc="A price plan. The program states the whole tariff: what it leaves out goes back to"
    " its default.",
    collection="/tariffs/v1.0",
    update_verb="PUT",
    keys=(Key(("external_id",), ours=True), Key(("name",))),
    # The update schema has no `type`: a new type is a new tariff (D23).
    replace_on=frozenset({"type"}),
    # Groups refer to tariffs, and a tariff in a group cannot be deleted (D5): the new tariff
    # must exist (and the groups point at it) before the old one goes.
    replace_creates_first=True,
    outputs={
        "currency": Output("currency", str, "the tenant's currency the prices are in"),
        "last_updated_at": LAST_UPDATED_AT,
    },
    quirks=(
        "Updated with PUT: optional fields left out go back to their defaults (D33), and a"
        " locale left out of a translated text is deleted.",
        "A change of `type` creates the new tariff first, moves the groups to it, then deletes"
        " the old one (D23, D5).",
    ),
    section=Section(
        "tariffs",
        "tariff",
        refs=(Ref("pricing.tax", "pricing.tax_id", "taxes"),),
        external_id_from_key=True,
    ),
    example=Example(
        "standard",
        {
            "name": "Standard",
            "type": "standard",
            "external_id": "standard",
            "description": {"en": "Energy and time", "nb-NO": "Energi og tid"},
            "pricing": {
                "price_per_kwh": 0.45,
                "price_period_in_minutes": 60,
                "price_per_period": 2.5,
                "tax_id": IdOf("Tax"),
            },
        },
    ),
)

TARIFF_GROUP = Kind(
    name="TariffGroup",
    model=tariffs.TariffGroup,
    doc="An ordered list of tariffs for EVSEs, checked from the last to the first.",
    collection="/tariff-groups/v1.0",
    update_verb="PUT",
    keys=(Key(("name",)),),
    outputs={"last_updated_at": LAST_UPDATED_AT},
    # The free base tariff the tenant adds to a new group (D13).
    server_first_item={"tariff_ids": "base_tariff_id"},
    quirks=(
        "The tenant adds a free base tariff to every new group and keeps it first (D13, D28):"
        " it is output as `base_tariff_id`, hidden from the diff, kept on every PUT, and stays"
        " when the group is deleted (D37).",
        "The tenant refuses to delete a group that EVSEs use (D6).",
    ),
    section=Section(
        "tariff_groups", "tariff group", refs=(Ref("tariffs", "tariff_ids", "tariffs", many=True),)
    ),
    example=Example("public", {"name": "Public", "tariff_ids": [IdOf("Tariff")]}),
)

KINDS = (TARIFF, TARIFF_GROUP)
