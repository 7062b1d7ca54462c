"""``adopt``: taking over an object the tenant already has, and which tenant an id belongs to.

Ids belong to one tenant: id 4000 on production and id 4000 on staging are two unrelated
objects. An export therefore binds the ids it writes to the tenant it read (:class:`Adopt`,
``ids_from`` in a tenant document). Against that tenant an id takes over exactly that object,
and only while the object there still carries the key the program gives it; against any other
tenant the id is not used: the object is found by its key, or created (:func:`resolve`).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .client import normalise_base_url
from .errors import ConfigurationError


@dataclass(frozen=True)
class Adopt:
    """Take over the object with ``id``, an id of the tenant at ``tenant`` (its URL, as
    ``ampeco:tenantUrl`` names it). On another tenant the id is ignored and the object is
    found by its key or created. ``ampeco-iac export`` writes these."""

    id: int
    tenant: str | None = None
    #: On another tenant, find the object by its key (``False`` when the key is shared with
    #: another object of the program: each such object is then created).
    by_key: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.id, bool) or not isinstance(self.id, int) or self.id < 1:
            raise ValueError(f"Adopt: the id must be a positive whole number, not {self.id!r}")


#: ``adopt`` as the provider reads it: by key, not at all, an id, or an id of a named tenant.
Adoption = bool | int | Adopt


def to_wire(adopt: Adoption) -> Any:
    """The input the provider receives (``{"id": …, "tenant": …}`` for a bound id)."""
    if isinstance(adopt, Adopt):
        if not adopt.tenant:
            return adopt.id
        wire: dict[str, Any] = {"id": adopt.id, "tenant": adopt.tenant}
        if not adopt.by_key:
            wire["byKey"] = False
        return wire
    return adopt


def parse(value: Any) -> Adoption | None:
    """``adopt`` as given; ``None`` when it is none of the forms. Ids arrive as floats."""
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, Mapping):
        tenant = value.get("tenant")
        number = _id(value.get("id"))
        by_key = value.get("byKey", True)
        if number is None or not (tenant is None or isinstance(tenant, str)):
            return None
        if not isinstance(by_key, bool):
            return None
        return Adopt(number, tenant or None, by_key)
    return _id(value)


def as_id(value: Any) -> int:
    """An object's id as given (ids arrive as floats over the wire); raises ``ValueError``
    (or ``TypeError``) for anything that is not a positive whole number."""
    number = float(value)
    if not number.is_integer() or number < 1:
        raise ValueError(value)
    return int(number)


def _id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return as_id(value)
    except (TypeError, ValueError):
        return None


def same_tenant(a: str, b: str) -> bool:
    """Whether two tenant URLs name one tenant (``tenant.example.com`` and
    ``https://tenant.example.com/public-api/`` do)."""
    return _normal(a) == _normal(b)


def tenant_url(value: Any) -> str | None:
    """``value`` as the client names a tenant (``https://…/public-api``), loopback over http
    included; ``None`` when it is not a tenant's URL."""
    if not isinstance(value, str):
        return None
    try:
        return normalise_base_url(value, allow_insecure_http=True)
    except ConfigurationError:
        return None


def _normal(url: str) -> str:
    return (tenant_url(url) or url.strip()).lower()


_warned: set[tuple[str, str]] = set()
_warned_lock = threading.Lock()


def first_time(ids_from: str, tenant: str) -> bool:
    """``True`` once per process for each pair of tenants (the note is said once a run)."""
    with _warned_lock:
        before = len(_warned)
        _warned.add((_normal(ids_from), _normal(tenant)))
        return len(_warned) > before


def ignored_ids_note(ids_from: str, tenant: str) -> str:
    return (
        f"ids from {_normal(ids_from)} are ignored on {_normal(tenant)}: they name that"
        " tenant's objects, so each object is found here by its key (external id, name, number"
        " within its parent) or created"
    )
