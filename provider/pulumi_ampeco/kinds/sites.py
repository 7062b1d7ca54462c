"""Parking spaces (``D<n>``: ``docs/decisions.md``)."""

from __future__ import annotations

from ..models import sites
from .declaration import LAST_UPDATED_AT, Key, Kind, Ref, Section

PARKING_SPACE = Kind(
    name="ParkingSpace",
    model=sites.ParkingSpace,
    doc="A parking bay at a location, with the EVSEs that reach it.",
    collection="/parking-spaces/v1.0",
    update_verb="PUT",
    keys=(
        Key(("external_id",), {"externalId": "external_id"}, ours=True),
        Key(("label",), within=("location_id",)),
    ),
    outputs={"last_updated_at": LAST_UPDATED_AT},
    unordered=frozenset({"evses"}),
    quirks=(
        "Updated with PUT: optional fields left out go back to their defaults.",
        "`evses` are EVSE ids; an EVSE deleted from the tenant leaves the list (D39).",
    ),
    section=Section(
        "parking_spaces",
        "parking space",
        refs=(Ref("location", "location_id", "locations"),),
        external_id_from_key=True,
    ),
)

KINDS = (PARKING_SPACE,)
