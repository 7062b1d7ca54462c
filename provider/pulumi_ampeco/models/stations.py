"""What a program sets on a charge point beyond the charge point itself: its place on a circuit
of dynamic load management and its OCPP configuration keys. Written by hand: AMPECO keeps both
behind calls of their own (actions; one PATCH per key), not a collection's create schema."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from .base import AmpecoModel

#: An OCPP key name as it can travel in the configuration URL: OCPP's ``CiString50Type``,
#: letters, digits and ``_ - . :`` (a slash, ``?``, ``#`` or ``%`` would change the URL).
KEY_NAME = re.compile(r"[A-Za-z0-9_.:-]{1,50}")
#: Keys a station never shows back: the tenant sets them with the charge point's security
#: profile, and a program comparing them would find a difference on every run.
WRITE_ONLY = frozenset({"AuthorizationKey"})


class CircuitChargePoint(AmpecoModel):
    charge_point_id: int = Field(ge=1)
    """the charge point on the circuit"""
    priority: float | None = Field(default=None, ge=0, multiple_of=0.1)
    """its share of the circuit's current when the circuit is full (steps of 0.1)"""


class ChargePointConfiguration(AmpecoModel):
    # A bound of its own (at most 1,000 keys) keeps the text limit of names off the values,
    # which OCPP lets be 500 characters long (checked below).
    keys: dict[str, str] = Field(min_length=1, max_length=1000)
    """OCPP 1.6 configuration keys and the values to set (``HeartbeatInterval: "300"``)"""

    @field_validator("keys")
    @classmethod
    def _key_names(cls, keys: dict[str, str]) -> dict[str, str]:
        """A key's name goes into the URL; a write-only key cannot be compared."""
        for name, value in keys.items():
            if not KEY_NAME.fullmatch(name) or name in (".", ".."):
                raise ValueError(
                    f"`{name}` is no OCPP key name: 1 to 50 letters, digits, `_`, `-`, `.` or"
                    " `:` (for example `HeartbeatInterval`)"
                )
            if name in WRITE_ONLY:
                raise ValueError(
                    f"`{name}` is write-only on a station: set it with the charge point's"
                    " `security` settings instead"
                )
            if len(value) > 500:
                raise ValueError(
                    f"the value of `{name}` is {len(value):,} characters long; OCPP takes at"
                    " most 500"
                )
        return keys
