"""Request bodies and queries as the tenant takes them, refused whole when they are not.

The tenant's API reads JSON in UTF-8 sent as ``application/json``. Anything else must get a
client error and change nothing: a body in another media type or encoding, text that is not
JSON, a string holding half of a UTF-16 surrogate pair (valid JSON, but no text: storing it
would poison every later listing), a number that is not finite (``NaN``, ``Infinity`` or one
too large for a double, like ``1e999``: listings would then hold ``Infinity``, which is not
JSON), nesting deeper than any resource needs, or a query with more parameters than any
listing takes.
"""

from __future__ import annotations

import json
import math
from typing import Any

from .errors import ApiError, Invalid

#: How deep objects and arrays may nest in a body (the deepest resource needs fewer than 6).
MAX_DEPTH = 32
#: Query parameters a request may carry (a listing takes a few filters, a page and includes;
#: generated deep-object filters reach about a hundred).
MAX_QUERY_PARAMETERS = 1000


def json_body(body: bytes, content_type: str | None) -> Any:
    """The parsed body; an :class:`ApiError` (415, or 422 naming ``body``) if it is not JSON
    the tenant would take."""
    media, _, parameters = (content_type or "").partition(";")
    media = media.strip().lower()
    if media != "application/json":
        raise ApiError(415, "The request body must be sent as application/json.")
    charset = _parameter(parameters, "charset")
    if charset not in (None, "utf-8", "utf8"):
        raise ApiError(415, "The request body must be encoded in UTF-8.")
    try:
        return parse_json(body)
    except NotFinite as error:
        raise Invalid({error.field: [str(error)]}) from None
    except ValueError as error:
        raise Invalid({"body": [str(error)]}) from None


class NotFinite(ValueError):
    """A number that is not finite, at ``field`` (a dotted path, as validation errors name it)."""

    def __init__(self, field: str) -> None:
        self.field = field
        super().__init__(f"The {field} must be a finite number.")


def parse_json(body: bytes) -> Any:
    """JSON in UTF-8 that can be stored as it is; a :class:`ValueError` saying why not
    (a :class:`NotFinite` naming the field of a number that is not finite)."""
    try:
        # NaN and Infinity are parsed (not JSON, but Python's parser takes them) so that the
        # walk below names their field, as it does for numbers that overflow to infinity.
        payload = json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise ValueError("The request body must be valid JSON in UTF-8.") from None
    _check(payload)
    return payload


def check_query(pairs: list[tuple[str, str]]) -> None:
    if len(pairs) > MAX_QUERY_PARAMETERS:
        raise ApiError(
            400, f"The query has {len(pairs)} parameters; at most {MAX_QUERY_PARAMETERS}."
        )


def _parameter(parameters: str, name: str) -> str | None:
    for part in parameters.split(";"):
        key, _, value = part.partition("=")
        if key.strip().lower() == name:
            return value.strip().strip('"').lower()
    return None


def _check(payload: Any) -> None:
    """Raise a :class:`ValueError` for what makes a parsed body unfit to store, walking it
    without recursion."""
    stack: list[tuple[Any, tuple[object, ...]]] = [(payload, ())]
    while stack:
        value, path = stack.pop()
        if len(path) > MAX_DEPTH:
            raise ValueError(f"The request body is nested more than {MAX_DEPTH} levels deep.")
        if isinstance(value, float) and not math.isfinite(value):
            raise NotFinite(".".join(str(part) for part in path) or "body")
        if isinstance(value, str):
            _check_text(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                _check_text(key)
                stack.append((item, (*path, key)))
        elif isinstance(value, list):
            stack.extend((item, (*path, index)) for index, item in enumerate(value))


def _check_text(text: str) -> None:
    if _has_surrogate(text):
        raise ValueError("The request body holds text that is not valid Unicode.")


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
