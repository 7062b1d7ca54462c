"""The tenant document's shape as data: its sections, how they nest and what refers to what.

Validation, the JSON Schema and the component all read this table; adding a kind to the
document means adding a row here (the kind itself comes from :mod:`pulumi_ampeco.specs`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: A key names an object within its section: letters, digits, ``-`` and ``_`` (no dots or
#: slashes, which separate the parts of a path).
KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
KEY = re.compile(KEY_PATTERN)
ADOPT = "adopt"


@dataclass(frozen=True)
class Ref:
    """A field that names another object of the document by its key.

    ``field`` is what the document writes (``pricing.tax``), ``id_field`` the resource argument
    that gets the object's id (``pricing.tax_id``). The id field stays available for objects
    outside the document (a numeric id), but not together with the reference.
    """

    field: str
    id_field: str
    target: str
    many: bool = False


@dataclass(frozen=True)
class Section:
    """Objects of one kind. ``keyed``: a mapping of key → object; otherwise a list, whose
    objects are named by ``name_field`` (EVSEs by their ``network_id``) or by position."""

    name: str
    kind: str
    refs: tuple[Ref, ...] = ()
    #: Resource arguments that the nesting fills with the enclosing objects' ids, innermost last.
    parent_fields: tuple[str, ...] = ()
    children: tuple[str, ...] = ()
    keyed: bool = True
    name_field: str | None = None
    #: ``external_id`` defaults to the object's key, so lost creates and adoption can find it.
    external_id_from_key: bool = False

    @property
    def singular(self) -> str:
        return {"taxes": "tax", "charge_points": "charge point", "evses": "EVSE"}.get(
            self.name, self.name.rstrip("s").replace("_", " ")
        )

    @property
    def a_singular(self) -> str:
        """``a tax``, ``an EVSE``."""
        return f"{'an' if self.singular[0] in 'aeiouAEIOU' else 'a'} {self.singular}"


SECTIONS: dict[str, Section] = {
    section.name: section
    for section in (
        Section("currencies", "Currency"),
        Section("tax_identification_numbers", "TaxIdentificationNumber"),
        Section(
            "taxes",
            "Tax",
            refs=(
                Ref(
                    "tax_identification_number",
                    "tax_identification_number_id",
                    "tax_identification_numbers",
                ),
            ),
        ),
        Section(
            "tariffs",
            "Tariff",
            refs=(Ref("pricing.tax", "pricing.tax_id", "taxes"),),
            external_id_from_key=True,
        ),
        Section(
            "tariff_groups",
            "TariffGroup",
            refs=(Ref("tariffs", "tariff_ids", "tariffs", many=True),),
        ),
        Section(
            "locations",
            "Location",
            children=("charging_zones", "charge_points"),
            external_id_from_key=True,
        ),
        Section("charging_zones", "ChargingZone", parent_fields=("location_id",)),
        Section(
            "charge_points",
            "ChargePoint",
            refs=(Ref("charging_zone", "charging_zone_id", "charging_zones"),),
            parent_fields=("location_id",),
            children=("evses",),
        ),
        Section(
            "evses",
            "Evse",
            refs=(Ref("tariff_group", "tariff_group_id", "tariff_groups"),),
            parent_fields=("charge_point_id",),
            children=("connectors",),
            keyed=False,
            name_field="network_id",
        ),
        Section(
            "connectors",
            "Connector",
            parent_fields=("charge_point_id", "evse_id"),
            keyed=False,
        ),
    )
}

#: Sections at the top of the document, in the order the component declares them (every
#: reference points at a section declared earlier).
TOP_LEVEL: tuple[str, ...] = (
    "currencies",
    "tax_identification_numbers",
    "taxes",
    "tariffs",
    "tariff_groups",
    "locations",
)
