"""Roaming providers, and the custom tariff filters of roaming operators (``D<n>``:
``docs/decisions.md``)."""

from __future__ import annotations

from ..models import roaming
from .declaration import (
    CREATED_AT,
    LAST_UPDATED_AT,
    Example,
    IdOf,
    Key,
    Kind,
    Ordering,
    Output,
    Parent,
    Ref,
    Section,
)

ROAMING_PROVIDER = Kind(
    name="RoamingProvider",
    model=roaming.RoamingProvider,
    doc="An e-mobility service provider whose drivers charge here through a roaming platform.",
    collection="/roaming-providers/v2.0",
    keys=(
        Key(
            ("party_id", "country_code"),
            {"platformId": "platform_id", "partyId": "party_id", "countryCode": "country_code"},
            within=("platform_id",),
        ),
        Key(("hubject_id",), {"platformId": "platform_id"}, within=("platform_id",)),
    ),
    outputs={
        "role": Output("role", str, "the provider's role on the platform"),
        "last_updated_at": LAST_UPDATED_AT,
    },
    quirks=(
        "A Hubject provider has a `hubject_id`, an OCPI or Gireve 2.2.1 one a `country_code` and"
        " `party_id`; fields of both are refused before any API call (D44).",
        "Made through the API on Hubject, Gireve 2.2.1 and OCPI connections without the"
        " credentials module; `platform_id` is the id of one of the tenant's roaming platforms."
        " One provider per party (or Hubject id) on a platform (D45).",
    ),
    section=Section(
        "roaming_providers", "roaming provider", refs=(Ref("partner", "partner_id", "partners"),)
    ),
    example=Example(
        "roam-as",
        {
            "platform_id": 1,
            "country_code": "NO",
            "party_id": "EMP",
            "business_name": "Roam AS",
            "partner_id": IdOf("Partner"),
        },
    ),
)

CUSTOM_TARIFF_FILTER = Kind(
    name="CustomTariffFilter",
    model=roaming.CustomTariffFilter,
    doc="A rule that picks EVSEs of a roaming operator for a custom tariff.",
    collection="/roaming-operators/v2.0/{roaming_operator_id}/custom-tariff-filters",
    parents=(Parent("roaming_operator_id", "RoamingOperator", "/roaming-operators/v2.0"),),
    keys=(Key(("name",)),),
    outputs={
        "created_at": CREATED_AT,
        "updated_at": Output("updatedAt", str, "when the tenant last changed the filter"),
    },
    unordered=frozenset({"applicable_current_types"}),
    kept_when_removed=frozenset({"order"}),
    ordering=Ordering("order", "reorder", "filters"),
    quirks=(
        "Roaming operators come from the tenant's roaming connections, never from a program:"
        " `roaming_operator_id` is the id of one (D45).",
        "`order` ranks the operator's filters, compared and applied relatively through the"
        " reorder action: any increasing numbers give the order, and filters the program does"
        " not manage keep their places (D46).",
    ),
    section=Section("custom_tariff_filters", "custom tariff filter"),
    example=Example(
        "fast-dc",
        {
            "roaming_operator_id": IdOf("RoamingOperator"),
            "name": "Fast DC",
            "status": "enabled",
            "applicable_current_types": ["DC"],
            "order": 1,
        },
    ),
)

KINDS = (ROAMING_PROVIDER, CUSTOM_TARIFF_FILTER)
