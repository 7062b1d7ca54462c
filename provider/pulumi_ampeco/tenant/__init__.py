"""A whole tenant as one document: validation, its JSON Schema and the ``Tenant`` component.

    from pulumi_ampeco import Tenant

    tenant = Tenant("tenant", document="tenant.yaml")
    pulumi.export("ids", tenant.ids)

The names load on first use, so ``ampeco-iac`` registers its subcommands without the SDK.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_WHERE = {
    "Tenant": ".component",
    "TenantDocumentError": ".component",
    "load": ".validation",
    "Problem": ".loading",
    "format_path": ".loading",
    "document_schema": ".schema",
    "Node": ".validation",
    "Plan": ".validation",
}
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


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'pulumi_ampeco.tenant' has no attribute {name!r}")
    return getattr(import_module(module, __name__), name)


if TYPE_CHECKING:
    from .component import Tenant, TenantDocumentError
    from .loading import Problem, format_path
    from .schema import document_schema
    from .validation import Node, Plan, load
