"""AMPECO's published OpenAPI document as the simulator's contract.

The document is loaded once, cut down to the paths the simulator serves, and used for three
things: routing (path templates and operation ids), request validation (bodies and query
parameters) and response validation. Validation is done by ``openapi-schema-validator`` so the
rules are AMPECO's own, not a copy of them; only the decisions in :mod:`.decisions` are added.
"""

from __future__ import annotations

import copy
import functools
import ipaddress
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from importlib import resources
from typing import Any

from jsonschema import FormatChecker
from jsonschema.exceptions import ValidationError
from jsonschema.validators import extend
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator

from . import decisions
from .catalog import PATHS as CATALOGUED_PATHS
from .jsontree import objects

DOCUMENT_NAME = "openapi-3.110.0.json"

#: What a charge point, a circuit, a template and an electricity rate hold under their own
#: paths (a station's OCPP keys, the circuit's actions, variables, price periods, energy mix).
SUB_COLLECTION_PATHS: tuple[str, ...] = (
    "/charge-points/v2.0/{chargePoint}/configurations",
    "/charge-points/v2.0/{chargePoint}/configurations/{key}",
    "/circuits/v2.0/{circuit}/charge-point-priorities",
    "/configuration-templates/v1.0/{template}/variables",
    "/configuration-templates/v1.0/{template}/variables/{variable}",
    "/electricity-rates/v2.0/{electricityRate}/price-periods",
    "/electricity-rates/v2.0/{electricityRate}/price-periods/week-day",
    "/electricity-rates/v2.0/{electricityRate}/price-periods/week-day/{weekDay}",
    "/electricity-rates/v2.0/{electricityRate}/price-periods/date",
    "/electricity-rates/v2.0/{electricityRate}/price-periods/date/{date}",
    "/electricity-rates/v2.0/{electricityRate}/energy-mix",
    "/public-api/actions/circuit/v2.0/{circuit}/attach-charge-point",
    "/public-api/actions/circuit/v2.0/{circuit}/detach-charge-point/{chargePoint}",
    "/public-api/actions/circuit/v2.0/{circuit}/set-charge-point-priority/{chargePoint}",
)

#: The path templates the simulator serves: under ``/public-api/resources`` unless written in
#: full (the actions, under ``/public-api/actions``).
SERVED_PATHS: tuple[str, ...] = (
    "/locations/v2.0",
    "/locations/v2.0/{location}",
    "/locations/v2.0/{location}/charging-zones",
    "/locations/v2.0/{location}/charging-zones/{chargingZone}",
    "/charge-points/v2.0",
    "/charge-points/v2.0/{chargePoint}",
    "/charge-points/v2.0/{chargePoint}/evses",
    "/charge-points/v2.0/{chargePoint}/evses/{evse}",
    "/charge-points/v2.0/{chargePoint}/evses/{evse}/connectors",
    "/charge-points/v2.0/{chargePoint}/evses/{evse}/connectors/{connector}",
    "/evses/v2.1",
    "/evses/v2.1/{evse}",
    "/tariffs/v1.0",
    "/tariffs/v1.0/{tariff}",
    "/tariff-groups/v1.0",
    "/tariff-groups/v1.0/{tariffGroup}",
    "/taxes/v2.0",
    "/taxes/v2.0/{tax}",
    "/tax-identification-numbers/v2.0",
    "/tax-identification-numbers/v2.0/{taxIdentificationNumber}",
    "/currencies/v2.0",
    "/currencies/v2.0/{currency}",
    "/settings/v1.0",
    *SUB_COLLECTION_PATHS,
    *CATALOGUED_PATHS,
)
PREFIX = "/public-api/resources"

FieldErrors = dict[str, list[str]]


def full_path(path: str) -> str:
    """A served path as the document writes it (``/public-api/...``)."""
    return path if path.startswith("/public-api/") else PREFIX + path


def load_document() -> dict[str, Any]:
    """The full OpenAPI document shipped with the package (a verbatim copy of AMPECO's)."""
    text = (
        resources.files(__package__).joinpath("openapi").joinpath(DOCUMENT_NAME).read_text("utf-8")
    )
    document: dict[str, Any] = json.loads(text)
    return document


