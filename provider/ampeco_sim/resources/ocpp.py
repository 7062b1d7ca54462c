"""A charge point's OCPP configuration keys, as the tenant caches them from the station.

A simulated station reports the OCPP 1.6 standard keys that AMPECO's document names for the
``{key}`` parameter, with the values and access a typical station gives them (the table below,
from OCPP 1.6's list of standard configuration keys). A PATCH is what AMPECO sends the station as
a ChangeConfiguration; the station refuses a key it does not know, a read-only key and a value
of the wrong type, which AMPECO answers with a 406 (decision D41).
"""

from __future__ import annotations

from typing import Any

from ..errors import Invalid, NotFound
from ..store import Row, Tx
from .base import Request, Resource, Response

KIND = "ocpp_key"

#: name → (value type, default value, read-only, required by OCPP 1.6's core profile).
STANDARD_KEYS: dict[str, tuple[str, str, bool, bool]] = {
    "AllowOfflineTxForUnknownId": ("bool", "false", False, False),
    "AuthorizationCacheEnabled": ("bool", "true", False, False),
    "AuthorizeRemoteTxRequests": ("bool", "true", False, True),
    "BlinkRepeat": ("int", "3", False, False),
    "ClockAlignedDataInterval": ("int", "900", False, True),
    "ConnectionTimeOut": ("int", "60", False, True),
    "ConnectorPhaseRotation": ("list", "0.RST", False, True),
    "ConnectorPhaseRotationMaxLength": ("int", "2", True, False),
    "GetConfigurationMaxKeys": ("int", "50", True, True),
    "HeartbeatInterval": ("int", "300", False, True),
    "LightIntensity": ("int", "100", False, False),
    "LocalAuthorizeOffline": ("bool", "true", False, True),
    "LocalPreAuthorize": ("bool", "false", False, True),
    "MaxEnergyOnInvalidId": ("int", "0", False, False),
    "MeterValuesAlignedData": ("list", "Energy.Active.Import.Register", False, True),
    "MeterValuesAlignedDataMaxLength": ("int", "8", True, False),
    "MeterValuesSampledData": ("list", "Energy.Active.Import.Register", False, True),
    "MeterValuesSampledDataMaxLength": ("int", "8", True, False),
    "MeterValueSampleInterval": ("int", "60", False, True),
    "MinimumStatusDuration": ("int", "0", False, False),
    "NumberOfConnectors": ("int", "2", True, True),
    "ResetRetries": ("int", "3", False, True),
    "StopTransactionOnEVSideDisconnect": ("bool", "true", False, True),
    "StopTransactionOnInvalidId": ("bool", "true", False, True),
    "StopTxnAlignedData": ("list", "", False, True),
    "StopTxnAlignedDataMaxLength": ("int", "8", True, False),
    "StopTxnSampledData": ("list", "", False, True),
    "StopTxnSampledDataMaxLength": ("int", "8", True, False),
    "SupportedFeatureProfiles": ("list", "Core,LocalAuthListManagement,SmartCharging", True, True),
    "SupportedFeatureProfilesMaxLength": ("int", "3", True, False),
    "TransactionMessageAttempts": ("int", "3", False, True),
    "TransactionMessageRetryInterval": ("int", "60", False, True),
    "UnlockConnectorOnEVSideDisconnect": ("bool", "true", False, True),
    "WebSocketPingInterval": ("int", "60", False, False),
    "LocalAuthListEnabled": ("bool", "true", False, True),
    "LocalAuthListMaxLength": ("int", "1000", True, True),
    "SendLocalListMaxLength": ("int", "100", True, True),
    "ReserveConnectorZeroSupported": ("bool", "false", True, False),
    "ChargeProfileMaxStackLevel": ("int", "10", True, True),
    "ChargingScheduleAllowedChargingRateUnit": ("list", "Current,Power", True, True),
    "ChargingScheduleMaxPeriods": ("int", "24", True, True),
    "ConnectorSwitch3to1PhaseSupported": ("bool", "false", True, False),
    "MaxChargingProfilesInstalled": ("int", "10", True, True),
    "AuthorizationEnabled": ("bool", "true", False, False),
}


def _accepts(kind: str, value: str) -> bool:
    """Whether a station takes the value for a key of this type (OCPP 1.6 value formats): an
    integer key a whole number its 32-bit integer holds, a boolean key true or false."""
    if kind == "int":
        digits = value.lstrip("0")
        return value.isascii() and value.isdigit() and len(digits) <= 10 and int(value) < 2**31
    if kind == "bool":
        return value.lower() in ("true", "false")
    return True


class OcppKeys(Resource):
    """The configuration of one charge point: its standard keys over the values set since."""

    kind = KIND
    parents = ("charge_point",)

    def _stored(self, tx: Tx, charge_point_id: int) -> dict[str, Row]:
        return {str(r.body["name"]): r for r in tx.children(KIND, charge_point_id)}

    def _entry(self, name: str, row: Row | None, since: str) -> dict[str, Any]:
        _type, default, read_only, required = STANDARD_KEYS[name]
        return {
            "key": {"name": name, "value": row.body["value"] if row else default},
            "readonly": read_only,
            "required": required,
            "timestamp": row.updated_at if row else since,
        }

    def list(self, tx: Tx, req: Request) -> Response:
        charge_point_id = self.parent_id(tx, req)
        assert charge_point_id is not None
        since = tx.get("charge_point", charge_point_id)
        stored = self._stored(tx, charge_point_id)
        wanted = (req.query.get("filter") or {}).get("name")
        names = [n for n in STANDARD_KEYS if wanted is None or n == str(wanted)]
        created = since.created_at if since else ""
        return Response(200, {"data": [self._entry(n, stored.get(n), created) for n in names]})

    def read(self, tx: Tx, req: Request) -> Response:
        charge_point_id, name = self._key(tx, req)
        row = self._stored(tx, charge_point_id).get(name)
        point = tx.get("charge_point", charge_point_id)
        return Response(200, {"data": self._entry(name, row, point.created_at if point else "")})

    def update(self, tx: Tx, req: Request) -> Response:
        charge_point_id = self.parent_id(tx, req)
        assert charge_point_id is not None
        name = req.names.get("key", "")
        if name not in STANDARD_KEYS:
            return Response(406)  # the station answered NotSupported (the document: no body)
        value = req.body.get("value")
        if value is None:
            raise Invalid({"value": ["The value field is required."]})
        kind, _default, read_only, _required = STANDARD_KEYS[name]
        if read_only or not _accepts(kind, str(value)):
            return Response(406)  # the station answered Rejected
        row = self._stored(tx, charge_point_id).get(name)
        if row is None:
            row = tx.insert(KIND, {"name": name, "value": str(value)}, charge_point_id)
        else:
            row = tx.update(row, {**row.body, "value": str(value)})
        return Response(200, {"data": self._entry(name, row, row.created_at)})

    def _key(self, tx: Tx, req: Request) -> tuple[int, str]:
        charge_point_id = self.parent_id(tx, req)
        assert charge_point_id is not None
        name = req.names.get("key", "")
        if name not in STANDARD_KEYS:
            raise NotFound("Configuration", name)
        return charge_point_id, name
