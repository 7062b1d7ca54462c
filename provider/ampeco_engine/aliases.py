"""Aliases, resolved as the Pulumi engine resolves them: a resource registered under a new URN
is the resource recorded under one of its aliases (same object, same id, its state carried
over), never a create and a delete.

Each alias a program gives (``ResourceOptions(aliases=[...])``) arrives either as a URN or as a
spec whose empty parts default to the resource's own: name, type, parent (``noParent`` for
none), project and stack. A resource whose parent has aliases also has, for each of its own
names, the URN it had under each of the parent's old URNs (Pulumi's parent-alias inheritance; a
child named after its parent, ``app-function`` under ``app``, follows the parent's old name).
Pulumi inherits only the alias the parent was found under in this run; here every alias the
parent declares counts, so that a child whose parent was renamed by an earlier, failed run
(the parent now found under its new name) is still found under its old name rather than
created anew while its object is deleted.
The resource's own URN is looked up first, then the aliases in order; an alias already
registered this run, or claimed by another resource, is an error, as under Pulumi.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .protocol import STACK_TYPE


class AliasError(Exception):
    """Two resources claim one old resource, or a resource claims one registered this run."""


def qualified_type(urn: str) -> str:
    """The ``parent$type`` part of a URN."""
    return urn.split("::")[2]


def urn_name(urn: str) -> str:
    return urn.split("::", 3)[3]


def create_urn(name: str, type_: str, parent: str, project: str, stack: str) -> str:
    """The URN of a resource ``name`` of ``type_`` under ``parent`` (a URN, or empty)."""
    qualified = type_
    if parent:
        parent_type = qualified_type(parent)
        if parent_type != STACK_TYPE:
            qualified = f"{parent_type}${type_}"
    return f"urn:pulumi:{stack}::{project}::{qualified}::{name}"


class AliasResolver:
    """The aliases of one operation: what each alias resolves to, and who claimed what."""

    def __init__(self, project: str, stack: str) -> None:
        self._project = project
        self._stack = stack
        #: New URN -> the old URN it was found under (for its children's aliases).
        self.renamed: dict[str, str] = {}
        #: Old URN -> the new URN that claimed it (the old URN is not deleted).
        self.claimed: dict[str, str] = {}
        #: Registered URN -> every URN its aliases name (matched or not), for its children.
        self._declared: dict[str, list[str]] = {}

    def _spec_urn(self, name: str, type_: str, parent: str, alias: Any) -> str:
        if alias.urn:
            return str(alias.urn)
        spec = alias.spec
        alias_parent = spec.parentUrn or parent
        if spec.parentUrn:
            alias_parent = self.renamed.get(alias_parent, alias_parent)
        if spec.noParent or (alias_parent and qualified_type(alias_parent) == STACK_TYPE):
            alias_parent = ""
        return create_urn(
            spec.name or name,
            spec.type or type_,
            alias_parent,
            spec.project or self._project,
            spec.stack or self._stack,
        )

    def _inherited(self, type_: str, name: str, parent: str, parent_alias: str) -> str:
        parent_name = urn_name(parent)
        alias_name = name
        if name.startswith(parent_name):
            alias_name = urn_name(parent_alias) + name[len(parent_name) :]
        return (
            f"urn:pulumi:{self._stack}::{self._project}::"
            f"{qualified_type(parent_alias)}${type_}::{alias_name}"
        )

    def candidates(self, name: str, type_: str, parent: str, aliases: Iterable[Any]) -> list[str]:
        """Every URN the resource may have had, in Pulumi's order, without repeats."""
        given = list(aliases)
        own = [self._spec_urn(name, type_, parent, alias) for alias in given]
        found = list(own)
        parent_aliases = [self.renamed[parent]] if parent in self.renamed else []
        parent_aliases += self._declared.get(parent, [])
        for parent_alias in dict.fromkeys(parent_aliases):
            found.append(self._inherited(type_, name, parent, parent_alias))
            for urn in own:
                child_type = qualified_type(urn).rsplit("$", 1)[-1]
                found.append(self._inherited(child_type, urn_name(urn), parent, parent_alias))
        return list(dict.fromkeys(found))

    def declare(self, urn: str, candidates: Iterable[str]) -> None:
        """The URNs a registered resource's aliases name, which its children inherit."""
        self._declared[urn] = [c for c in candidates if c != urn]

    def match(
        self,
        urn: str,
        candidates: Iterable[str],
        olds: Mapping[str, object],
        registered: Iterable[str],
    ) -> str | None:
        """The old URN this resource is, among ``olds`` (the state before the run); claims it.
        ``None`` when no alias names an old resource."""
        if urn in self.claimed:
            raise AliasError(
                f"resource {urn!r} is registered, but another resource"
                f" ({self.claimed[urn]!r}) already took it over as an alias"
            )
        seen = set(registered)
        for alias in candidates:
            if alias == urn or alias not in olds:
                continue
            if alias in seen:
                raise AliasError(
                    f"resource {urn!r} has the alias {alias!r}, which a resource of this"
                    " program registers itself: two resources would be one object"
                )
            if alias in self.claimed:
                raise AliasError(
                    f"resource {urn!r} and resource {self.claimed[alias]!r} both have the"
                    f" alias {alias!r}: only one of them can be that resource"
                )
            self.claimed[alias] = urn
            self.renamed[urn] = alias
            return alias
        return None
