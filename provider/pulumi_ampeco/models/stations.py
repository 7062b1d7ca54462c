"""What a program sets on a charge point beyond the charge point itself: its place on a circuit
of dynamic load management and its OCPP configuration keys. Written by hand: AMPECO keeps both
behind calls of their own (actions; one PATCH per key), not a collection's create schema."""

from __future__ import annotations

from pydantic import Field, field_validator

from .base import AmpecoModel


class CircuitChargePoint(AmpecoModel):
    charge_point_id: int = Field(ge=1)
    """the charge point on the circuit"""
    priority: float | None = Field(default=None, ge=0, multiple_of=0.1)
    """its share of the circuit's current when the circuit is full (steps of 0.1)"""


class ChargePointConfiguration(AmpecoModel):
    keys: dict[str, str] = Field(min_length=1)
    """OCPP configuration keys and the values to set (``HeartbeatInterval: "300"``)"""

    @field_validator("keys")
    @classmethod
    def _key_names(cls, keys: dict[str, str]) -> dict[str, str]:
        """A key's name is OCPP's ``CiString50Type`` and never blank; it goes into the URL."""
        for name in keys:
            if not name.strip() or len(name) > 50 or "/" in name:
                raise ValueError(
                    f"`{name}` is no OCPP key name: 1 to 50 characters, no slash"
                    " (for example `HeartbeatInterval`)"
                )
        return keys
