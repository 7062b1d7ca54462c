"""Process-wide state of the provider process: the stack config and the one client.

The dynamic provider object is pickled into every resource's state, so it must stay tiny and
hold nothing secret. The configuration the engine hands to ``configure`` and the client built
from it live here instead, in the provider process only, created lazily and shared by the
engine's worker threads.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from typing import Any

from . import config
from .cache import ReadCache
from .client import AmpecoClient
from .ordering import Ranks

#: Stack config keys read from the engine's configuration.
KEYS = tuple(s.config_key for s in config.SETTINGS)

_lock = threading.Lock()
_config: dict[str, str] = {}
_client: AmpecoClient | None = None
_key_locks: dict[tuple[str, str], threading.Lock] = {}
#: Collections read during this operation (see :mod:`pulumi_ampeco.cache`).
read_cache = ReadCache()
#: Collections read by ``check`` to see that an id names the object a program describes: apart
#: from ``read_cache``, so the listings a preview takes never stand in for an up's reads.
verify_cache = ReadCache()
#: The program's ranks of ranked objects met during this operation (D46).
ranks = Ranks()


def configure(values: Mapping[str, object]) -> None:
    """Take the stack config (namespaced keys; secrets already decrypted by the engine)."""
    global _client
    fresh = {k: str(v) for k, v in values.items() if k in KEYS and v is not None}
    with _lock:
        if fresh != _config:
            _config.clear()
            _config.update(fresh)
            if _client is not None:
                _client.close()
            _client = None
            read_cache.forget("")  # read from another tenant, or with other settings
            verify_cache.forget("")


def client() -> AmpecoClient:
    """The provider process's client, built on first use from the config and ``AMPECO_*``."""
    global _client
    with _lock:
        if _client is None:
            _client = AmpecoClient.from_config(config.load(_config, os.environ))
        return _client


_claimed: set[tuple[str, str]] = set()


def key_lock(collection: str, key: str) -> threading.Lock:
    """One lock per collection and lookup key: the engine's worker threads must not both
    look for the same key, find nothing and create it twice."""
    with _lock:
        return _key_locks.setdefault((collection, key), threading.Lock())


def claim(collection: str, id_: Any) -> bool:
    """Mark the object ``id_`` of ``collection`` as taken by a resource of this run; ``False``
    if one already took it (two creates resumed after a crash must not share one object)."""
    with _lock:
        before = len(_claimed)
        _claimed.add((collection, str(id_)))
        return len(_claimed) > before


def unclaim(prefix: str) -> None:
    """Forget the objects taken in collections whose path starts with ``prefix`` (a new
    operation begins)."""
    with _lock:
        for taken in [c for c in _claimed if c[0].startswith(prefix)]:
            _claimed.discard(taken)


def claimed(collection: str, id_: Any) -> bool:
    """Whether a resource of this run already took the object ``id_`` of ``collection``."""
    with _lock:
        return (collection, str(id_)) in _claimed


def cache_enabled() -> bool:
    """Whether reads go through the collection cache (``ampeco:readCache``, on by default)."""
    with _lock:
        snapshot = dict(_config)
    return bool(config.value("readCache", snapshot))


def default_locale() -> str:
    """Locale of translated texts written as plain strings (``ampeco:defaultLocale``)."""
    with _lock:
        snapshot = dict(_config)
    return str(config.value("defaultLocale", snapshot))


def tenant_url() -> str:
    """The tenant this process talks to, as the client names it (``https://…/public-api``)."""
    return client().base_url


def accepted_duplicates() -> frozenset[int]:
    """Ids the duplicate check passes over (``ampeco:acceptedDuplicates``)."""
    with _lock:
        snapshot = dict(_config)
    accepted: frozenset[int] = config.value("acceptedDuplicates", snapshot)
    return accepted


def reset() -> None:
    """Forget the configuration and close the client (tests)."""
    configure({})
