"""What every resource model shares: snake_case in programs, camelCase on the wire.

A model is the desired state a user writes. It validates before any API call (``check``),
and it converts between the program's names (``external_id``) and the API's (``externalId``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationInfo,
    field_validator,
)
from pydantic.alias_generators import to_camel

DEFAULT_LOCALE = "en"
#: The largest integer the API takes: its integers are 64-bit (ids, powers, counts).
MAX_INTEGER = 2**63 - 1
#: Decimal numbers must stay below this in magnitude: ten digits before the point, five after
#: (see "Values the models refuse" in docs/decisions.md).
DECIMAL_LIMIT = 10.0**10
#: Fields that name or key an object (in any model): never empty or only spaces, which the
#: tenant would show as a nameless object or could not find again.
NAMING_FIELDS = frozenset(
    {"name", "translation", "external_id", "network_id", "physical_reference"}
)
#: The characters text may not hold: Unicode's control characters (categories Cc and Cs)
#: except tab, line feed and carriage return. NUL and the rest are no text a person wrote;
#: half a surrogate pair cannot be sent at all.
FORBIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


class AmpecoModel(BaseModel):
    """Base of every model: camelCase aliases, unknown fields rejected, numbers coerced."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        str_strip_whitespace=False,
        # A number where text is expected (an EVSE's `network_id: 1` in YAML) means that text.
        coerce_numbers_to_str=True,
        # The docstring under a field is its description (reference pages, JSON Schema).
        use_attribute_docstrings=True,
        # JSON has no infinity or NaN: `.inf` or `1e400` in a document is refused by name.
        allow_inf_nan=False,
    )

    @field_validator("*", mode="after")
    @classmethod
    def _values_the_api_holds(cls, value: Any, info: ValidationInfo) -> Any:
        """Integers anywhere in a field (lists included) fit the API's 64-bit integers,
        decimal numbers stay below :data:`DECIMAL_LIMIT`, text
        holds no control characters, and a naming field is not blank."""
        return api_holds(info.field_name, value)

    def to_wire(self) -> dict[str, Any]:
        """The API body for the fields the user set (``None`` where the user cleared one)."""
        return self.model_dump(by_alias=True, exclude_unset=True, mode="json")

    def to_state(self) -> dict[str, Any]:
        """The program's view (snake_case) of the fields the user set."""
        return self.model_dump(by_alias=False, exclude_unset=True, mode="json")


def too_large(value: Any) -> str:
    """The message for an integer beyond :data:`MAX_INTEGER` (ours and pydantic's own)."""
    shown = int(value) if isinstance(value, float) and value.is_integer() else value
    return f"{shown} is too large for the API: integers go up to {MAX_INTEGER:,}"


def api_holds(field_name: str | None, value: Any) -> Any:
    """``value`` if the API can hold it in the field ``field_name`` (see the model's
    ``_values_the_api_holds``); a ``ValueError`` saying why not."""
    _within_range(value)
    if field_name in NAMING_FIELDS and isinstance(value, str) and not value.strip():
        raise ValueError("must not be empty or only spaces")
    return value


def _within_range(value: Any) -> None:
    if isinstance(value, int) and not isinstance(value, bool):
        if not -MAX_INTEGER - 1 <= value <= MAX_INTEGER:
            raise ValueError(too_large(value))
    elif isinstance(value, float):
        if not -DECIMAL_LIMIT < value < DECIMAL_LIMIT:
            raise ValueError(
                f"{value:g} is too large for the API: decimal numbers stay below"
                f" {DECIMAL_LIMIT:,.0f} (ten digits before the point)"
            )
    elif isinstance(value, str):
        found = FORBIDDEN_CHARACTERS.search(value)
        if found:
            raise ValueError(
                f"holds the control character U+{ord(found.group()):04X}; only text, tabs and"
                " line breaks are allowed"
            )
    elif isinstance(value, list):
        for item in value:
            _within_range(item)
    elif isinstance(value, dict):
        for item in value.values():
            _within_range(item)


class Translation(AmpecoModel):
    locale: str = Field(
        min_length=2, max_length=16, pattern=r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$"
    )
    translation: str = Field(min_length=1)


def _translations(value: Any, info: ValidationInfo) -> Any:
    """Accept ``"text"`` (the stack's default locale), ``{locale: text}`` or the API's list of
    ``{"locale", "translation"}``; produce the API's list, sorted by locale."""
    locale = (info.context or {}).get("default_locale", DEFAULT_LOCALE)
    if isinstance(value, str):
        return [{"locale": locale, "translation": value}]
    if isinstance(value, Mapping):
        return [{"locale": k, "translation": v} for k, v in value.items()]
    return value


def _unique_sorted(value: list[Translation]) -> list[Translation]:
    locales = [t.locale for t in value]
    repeated = sorted({code for code in locales if locales.count(code) > 1})
    if repeated:
        raise ValueError(f"locale {', '.join(repeated)} appears more than once")
    return sorted(value, key=lambda t: t.locale)


#: Translated text in the API's list form, normalised (sorted by locale, one entry per locale).
Translations = Annotated[
    list[Translation],
    # Editors (the tenant document's JSON Schema) accept the three forms a program may write.
    BeforeValidator(_translations, json_schema_input_type=str | dict[str, str] | list[Translation]),
    AfterValidator(_unique_sorted),
]

TIME_OF_DAY = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


@functools.cache
def field_adapter(model: type[BaseModel], name: str) -> TypeAdapter[Any]:
    """One field of a model on its own, with its constraints (lengths, patterns, ranges): to
    check a value when the object as a whole does not validate (yet)."""
    field = model.model_fields[name]
    # The checks every model field gets (`_values_the_api_holds`), after its own.
    holds = AfterValidator(functools.partial(api_holds, name))
    annotation: Any = Annotated.__class_getitem__((field.annotation, *field.metadata, holds))  # type: ignore[attr-defined]
    return TypeAdapter(annotation)
