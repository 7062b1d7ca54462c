"""The tenant's objects behind a stack's resources, looked up through the simulator's API.

Works on the resources of an offline-engine state file and of ``pulumi stack export`` alike:
each gives a resource's type token, its id and its outputs (which hold the parents' ids).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pulumi_ampeco.kinds import KINDS

from .conftest import API, http_client

DYNAMIC_PREFIX = "pulumi-python:dynamic"


def item_path(type_token: str, id_: str, values: Mapping[str, Any]) -> str | None:
    """The API path of a resource's object, or ``None`` for anything that is not one of ours
    (components, the stack, providers)."""
    if not type_token.startswith(DYNAMIC_PREFIX) or not id_:
        return None
    kind = KINDS.get(type_token.rsplit(":", 1)[-1])
    return None if kind is None else kind.item_path(id_, values)


def paths_in_state(resources: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """API paths of the objects in an offline-engine state (``stack.state()["resources"]``)."""
    found = (
        item_path(str(item["type"]), str(item.get("id") or ""), item.get("outputs") or {})
        for item in resources.values()
    )
    return [path for path in found if path is not None]


def paths_in_export(export: Mapping[str, Any]) -> list[str]:
    """API paths of the objects in a ``pulumi stack export`` document."""
    resources: Iterable[Mapping[str, Any]] = export.get("deployment", {}).get("resources") or []
    found = (
        item_path(str(item.get("type", "")), str(item.get("id") or ""), item.get("outputs") or {})
        for item in resources
    )
    return [path for path in found if path is not None]


def statuses(base_url: str, token: str, paths: Iterable[str]) -> dict[str, int]:
    """The HTTP status of a GET of each path on the tenant (200: the object exists)."""
    with http_client(
        base_url=base_url + API, headers={"Authorization": f"Bearer {token}"}, timeout=10
    ) as api:
        return {path: api.get(path).status_code for path in paths}
