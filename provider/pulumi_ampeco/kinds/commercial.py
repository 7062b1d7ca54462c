"""Partners and their contracts, user groups, subscription plans, top-up packages and currency
rates (``D<n>``: ``docs/decisions.md``)."""

from __future__ import annotations

from ..models import commercial
from .declaration import LAST_UPDATED_AT, Example, IdOf, Key, Kind, Ref, Section

PARTNER = Kind(
    name="Partner",
    model=commercial.Partner,
    doc="A business the operator works with: a site host, a fleet, a reseller.",
    collection="/partners/v2.0",
    keys=(Key(("external_id",), {"externalId": "external_id"}, ours=True), Key(("name",))),
    outputs={"last_updated_at": LAST_UPDATED_AT},
    quirks=(
        "The tenant refuses to delete a partner that a contract, a user group or an ID tag"
        " names (D39).",
    ),
    section=Section("partners", "partner", external_id_from_key=True),
    example=Example(
        "nordic-fleet",
        {
            "name": "Nordic Fleet AS",
            "external_id": "nordic-fleet",
            "reg_no": "912345678",
            "country": "NO",
        },
    ),
)

PARTNER_CONTRACT = Kind(
    name="PartnerContract",
    model=commercial.PartnerContract,
    doc="The terms with a partner: revenue sharing, platform fees and what the partner may do.",
    collection="/partner-contracts/v1.0",
    update_verb="PUT",
    keys=(
        Key(("external_id",), ours=True),
        Key(("title",), within=("partner_id",)),
    ),
    outputs={"last_updated_at": LAST_UPDATED_AT},
    quirks=("Updated with PUT: optional fields left out go back to their defaults.",),
    section=Section(
        "partner_contracts",
        "partner contract",
        refs=(Ref("partner", "partner_id", "partners"),),
        external_id_from_key=True,
    ),
    example=Example(
        "nordic-fleet-2026",
        {
            "title": "Operations 2026",
            "partner_id": IdOf("Partner"),
            "start_date": "2026-01-01T00:00:00Z",
            "external_id": "nordic-fleet-2026",
        },
    ),
)

USER_GROUP = Kind(
    name="UserGroup",
    model=commercial.UserGroup,
    doc="A group of users that tariffs, plans and opening hours can single out.",
    collection="/user-groups/v1.0",
    keys=(Key(("external_id",), ours=True), Key(("name",))),
    outputs={"last_updated_at": LAST_UPDATED_AT},
    section=Section(
        "user_groups",
        "user group",
        refs=(Ref("partner", "partner_id", "partners"),),
        external_id_from_key=True,
    ),
    example=Example(
        "staff",
        {
            "name": "Staff",
            "partner_id": IdOf("Partner"),
            "external_id": "staff",
            "description": "Employees of Nordic Fleet",
        },
    ),
)

SUBSCRIPTION_PLAN = Kind(
    name="SubscriptionPlan",
    model=commercial.SubscriptionPlan,
    doc="A plan drivers subscribe to: a fee per renewal cycle, with an energy allowance.",
    collection="/subscription-plans/v2.0",
    keys=(Key(("name",)),),
    outputs={"last_updated_at": LAST_UPDATED_AT},
    section=Section("subscription_plans", "subscription plan"),
    example=Example(
        "basic",
        {
            "name": "Basic",
            "description": "Monthly plan",
            "renewal_cycle": "monthly",
            "type": "pre-paid",
            "status": "enabled",
            "base_fee": 9.9,
        },
    ),
)

TOP_UP_PACKAGE = Kind(
    name="TopUpPackage",
    model=commercial.TopUpPackage,
    doc="An amount a driver can add to their balance, with the bonus it brings.",
    collection="/top-up-packages/v2.0",
    # A package has no name: its price and bonus recognise a lost create, never adopt.
    keys=(Key(("price", "bonus"), identifying=False),),
    section=Section("top_up_packages", "top-up package"),
    example=Example("top-up-50", {"price": 50, "bonus": 5, "enabled": True}),
)

CURRENCY_RATE = Kind(
    name="CurrencyRate",
    model=commercial.CurrencyRate,
    doc="The exchange rate from one currency to another.",
    collection="/currency-rates/v1.0",
    keys=(Key(("base", "target"), {"base": "base", "target": "target"}),),
    quirks=("One rate per pair of currencies (D39).",),
    section=Section("currency_rates", "currency rate"),
    example=Example("eur-nok", {"base": "EUR", "target": "NOK", "rate": 11.5}),
)

KINDS = (PARTNER, PARTNER_CONTRACT, USER_GROUP, SUBSCRIPTION_PLAN, TOP_UP_PACKAGE, CURRENCY_RATE)
