"""What every resource model shares: snake_case in programs, camelCase on the wire.

A model is the desired state a user writes. It validates before any API call (``check``),
and it converts between the program's names (``external_id``) and the API's (``externalId``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import InitErrorDetails, PydanticCustomError

from .enums import COUNTRIES

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
#: The longest text of a field the API gives no ``maxLength`` (names, identifiers, codes,
#: labels, addresses, tags): the API's own limit for names and external ids where it documents
#: one (a charge point's ``name``; ``externalId`` elsewhere in the API). See "Text lengths" in
#: docs/decisions.md.
TEXT_LIMIT = 255
#: The longest free text (descriptions, display texts, links): the API's largest documented
#: limit for text (``description`` elsewhere in the API).
FREE_TEXT_LIMIT = 2000
FREE_TEXT_FIELDS = frozenset(
    {
        "description",
        "short_description",
        "additional_description",
        "additional_information",
        "learn_more_url",
        "price_information",
        "total_cost_information",
    }
)
#: The fields whose ``maxLength`` the OpenAPI document (v3.110.0) gives, where it is not
#: :data:`TEXT_LIMIT` (a charge point's ``name`` is 255).
API_TEXT_LIMITS = {
    "default_price_information": 150,
    "default_price_information_offline": 150,
    "pin": 4,
}
#: Text whose limit is its holder's: a translation is as long as the name or description it
#: translates may be.
HOLDER_LIMITED = frozenset({"translation"})
#: The characters text may not hold: Unicode's control characters (categories Cc and Cs)
#: except tab, line feed and carriage return. NUL and the rest are no text a person wrote;
#: half a surrogate pair cannot be sent at all.
FORBIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


@dataclass(frozen=True)
class Variant:
    """One shape a body may take: an alternative of a ``oneOf`` in AMPECO's document, with
    the fields it has and those it needs (program names). ``options``: a ``oneOf`` nested in
    it, of which the body must fit one too."""

    title: str
    fields: tuple[str, ...]
    required: tuple[str, ...] = ()
    options: tuple[Variant, ...] = ()

    @property
    def every_field(self) -> frozenset[str]:
        return frozenset(self.fields).union(*(o.fields for o in self.options))

    def fits(self, given: frozenset[str], siblings: tuple[Variant, ...]) -> bool:
        """As an option: ``given`` has what it needs and no field only another option has."""
        others = frozenset().union(*(o.fields for o in siblings if o is not self))
        return set(self.required) <= given and not given & (others - set(self.fields))


@dataclass(frozen=True)
class Variants:
    """The shapes of a model whose create body is a ``oneOf`` of objects: the model holds the
    fields of them all, and :meth:`problems` says what keeps a body from being one of them.

    ``discriminator``: the field whose value names the variant (a terminal's
    ``terminal_type``); without it, any variant the body fits will do. ``exactly_one``: fields
    of which a body gives exactly one, in a variant that has them (the document says so in its
    descriptions, not in its schema)."""

    noun: str
    variants: tuple[Variant, ...]
    discriminator: str | None = None
    exactly_one: tuple[tuple[str, ...], ...] = ()

    def chosen(self, values: Mapping[str, Any]) -> Variant | None:
        """The variant the discriminator's value names, if the values give one."""
        if self.discriminator is None:
            return None
        value = values.get(self.discriminator)
        return next((v for v in self.variants if v.title == value), None)

    def problems(self, values: Mapping[str, Any]) -> list[tuple[str | None, str]]:
        """What keeps ``values`` (the fields set, by program name) from being a variant, each
        with the field it is about (``None``: the object as a whole); empty when none."""
        given = frozenset(k for k, v in values.items() if v is not None)
        chosen = self.chosen(values)
        if chosen is not None:
            return list(self._problems(chosen, given))
        found = [list(self._problems(v, given)) for v in self.variants]
        if any(not problems for problems in found):
            return []
        return min(found, key=len)  # the closest variant's: the first of the closest

    def _problems(
        self, variant: Variant, given: frozenset[str]
    ) -> Iterator[tuple[str | None, str]]:
        a_variant = f"{_article(variant.title)} {variant.title} {self.noun}"
        for name in variant.required:
            if name not in given:
                yield name, f"{a_variant} needs `{name}`"
        for name in sorted(given - variant.every_field):
            having = [v.title for v in self.variants if name in v.every_field]
            hint = f" ({_article(having[0])} {' or '.join(having)} one has it)" if having else ""
            yield name, f"`{name}` is not a field of {a_variant}{hint}"
        if variant.options and not any(o.fits(given, variant.options) for o in variant.options):
            needs = " or ".join(
                f"{', '.join(f'`{r}`' for r in o.required) or 'none of the others'} ({o.title})"
                for o in variant.options
            )
            mixed = sum(1 for o in variant.options if given & set(o.fields)) > 1
            wanted = f"takes {needs}, only one" if mixed else f"needs either {needs}"
            yield None, f"{a_variant} {wanted}"
        for group in self.exactly_one:
            if not set(group) <= variant.every_field:
                continue
            named = [name for name in group if name in given]
            if not named:  # the object's problem: either field may be the one to set
                yield None, f"{a_variant} needs {' or '.join(f'`{n}`' for n in group)}"
            for name in named[1:]:
                yield name, f"set `{named[0]}` or `{name}`, not both"


