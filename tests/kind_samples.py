"""One sample object per declared kind: the program's arguments (given the ids of the objects
it needs), an update in place, a change made outside Pulumi (wire names), and an invalid
argument with the field check names. The per-kind rhythm, adoption and the all-kinds export
take-over read these rows, so a new kind is one row here (a test fails until it has one).

``needs``: the other objects a sample refers to, made first (:data:`NEEDS`; ``site``, a
location with a charge point and an EVSE, is always there), or brought in through the
simulator's admin API where no program can make them (:data:`SEEDED`). Ids are named as in
:data:`NEEDS`, the site's ``location``, ``charge_point`` and ``evse``: a kind's parent argument
without ``_id``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from pulumi_ampeco.kinds import KINDS

Ids = Mapping[str, Any]


@dataclass(frozen=True)
class Sample:
    kind: str
    args: Callable[[Ids], dict[str, Any]]
    change: dict[str, Any]
    drift: dict[str, Any]
    invalid: tuple[dict[str, Any], str]
    needs: tuple[str, ...] = ()
    #: A second object of the kind that differs in its key (for a tenant holding several;
    #: empty where no test makes two).
    other: dict[str, Any] = field(default_factory=dict)
    #: The object as made outside Pulumi (wire names), for adoption, where it should differ
    #: from the program's arguments (so that the adoption has something to update).
    outside: Callable[[Ids], dict[str, Any]] | None = None
    #: A change the API cannot make in place, where the family tests do not cover one.
    replace: dict[str, Any] = field(default_factory=dict)

    def made_outside(self, ids: Ids) -> dict[str, Any]:
        """The wire body of the same object made outside Pulumi."""
        if self.outside is not None:
            return self.outside(ids)
        parents = KINDS[self.kind].parent_fields  # in the path, not the body
        args = {k: v for k, v in self.args(ids).items() if k not in parents}
        return KINDS[self.kind].model(**args).to_wire()


#: What a sample may need, as (kind, program arguments given the ids made before it), in the
#: order they are made.
NEEDS: dict[str, tuple[str, Callable[[Ids], dict[str, Any]]]] = {
    "tin": ("TaxIdentificationNumber", lambda i: {"name": "NO 1 MVA"}),
    "tariff": ("Tariff", lambda i: {"name": "Parent tariff", "type": "free"}),
    "utility": ("Utility", lambda i: {"name": "Grid Co"}),
    "vendor": ("ChargePointVendor", lambda i: {"name": "Alpitronic"}),
    "partner": ("Partner", lambda i: {"name": "Fleet AS", "external_id": "fleet"}),
    "notice": (
        "DowntimePeriodNotice",
        lambda i: {"type": "exempt", "notice": "Planned maintenance"},
    ),
}

#: What a sample may need that no program makes, as the simulator's admin API brings it in
#: (roaming operators come from the tenant's roaming connections, D45): path → fields.
SEEDED: dict[str, tuple[str, dict[str, Any]]] = {
    "roaming_operator": (
        "/roaming-operators",
        {"businessName": "Charge Net", "platformId": 1, "countryCode": "DE", "partyId": "CNT"},
    ),
}


def seed(admin: httpx.Client, needs: Iterable[str]) -> dict[str, int]:
    """The ids of the :data:`SEEDED` objects among ``needs``, brought into the simulator."""
    ids = {}
    for name in needs:
        if name in SEEDED:
            path, body = SEEDED[name]
            made = admin.post(path, json=body)
            assert made.status_code == 201, made.text
            ids[name] = int(made.json()["data"]["id"])
    return ids


SAMPLES: tuple[Sample, ...] = (
    Sample(
        "Currency",
        lambda i: {"alphabetic_code": "SEK", "decimal": 2},
        {"decimal": 3},
        {"alphabeticCode": "SEK", "decimal": 4},
        ({"decimal": 9}, "decimal"),
        outside=lambda i: {"alphabeticCode": "SEK"},
    ),
    Sample(
        "TaxIdentificationNumber",
        lambda i: {"name": "SE 1"},
        {"name": "SE 2"},
        {"name": "SE 3"},
        ({"name": ""}, "name"),
    ),
    Sample(
        "Tax",
        lambda i: {"name": "It", "percentage": 25, "tax_identification_number_id": i["tin"]},
        {"percentage": 12.5},
        {"percentage": 10},
        ({"percentage": 140}, "percentage"),
        needs=("tin",),
        outside=lambda i: {"name": "It", "percentage": 20},
    ),
    Sample(
        "Tariff",
        lambda i: {
            "name": "It",
            "type": "flat rate",
            "external_id": "it",
            "pricing": {"price_per_session": 2.5},
        },
        {"name": "It 2"},
        {"name": "Changed"},
        ({"type": "cheap"}, "type"),
        outside=lambda i: {"name": "Old", "type": "flat rate", "externalId": "it"},
    ),
    Sample(
        "TariffGroup",
        lambda i: {"name": "It", "tariff_ids": [i["tariff"]]},
        {"name": "It 2"},
        {"name": "Changed"},
        ({"tariff_ids": "all"}, "tariff_ids"),
        needs=("tariff",),
        outside=lambda i: {"name": "It"},
    ),
    Sample(
        "Utility",
        lambda i: {"name": "Elvia"},
        {"name": "Elvia AS"},
        {"name": "Changed"},
        ({"name": "x" * 256}, "name"),
        other={"name": "Tensio"},
    ),
    Sample(
        "ElectricityRate",
        lambda i: {
            "name": "Night",
            "utility_id": i["utility"],
            "default_price": 0.12,
            "tax_percentage": 25,
        },
        {"default_price": 0.15},
        {"defaultPrice": 0.2},
        ({"tax_percentage": 101}, "tax_percentage"),
        needs=("utility",),
        other={"name": "Day"},
    ),
    Sample(
        "Circuit",
        lambda i: {"name": "Main", "phases": "three_phase", "max_current": 63},
        {"max_current": 80},
        {"maxCurrent": 40},
        ({"phases": "four_phase"}, "phases"),
        other={"name": "Annex"},
    ),
    Sample(
        "Location",
        lambda i: {
            "external_id": "it",
            "name": "It",
            "geoposition": {"latitude": 59.0, "longitude": 10.0},
            "address": "Road 2",
            "country": "NO",
        },
        {"city": "Oslo"},
        {"city": "Bergen"},
        ({"country": "Norway"}, "country"),
        outside=lambda i: {
            "externalId": "it",
            "name": [{"locale": "en", "translation": "X"}],
            "geoposition": {"latitude": 1, "longitude": 1},
            "address": [{"locale": "en", "translation": "Y"}],
            "country": "NO",
        },
    ),
    Sample(
        "ChargingZone",
        lambda i: {"location_id": i["location"], "name": "Level 1", "status": "enabled"},
        {"status": "disabled"},
        {"name": "Renamed"},
        ({"status": "closed"}, "status"),
        needs=("site",),
        outside=lambda i: {"name": "Level 1", "status": "disabled"},
    ),
    Sample(
        "ChargePoint",
        lambda i: {
            "name": "It",
            "type": "public",
            "status": "enabled",
            "location_id": i["location"],
            "external_id": "it",
            "network": {"id": "IT-1"},
        },
        {"name": "It 2"},
        {"status": "disabled"},
        ({"status": "broken"}, "status"),
        needs=("site",),
        outside=lambda i: {
            "name": "Old",
            "type": "public",
            "status": "enabled",
            "locationId": i["location"],
            "externalId": "it",
            "network": {"id": "IT-1"},
        },
        replace={"communication_mode": "none"},
    ),
    Sample(
        "Evse",
        lambda i: {
            "charge_point_id": i["charge_point"],
            "physical_reference": "IT*E2",
            "current_type": "dc",
            "network_id": "2",
            "status": "enabled",
            "external_id": "it",
        },
        {"label": "Fast"},
        {"status": "disabled"},
        ({"current_type": "ac/dc"}, "current_type"),
        needs=("site",),
        outside=lambda i: {
            "chargePointId": i["charge_point"],
            "physicalReference": "OLD",
            "currentType": "dc",
            "networkId": "2",
            "status": "enabled",
            "externalId": "it",
        },
    ),
    Sample(
        "Connector",
        lambda i: {
            "charge_point_id": i["charge_point"],
            "evse_id": i["evse"],
            "type": "ccs2",
            "format": "cable",
        },
        {"status": "disabled"},
        {"format": "socket"},
        ({"type": "usb"}, "type"),
        needs=("site",),
    ),
    Sample(
        "ConfigurationTemplate",
        lambda i: {"name": "Default 1.6", "ocpp_version": "ocpp 1.6"},
        {"name": "Default OCPP 1.6"},
        {"name": "Changed"},
        ({"ocpp_version": "ocpp 3"}, "ocpp_version"),
        other={"name": "Default 2.0.1", "ocpp_version": "ocpp 2.0.1"},
    ),
    Sample(
        "ChargePointVendor",
        lambda i: {"name": "Kempower"},
        {"name": "Kempower Oy"},
        {"name": "Changed"},
        ({"name": ""}, "name"),
        other={"name": "Zaptec"},
    ),
    Sample(
        "ChargePointModel",
        lambda i: {"name": "HYC300", "vendor_id": i["vendor"]},
        {"user_manual": "https://example.com/hyc300.pdf"},
        {"name": "Changed"},
        ({"vendor_id": "first"}, "vendor_id"),
        needs=("vendor",),
        other={"name": "HYC50"},
    ),
    Sample(
        "VendorErrorCode",
        lambda i: {"vendor_id": "ABB", "error_code": "E42"},
        {"error_code_description": "Ground fault"},
        {"vendorId": "ABB", "errorCode": "E42", "errorCodeDescription": "Changed"},
        ({"error_code": None}, "error_code"),
        other={"error_code": "E43"},
    ),
    Sample(
        "Partner",
        lambda i: {"name": "Charge Partner", "external_id": "cp-1", "country": "NO"},
        {"city": "Oslo"},
        {"city": "Bergen"},
        ({"country": "Norway"}, "country"),
        other={"name": "Second Partner", "external_id": "cp-2"},
    ),
    Sample(
        "PartnerContract",
        lambda i: {
            "title": "Operations 2026",
            "partner_id": i["partner"],
            "start_date": "2026-01-01T00:00:00Z",
            "external_id": "contract-1",
        },
        {"auto_renewal": True},
        {"title": "Changed"},
        ({"start_date": "next year"}, "start_date"),
        needs=("partner",),
        other={"title": "Operations 2027", "external_id": "contract-2"},
    ),
    Sample(
        "UserGroup",
        lambda i: {"name": "Staff", "partner_id": i["partner"], "external_id": "staff"},
        {"description": "Employees charge at cost"},
        {"name": "Staff", "description": "Changed"},
        ({"description": "x" * 2001}, "description"),
        needs=("partner",),
        other={"name": "Guests", "external_id": "guests"},
    ),
    Sample(
        "SubscriptionPlan",
        lambda i: {
            "name": "Basic",
            "description": "Monthly plan",
            "renewal_cycle": "monthly",
            "type": "pre-paid",
            "status": "enabled",
            "base_fee": 9.9,
        },
        {"base_fee": 12.5},
        {"baseFee": 1},
        ({"renewal_cycle": "weekly"}, "renewal_cycle"),
        other={"name": "Premium"},
    ),
    Sample(
        "TopUpPackage",
        lambda i: {"price": 50, "bonus": 5, "enabled": True},
        {"bonus": 7.5},
        {"bonus": 1},
        ({"price": "fifty"}, "price"),
        other={"price": 100, "bonus": 15},
    ),
    Sample(
        "CurrencyRate",
        lambda i: {"base": "EUR", "target": "NOK", "rate": 11.5},
        {"rate": 11.7},
        {"rate": 10},
        ({"rate": "high"}, "rate"),
        other={"target": "SEK", "rate": 11.2},
    ),
    Sample(
        "ParkingSpace",
        lambda i: {
            "label": "P1",
            "location_id": i["location"],
            "external_id": "p1",
            "evses": [i["evse"]],
        },
        {"disabilities_accessible": True},
        {"label": "P9"},
        ({"status": "open"}, "status"),
        needs=("site",),
        other={"label": "P2", "external_id": "p2", "evses": []},
    ),
    Sample(
        "Faq",
        lambda i: {"question": "How do I pay?", "answer": "With the app."},
        {"answer": "With the app or a card."},
        {"answer": [{"locale": "en", "translation": "Changed"}]},
        ({"question": {"e": "?"}}, "question"),
        other={"question": "Where can I charge?", "answer": "On the map."},
    ),
    Sample(
        "DowntimePeriodNotice",
        lambda i: {"type": "downtime", "notice": "Grid works"},
        {"description": "The grid operator replaces a cable"},
        {"description": "Changed"},
        ({"type": "outage"}, "type"),
        other={"notice": "Storm damage"},
    ),
    Sample(
        "ChargePointDowntimePeriod",
        lambda i: {
            "charge_point_id": i["charge_point"],
            "notice_id": i["notice"],
            "started_at": "2026-03-01T08:00:00Z",
            "ended_at": "2026-03-01T12:00:00Z",
        },
        {"ended_at": "2026-03-01T14:00:00+00:00"},
        {"endedAt": "2026-03-01T16:00:00+00:00"},
        ({"started_at": "2026-03-01 08:00"}, "started_at"),
        needs=("site", "notice"),
        other={"started_at": "2026-04-01T08:00:00Z", "ended_at": "2026-04-01T09:00:00Z"},
    ),
    Sample(
        "EvseDowntimePeriod",
        lambda i: {
            "evse_id": i["evse"],
            "notice_id": i["notice"],
            "started_at": "2026-05-01T08:00:00+02:00",
            "ended_at": "2026-05-01T10:00:00+02:00",
        },
        {"ended_at": "2026-05-01T11:00:00+02:00"},
        {"endedAt": "2026-05-01T12:00:00+00:00"},
        ({"ended_at": "tomorrow"}, "ended_at"),
        needs=("site", "notice"),
        other={"started_at": "2026-06-01T08:00:00Z", "ended_at": "2026-06-01T09:00:00Z"},
    ),
    Sample(
        "IdTag",
        lambda i: {"id_tag_uid": "04A1B2C3", "status": "enabled", "type": "rfid"},
        {"id_label": "Van 12"},
        {"status": "suspended"},
        ({"type": "nfc"}, "type"),
        other={"id_tag_uid": "04A1B2C4"},
    ),
    Sample(
        "PaymentTerminal",
        lambda i: {
            "name": "Kiosk",
            "terminal_type": "Payter",
            "integration_id": 1,
            "operator_id": 1,
            "serial_number": "PT-0001",
            "default_language": "en",
            "charge_point_id": i["charge_point"],
            "preauthorize_amount": 50,
            "external_id": "kiosk",
        },
        {"display_text": "Tap to pay"},
        {"name": "Changed"},
        ({"merchant_account": "acme"}, "merchant_account"),
        needs=("site",),
        other={"name": "Kiosk 2", "serial_number": "PT-0002", "external_id": "kiosk-2"},
    ),
    Sample(
        "RoamingProvider",
        lambda i: {
            "platform_id": 1,
            "country_code": "NO",
            "party_id": "EMP",
            "business_name": "Roam AS",
            "partner_id": i["partner"],
        },
        {"business_name": "Roam Norge AS"},
        {"businessName": "Changed"},
        ({"hubject_id": "NO*EMP"}, "hubject_id"),
        needs=("partner",),
        other={"party_id": "EMQ", "business_name": "Roam Two AS"},
    ),
    Sample(
        "CustomTariffFilter",
        lambda i: {
            "roaming_operator_id": i["roaming_operator"],
            "name": "Fast DC",
            "status": "enabled",
            "applicable_current_types": ["DC"],
            "order": 1,
        },
        {"power_below_kw": 150},
        {"name": "Changed"},
        ({"country_code": "no"}, "country_code"),
        needs=("roaming_operator",),
        other={"name": "Slow AC", "applicable_current_types": ["AC"], "order": 2},
    ),
)

BY_KIND: dict[str, Sample] = {sample.kind: sample for sample in SAMPLES}
