"""Each resource kind as data: where it lives, how it updates, what forces a replacement.

The generic provider (:mod:`pulumi_ampeco.provider`) reads nothing resource-specific from
anywhere else; adding a kind means adding a model and an entry here. Program names are the
snake_case forms of the API's field names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .models import billing, charging, locations, tariffs
from .models.base import AmpecoModel


@dataclass(frozen=True)
class Spec:
    kind: str
    model: type[AmpecoModel]
    #: Collection path under ``/public-api/resources``; ``{name}`` placeholders are the
    #: program inputs that hold the parents' ids (they are not part of the body).
    collection: str
    update_verb: Literal["PATCH", "PUT"] = "PATCH"
    #: Program names whose change the API cannot apply in place (the parents are implied).
    replace_on: frozenset[str] = frozenset()
    #: Server-managed values kept as outputs: output name → wire name.
    server_fields: Mapping[str, str] = field(default_factory=dict)
    #: Set-like list fields: compared without order or repeats.
    unordered: frozenset[str] = frozenset()
    #: ``include[]`` values a read needs to see every managed field.
    include: tuple[str, ...] = ()
    #: Program names sent with every PATCH, changed or not (the API requires them).
    always_send: frozenset[str] = frozenset()
    #: Program names the API cannot clear (no ``null``): removing them from the program stops
    #: managing them and leaves the tenant's value.
    kept_when_removed: frozenset[str] = frozenset()
    #: Replace by creating the new object before deleting the old one, and allow a key that an
    #: existing object already has: for objects that others refer to and that the tenant will
    #: not delete while referred to (a tariff in a group), and whose key is not unique anyway.
    replace_creates_first: bool = False
    #: The parent's listing that embeds these objects: (parent collection, the parent's field
    #: holding them, the program input with the parent's id). Reads come from that listing.
    embedded_in: tuple[str, str, str] | None = None
    #: List fields whose first item the server adds by itself (program name → the output that
    #: records it): hidden when comparing, kept first when writing, never removed by us.
    server_first_item: Mapping[str, str] = field(default_factory=dict)
    #: Program names kept secret in the state whether or not the program marked them, and
    #: never quoted in an error message.
    secrets: frozenset[str] = frozenset()

    @property
    def parents(self) -> tuple[str, ...]:
        return tuple(re.findall(r"\{(\w+)\}", self.collection))

    @property
    def replaces(self) -> frozenset[str]:
        return self.replace_on | frozenset(self.parents)

    def collection_path(self, values: Mapping[str, Any]) -> str:
        return self.collection.format(**{p: int(values[p]) for p in self.parents})

    def item_path(self, id_: str | int, values: Mapping[str, Any]) -> str:
        return f"{self.collection_path(values)}/{int(id_)}"


SPECS: dict[str, Spec] = {
    spec.kind: spec
    for spec in (
        Spec(
            kind="Location",
            model=locations.Location,
            collection="/locations/v2.0",
            server_fields={"last_updated_at": "lastUpdatedAt"},
            unordered=frozenset({"access_methods", "facilities", "tags"}),
            kept_when_removed=frozenset({"state", "working_hours", "geoposition"}),
        ),
        Spec(
            kind="ChargingZone",
            model=locations.ChargingZone,
            collection="/locations/v2.0/{location_id}/charging-zones",
        ),
        Spec(
            kind="ChargePoint",
            model=charging.ChargePoint,
            collection="/charge-points/v2.0",
            secrets=frozenset({"network", "pin"}),
            # Set at creation only (the update schema has neither).
            replace_on=frozenset({"communication_mode", "ocpp_connected_charge_point_id"}),
            server_fields={
                "network_status": "networkStatus",
                "created_at": "createdAt",
                "last_updated_at": "lastUpdatedAt",
            },
            unordered=frozenset({"capabilities", "tags"}),
            kept_when_removed=frozenset(
                {
                    "network",
                    "network_type",
                    "security",
                    "subscription",
                    "user",
                    "partner",
                    "auto_start_without_authorization",
                    "disable_auto_start_emulation",
                    "enable_auto_fault_recovery",
                    "uses_renewable_energy",
                    "communication_mode",
                    "ocpp_connected_charge_point_id",
                }
            ),
        ),
        Spec(
            kind="Evse",
            model=charging.Evse,
            collection="/evses/v2.1",
            # Fixed at creation (not in the update schemas): moving an EVSE replaces it.
            replace_on=frozenset({"charge_point_id"}),
            server_fields={"created_at": "createdAt", "last_updated_at": "lastUpdatedAt"},
            # The listing then carries the connectors too (see Connector.embedded_in).
            include=("connectors",),
            kept_when_removed=frozenset(
                {
                    "label",
                    "external_id",
                    "allows_reservation",
                    "booking_enabled",
                    "power_options",
                }
            ),
        ),
        Spec(
            kind="Connector",
            model=charging.Connector,
            collection="/charge-points/v2.0/{charge_point_id}/evses/{evse_id}/connectors",
            kept_when_removed=frozenset({"format", "status"}),
            # One page of EVSEs (with include[]=connectors) holds the connectors of 100 EVSEs.
            embedded_in=("/evses/v2.1", "connectors", "evse_id"),
        ),
        Spec(
            kind="Tariff",
            model=tariffs.Tariff,
            collection="/tariffs/v1.0",
            update_verb="PUT",
            # v3.251 dropped `type` from the update schema: a new type is a new tariff (D23).
            replace_on=frozenset({"type"}),
            # Groups refer to tariffs, and a tariff in a group cannot be deleted (D5): the new
            # tariff must exist (and the groups point at it) before the old one goes.
            replace_creates_first=True,
            server_fields={"currency": "currency", "last_updated_at": "lastUpdatedAt"},
        ),
        Spec(
            kind="TariffGroup",
            model=tariffs.TariffGroup,
            collection="/tariff-groups/v1.0",
            update_verb="PUT",
            server_fields={"last_updated_at": "lastUpdatedAt"},
            # The free base tariff the tenant adds to a new group (D13).
            server_first_item={"tariff_ids": "base_tariff_id"},
        ),
        Spec(
            kind="TaxIdentificationNumber",
            model=billing.TaxIdentificationNumber,
            collection="/tax-identification-numbers/v2.0",
            server_fields={"last_updated_at": "lastUpdatedAt"},
        ),
        Spec(
            kind="Tax",
            model=billing.Tax,
            collection="/taxes/v2.0",
            server_fields={"last_updated_at": "lastUpdatedAt"},
        ),
        Spec(
            kind="Currency",
            model=billing.Currency,
            collection="/currencies/v2.0",
            # The code is the currency's identity; the API refuses to change it (D29).
            replace_on=frozenset({"alphabetic_code"}),
            server_fields={"currency_name": "name", "numeric_code": "numericCode"},
            always_send=frozenset({"alphabetic_code"}),
        ),
    )
}
