"""Request bodies and queries as the tenant takes them, refused whole when they are not.

The tenant's API reads JSON in UTF-8 sent as ``application/json``. Anything else must get a
client error and change nothing: a body in another media type or encoding, text that is not
JSON, a string holding half of a UTF-16 surrogate pair (valid JSON, but no text: storing it
would poison every later listing), nesting deeper than any resource needs, or a query with
more parameters than any listing takes.
"""

from __future__ import annotations

import json
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
    except ValueError as error:
        raise Invalid({"body": [str(error)]}) from None


def parse_json(body: bytes) -> Any:
    """JSON in UTF-8 that can be stored as it is; a :class:`ValueError` saying why not."""
    try:
        payload = json.loads(body.decode("utf-8"), parse_constant=_no_constant)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise ValueError("The request body must be valid JSON in UTF-8.") from None
    problem = _problem(payload)
    if problem:
        raise ValueError(problem)
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


def _problem(payload: Any) -> str | None:
    """What makes a parsed body unfit to store, walking it without recursion."""
    stack: list[tuple[Any, int]] = [(payload, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return f"The request body is nested more than {MAX_DEPTH} levels deep."
        if isinstance(value, str):
            if _has_surrogate(value):
                return "The request body holds text that is not valid Unicode."
        elif isinstance(value, dict):
            for key, item in value.items():
                if _has_surrogate(key):
                    return "The request body holds text that is not valid Unicode."
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
    return None


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _no_constant(name: str) -> Any:
    """JSON has no NaN or Infinity; Python's parser would accept them."""
    raise ValueError(f"{name} is not a JSON number")
