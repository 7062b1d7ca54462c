"""One sample object per kind that the generic rhythm covers: the kind's example (the ``example``
of its declaration, which its reference page shows), with an update in place, a change made
outside Pulumi (wire names), and an invalid argument with the field check names. The per-kind
rhythm, adoption and the all-kinds export take-over read these rows, so a new kind is one row
here (a test fails until it has one).

An ``IdOf`` in an example (:mod:`pulumi_ampeco.kinds.declaration`) stands for the id of an
object the sample needs: the site's (:data:`SITE`, a location with a charge point and an EVSE,
always there), one of :data:`NEEDS` (made first), or one the simulator's admin API brings in
where no program can make it (:data:`SEEDED`). Ids are named after their kind in snake_case
(``ids["charge_point"]``), as a kind's parent argument is without ``_id``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import httpx

from pulumi_ampeco.kinds import KINDS
from pulumi_ampeco.kinds.declaration import Example, IdOf, named_kinds, with_ids

Ids = Mapping[str, Any]


def id_name(kind: str) -> str:
    """``ChargePoint`` → ``charge_point``: the name of the id of an object of the kind."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", kind).lower()


def filled(args: Mapping[str, Any], ids: Ids) -> dict[str, Any]:
    """Arguments with each ``IdOf`` replaced by the id of that name in ``ids``."""
    result: dict[str, Any] = with_ids(args, lambda kind: ids[id_name(kind)])
    return result


#: The objects every test tenant has, by the names of their ids.
SITE = ("location", "charge_point", "evse")

#: What a sample may need besides the site, by kind: another object than the kind's own sample
#: (so that both can be in one tenant), as program arguments; made in this order.
_NEEDED: dict[str, dict[str, Any]] = {
    "TaxIdentificationNumber": {"name": "NO 1 MVA"},
    "Tax": {
        "name": "Parent VAT",
        "percentage": 25,
        "tax_identification_number_id": IdOf("TaxIdentificationNumber"),
    },
    "Tariff": {"name": "Parent tariff", "type": "free"},
    "TariffGroup": {"name": "Parent group", "tariff_ids": [IdOf("Tariff")]},
    "Utility": {"name": "Grid Co"},
    "ChargingZone": {"location_id": IdOf("Location"), "name": "Ground floor", "status": "enabled"},
    "ChargePointVendor": {"name": "Kempower"},
    "Partner": {"name": "Fleet AS", "external_id": "fleet"},
    "DowntimePeriodNotice": {"type": "exempt", "notice": "Planned maintenance"},
}

#: The same as (kind, program arguments given the ids made before it), by the name of its id.
NEEDS: dict[str, tuple[str, Callable[[Ids], dict[str, Any]]]] = {
    id_name(kind): (kind, partial(filled, args)) for kind, args in _NEEDED.items()
}

#: What a sample may need that no program makes, as the simulator's admin API brings it in
#: (roaming operators come from the tenant's roaming connections, D45): path → fields.
SEEDED: dict[str, tuple[str, dict[str, Any]]] = {
    "roaming_operator": (
        "/roaming-operators",
        {"businessName": "Charge Net", "platformId": 1, "countryCode": "DE", "partyId": "CNT"},
    ),
}


def _needs(kinds: Iterable[str]) -> list[str]:
    """The names of the ids of objects of ``kinds``, each after those its own object needs."""
    found: list[str] = []
    for kind in kinds:
        if kind in _NEEDED:
            found += _needs(named_kinds(_NEEDED[kind]))
        found.append(id_name(kind))
    return list(dict.fromkeys(found))


@dataclass(frozen=True)
class Sample:
    kind: str
    change: dict[str, Any]
    drift: dict[str, Any]
    invalid: tuple[dict[str, Any], str]
    #: A second object of the kind that differs in its key (for a tenant holding several;
    #: empty where no test makes two).
    other: dict[str, Any] = field(default_factory=dict)
    #: Arguments that differ from the example's where a test needs it (an EVSE on the site's
    #: charge point, which has EVSE 1 already).
    overrides: dict[str, Any] = field(default_factory=dict)
    #: The object as made outside Pulumi (wire names), given the program's (wire names), for
    #: adoption, where it should differ (so that the adoption has something to update).
    outside: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    #: A change the API cannot make in place, where the family tests do not cover one.
    replace: dict[str, Any] = field(default_factory=dict)

    @property
    def example(self) -> Example:
        example = KINDS[self.kind].example
        assert example is not None, self.kind
        return example

    def args(self, ids: Ids) -> dict[str, Any]:
        """The program's arguments, given the ids of the objects it needs."""
        return {**filled(self.example.args, ids), **self.overrides}

    @property
    def needs(self) -> tuple[str, ...]:
        """The ids the arguments take, each after those its object needs: the site's, those of
        :data:`NEEDS` and those of :data:`SEEDED`."""
        return tuple(_needs(self.example.named()))

    def made_outside(self, ids: Ids) -> dict[str, Any]:
        """The wire body of the same object made outside Pulumi."""
        parents = KINDS[self.kind].parent_fields  # in the path, not the body
        args = {k: v for k, v in self.args(ids).items() if k not in parents}
        body = KINDS[self.kind].model(**args).to_wire()
        return body if self.outside is None else self.outside(body)


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


