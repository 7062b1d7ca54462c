"""``Tenant``: a whole tenant's configuration from one document, as one Pulumi component."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi.runtime.config import is_config_secret

from .. import config, resources
from ..adoption import Adopt
from ..errors import DocumentError
from .validation import Document, Node, load, set_at

TYPE = "ampeco:index:Tenant"


class TenantDocumentError(DocumentError, pulumi.RunError):
    """The document has problems; nothing was declared, so nothing reaches the tenant.

    Also a ``RunError``, so Pulumi prints the list without a Python traceback.
    """


def stack_config_lookup(full_key: str) -> tuple[str | None, bool]:
    """A ``${config:…}`` value from the running stack's config, and whether it is secret."""
    namespace, _, key = full_key.partition(":")
    return pulumi.Config(namespace).get(key), is_config_secret(full_key)


class Tenant(pulumi.ComponentResource):
    """Every object of a tenant document, declared as resources of this component.

    Objects refer to each other by their keys in the document; here those become the ids of
    the resources, so Pulumi creates what is referred to first and deletes it last. The
    document is validated as a whole first: on any problem :class:`TenantDocumentError` lists
    them all and no resource is declared.

    ``resources`` maps each object's name (``locations/depot/charge_points/cp-1``) to its
    resource; ``ids`` is an output of the same names → the tenant's ids.
    """

    resources: dict[str, pulumi.CustomResource]
    ids: pulumi.Output[dict[str, str]]

    def __init__(
        self,
        resource_name: str,
        document: Document,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        locale = config.value(
            "defaultLocale",
            {"ampeco:defaultLocale": pulumi.Config("ampeco").get("defaultLocale") or ""},
        )
        plan = load(
            document,
            config=stack_config_lookup,
            project=pulumi.get_project(),
            default_locale=locale or "en",
        )
        if plan.problems:
            name = "tenant document" if isinstance(document, Mapping) else str(document)
            raise TenantDocumentError(name, plan.problems)
        super().__init__(TYPE, resource_name, None, opts)
        self.resources = {}
        for node in plan.nodes:
            self.resources[node.name] = self._declare(resource_name, node, plan.ids_from)
        names = list(self.resources)
        self.ids = pulumi.Output.all(*(self.resources[n].id for n in names)).apply(
            lambda ids: dict(zip(names, (str(i) for i in ids), strict=True))
        )
        self.register_outputs({"ids": self.ids})

    def _declare(self, tenant: str, node: Node, ids_from: str | None) -> pulumi.CustomResource:
        kwargs: dict[str, Any] = copy.deepcopy(node.args)
        for name, parent in node.parents.items():
            kwargs[name] = self.resources[parent].id
        for name, target in node.refs.items():
            if isinstance(target, list):
                set_at(kwargs, name, [self.resources[t].id for t in target])
            else:
                set_at(kwargs, name, self.resources[target].id)
        for name in node.secret_args:
            if name in kwargs:
                kwargs[name] = pulumi.Output.secret(kwargs[name])
        cls = getattr(resources, node.section.kind)
        resource: pulumi.CustomResource = cls(
            f"{tenant}/{node.name}",
            opts=pulumi.ResourceOptions(
                parent=self,
                retain_on_delete=node.retain_on_delete or None,
                # `renamed_from`: the object the stack holds under an old name is this one.
                aliases=[pulumi.Alias(name=f"{tenant}/{old}") for old in node.old_names] or None,
            ),
            adopt=(
                Adopt(node.adopt, ids_from, by_key=not node.key_shared)
                if ids_from and not isinstance(node.adopt, bool)
                else node.adopt
            ),
            **kwargs,
        )
        return resource
