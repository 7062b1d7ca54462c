"""Walking a parsed JSON document (an OpenAPI document, a schema) object by object."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def objects(node: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object in ``node``, ``node`` included, each one before those inside it.

    The caller may change an object when it is handed out: its values are walked afterwards,
    so what a change puts in is visited too.
    """
    if isinstance(node, list):
        for item in node:
            yield from objects(item)
    elif isinstance(node, dict):
        yield node
        for value in node.values():
            yield from objects(value)
