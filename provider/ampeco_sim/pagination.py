"""Laravel's two paginators as AMPECO serves them: cursor style and page style."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from .store import MAX_ID, Row, Tx


@dataclass(frozen=True)
class ListingRequest:
    """What a listing needs to know about the request to build its links."""

    url: str  # absolute URL of the collection, without query
    pairs: Sequence[tuple[str, str]]  # the raw query, in order
    per_page: int


@dataclass(frozen=True)
class Selection:
    """The rows a listing pages through (one kind, under conditions) and how each is shown."""

    tx: Tx
    kind: str
    where: list[str]
    params: list[Any]
    render: Callable[[Row], dict[str, Any]]

    def rows(
        self, limit: int, offset: int = 0, after: int | None = None, before: int | None = None
    ) -> list[Row]:
        """Up to ``limit`` rows from ``offset`` on, in id order: with ``after``, only ids above it;
        with ``before``, only ids below it, the nearest first."""
        where, params = list(self.where), list(self.params)
        if after is not None:
            where.append("id > ?")
            params.append(after)
        if before is not None:
            where.append("id < ?")
            params.append(before)
        return self.tx.select(
            self.kind, where, params, descending=before is not None, limit=limit, offset=offset
        )

    def count(self) -> int:
        return self.tx.count(self.kind, self.where, self.params)


def encode_cursor(id_: int, forward: bool) -> str:
    raw = json.dumps({"id": id_, "_pointsToNextItems": forward}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(token: str) -> tuple[int, bool] | None:
    """``(id, forward)``, or ``None`` for an empty or unreadable cursor (Laravel starts over)."""
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        position = int(data["id"])
        if not 0 <= position <= MAX_ID:
            return None
        return position, bool(data["_pointsToNextItems"])
    except (ValueError, KeyError, TypeError, OverflowError, binascii.Error):  # 1e999: inf
        return None


def _link(req: ListingRequest, **replace: str | int) -> str:
    kept = [(k, v) for k, v in req.pairs if k not in ("cursor", "page", *replace)]
    kept += [(k, str(v)) for k, v in replace.items()]
    return f"{req.url}?{urlencode(kept)}"


def cursor_page(selection: Selection, req: ListingRequest, cursor: str) -> dict[str, Any]:
    position = decode_cursor(cursor)
    if position is None or position[1]:
        rows = selection.rows(req.per_page + 1, after=position[0] if position else None)
        more_after = len(rows) > req.per_page
        rows = rows[: req.per_page]
        more_before = position is not None
    else:
        rows = selection.rows(req.per_page + 1, before=position[0])
        more_before = len(rows) > req.per_page
        rows = list(reversed(rows[: req.per_page]))
        more_after = True
    next_cursor = encode_cursor(rows[-1].id, True) if rows and more_after else None
    prev_cursor = encode_cursor(rows[0].id, False) if rows and more_before else None
    return {
        "data": [selection.render(r) for r in rows],
        "links": {
            "first": None,
            "last": None,
            "prev": _link(req, cursor=prev_cursor) if prev_cursor else None,
            "next": _link(req, cursor=next_cursor) if next_cursor else None,
        },
        "meta": {
            "path": req.url,
            "per_page": req.per_page,
            "next_cursor": next_cursor,
            "prev_cursor": prev_cursor,
        },
    }


def _window(page: int, last_page: int, each_side: int = 3) -> list[int]:
    """Page numbers Laravel lists: both ends and a few around the current page."""
    shown = {1, 2, last_page - 1, last_page, *range(page - each_side, page + each_side + 1)}
    return sorted(n for n in shown if 1 <= n <= last_page)


def page_page(selection: Selection, req: ListingRequest, page: int) -> dict[str, Any]:
    page = max(page, 1)
    total = selection.count()
    last_page = max(1, -(-total // req.per_page))
    offset = (page - 1) * req.per_page
    # A page beyond anything SQLite can count to is simply empty.
    rows = selection.rows(req.per_page, offset) if offset <= MAX_ID else []
    first_index = (page - 1) * req.per_page + 1
    links: list[dict[str, Any]] = [
        {
            "url": _link(req, page=page - 1) if page > 1 else None,
            "label": "&laquo; Previous",
            "active": False,
        }
    ]
    previous = 0
    for number in _window(page, last_page):
        if number - previous > 1:
            links.append({"url": None, "label": "...", "active": False})
        links.append(
            {"url": _link(req, page=number), "label": str(number), "active": number == page}
        )
        previous = number
    links.append(
        {
            "url": _link(req, page=page + 1) if page < last_page else None,
            "label": "Next &raquo;",
            "active": False,
        }
    )
    return {
        "data": [selection.render(r) for r in rows],
        "links": {
            "first": _link(req, page=1),
            "last": _link(req, page=last_page),
            "prev": _link(req, page=page - 1) if page > 1 else None,
            "next": _link(req, page=page + 1) if page < last_page else None,
        },
        "meta": {
            "current_page": page,
            "from": first_index if rows else None,
            "last_page": last_page,
            "links": links,
            "path": req.url,
            "per_page": req.per_page,
            "to": first_index + len(rows) - 1 if rows else None,
            "total": total,
        },
    }
