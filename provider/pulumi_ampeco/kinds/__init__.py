"""Every resource kind, declared once (see :mod:`.declaration`), in dependency order: what a
kind refers to is declared before it.

``D<n>`` in the declarations are the decisions of ``docs/decisions.md``: what we assume where
AMPECO's documentation is silent."""

from __future__ import annotations

from . import (
    access,
    billing,
    charging,
    commercial,
    content,
    energy,
    fleet,
    locations,
    roaming,
    sites,
    tariffs,
)
from .declaration import Embedding, Key, Kind, Ordering, Output, Parent, Ref, Section, wire_path

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        *billing.KINDS,
        *tariffs.KINDS,
        *energy.KINDS,  # before the sites: a charge point names its utility
        *locations.KINDS,
        *charging.KINDS,
        *fleet.KINDS,
        *commercial.KINDS,
        *sites.KINDS,
        *content.KINDS,
        *access.KINDS,
        *roaming.KINDS,
    )
}
for _kind in KINDS.values():
    _kind.check()

#: The tenant document's sections by name, each knowing its kind.
SECTIONS: dict[str, Section] = {
    kind.section.name: kind.section for kind in KINDS.values() if kind.section is not None
}
_CHILDREN = {child for section in SECTIONS.values() for child in section.children}
#: Sections at the top of the document, in the order the component declares them (every
#: reference points at a section declared earlier).
TOP_LEVEL: tuple[str, ...] = tuple(name for name in SECTIONS if name not in _CHILDREN)

__all__ = [
    "KINDS",
    "SECTIONS",
    "TOP_LEVEL",
    "Embedding",
    "Key",
    "Kind",
    "Ordering",
    "Output",
    "Parent",
    "Ref",
    "Section",
    "wire_path",
]