def served_document(document: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The document reduced to the served paths, with the response-side decisions applied.

    This is what the simulator validates against, and what conformance tests generate from.
    """
    full = dict(document) if document is not None else load_document()
    paths = {full_path(p): copy.deepcopy(full["paths"][full_path(p)]) for p in SERVED_PATHS}
    _admit_null_where_nullable(paths)
    for item in paths.values():
        for method, op in item.items():
            if method == "parameters":
                continue
            for status, response in op.get("responses", {}).items():
                schema = _json_schema_of(response)
                if schema is None:
                    continue
                decisions.patch_response_schema(schema)
                if (
                    status.startswith("2")
                    and op["operationId"] in decisions.WRAPPED_CURRENCY_OPERATIONS
                ):
                    response["content"]["application/json"]["schema"] = decisions.wrap_in_data(
                        schema
                    )
    reduced = {k: v for k, v in full.items() if k != "paths"}
    reduced["paths"] = paths
    return reduced


def _admit_null_where_nullable(node: Any) -> None:
    """Read ``nullable: true`` as admitting ``null`` even where an ``enum`` or an ``allOf``
    part would refuse it.

    The document marks many enum fields nullable (``parkingType``, EVSE ``hardwareStatus``, …)
    without listing ``null`` among the values; the API accepts and returns ``null`` for them.
    A roaming operator's ``cpoSettings`` is nullable and made of an ``allOf`` part (an
    object), which a validator reads as refusing ``null`` (OpenAPI 3.0.3: ``nullable`` widens
    ``type`` only); the field's own ``nullable`` says that ``null`` is taken.
    """
    for schema in objects(node):
        if schema.get("nullable") is not True:
            continue
        enum = schema.get("enum")
        if isinstance(enum, list) and None not in enum:
            schema["enum"] = [*enum, None]
        for part in schema.get("allOf", []):
            if isinstance(part, dict) and "type" in part:
                part["nullable"] = True


def _json_schema_of(container: Mapping[str, Any]) -> dict[str, Any] | None:
    content = container.get("content", {}).get("application/json")
    if content is None:
        return None
    schema = content.get("schema")
    return schema if isinstance(schema, dict) else None


@dataclass(frozen=True)
class QueryParam:
    name: str
    schema: dict[str, Any]


@dataclass
class Operation:
    """One operation of the served document, with its validators."""

    operation_id: str
    method: str
    template: str
    query: dict[str, QueryParam]
    body_schema: dict[str, Any] | None
    responses: dict[str, dict[str, Any] | None]
    #: Path parameters that are no id (an OCPP key's name), with their schema.
    named: dict[str, dict[str, Any]] = field(default_factory=dict)

    @cached_property
    def _write_validator(self) -> Any:
        assert self.body_schema is not None
        return _writer(_without_read_only(self.body_schema))

    @cached_property
    def _read_validators(self) -> dict[str, Any]:
        return {
            status: _Reader(schema, format_checker=READ_FORMATS)
            for status, schema in self.responses.items()
            if schema is not None
        }

    def clean_body(self, body: Any) -> Any:
        """Keep what the request schema declares as writable, as Laravel keeps validated input.

        Read-only properties a client sends back and properties the schema does not know (a
        typo, a field of a newer API version) are dropped, not stored.
        """
        if self.body_schema is None:
            return body
        return _declared_only(body, self.body_schema)

    def validate_body(self, body: Any) -> FieldErrors:
        if self.body_schema is None:
            return {}
        if not isinstance(body, dict):
            return {"body": ["The request body must be a JSON object."]}
        return laravel_errors(self._write_validator.iter_errors(body))

    def validate_response(self, status: int, body: Any) -> list[str]:
        """Problems of a response against the document (empty when it conforms)."""
        key = str(status)
        if key not in self.responses:
            if status in decisions.UNDOCUMENTED_STATUSES_ALLOWED:
                return []
            return [f"{self.operation_id}: status {status} is not documented"]
        validator = self._read_validators.get(key)
        if validator is None:
            return [] if body is None else [f"{self.operation_id}: {status} must have no body"]
        problems = []
        for error in validator.iter_errors(body):
            where = "/".join(str(p) for p in error.absolute_path) or "<root>"
            problems.append(f"{self.operation_id} {status} at {where}: {error.message}")
        return problems


class Contract:
    """All served operations, indexed for routing."""

    def __init__(self, document: Mapping[str, Any] | None = None) -> None:
        self.document = served_document(document)
        self.operations: list[Operation] = list(_operations(self.document))
        self._by_template: dict[str, dict[str, Operation]] = {}
        for op in self.operations:
            self._by_template.setdefault(op.template, {})[op.method] = op
        self._routes = [(_compile(template), template) for template in self._by_template]
        self.by_id = {op.operation_id: op for op in self.operations}

    def match(self, method: str, path: str) -> tuple[Operation | None, dict[str, str], bool]:
        """Find the operation for a request.

        Returns ``(operation, path parameters, path_known)``; ``path_known`` tells a 405 from a 404.
        """
        for pattern, template in self._routes:
            m = pattern.fullmatch(path)
            if m is None:
                continue
            ops = self._by_template[template]
            return ops.get(method), m.groupdict(), True
        return None, {}, False


@functools.cache
def default_contract() -> Contract:
    """The contract from the shipped document, built once per process."""
    return Contract()


def _compile(template: str) -> re.Pattern[str]:
    regex = re.sub(
        r"\{(\w+)\}", r"(?P<\1>[^/]+)", re.escape(template).replace(r"\{", "{").replace(r"\}", "}")
    )
    return re.compile(regex)


def _operations(document: Mapping[str, Any]) -> Iterator[Operation]:
    for template, item in document["paths"].items():
        shared = item.get("parameters", [])
        for method, op in item.items():
            if method == "parameters":
                continue
            params = [*shared, *op.get("parameters", [])]
            query = {
                p["name"]: QueryParam(p["name"], p.get("schema", {}))
                for p in params
                if p.get("in") == "query"
            }
            named = {
                p["name"]: p.get("schema", {})
                for p in params
                if p.get("in") == "path" and _names_no_id(p.get("schema", {}))
            }
            body = op.get("requestBody")
            responses = {
                status: _json_schema_of(resp) for status, resp in op.get("responses", {}).items()
            }
            yield Operation(
                operation_id=op["operationId"],
                method=method.upper(),
                template=template,
                query=query,
                body_schema=_json_schema_of(body) if body else None,
                responses=responses,
                named=named,
            )


def _names_no_id(schema: Mapping[str, Any]) -> bool:
    """Whether a path parameter is a name rather than an object's id: one with values of its
    own (an enum, a date, an OCPP key's ``anyOf``). AMPECO's ids are integers, also where the
    document types one as a plain string (a payment terminal's)."""
    return schema.get("type") != "integer" and bool({"enum", "format", "anyOf"} & set(schema))


def _formats(base: Any) -> Any:
    """The OpenAPI format checks, with ``time`` read as AMPECO's ``HH:MM`` time of day, and
    ``uri`` checked whatever is installed.

    AMPECO types working hours and tariff times as ``time`` and documents them as ``HH:MM``
    (24-hour); RFC 3339's full-time (with seconds and offset) would reject every real value.
    jsonschema checks ``uri`` only where the optional ``rfc3987`` package is installed: without
    it, a model's ``userManual`` took ``""`` and was shown so, against the document.
    """
    checker = FormatChecker(formats=())
    checker.checkers = dict(base.checkers)
    checker.checkers["time"] = (lambda v: not isinstance(v, str) or bool(_TIME.match(v)), ())
    checker.checkers["uri"] = (lambda v: not isinstance(v, str) or is_uri(v), ())
    return checker


_TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$")

# RFC 3986, appendix A: the characters each part of a URI may hold.
_PCT = "%[0-9A-Fa-f]{2}"
_UNRESERVED = r"A-Za-z0-9\-._~"
_SUB_DELIMS = "!$&'()*+,;="
_PCHAR = rf"(?:[{_UNRESERVED}{_SUB_DELIMS}:@]|{_PCT})"
_AUTHORITY = (
    rf"(?:(?:[{_UNRESERVED}{_SUB_DELIMS}:]|{_PCT})*@)?"  # userinfo
    rf"(?P<host>\[[^\]]*\]|(?:[{_UNRESERVED}{_SUB_DELIMS}]|{_PCT})*)"
    r"(?::[0-9]*)?"  # port
)
_URI = re.compile(
    r"[A-Za-z][A-Za-z0-9+.\-]*:"  # scheme
    rf"(?://{_AUTHORITY}(?:/{_PCHAR}*)*|/?(?:{_PCHAR}+(?:/{_PCHAR}*)*)?)"  # hier-part
    rf"(?:\?(?:{_PCHAR}|[/?])*)?(?:#(?:{_PCHAR}|[/?])*)?"  # query, fragment
)
_IP_FUTURE = re.compile(rf"v[0-9A-Fa-f]+\.[{_UNRESERVED}{_SUB_DELIMS}:]+")


def is_uri(text: str) -> bool:
    """An absolute URI as RFC 3986 writes it (a scheme, no spaces, non-ASCII percent-encoded)."""
    match = _URI.fullmatch(text)
    if match is None:
        return False
    host = match.group("host") or ""
    if not host.startswith("["):
        return True
    literal = host[1:-1]
    if _IP_FUTURE.fullmatch(literal):
        return True
    try:
        ipaddress.IPv6Address(literal)
    except ValueError:
        return False
    return "%" not in literal  # a zone id is RFC 6874's, not RFC 3986's


WRITE_FORMATS = _formats(OAS30WriteValidator.FORMAT_CHECKER)
READ_FORMATS = _formats(OAS30ReadValidator.FORMAT_CHECKER)


def _multiple_of(
    validator: Any, step: Any, instance: Any, schema: Any
) -> Iterator[ValidationError]:
    """``multipleOf`` in decimal arithmetic: 0.29 is a multiple of 0.01, whatever binary
    floating point says."""
    if not validator.is_type(instance, "number"):
        return
    quotient = Decimal(repr(instance)) / Decimal(repr(step))
    if not quotient.is_finite() or quotient != quotient.to_integral_value():
        yield ValidationError(f"{instance!r} is not a multiple of {step}")


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    """ECMA-262 patterns, where ``\\d`` and ``\\w`` mean ASCII only."""
    if validator.is_type(instance, "string") and not re.search(pattern, instance, re.ASCII):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


# --- variants: a oneOf of objects (D44) ----------------------------------------------------


def object_variants(schema: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """The alternatives of a ``oneOf`` (or ``anyOf``) whose every alternative is an object."""
    alternatives = schema.get("oneOf") or schema.get("anyOf")
    if not isinstance(alternatives, list) or not alternatives:
        return None
    if all(_is_object(a) for a in alternatives):
        return alternatives
    return None


def _is_object(schema: Any) -> bool:
    return isinstance(schema, dict) and (
        schema.get("type") == "object" or bool({"properties", "allOf"} & set(schema))
    )


_DISCRIMINATORS: dict[int, tuple[list[Any], tuple[str, list[Any]] | None]] = {}


def discriminator(alternatives: list[dict[str, Any]]) -> tuple[str, list[Any]] | None:
    """The property every variant has whose values name the variants (its ``enum`` holds
    their titles; an untitled variant is named by the one value no title takes), with each
    variant's value; ``None`` when no property does."""
    cached = _DISCRIMINATORS.get(id(alternatives))
    if cached is not None and cached[0] is alternatives:
        return cached[1]
    found: tuple[str, list[Any]] | None = None
    titles = [a.get("title") for a in alternatives]
    shapes = [schema_properties(a) for a in alternatives]
    for name, prop in shapes[0].items():
        values = [v for v in (prop.get("enum") or []) if v is not None]
        spare = [v for v in values if v not in titles]
        if (
            all(name in shape for shape in shapes)
            and len(values) == len(alternatives)
            and len(spare) == titles.count(None)
        ):
            left = iter(spare)
            found = (name, [t if t is not None else next(left) for t in titles])
            break
    _DISCRIMINATORS[id(alternatives)] = (alternatives, found)
    return found


def chosen_variants(alternatives: list[dict[str, Any]], instance: Any) -> list[dict[str, Any]]:
    """The variant the instance's discriminator value names; without one, every variant (the
    instance is then one of those it fits)."""
    named = discriminator(alternatives)
    if named is not None and isinstance(instance, dict) and instance.get(named[0]) in named[1]:
        return [alternatives[named[1].index(instance[named[0]])]]
    return alternatives


def _variants(standard: Any) -> Any:
    """A ``oneOf``/``anyOf`` keyword that reads object variants as D44 says: the instance
    must fit the variant its discriminator names, or else any one variant; other
    alternatives keep JSON Schema's reading (``standard``)."""

    def check(validator: Any, alternatives: Any, instance: Any, schema: Any) -> Iterator[Any]:
        variants = object_variants(schema)
        if variants is None or variants is not alternatives:
            yield from standard(validator, alternatives, instance, schema)
            return
        chosen = chosen_variants(variants, instance)
        failures: list[ValidationError] = []
        for variant in chosen:
            errors = list(validator.descend(instance, variant))
            if not errors:
                return
            failures += errors
        if len(chosen) == 1:
            yield from failures  # the named variant's own errors, field by field
        else:
            yield ValidationError(f"{instance!r} fits none of the variants", context=failures)

    return check


_KEYWORDS = {"multipleOf": _multiple_of, "pattern": _pattern}
_WRITE_KEYWORDS = {
    **_KEYWORDS,
    "oneOf": _variants(OAS30WriteValidator.VALIDATORS["oneOf"]),
    "anyOf": _variants(OAS30WriteValidator.VALIDATORS["anyOf"]),
}
_READ_KEYWORDS = {
    **_KEYWORDS,
    "oneOf": _variants(OAS30ReadValidator.VALIDATORS["oneOf"]),
    "anyOf": _variants(OAS30ReadValidator.VALIDATORS["anyOf"]),
}
_Writer = extend(OAS30WriteValidator, _WRITE_KEYWORDS)
_Reader = extend(OAS30ReadValidator, _READ_KEYWORDS)


def _writer(schema: dict[str, Any]) -> Any:
    """A request validator that also checks formats (date-time, date, time of day, …)."""
    return _Writer(schema, format_checker=WRITE_FORMATS)


def body_errors(schema: dict[str, Any], body: Any) -> FieldErrors:
    """A request body's errors against a schema other than its operation's own (the variant a
    resource names by what the body does not hold: a template's OCPP version, D43)."""
    return laravel_errors(_writer(_without_read_only(schema)).iter_errors(body))


# --- read-only properties ------------------------------------------------------------------


def _without_read_only(schema: Any) -> Any:
    """A copy of a request schema with its read-only properties removed.

    Read-only properties are ignored when sent (see the reference), so they are neither
    validated nor required on writes.
    """
    if isinstance(schema, list):
        return [_without_read_only(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "properties" and isinstance(value, dict):
            kept = {
                name: _without_read_only(sub)
                for name, sub in value.items()
                if not (isinstance(sub, dict) and sub.get("readOnly"))
            }
            out[key] = kept
        elif key == "required" and isinstance(value, list):
            props = schema_properties(schema)  # a variant requires what its parts declare
            out[key] = [
                name
                for name in value
                if not (isinstance(props.get(name), dict) and props[name].get("readOnly"))
            ]
        else:
            out[key] = _without_read_only(value)
    return out


def _declared_only(value: Any, schema: Any) -> Any:
    if not isinstance(schema, dict):
        return value
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [_declared_only(item, schema["items"]) for item in value]
    if not isinstance(value, dict):
        return value
    props = schema_properties(schema, value)
    open_ended = schema.get("additionalProperties") not in (None, False)
    if not props:
        return value  # a free-form object (a translation map, externalAppData, ...)
    out = {}
    for key, item in value.items():
        sub = props.get(key)
        if sub is None:
            if open_ended:
                out[key] = item
            continue
        if not sub.get("readOnly"):
            out[key] = _declared_only(item, sub)
    return out


def schema_properties(schema: dict[str, Any], instance: Any = None) -> dict[str, Any]:
    """The properties an object schema declares, its ``allOf`` parts included, and those of
    its object variants (D44): the one ``instance`` is by its discriminator, else all."""
    props: dict[str, Any] = {}
    if isinstance(schema.get("properties"), dict):
        props.update(schema["properties"])
    for part in schema.get("allOf", []):
        if isinstance(part, dict):
            props.update(schema_properties(part, instance))
    variants = object_variants(schema) or []
    for variant in chosen_variants(variants, instance) if variants else ():
        for name, prop in schema_properties(variant, instance).items():
            props.setdefault(name, prop)
    return props


# --- query parameters ----------------------------------------------------------------------

_BRACKETS = re.compile(r"^(?P<base>[^\[\]]+)(?P<keys>(\[[^\[\]]*\])*)$")


def parse_query(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Turn ``filter[a]=1&include[]=x&per_page=5`` into ``{"filter": {"a": "1"}, ...}``.

    Deep-object keys nest; ``[]`` appends to a list, and so do numeric keys (``include[0]=a``,
    as PHP, Guzzle and ``qs`` write arrays). A key that is repeated keeps the last value.
    """
    out: dict[str, Any] = {}
    for raw_key, value in pairs:
        m = _BRACKETS.match(raw_key)
        if m is None:
            continue
        keys = [m.group("base"), *re.findall(r"\[([^\[\]]*)\]", m.group("keys"))]
        target: Any = out
        for i, key in enumerate(keys):
            last = i == len(keys) - 1
            nxt_is_list = not last and keys[i + 1] == ""
            if key == "":
                if isinstance(target, list):
                    target.append(value)
                break
            if last:
                if isinstance(target, dict):
                    target[key] = value
                break
            if not isinstance(target, dict):
                break
            if nxt_is_list:
                if not isinstance(target.get(key), list):
                    target[key] = []
            elif not isinstance(target.get(key), dict):
                target[key] = {}
            target = target[key]
    return {key: _as_lists(value) for key, value in out.items()}


def _as_lists(value: Any) -> Any:
    """Objects whose keys are all indexes (``a[0]=x&a[1]=y``) become lists in index order."""
    if not isinstance(value, dict):
        return value
    converted = {k: _as_lists(v) for k, v in value.items()}
    if converted and all(re.fullmatch(r"[0-9]+", k) for k in converted):
        return [converted[k] for k in sorted(converted, key=int)]
    return converted


#: A query integer: a few hundred digits at most, so ``int`` (which caps digits) never raises.
_INTEGER = re.compile(r"-?[0-9]{1,300}")


def _coerce(value: Any, schema: Mapping[str, Any]) -> Any:
    """Query values arrive as strings: convert them to the schema's type where they parse."""
    kind = schema.get("type")
    if kind == "array":
        items = schema.get("items", {})
        values = value if isinstance(value, list) else [value]
        return [_coerce(v, items) for v in values]
    if kind == "object" and isinstance(value, dict):
        props = schema.get("properties", {})
        return {k: _coerce(v, props.get(k, {})) for k, v in value.items()}
    if not isinstance(value, str):
        return value
    if kind == "integer" and _INTEGER.fullmatch(value):
        return int(value)
    if kind == "number":
        return _number(value)
    if kind == "boolean" and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    return value


def _number(text: str) -> Any:
    """A query number; ``text`` itself (then refused as not a number) unless it is finite:
    ``inf``, ``nan`` and ``1e999`` parse as floats but are no numbers the API takes."""
    if _INTEGER.fullmatch(text):
        return int(text)
    try:
        number = float(text)
    except ValueError:
        return text
    return number if math.isfinite(number) else text


def validate_query(op: Operation, raw: Mapping[str, Any]) -> tuple[dict[str, Any], FieldErrors]:
    """Check the query against the operation's parameters.

    Unknown parameters and unknown filter keys are ignored (D24); ``include`` values outside the
    documented enum, and every type or range violation, are errors.
    """
    values: dict[str, Any] = {}
    errors: FieldErrors = {}
    for name, param in op.query.items():
        if name not in raw:
            continue
        schema = param.schema
        value = raw[name]
        if name == "filter":
            if not isinstance(value, dict):
                continue
            known = schema.get("properties", {})
            value = {k: v for k, v in value.items() if k in known}
        elif schema.get("type") == "array" and not isinstance(value, list):
            value = [value]
        value = _coerce(value, schema)
        validator = _writer(schema)
        for field_, messages in laravel_errors(validator.iter_errors(value), prefix=name).items():
            errors.setdefault(field_, []).extend(messages)
        values[name] = value
    return values, errors


# --- Laravel-shaped messages ---------------------------------------------------------------

_TYPE_WORDS = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "array": "an array",
    "object": "an object",
}


#: Messages that need only the field and the keyword's value: ``{value}`` as the schema gives
#: it, ``{number}`` as Laravel prints a number (``5``, not ``5.0``). A range with both bounds
#: reads "between" instead (see ``_messages``).
_MESSAGES = {
    "enum": "The selected {label} is invalid.",
    "minimum": "The {label} must be at least {number}.",
    "maximum": "The {label} must not be greater than {number}.",
    "maxLength": "The {label} must not be greater than {value} characters.",
    "minLength": "The {label} must be at least {value} characters.",
    "pattern": "The {label} format is invalid.",
    "format": "The {label} is not a valid {value}.",
    "multipleOf": "The {label} must be a multiple of {number}.",
    "minItems": "The {label} must have at least {value} items.",
    "maxItems": "The {label} must not have more than {value} items.",
    "uniqueItems": "The {label} field has a duplicate value.",
}


def _dotted(prefix: str, path: Iterable[Any]) -> str:
    parts = [prefix] if prefix else []
    parts.extend(str(p) for p in path)
    return ".".join(parts)


def laravel_errors(errors: Iterable[ValidationError], prefix: str = "") -> FieldErrors:
    """Map schema violations to Laravel's ``errors`` object: dotted field path → messages."""
    out: FieldErrors = {}
    for error in errors:
        for path, message in _messages(error, prefix):
            bucket = out.setdefault(path, [])
            if message not in bucket:
                bucket.append(message)
    return out


def _messages(error: ValidationError, prefix: str) -> Iterator[tuple[str, str]]:
    path = _dotted(prefix, error.absolute_path)
    kind = error.validator
    value = error.validator_value
    label = path or "body"
    if kind == "required":
        instance = error.instance if isinstance(error.instance, dict) else {}
        for name in value:
            if name not in instance:
                field_ = f"{path}.{name}" if path else name
                yield field_, f"The {field_} field is required."
        return
    if kind == "type":
        want = value if isinstance(value, str) else (value[0] if value else "valid")
        if error.instance is None:
            yield label, f"The {label} field must not be null."
        else:
            yield label, f"The {label} must be {_TYPE_WORDS.get(want, want)}."
        return
    if kind in ("minimum", "maximum"):
        schema = error.schema if isinstance(error.schema, dict) else {}
        low, high = schema.get("minimum"), schema.get("maximum")
        if low is not None and high is not None:
            yield label, f"The {label} must be between {_num(low)} and {_num(high)}."
            return
    template = _MESSAGES.get(kind)
    if template is not None:
        yield label, template.format(label=label, value=value, number=_num(value))
        return
    if kind in ("anyOf", "oneOf"):
        # Report the most specific failure of the closest alternative when there is one.
        best = min(error.context or [], key=lambda e: len(e.absolute_path) * -1, default=None)
        if best is not None and best.validator not in ("anyOf", "oneOf"):
            yield from _messages(best, prefix)
            return
    yield label, f"The {label} is invalid."


def _num(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
