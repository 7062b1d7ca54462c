"""A whole tenant as one document: validation, its JSON Schema and the ``Tenant`` component.

from pulumi_ampeco import Tenant

tenant = Tenant("tenant", document="tenant.yaml")
pulumi.export("ids", tenant.ids)
"""

from __future__ import annotations

from .component import Tenant, TenantDocumentError, load
from .loading import Problem, format_path
from .schema import document_schema
from .validation import Node, Plan

__all__ = [
    "Node",
    "Plan",
    "Problem",
    "Tenant",
    "TenantDocumentError",
    "document_schema",
    "format_path",
    "load",
]