def _article(word: str) -> str:
    """``an`` before a vowel sound (``an Ampeco``, ``an OCPI``), else ``a``."""
    return "an" if word[:1].lower() in "aeiou" else "a"


class AmpecoModel(BaseModel):
    """Base of every model: camelCase aliases, unknown fields rejected, numbers coerced."""

    #: The shapes the create body may take, where AMPECO's document gives several (a oneOf).
    variants: ClassVar[Variants | None] = None

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
        # Editors (the tenant document's JSON Schema) know the text lengths validation checks.
        json_schema_extra=lambda schema, model: _text_limits_in_schema(schema, model),
    )

    @field_validator("*", mode="after")
    @classmethod
    def _values_the_api_holds(cls, value: Any, info: ValidationInfo) -> Any:
        """Integers anywhere in a field (lists included) fit the API's 64-bit integers,
        decimal numbers stay below :data:`DECIMAL_LIMIT`, text
        holds no control characters, and a naming field is not blank. A field whose
        ``maxLength`` the document gives (a generated model's ``Field(max_length=…)``) keeps
        that limit instead of :data:`TEXT_LIMIT`."""
        name = info.field_name
        if name is not None and _documented_limit(cls, name):
            return api_holds(name, value, limited=False)
        return api_holds(name, value)

    @model_validator(mode="after")
    def _one_variant(self) -> AmpecoModel:
        """The fields set make one of the body's variants (:class:`Variants`), each problem
        reported at the field it is about, before any API call."""
        if self.variants is None:
            return self
        values = {name: getattr(self, name) for name in self.model_fields_set}
        problems = self.variants.problems(values)
        if not problems:
            return self
        raise ValidationError.from_exception_data(
            type(self).__name__,
            [
                InitErrorDetails(
                    type=PydanticCustomError("variant", message),
                    loc=(name,) if name is not None else (),
                    input=values,  # the object: a message never quotes a value
                )
                for name, message in problems
            ],
        )

    def to_wire(self) -> dict[str, Any]:
        """The API body for the fields the user set (``None`` where the user cleared one)."""
        return self.model_dump(by_alias=True, exclude_unset=True, mode="json")

    def to_state(self) -> dict[str, Any]:
        """The program's view (snake_case) of the fields the user set."""
        return self.model_dump(by_alias=False, exclude_unset=True, mode="json")


def too_large(value: Any) -> str:
    """The message for an integer beyond :data:`MAX_INTEGER` (ours and pydantic's own)."""
    number = int(value) if isinstance(value, float) and value.is_integer() else value
    return f"{shown(number)} is too large for the API: integers go up to {MAX_INTEGER:,}"


#: The longest value a message quotes; a longer one is described by its size.
SHOWN_LENGTH = 100