def _translated(text: str) -> list[dict[str, str]]:
    return [{"locale": "en", "translation": text}]


SAMPLES: tuple[Sample, ...] = (
    Sample(
        "Currency",
        {"decimal": 3},
        {"alphabeticCode": "SEK", "decimal": 4},
        ({"decimal": 9}, "decimal"),
        outside=lambda body: {"alphabeticCode": body["alphabeticCode"]},
    ),
    Sample(
        "TaxIdentificationNumber",
        {"name": "SE 2"},
        {"name": "SE 3"},
        ({"name": ""}, "name"),
    ),
    Sample(
        "Tax",
        {"percentage": 12.5},
        {"percentage": 10},
        ({"percentage": 140}, "percentage"),
        outside=lambda body: {"name": body["name"], "percentage": 20},
    ),
    Sample(
        "Tariff",
        {"name": "Standard 2026"},
        {"name": "Changed"},
        ({"type": "cheap"}, "type"),
        outside=lambda body: {
            "name": "Old",
            "type": body["type"],
            "externalId": body["externalId"],
        },
    ),
    Sample(
        "TariffGroup",
        {"name": "Public 2026"},
        {"name": "Changed"},
        ({"tariff_ids": "all"}, "tariff_ids"),
        outside=lambda body: {"name": body["name"]},
    ),
    Sample(
        "Utility",
        {"name": "Elvia AS"},
        {"name": "Changed"},
        ({"name": "x" * 256}, "name"),
        other={"name": "Tensio"},
    ),
    Sample(
        "ElectricityRate",
        {"default_price": 0.15},
        {"defaultPrice": 0.2},
        ({"tax_percentage": 101}, "tax_percentage"),
        other={"name": "Day"},
    ),
    Sample(
        "Circuit",
        {"max_current": 80},
        {"maxCurrent": 40},
        ({"phases": "four_phase"}, "phases"),
        other={"name": "Annex"},
    ),
    Sample(
        "Location",
        {"city": "Bergen"},
        {"city": "Trondheim"},
        ({"country": "Norway"}, "country"),
        outside=lambda body: {
            "externalId": body["externalId"],
            "name": _translated("X"),
            "geoposition": {"latitude": 1, "longitude": 1},
            "address": _translated("Y"),
            "country": body["country"],
        },
    ),
    Sample(
        "ChargingZone",
        {"status": "disabled"},
        {"name": "Renamed"},
        ({"status": "closed"}, "status"),
        outside=lambda body: {"name": body["name"], "status": "disabled"},
    ),
    Sample(
        "ChargePoint",
        {"name": "Depot North 1 AC"},
        {"status": "disabled"},
        ({"status": "broken"}, "status"),
        outside=lambda body: {**body, "name": "Old"},
        replace={"communication_mode": "none"},
    ),
    Sample(
        "Evse",
        {"label": "Fast"},
        {"status": "disabled"},
        ({"current_type": "ac/dc"}, "current_type"),
        overrides={"network_id": "2"},
        outside=lambda body: {**body, "physicalReference": "OLD"},
    ),
    Sample(
        "Connector",
        {"status": "disabled"},
        {"format": "cable"},
        ({"type": "usb"}, "type"),
    ),
    Sample(
        "ConfigurationTemplate",
        {"name": "Fleet OCPP 1.6"},
        {"name": "Changed"},
        ({"ocpp_version": "ocpp 3"}, "ocpp_version"),
        other={"name": "Default 2.0.1", "ocpp_version": "ocpp 2.0.1"},
    ),
    Sample(
        "ChargePointVendor",
        {"name": "Alpitronic GmbH"},
        {"name": "Changed"},
        ({"name": ""}, "name"),
        other={"name": "Zaptec"},
    ),
    Sample(
        "ChargePointModel",
        {"user_manual": "https://example.com/manuals/hyc300-v2.pdf"},
        {"name": "Changed"},
        ({"vendor_id": "first"}, "vendor_id"),
        other={"name": "HYC50"},
    ),
    Sample(
        "VendorErrorCode",
        {"error_code_description": "Residual current detected"},
        {"vendorId": "ABB", "errorCode": "E42", "errorCodeDescription": "Changed"},
        ({"error_code": None}, "error_code"),
        other={"error_code": "E43"},
    ),
    Sample(
        "Partner",
        {"city": "Oslo"},
        {"city": "Bergen"},
        ({"country": "Norway"}, "country"),
        other={"name": "Second Partner", "external_id": "cp-2"},
    ),
    Sample(
        "PartnerContract",
        {"auto_renewal": True},
        {"title": "Changed"},
        ({"start_date": "next year"}, "start_date"),
        other={"title": "Operations 2027", "external_id": "contract-2"},
    ),
    Sample(
        "UserGroup",
        {"description": "Employees charge at cost"},
        {"name": "Staff", "description": "Changed"},
        ({"description": "x" * 2001}, "description"),
        other={"name": "Guests", "external_id": "guests"},
    ),
    Sample(
        "SubscriptionPlan",
        {"base_fee": 12.5},
        {"baseFee": 1},
        ({"renewal_cycle": "weekly"}, "renewal_cycle"),
        other={"name": "Premium"},
    ),
    Sample(
        "TopUpPackage",
        {"bonus": 7.5},
        {"bonus": 1},
        ({"price": "fifty"}, "price"),
        other={"price": 100, "bonus": 15},
    ),
    Sample(
        "CurrencyRate",
        {"rate": 11.7},
        {"rate": 10},
        ({"rate": "high"}, "rate"),
        other={"target": "SEK", "rate": 11.2},
    ),
    Sample(
        "ParkingSpace",
        {"disabilities_accessible": True},
        {"label": "P9"},
        ({"status": "open"}, "status"),
        other={"label": "P2", "external_id": "p2", "evses": []},
    ),
    Sample(
        "Faq",
        {"answer": "With the app or a card."},
        {"answer": _translated("Changed")},
        ({"question": {"e": "?"}}, "question"),
        other={"question": "Where can I charge?", "answer": "On the map."},
    ),
    Sample(
        "DowntimePeriodNotice",
        {"description": "Planned by the grid operator"},
        {"description": "Changed"},
        ({"type": "outage"}, "type"),
        other={"notice": "Storm damage"},
    ),
    Sample(
        "ChargePointDowntimePeriod",
        {"ended_at": "2026-03-01T14:00:00+00:00"},
        {"endedAt": "2026-03-01T16:00:00+00:00"},
        ({"started_at": "2026-03-01 08:00"}, "started_at"),
        other={"started_at": "2026-04-01T08:00:00Z", "ended_at": "2026-04-01T09:00:00Z"},
    ),
    Sample(
        "EvseDowntimePeriod",
        {"ended_at": "2026-05-01T11:00:00+02:00"},
        {"endedAt": "2026-05-01T12:00:00+00:00"},
        ({"ended_at": "tomorrow"}, "ended_at"),
        other={"started_at": "2026-06-01T08:00:00Z", "ended_at": "2026-06-01T09:00:00Z"},
    ),
    Sample(
        "IdTag",
        {"id_label": "Van 14"},
        {"status": "suspended"},
        ({"type": "nfc"}, "type"),
        other={"id_tag_uid": "04A1B2C4"},
    ),
    Sample(
        "PaymentTerminal",
        {"display_text": "Tap to pay"},
        {"name": "Changed"},
        ({"merchant_account": "acme"}, "merchant_account"),
        other={"name": "Kiosk 2", "serial_number": "PT-0002", "external_id": "kiosk-2"},
    ),
    Sample(
        "RoamingProvider",
        {"business_name": "Roam Norge AS"},
        {"businessName": "Changed"},
        ({"hubject_id": "NO*EMP"}, "hubject_id"),
        other={"party_id": "EMQ", "business_name": "Roam Two AS"},
    ),
    Sample(
        "CustomTariffFilter",
        {"power_below_kw": 150},
        {"name": "Changed"},
        ({"country_code": "no"}, "country_code"),
        other={"name": "Slow AC", "applicable_current_types": ["AC"], "order": 2},
    ),
)

BY_KIND: dict[str, Sample] = {sample.kind: sample for sample in SAMPLES}
