"""A model's validation errors as a user can act on them: each at the path the program (or the
tenant document) wrote, with what to do about it. Free of the Pulumi SDK, so ``ampeco-iac
validate`` uses it too."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pydantic
from pydantic.alias_generators import to_snake

from .kinds import Kind
from .kinds.declaration import nested_models
from .models.base import SHOWN_LENGTH, shown, too_large


def validation_problems(
    exc: pydantic.ValidationError, kind: Kind, given: Mapping[str, Any]
) -> list[tuple[list[Any], str]]:
    """Each error of a model as (the path as the program wrote it, what to do about it)."""
    out = []
    for error in exc.errors(include_url=False):
        loc = _program_path(error["loc"], given)
        out.append((loc, _explain(error, kind, loc)))
    return out


def _program_path(loc: tuple[Any, ...], given: Any) -> list[Any]:
    """The error's location as the program wrote it: a ``{locale: text}`` mapping that the model
    turned into a list is named by its locale (``name.en``), not by a list index."""
    out: list[Any] = []
    value = given
    parts = list(loc)
    while parts:
        part = parts.pop(0)
        if isinstance(part, int) and isinstance(value, Mapping):
            keys = list(value)
            if part < len(keys):
                out.append(keys[part])
                value = value[keys[part]]
                if parts and parts[0] == "translation":
                    parts.pop(0)
                continue
        if isinstance(part, str) and part != part.lower() and "-" not in part:
            part = to_snake(part)  # a missing field is reported by its API name
        out.append(part)
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list) and isinstance(part, int) and part < len(value):
            value = value[part]
        else:
            value = None
    return out


def _model_at(model: type[pydantic.BaseModel], loc: list[Any]) -> type[pydantic.BaseModel]:
    """The (nested) model that a location points into."""
    current = model
    for part in loc:
        field = current.model_fields.get(str(part)) if isinstance(part, str) else None
        if field is None:
            continue
        for candidate in nested_models(field.annotation):
            current = candidate
            break
    return current


def _explain(error: Any, kind: Kind, loc: list[Any]) -> str:
    problem = error["type"]
    got = error.get("input")
    if problem == "missing":
        return f"required: set `{loc[-1]}`"
    if problem == "extra_forbidden":
        owner = _model_at(kind.model, loc[:-1])
        names = ", ".join(sorted(owner.model_fields))
        where = kind.name if owner is kind.model else f"`{'.'.join(map(str, loc[:-1]))}`"
        return f"`{loc[-1]}` is not an argument of {where}; the arguments are: {names}"
    message = str(error["msg"])
    if problem == "int_parsing_size":  # pydantic's own 64-bit limit, said as ours is
        message = too_large(got)
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    if loc and str(loc[0]) in kind.secrets:
        return message  # the value is secret: not quoted
    if got is None or isinstance(got, dict) or (isinstance(got, str) and len(got) > SHOWN_LENGTH):
        return message  # a long text is described by the message, never quoted
    return f"{message} (got {shown(got)})"
