"""A configuration template's variable. Written by hand: AMPECO's schema is a ``oneOf`` of an
OCPP 1.6 key and an OCPP 2.0.1 component's variable, told apart by which fields a variable has
(the template's OCPP version decides which the tenant takes, decision D43)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .base import AmpecoModel

#: The fields of an OCPP 2.0.1 variable (an OCPP 1.6 one has ``key_name`` instead).
OCPP_201 = (
    "component",
    "component_instance",
    "variable_name",
    "variable_instance",
    "variable_type",
    "evse_id",
    "connector_id",
)


class ConfigurationTemplateVariable(AmpecoModel):
    value: str
    """the value the template sets"""
    key_name: str | None = None
    """OCPP 1.6: the configuration key (``HeartbeatInterval``)"""
    component: str | None = None
    """OCPP 2.0.1: the component the variable belongs to (``OCPPCommCtrlr``)"""
    component_instance: str | None = None
    """OCPP 2.0.1: the component's instance"""
    variable_name: str | None = None
    """OCPP 2.0.1: the variable's name (``HeartbeatInterval``)"""
    variable_instance: str | None = None
    """OCPP 2.0.1: the variable's instance"""
    variable_type: Literal["Actual", "Target", "MinSet", "MaxSet"] | None = None
    """OCPP 2.0.1: which of the variable's values (its attribute type)"""
    evse_id: int | None = Field(default=None, ge=0)
    """OCPP 2.0.1: the EVSE the component is on"""
    connector_id: int | None = Field(default=None, ge=0)
    """OCPP 2.0.1: the connector the component is on"""

    @model_validator(mode="after")
    def _one_version(self) -> ConfigurationTemplateVariable:
        given = [name for name in OCPP_201 if getattr(self, name) is not None]
        if self.key_name is not None and given:
            raise ValueError(
                f"`key_name` is an OCPP 1.6 key, {', '.join(f'`{g}`' for g in given)} OCPP"
                " 2.0.1 fields: a variable is one or the other, as its template's version"
            )
        if self.key_name is None and (self.component is None or self.variable_name is None):
            raise ValueError(
                "set `key_name` (an OCPP 1.6 template), or `component` and `variable_name`"
                " (an OCPP 2.0.1 template)"
            )
        return self
