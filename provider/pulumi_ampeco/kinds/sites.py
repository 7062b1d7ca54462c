"""Parking spaces and payment terminals (``D<n>``: ``docs/decisions.md``)."""

from __future__ import annotations

from ..models import sites
from .declaration import LAST_UPDATED_AT, Example, IdOf, Key, Kind, Ref, Section

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
    example=Example(
        "p1",
        {
            "label": "P1",
            "location_id": IdOf("Location"),
            "external_id": "p1",
            "evses": [IdOf("Evse")],
        },
    ),
)

PAYMENT_TERMINAL = Kind(
    name="PaymentTerminal",
    model=sites.PaymentTerminal,
    doc="A card terminal where drivers pay: on a charge point, in a charging zone, or on the web.",
    collection="/payment-terminals/v1.0",
    keys=(
        Key(("external_id",), ours=True),
        Key(("serial_number",), {"serialNumber": "serial_number"}),
        Key(("name",)),
    ),
    secrets=frozenset({"adyen_api_key"}),
    quirks=(
        "Each `terminal_type` has its own fields (D44): a field of another type, or one the"
        " type needs left out, is refused before any API call. A terminal is on a charging"
        " zone or on a charge point (`charging_zone_id` or `charge_point_id`, one of them),"
        " except a `Web portal` one; a Payter terminal needs `preauthorize_amount` (on a"
        " charge point) or `transaction_timeout` (in a zone).",
        "A terminal's serial number is unique in the tenant (D44). The tenant refuses to delete"
        " a charging zone or a charge point that a terminal is on (D39).",
        "Zones and charge points are keyed within their location in a tenant document, and a"
        " terminal is not written in one: it names them by id.",
    ),
    section=Section("payment_terminals", "payment terminal"),
    example=Example(
        "kiosk",
        {
            "name": "Kiosk",
            "terminal_type": "Payter",
            "integration_id": 1,
            "operator_id": 1,
            "serial_number": "PT-0001",
            "default_language": "en",
            "charge_point_id": IdOf("ChargePoint"),
            "preauthorize_amount": 50,
            "external_id": "kiosk",
        },
    ),
)

KINDS = (PARKING_SPACE, PAYMENT_TERMINAL)
