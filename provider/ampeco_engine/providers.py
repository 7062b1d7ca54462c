"""The installed providers: a state file never chooses the code that serves its resources.

A dynamic resource stores its provider in the state as a pickle (the ``__provider`` property),
and the provider server (``python -m pulumi.dynamic``) unpickles the one it is sent. Delete,
Read (refresh) and Diff send stored properties, so a state file that was altered could make the
server run any code. Before an operation sends anything, :meth:`InstalledProviders.serve`
puts in place of every ``__provider`` the state holds (resources and pending deletes, inputs and
outputs) the value the installed provider produces for the resource's type, and refuses the
state (:class:`ForeignProviderError`) at the first type no installed provider serves. A stored
value is compared with ours as bytes, never read.

Where the installed providers come from: *catalogues*, functions from a type token
(``pulumi-python:dynamic/ampeco:Location``) to the provider object that the resource class
gives ``pulumi.dynamic.Resource`` (``None`` for a type it does not serve). They are the ones
passed to ``OfflineStack(providers=...)``, then the entry points of the group
``ampeco_engine.providers`` of the installed distributions (pulumi-ampeco declares one), loaded
on first need, so that importing the engine loads no provider package. The expected value is
computed as the SDK computes it (``serialize_provider``), once per type.
"""

from __future__ import annotations

import contextlib
import dataclasses
import pickle
from collections.abc import Callable, Iterable, Iterator
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from pulumi.dynamic import dynamic as sdk_dynamic
from pulumi.dynamic.dynamic import serialize_provider

from .protocol import PROVIDER_KEY, UNSERVED, short
from .results import EngineStartError
from .state import ResourceState, StackState
from .values import reveal

ENTRY_POINT_GROUP = "ampeco_engine.providers"

Catalogue = Callable[[str], Any]
"""A type token -> the provider object its resources pickle, or ``None``."""


class ForeignProviderError(EngineStartError):
    """A state holds a resource of a type that no installed provider serves. Nothing was sent
    to the tenant."""


@dataclasses.dataclass(frozen=True)
class _Source:
    name: str
    catalogue: Catalogue


@dataclasses.dataclass(frozen=True)
class _Expected:
    value: str
    source: str


class InstalledProviders:
    """The ``__provider`` value of each type, as this installation's providers make it."""

    def __init__(self, catalogues: Iterable[Catalogue] = ()) -> None:
        self._given = [_Source(_module_of(c), c) for c in catalogues]
        self._sources: list[_Source] | None = None
        self._expected: dict[str, _Expected | None] = {}

    def expected(self, type_: str) -> _Expected | None:
        """The value the installed provider sends for resources of ``type_``, if any serves it."""
        if type_ not in self._expected:
            self._expected[type_] = self._lookup(type_)
        return self._expected[type_]

    def serve(
        self,
        state: StackState,
        path: Path,
        *,
        program_may_serve: bool = False,
        trust_stored: bool = False,
        set_aside: dict[tuple[str, str], dict[str, Any]] | None = None,
    ) -> int:
        """Give every resource of ``state`` (read from ``path``) the installed provider of its
        type in place of the one it stores, which is never unpickled. A type no installed
        provider serves gets :data:`UNSERVED` when the program runs (``program_may_serve``:
        its own dynamic providers serve their types then); otherwise the state is refused at
        the first such type. Returns how many stored values differed (a state from before an
        upgrade that pickles differently, or an altered one). With ``trust_stored``, a type no
        installed provider serves keeps the provider its resources store (the user vouches for
        the state file). ``set_aside`` receives the stored values :data:`UNSERVED` replaced,
        by ``(urn, id)``, so that the state keeps them."""
        replaced = 0
        for where, resource in _entries(state):
            holders = [p for p in (resource.inputs, resource.outputs) if PROVIDER_KEY in p]
            if not holders:
                continue
            expected = self.expected(resource.type)
            if expected is None and trust_stored:
                continue
            if expected is None and program_may_serve:
                stored = {}
                for side, holder in (("inputs", resource.inputs), ("outputs", resource.outputs)):
                    if PROVIDER_KEY in holder:
                        stored[side] = holder[PROVIDER_KEY]
                        holder[PROVIDER_KEY] = UNSERVED
                if set_aside is not None:
                    set_aside[(resource.urn, resource.id)] = stored
                continue
            if expected is None:
                raise ForeignProviderError(
                    f"{path}: {where} ({short(resource.type)}): no provider installed here"
                    " serves this type (the state was made by another program or altered);"
                    f" {_FIX}; if the state is this stack's, install the package whose"
                    f" {ENTRY_POINT_GROUP} entry point serves the type. A program's own"
                    " dynamic provider serves its resources while the program runs (preview,"
                    " up); for refresh and destroy, --trust-stored-providers runs the ones this"
                    " state stores, if you trust the file"
                )
            for holder in holders:
                if reveal(holder[PROVIDER_KEY]) != expected.value:
                    replaced += 1
                holder[PROVIDER_KEY] = expected.value
        return replaced

    def _lookup(self, type_: str) -> _Expected | None:
        for source in self._all_sources():
            provider = source.catalogue(type_)
            if provider is not None:
                return _Expected(_serialized(provider), source.name)
        return None

    def _all_sources(self) -> list[_Source]:
        if self._sources is None:
            plugins = [
                _Source(point.dist.name if point.dist is not None else point.name, point.load())
                for point in entry_points(group=ENTRY_POINT_GROUP)
            ]
            self._sources = [*self._given, *plugins]
        return self._sources


_FIX = (
    "nothing was sent to the tenant. Use this stack's own state file, or restore it from a"
    " copy you trust (a backup, version control)"
)


def _entries(state: StackState) -> Iterator[tuple[str, ResourceState]]:
    """Each resource of the state with its place in the file (``resources[3]``; resources an
    interrupted run journaled count after the file's own)."""
    for number, resource in enumerate(state.resources.values()):
        yield f"resources[{number}]", resource
    for number, resource in enumerate(state.pending_deletes):
        yield f"pending_deletes[{number}]", resource


def _serialized(provider: Any) -> str:
    """``provider`` as ``pulumi.dynamic.Resource`` stores it. The SDK's ``serialize_provider``
    wraps a method of ``pickle._Pickler`` on each call and never restores it, nesting deeper
    each time; the method is put back, so a check adds no level."""
    saved = pickle._Pickler.__dict__["_batch_setitems"]
    try:
        value: str = serialize_provider(provider)
    finally:
        pickle._Pickler._batch_setitems = saved  # type: ignore[attr-defined]
    return value


def _module_of(catalogue: Catalogue) -> str:
    return str(getattr(catalogue, "__module__", None) or "given")


@contextlib.contextmanager
def serializing_without_nesting() -> Iterator[None]:
    """While a program runs, its dynamic resources (whatever their provider) serialize their
    provider through :func:`_serialized`: without it, a program of about a thousand resources of
    a provider defined in ``__main__`` fails with ``RecursionError`` in the SDK."""
    previous = sdk_dynamic.serialize_provider
    sdk_dynamic.serialize_provider = _serialized
    try:
        yield
    finally:
        sdk_dynamic.serialize_provider = previous
