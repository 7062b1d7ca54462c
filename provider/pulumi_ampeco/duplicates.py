"""One object per key the program owns: the duplicate guard.

An ``externalId`` names one object, yet two can come to carry it: a create whose answer was
lost, sent again, and carried out late by the tenant as well; two stacks (or a stack and a
person) creating the same object at once. So after a create the provider lists the key once
more, straight from the tenant. When the object may have a twin, the create keeps its object
(the engine records it, as Pulumi records a resource whose initialization failed), the object's
outputs remember the suspicion under :data:`MARKER`, and the run fails naming kind, key and
ids. Every later preview repeats the warning, and every ``up`` looks again (an update of that
object, with no write of its own) and fails until the twin is gone or accepted with
``ampeco:acceptedDuplicates``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .client import query_text
from .errors import POSSIBLE_DUPLICATE
from .lookup import Lookup

#: The output that holds a suspicion (hidden from the program: no resource class declares it).
MARKER = "__duplicates"


@dataclass(frozen=True)
class Suspicion:
    """What to look for again: the key's listing, the object the stack keeps, the objects
    that held the key before the create (not twins), and whether a create was sent twice."""

    path: str
    fields: dict[str, Any]
    params: dict[str, Any]
    kept: int
    before: tuple[int, ...] = ()
    resent: bool = False
    others: tuple[int, ...] = field(default=(), compare=False)
    #: Why the look after the create failed (``""``: it did not); the next up looks again.
    unverified: str = field(default="", compare=False)

    @classmethod
    def of(
        cls, key: Lookup, kept: int, before: Iterable[int] = (), *, resent: bool = False
    ) -> Suspicion:
        return cls(key.path, dict(key.fields), dict(key.params), kept, tuple(before), resent)

    @property
    def lookup(self) -> Lookup:
        return Lookup(self.path, self.fields, self.params)

    def output(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "fields": dict(self.fields),
            "params": dict(self.params),
            "kept": self.kept,
            "before": list(self.before),
            "resent": self.resent,
            "others": list(self.others),
            "unverified": self.unverified,
        }

    @classmethod
    def from_output(cls, value: Any) -> Suspicion | None:
        """The suspicion an object's outputs remember; ``None`` for none (or one that is not
        in this shape: the next look then starts from the object's own key)."""
        if not isinstance(value, Mapping):
            return None
        try:
            return cls(
                str(value["path"]),
                dict(value["fields"]),
                dict(value.get("params") or {}),
                int(value["kept"]),
                tuple(int(i) for i in value.get("before") or ()),
                bool(value.get("resent")),
                tuple(int(i) for i in value.get("others") or ()),
                str(value.get("unverified") or ""),
            )
        except (KeyError, TypeError, ValueError):
            return None

    def seen(self, others: Iterable[int]) -> Suspicion:
        return dataclasses.replace(self, others=tuple(others), unverified="")

    def unchecked(self, reason: str) -> Suspicion:
        return dataclasses.replace(self, others=(), unverified=reason)


def twins(
    suspicion: Suspicion, found: Iterable[Mapping[str, Any]], accepted: frozenset[int]
) -> list[int]:
    """Ids of the objects that carry the key besides the kept one, less those that had it
    before the create and those a person accepted."""
    skip = {suspicion.kept, *suspicion.before, *accepted}
    ids = {int(o["id"]) for o in found if isinstance(o.get("id"), int)}
    return sorted(ids - skip)


def message(kind: str, suspicion: Suspicion) -> str:
    """The warning: kind, key, ids, and the two ways out."""
    key = ", ".join(f"{k}={v!r}" for k, v in suspicion.fields.items())
    query = query_text(suspicion.params)
    listing = f"GET /public-api/resources{suspicion.path}{f'?{query}' if query else ''}"
    if suspicion.others:
        ids = ", ".join(str(i) for i in suspicion.others)
        plural = "s" if len(suspicion.others) > 1 else ""
        found = (
            f"the tenant holds {len(suspicion.others) + 1} objects with it: id {suspicion.kept},"
            f" which this stack keeps, and id{plural} {ids}"
        )
        fix = (
            f"delete the extra object{plural} (id{plural} {ids}; {listing} lists them), or, if"
            f" they are meant to share the key, accept them: `pulumi config set"
            f" ampeco:acceptedDuplicates {','.join(str(i) for i in suspicion.others)}`"
            f" (`ampeco-iac offline`: `-c ampeco:acceptedDuplicates=...` or"
            " AMPECO_ACCEPTED_DUPLICATES)"
        )
    elif suspicion.unverified:
        found = (
            f"looking for other objects with it after the create failed ({suspicion.unverified});"
            f" this stack keeps id {suspicion.kept}"
        )
        fix = f"run up again once the tenant answers: it looks again ({listing} shows them)"
    else:
        found = (
            f"its create was sent again after an answer was lost, and the tenant may still carry"
            f" out the lost one; this stack keeps id {suspicion.kept}"
        )
        fix = f"{listing} shows whether a second one appeared; delete any other than id {suspicion.kept}"
    return (
        f"{POSSIBLE_DUPLICATE}{kind} with {key}: {found}. To end this, {fix}. Every preview"
        " repeats this and every up looks again and fails until then"
    )
