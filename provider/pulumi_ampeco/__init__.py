"""pulumi-ampeco: infrastructure as code for AMPECO.CHARGE tenants.

The public names load on first use, so that ``pulumi_ampeco.sim`` (the tenant simulator) can be
imported without the provider's models, client or the Pulumi SDK: the simulator is an
independent implementation of the API.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("pulumi-ampeco")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"

__all__ = [
    "AdditionalInfoArgs",
    "AmbiguousCreateError",
    "AmpecoError",
    "ApiError",
    "AuthenticationError",
    "ChargePoint",
    "ChargePointArgs",
    "ChargingZone",
    "ChargingZoneArgs",
    "ConfigurationError",
    "ConflictError",
    "Connector",
    "ConnectorArgs",
    "Currency",
    "CurrencyArgs",
    "DuplicateObjectsError",
    "Evse",
    "EvseArgs",
    "GeopositionArgs",
    "IntervalArgs",
    "Location",
    "LocationArgs",
    "NetworkArgs",
    "NotFoundError",
    "PermissionDeniedError",
    "PowerOptionsArgs",
    "RateLimitedError",
    "ServerError",
    "Tariff",
    "TariffArgs",
    "TariffGroup",
    "TariffGroupArgs",
    "Tax",
    "TaxArgs",
    "TaxIdentificationNumber",
    "TaxIdentificationNumberArgs",
    "Tenant",
    "TenantDocumentError",
    "TransportError",
    "ValidationError",
    "WeeklyHoursArgs",
    "WorkingHoursArgs",
    "__version__",
]

#: Where each public name lives; loaded on first use.
_TENANT = ("Tenant", "TenantDocumentError")
_WHERE = (
    {name: ".errors" for name in __all__ if name.endswith("Error")}
    | {
        name: ".resources"
        for name in __all__
        if not name.endswith("Error") and name != "__version__"
    }
    | dict.fromkeys(_TENANT, ".tenant")
)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'pulumi_ampeco' has no attribute {name!r}")
    return getattr(import_module(module, __name__), name)


if TYPE_CHECKING:
    from .errors import (
        AmbiguousCreateError,
        AmpecoError,
        ApiError,
        AuthenticationError,
        ConfigurationError,
        ConflictError,
        DuplicateObjectsError,
        NotFoundError,
        PermissionDeniedError,
        RateLimitedError,
        ServerError,
        TransportError,
        ValidationError,
    )
    from .resources import (
        AdditionalInfoArgs,
        ChargePoint,
        ChargePointArgs,
        ChargingZone,
        ChargingZoneArgs,
        Connector,
        ConnectorArgs,
        Currency,
        CurrencyArgs,
        Evse,
        EvseArgs,
        GeopositionArgs,
        IntervalArgs,
        Location,
        LocationArgs,
        NetworkArgs,
        PowerOptionsArgs,
        Tariff,
        TariffArgs,
        TariffGroup,
        TariffGroupArgs,
        Tax,
        TaxArgs,
        TaxIdentificationNumber,
        TaxIdentificationNumberArgs,
        WeeklyHoursArgs,
        WorkingHoursArgs,
    )
    from .tenant import Tenant, TenantDocumentError
