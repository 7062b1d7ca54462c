"""The collections the simulator serves with the generic resource alone, as data.

Each entry names its store kind, its paths, the references its bodies make (checked on write,
and holding their target: a delete of an object still referred to is refused, D39), the
listing filters it answers, the fields whose value the tenant keeps unique, and the
date-times that must follow another. Everything else (pagination, PUT or PATCH, timestamps,
the values a read shows for fields never written) comes from AMPECO's document
(:meth:`.resources.base.Resource.follow`).

Written from the API reference, independently of the provider's models.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Reference:
    """A body field holding the id of an object of ``kind`` (a list of ids if ``many``); the
    object must hold the values ``where`` (a downtime period cites an ``exempt`` notice)."""

    kind: str
    many: bool = False
    where: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Collection:
    kind: str
    collection: str
    item: str
    #: First id handed out: distinct ranges make an id of the wrong kind a 404.
    id_base: int
    refs: Mapping[str, Reference] = field(default_factory=dict)
    #: ``filter[name]`` → the body field it matches exactly.
    filters: Mapping[str, str] = field(default_factory=dict)
    #: Fields (or field tuples) no two objects share (422 "has already been taken").
    unique: tuple[tuple[str, ...], ...] = ()
    #: Values shown for fields never written, where AMPECO's document gives none.
    defaults: Mapping[str, object] = field(default_factory=dict)
    #: Read fields that count the objects referring to this one: name → (their kind, field).
    counts: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    #: Store kinds filed under an object of the collection and deleted with it (a circuit's
    #: charge point memberships, D40; a rate's price periods and energy mix, D42; a template's
    #: variables, D43).
    dependents: tuple[str, ...] = ()
    #: Kinds of the parents in the collection's path, outermost first.
    parents: tuple[str, ...] = ()
    #: Fields of which an object gives exactly one, where its variant has them (the reference
    #: says so in words: a terminal is on a charging zone or on a charge point).
    exactly_one: tuple[tuple[str, ...], ...] = ()
    #: Paths under the collection that act on it (``reorder``), each a method of the resource.
    actions: tuple[str, ...] = ()
    #: Date-times that must be later than another: field → the field it follows (422 on it).
    after: Mapping[str, str] = field(default_factory=dict)

    @property
    def id_parameter(self) -> str:
        return self.item.rsplit("{", 1)[1].rstrip("}")


def _paths(root: str, parameter: str) -> tuple[str, str]:
    return root, f"{root}/{{{parameter}}}"


#: The document: "Allowed only notice with `type = exempt`!"
_EXEMPT_NOTICE = Reference("downtime_period_notice", where={"type": "exempt"})


COLLECTIONS: tuple[Collection, ...] = (
    Collection(
        "utility",
        *_paths("/utilities/v1.0", "utility"),
        10,
        counts={
            "chargePointsCount": ("charge_point", "utilityId"),
            "electricityRatesCount": ("electricity_rate", "utilityId"),
        },
    ),
    Collection(
        "electricity_rate",
        *_paths("/electricity-rates/v2.0", "electricityRate"),
        900,
        refs={"utilityId": Reference("utility")},
        filters={"utilityId": "utilityId", "type": "type"},
        defaults={"type": "admin_defined"},
        dependents=("price_period", "energy_mix"),
    ),
    Collection(
        "circuit",
        *_paths("/circuits/v2.0", "circuit"),
        7000,
        refs={"parentCircuitId": Reference("circuit")},
        dependents=("circuit_member",),
    ),
    Collection(
        "configuration_template",
        *_paths("/configuration-templates/v1.0", "template"),
        120,
        filters={"ocppVersion": "ocppVersion"},
        dependents=("template_variable",),
    ),
    Collection("charge_point_vendor", *_paths("/charge-point-vendors/v1.0", "vendorId"), 300),
    Collection(
        "charge_point_model",
        *_paths("/charge-point-models/v1.0", "modelId"),
        3300,
        refs={"vendorId": Reference("charge_point_vendor")},
        filters={"vendorId": "vendorId"},
    ),
    Collection(
        "vendor_error_code",
        *_paths("/vendor-error-codes/v2.0", "vendorErrorCode"),
        52000,
        unique=(("vendorId", "errorCode"),),
    ),
    Collection(
        "partner",
        *_paths("/partners/v2.0", "partner"),
        600,
        filters={"country": "country", "regNo": "regNo", "externalId": "externalId"},
    ),
    Collection(
        "partner_contract",
        *_paths("/partner-contracts/v1.0", "partnerContract"),
        1900,
        refs={"partnerId": Reference("partner")},
    ),
    Collection(
        "user_group",
        *_paths("/user-groups/v1.0", "userGroup"),
        240,
        refs={"partnerId": Reference("partner")},
        filters={"partnerId": "partnerId"},
    ),
    Collection("subscription_plan", *_paths("/subscription-plans/v2.0", "subscriptionPlan"), 80),
    Collection(
        "top_up_package",
        *_paths("/top-up-packages/v2.0", "topUpPackage"),
        160,
        filters={"enabled": "enabled"},
        defaults={"enabled": False},
    ),
    Collection(
        "currency_rate",
        *_paths("/currency-rates/v1.0", "currencyRate"),
        2600,
        filters={"base": "base", "target": "target"},
        unique=(("base", "target"),),
    ),
    Collection(
        "parking_space",
        *_paths("/parking-spaces/v1.0", "parkingSpace"),
        15000,
        refs={"locationId": Reference("location"), "evses": Reference("evse", many=True)},
        filters={"externalId": "externalId"},
        defaults={"evses": []},
    ),
    Collection("faq", *_paths("/faqs/v2.0", "faq"), 30),
    Collection(
        "downtime_period_notice",
        *_paths("/downtime-period-notices/v1.0", "notice"),
        450,
        filters={"type": "type"},
    ),
    Collection(
        "charge_point_downtime_period",
        *_paths("/charge-point-downtime-periods/v1.0", "chargePointDowntimePeriod"),
        88000,
        refs={"chargePointId": Reference("charge_point"), "noticeId": _EXEMPT_NOTICE},
        filters={"chargePointId": "chargePointId"},
        after={"endedAt": "startedAt"},
    ),
    Collection(
        "evse_downtime_period",
        *_paths("/evse-downtime-periods/v1.0", "evseDowntimePeriod"),
        99000,
        refs={"evseId": Reference("evse"), "noticeId": _EXEMPT_NOTICE},
        filters={"evseId": "evseId"},
        after={"endedAt": "startedAt"},
    ),
    Collection(
        "id_tag",
        *_paths("/id-tags/v2.0", "idTag"),
        70000,
        refs={"partnerId": Reference("partner")},
        filters={
            "idTagUid": "idTagUid",
            "idLabel": "idLabel",
            "status": "status",
            "type": "type",
            "partnerId": "partnerId",
        },
        unique=(("idTagUid",),),
    ),
    Collection(
        "payment_terminal",
        *_paths("/payment-terminals/v1.0", "paymentTerminal"),
        6100,
        refs={
            "chargingZoneId": Reference("charging_zone"),
            "chargePointId": Reference("charge_point"),
        },
        filters={"serialNumber": "serialNumber"},
        unique=(("serialNumber",),),
        exactly_one=(("chargingZoneId", "chargePointId"),),
    ),
    Collection(
        "roaming_provider",
        *_paths("/roaming-providers/v2.0", "roamingProvider"),
        820,
        refs={"partnerId": Reference("partner")},
        filters={"platformId": "platformId", "countryCode": "countryCode", "partyId": "partyId"},
        unique=(("platformId", "countryCode", "partyId"), ("platformId", "hubjectId")),
        defaults={"role": "EMSP"},
    ),
    Collection(
        "roaming_operator",
        *_paths("/roaming-operators/v2.0", "roamingOperator"),
        3700,
        refs={"partnerId": Reference("partner")},
        defaults={"role": "CPO", "enabled": True, "cpoSettings": {}},
    ),
    Collection(
        "custom_tariff_filter",
        *_paths(
            "/roaming-operators/v2.0/{roamingOperator}/custom-tariff-filters", "customTariffFilter"
        ),
        46000,
        parents=("roaming_operator",),
        filters={"status": "status"},
        defaults={"applicableCurrentTypes": []},
        actions=("reorder",),
    ),
)

#: Every catalogued path template.
PATHS: tuple[str, ...] = tuple(
    p
    for c in COLLECTIONS
    for p in (c.collection, *(f"{c.collection}/{a}" for a in c.actions), c.item)
)