def shown(value: Any) -> str:
    """A value as a message quotes it: whole if short, else only its size (a long value would
    drown the message, and part of a secret would be no longer recognised to be masked)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 300:
        return f"a number with {_digits(value):,} digits"
    if isinstance(value, str) and len(value) > SHOWN_LENGTH:
        return f"text of {len(value):,} characters"
    if isinstance(value, list | tuple | dict) and len(value) > SHOWN_LENGTH:
        return f"a {type(value).__name__} of {len(value):,} items"
    try:
        quoted = repr(value)
    except ValueError:  # a number inside a list with more digits than Python prints
        return f"a {type(value).__name__} too large to show"
    if len(quoted) > SHOWN_LENGTH:
        return f"a {type(value).__name__} too long to show ({len(quoted):,} characters)"
    return quoted


def _digits(value: int) -> int:
    """How many decimal digits ``value`` has, without writing it out (which Python refuses
    beyond 4,300 digits)."""
    magnitude = abs(value)
    digits = int((magnitude.bit_length() - 1) * 0.30102999566398120) + 1
    return digits + 1 if magnitude >= 10**digits else digits


def text_limit(field_name: str | None) -> int | None:
    """The most characters text in the field ``field_name`` may have (``None``: limited by the
    object that holds it)."""
    if field_name is None or field_name in HOLDER_LIMITED:
        return None
    if field_name in API_TEXT_LIMITS:
        return API_TEXT_LIMITS[field_name]
    return FREE_TEXT_LIMIT if field_name in FREE_TEXT_FIELDS else TEXT_LIMIT


def _documented_limit(model: type[BaseModel], name: str) -> bool:
    info = model.model_fields.get(name)
    return info is not None and any(hasattr(m, "max_length") for m in info.metadata)


def api_holds(field_name: str | None, value: Any, *, limited: bool = True) -> Any:
    """``value`` if the API can hold it in the field ``field_name`` (see the model's
    ``_values_the_api_holds``); a ``ValueError`` saying why not. ``limited=False``: the
    field's text length is checked elsewhere (its documented ``maxLength``)."""
    limit = text_limit(field_name) if limited else None
    if limit is not None:
        _fits(str(field_name), value, limit)
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


def _fits(name: str, value: Any, limit: int, where: str = "") -> None:
    """Text in ``value`` (a text, the texts of a list or mapping, or translations) is at most
    ``limit`` characters long; ``where`` says which translation or entry."""
    if isinstance(value, str):
        if len(value) > limit:
            raise ValueError(
                f"`{name}`{where} is {len(value):,} characters long; the API accepts at most"
                f" {limit:,}"
            )
    elif isinstance(value, Translation):  # its locale is checked short already
        _fits(name, value.translation, limit, f" ({value.locale})")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _fits(name if isinstance(item, Translation) else f"{name}[{index}]", item, limit)
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and len(key) > TEXT_LIMIT:
                raise ValueError(
                    f"`{name}` has a key of {len(key):,} characters; the API accepts at most"
                    f" {TEXT_LIMIT}"
                )
            _fits(name, item, limit, f" ({key})")


def _text_limits_in_schema(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """Each text property of a model's JSON Schema with its ``maxLength``."""
    properties: dict[str, Any] = schema.get("properties", {})
    for name, field in model.model_fields.items():
        prop = properties.get(name) or properties.get(field.alias or to_camel(name))
        limit = text_limit(name)
        if prop is not None and limit is not None:
            _max_length(prop, limit)


def _max_length(prop: dict[str, Any], limit: int) -> None:
    if prop.get("type") == "string" and not {"enum", "const"} & set(prop):
        prop.setdefault("maxLength", limit)
    for option in prop.get("anyOf", []):
        _max_length(option, limit)
    for inner in ("items", "additionalProperties"):
        if isinstance(prop.get(inner), dict):
            _max_length(prop[inner], limit)


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


def _date_time(value: str) -> str:
    """An ISO 8601 date-time with its offset, as the tenant shows it: in UTC, ``+00:00``
    (D38), so that the same instant written two ways is no change."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"{shown(value)} is not an ISO 8601 date-time (e.g. 2026-03-01T08:00:00Z)"
        ) from None
    if moment.tzinfo is None:
        raise ValueError(
            f"{shown(value)} names no time zone: add one, e.g. Z for UTC (2026-03-01T08:00:00Z)"
        )
    utc = moment.astimezone(timezone.utc)
    return utc.isoformat(timespec="seconds" if utc.microsecond == 0 else "microseconds")


#: A point in time, normalised to UTC (D38).
DateTime = Annotated[str, AfterValidator(_date_time)]


def _country(value: str) -> str:
    if value not in COUNTRIES:
        raise ValueError(
            f"{shown(value)} is not an ISO 3166-1 alpha-2 country code the API accepts (e.g. 'NO')"
        )
    return value


#: An ISO 3166-1 alpha-2 country code from the API's list.
CountryCode = Annotated[str, AfterValidator(_country)]


@functools.cache
def field_adapter(model: type[BaseModel], name: str) -> TypeAdapter[Any]:
    """One field of a model on its own, with its constraints (lengths, patterns, ranges): to
    check a value when the object as a whole does not validate (yet)."""
    field = model.model_fields[name]
    # The checks every model field gets (`_values_the_api_holds`), after its own.
    holds = AfterValidator(functools.partial(api_holds, name))
    annotation: Any = Annotated.__class_getitem__((field.annotation, *field.metadata, holds))  # type: ignore[attr-defined]
    return TypeAdapter(annotation)
