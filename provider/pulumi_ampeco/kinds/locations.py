"""Locations and their charging zones (``D<n>``: ``docs/decisions.md``)."""

from __future__ import annotations

from ..models import locations
from .declaration import LAST_UPDATED_AT, Example, IdOf, Key, Kind, Parent, Section

LOCATION = Kind(
    name="Location",
    model=locations.Location,
    doc="A site with chargers: a car park, a street, a depot.",
    collection="/locations/v2.0",
    keys=(Key(("external_id",), {"externalId": "external_id"}, ours=True),),
    outputs={"last_updated_at": LAST_UPDATED_AT},
    unordered=frozenset({"access_methods", "facilities", "tags"}),
    kept_when_removed=frozenset({"state", "working_hours", "geoposition"}),
    quirks=(
        "The tenant refuses to delete a location that still has charge points or charging"
        " zones (D1): delete them first (Pulumi does, children before parents).",
        "`status` is deprecated and not managed; reads show it as `enabled` (D19).",
    ),
    section=Section(
        "locations",
        "location",
        children=("charging_zones", "charge_points"),
        external_id_from_key=True,
    ),
    example=Example(
        "depot-north",
        {
            "external_id": "depot-north",
            "name": {"en": "Depot North", "nb-NO": "Depot Nord"},
            "geoposition": {"latitude": 59.9071, "longitude": 10.7594},
            "address": "Dronning Eufemias gate 16",
            "city": "Oslo",
            "post_code": "0191",
            "country": "NO",
            "parking_type": "PARKING_GARAGE",
        },
    ),
)

CHARGING_ZONE = Kind(
    name="ChargingZone",
    model=locations.ChargingZone,
    doc="A named part of a location: a floor, an area.",
    collection="/locations/v2.0/{location_id}/charging-zones",
    parents=(Parent("location_id", "Location"),),
    keys=(Key(("name",)),),
    quirks=("The tenant refuses to delete a zone that charge points still use (D2).",),
    section=Section("charging_zones", "charging zone"),
    example=Example(
        "level-1", {"location_id": IdOf("Location"), "name": "Level 1", "status": "enabled"}
    ),
)

KINDS = (LOCATION, CHARGING_ZONE)
