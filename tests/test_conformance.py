"""Property-based conformance of the tenant simulator against its OpenAPI document.

Every served operation of ``Contract().document`` (AMPECO v3.110.0 cut down to the served paths,
with the response-side decisions D18/D21 and "nullable admits null" applied) is fuzzed by
schemathesis in both generation modes and sent over real sockets to a simulator started here.

What every response must satisfy:

* no 5xx; a JSON body (``application/json``) unless the document gives the status none (a
  204, an action's 202, a station's 406);
* a status the operation documents, or one of the few the reference's decisions add where the
  operation does not document it (``decision_statuses``);
* schemathesis's ``response_schema_conformance`` and ``content_type_conformance`` for documented
  statuses, the simulator's own response validator (``Simulator.violations`` stays empty), and the
  error envelope of the reference ("Errors") for every 4xx.

What the generation mode adds:

* NEGATIVE (schemathesis generated invalid data): a 4xx JSON error, judged by schemathesis's
  ``negative_data_rejection`` with the rejection statuses the reference uses.
* POSITIVE (valid data): success, unless the state explains the failure, and the explanation is
  checked against the store: a 404 needs a path id that does not exist (or a child under the wrong
  parent, or a member its sub-collection's listing does not show); a 409 needs a DELETE of an
  object that is in use in the sense of D1, D2, D5–D9, D31, D39, or a create of a template's
  variable it has (D43); a 406 needs a key the station refuses (D41); a 422 may only name
  fields of ``RULE_FIELDS`` (references and the D-table / conditional rules), and each named
  field is re-checked (the referenced id really is missing, the duplicate really exists, the
  level chain really is broken, …). Conversely, a success needs a state that allows it: no
  delete of an object in use, no write that breaks a rule of its catalogue entry or of
  ``DECIDED`` (``refusals``), and the status the document gives (201 for an upsert that
  makes what it names, 200 for one that replaces it).

A few objects of every kind are there when each test starts (seeded over the API once, then
restored from a copy of the store), and part of the examples are steered to them (path ids and
reference fields in bodies and filters), so that both the found and the not-found paths are
exercised; DELETE examples are also steered to freshly created, unused objects, and
writes of unique values to values another object holds.

The collections of the simulator's catalogue (``ampeco_sim.catalog``) get all of this from their
catalogue entries and the document (see "the catalogued collections" below), with fewer examples:
one the API cannot create is brought in through the admin API (roaming operators, D45), one
filed under another is seeded under it. The sub-collections (``SUB_COLLECTION_PATHS``: a
station's OCPP keys, a circuit's charge points, a template's variables, a rate's price periods
and mix) are seeded by the operations that make their members, and a path that names a member,
by id or by name (a key, a week day, a date), is steered to one its listing shows (see "the
sub-collections" below); they too get fewer examples.

Three readings of the document are the reference's, not JSON Schema's or OpenAPI's:
``format: time`` is the API's ``HH:MM`` time of day ("Dates and times"), see ``times_of_day``;
a request body whose schema requires fields is required, see ``required_bodies``; and a
``oneOf`` of object variants is the variant its discriminator names, or any it fits (D44), see
``variants_as_decided``.

Simulator bugs this module once found are kept as regression tests in ``REGRESSIONS``.

Run: ``python -m pytest tests/test_conformance.py -q`` (prints a summary at the end).
"""

from __future__ import annotations

import copy
import graphlib
import hashlib
import itertools
import json
import re
import sqlite3
import time
import urllib.parse
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import Phase, given, seed, settings
from hypothesis import strategies as st
from openapi_schema_validator import OAS30Validator, OAS30WriteValidator
from schemathesis import GenerationMode
from schemathesis.core import NotSet
from schemathesis.core.failures import FailureGroup
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
)

from ampeco_sim import RunningSimulator, Simulator, SimulatorConfig
from ampeco_sim.catalog import COLLECTIONS, Collection, Reference
from ampeco_sim.contract import (
    PREFIX,
    SUB_COLLECTION_PATHS,
    Contract,
    body_errors,
    discriminator,
    full_path,
    object_variants,
    parse_query,
    schema_properties,
    validate_query,
)
from tests import factories
from tests.kind_samples import SEEDED

pytestmark = pytest.mark.conformance

TOKEN = "conformance-token-0123456789"
MAX_EXAMPLES = 40  # per operation and generation mode
MIN_EXAMPLES = 25  # the summary asserts every operation got at least this many per mode
# The catalogued collections run one generic resource each, and the sub-collections hold few
# objects each: fewer examples keep the run short.
CATALOGUED_MAX_EXAMPLES = 16
CATALOGUED_MIN_EXAMPLES = 10
SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,  # a fixed seed: the same examples on every run
    database=None,
    deadline=None,  # real sockets; timing is not what is tested
    phases=(Phase.explicit, Phase.generate, Phase.shrink),
    print_blob=False,
)

# The rejection statuses of the reference ("Errors"): malformed (400), no such path (404),
# no such method (405), too large / not JSON (413/415), validation (422).
REJECTION_STATUSES = ("400", "404", "405", "413", "415", "422")

CONFIG = schemathesis.Config.from_dict(
    {
        # The token is sent by the test (Authorization: Bearer …); it is not fuzzed.
        "generation": {"with-security-parameters": False},
        "checks": {"negative_data_rejection": {"expected-statuses": list(REJECTION_STATUSES)}},
    }
)
#: A time of day as the reference reads ``format: time`` ("Dates and times": ``HH:MM``, 24-hour;
#: seconds tolerated). JSON Schema's ``time`` is RFC 3339's full-time (``08:30:00Z``), which no value
#: of this API has; the simulator reads the format the same way (``contract._formats``).
TIME_OF_DAY = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"
#: The formats a request validator checks (``date-time``, ``date``, ``int32``, …); others are
#: annotations.
KNOWN_FORMATS = OAS30WriteValidator.FORMAT_CHECKER


def times_of_day(node: Any) -> Any:
    """The document with every ``format: time`` read as the reference's time of day."""
    if isinstance(node, list):
        return [times_of_day(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: times_of_day(value) for key, value in node.items()}
    if out.get("format") == "time":
        del out["format"]
        if "pattern" in out:
            out["allOf"] = [*out.get("allOf", []), {"pattern": TIME_OF_DAY}]
        else:
            out["pattern"] = TIME_OF_DAY
    return out


def required_bodies(document: dict[str, Any]) -> dict[str, Any]:
    """The document with a request body marked required where its schema requires fields.

    The downtime periods' and notices' bodies are not marked ``required``, which in OpenAPI
    makes a create without a body valid; the tenant reads a missing body as ``{}`` and, like
    any create without its required fields, answers 422 naming them."""
    out = copy.deepcopy(document)
    for item in out["paths"].values():
        for op in item.values():
            body = op.get("requestBody") if isinstance(op, dict) else None
            schema = (body or {}).get("content", {}).get("application/json", {}).get("schema")
            parts = [schema, *schema.get("allOf", [])] if isinstance(schema, dict) else []
            if body is not None and any(part.get("required") for part in parts):
                body["required"] = True
    return out


def variants_as_decided(node: Any) -> Any:
    """The document with every ``oneOf`` of object variants read as D44 reads it: a body is
    the variant its discriminator names (each variant is pinned to its own value), and
    without one any variant it fits (``anyOf``: several variants have one shape, which a
    strict ``oneOf`` would refuse whatever the body)."""
    if isinstance(node, list):
        return [variants_as_decided(item) for item in node]
    if not isinstance(node, dict):
        return node
    variants = object_variants(node)
    named = discriminator(variants) if variants is not None else None
    out = {key: variants_as_decided(value) for key, value in node.items()}
    if variants is None:
        return out
    read = [variants_as_decided(variant) for variant in variants]
    if named is not None:
        name, values = named
        read = [
            {"allOf": [variant, {"properties": {name: {"enum": [value]}}}]}
            for variant, value in zip(read, values, strict=True)
        ]
    out.pop("oneOf", None)
    out["anyOf"] = read
    return out


CONTRACT = Contract()


@dataclass(frozen=True)
class Referrer:
    """A field of the objects of ``kind`` that refers to objects of another kind."""

    kind: str
    field: str
    reference: Reference


def _referrers() -> dict[str, tuple[Referrer, ...]]:
    """Each kind's referrers, from the references the simulator's resources declare (the
    catalogue's and the hand-written ones alike)."""
    found: dict[str, list[Referrer]] = {}
    resources = Simulator(SimulatorConfig(tokens=(TOKEN,)), CONTRACT).resources
    for resource in resources.values():
        for name, ref in resource.refs.items():
            found.setdefault(ref.kind, []).append(Referrer(resource.kind, name, ref))
    return {kind: tuple(users) for kind, users in found.items()}


#: What holds an object from being deleted, or lets go of it, under D39.
REFERRERS: Mapping[str, tuple[Referrer, ...]] = _referrers()
SCHEMA = schemathesis.openapi.from_dict(
    variants_as_decided(times_of_day(required_bodies(CONTRACT.document))), config=CONFIG
)
OPERATIONS = {op.label: op for op in (result.ok() for result in SCHEMA.get_all_operations())}
OPERATION_IDS = {
    f"{method.upper()} {path}": op["operationId"]
    for path, item in CONTRACT.document["paths"].items()
    for method, op in item.items()
    if method != "parameters"
}
LABEL_OF = {op_id: label for label, op_id in OPERATION_IDS.items()}
LABELS = sorted(OPERATIONS, key=lambda label: (label.split(" ", 1)[1], label))
#: The path templates of the sub-collections (a charge point's OCPP keys, a circuit's charge
#: points and its actions on them, a template's variables, a rate's price periods and mix).
SUB_COLLECTIONS = frozenset(full_path(path) for path in SUB_COLLECTION_PATHS)
#: The path parameter naming the object an item operation acts on (the last one in the path).
ITEM_PARAM = {label: (re.findall(r"\{(\w+)\}", label) or [None])[-1] for label in OPERATIONS}


#: The schema of each path parameter, by operation.
PATH_SCHEMAS: dict[str, dict[str, dict[str, Any]]] = {
    f"{method.upper()} {path}": {
        param["name"]: param.get("schema", {})
        for param in [*item.get("parameters", []), *op.get("parameters", [])]
        if param.get("in") == "path"
    }
    for path, item in CONTRACT.document["paths"].items()
    for method, op in item.items()
    if method != "parameters"
}


def has_inputs(label: str) -> bool:
    """Whether schemathesis can make anything invalid: a query, a body, or a path parameter
    whose schema is more than any text (a payment terminal's id is a string: any value
    is one, and a path parameter is text on the wire)."""
    op = OPERATIONS[label]
    constrained = [s for s in PATH_SCHEMAS[label].values() if s != {"type": "string"}]
    return bool(constrained or list(op.query) or op.body)


def typed(label: str, name: str, value: Any) -> Any:
    """A path value of the type its schema gives it (schemathesis takes a value of another
    type for negative data)."""
    kind = PATH_SCHEMAS[label][name].get("type")
    if kind == "integer" and isinstance(value, str) and value.isdigit():
        return int(value)
    return str(value) if kind == "string" else value


# --- the catalogued collections ----------------------------------------------------------------
#
# What the test knows of the collections of ``ampeco_sim.catalog`` (their seeding, steering, 404s,
# D39 409s and 422s) is derived from their entries and the document: a collection added to the
# catalogue is fuzzed with no edit here.


def action_paths(entry: Collection) -> list[str]:
    """The paths of the collection's actions (a custom tariff filters' ``reorder``, D46)."""
    return [f"{entry.collection}/{action}" for action in entry.actions]


#: The catalogue entry of every catalogued path template (with the prefix).
CATALOGUED: dict[str, Collection] = {
    PREFIX + path: entry
    for entry in COLLECTIONS
    for path in (entry.collection, entry.item, *action_paths(entry))
}


def entry_of(label: str) -> Collection | None:
    return CATALOGUED.get(label.split(" ", 1)[1])


#: The catalogued collection each action acts on, by operation id.
ACTIONS: dict[str, Collection] = {
    OPERATION_IDS[label]: entry
    for label in OPERATIONS
    if (entry := entry_of(label)) is not None
    and label.split(" ", 1)[1] in {PREFIX + path for path in action_paths(entry)}
}
#: The catalogued collection each create and update operation writes, by operation id.
WRITTEN: dict[str, Collection] = {
    OPERATION_IDS[label]: entry
    for label in OPERATIONS
    if (entry := entry_of(label)) is not None
    and OPERATIONS[label].method.upper() in ("POST", "PUT", "PATCH")
    and OPERATION_IDS[label] not in ACTIONS
}


def delete_op(entry: Collection) -> str | None:
    return OPERATION_IDS.get(f"DELETE {PREFIX}{entry.item}")


def create_op(entry: Collection) -> str | None:
    """The collection's create; ``None`` for one the API cannot create (roaming operators,
    D45)."""
    return OPERATION_IDS.get(f"POST {PREFIX}{entry.collection}")


def body_schema(entry: Collection) -> dict[str, Any]:
    """The schema of what a collection's objects are written with: its create's body, or its
    update's where it has no create."""
    op_id = create_op(entry) or OPERATION_IDS[f"PATCH {PREFIX}{entry.item}"]
    return CONTRACT.by_id[op_id].body_schema or {}


def date_times(entry: Collection) -> list[str]:
    """The top-level date-time fields of a collection's bodies (kept in UTC, D38)."""
    props = schema_properties(body_schema(entry))
    return [name for name, prop in props.items() if prop.get("format") == "date-time"]


def instant(value: Any) -> datetime | None:
    """The moment an RFC 3339 date-time with an offset names, or ``None``."""
    try:
        moment = datetime.fromisoformat(value.upper()) if isinstance(value, str) else None
    except ValueError:
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


def has_utc_form(moment: datetime) -> bool:
    """Whether the moment's UTC date is within years 1-9999 (D38 writes it in UTC)."""
    try:
        moment.astimezone(timezone.utc)
    except OverflowError:
        return False
    return True


#: The catalogued collections in an order where each comes after the ones it refers to (a
#: reference to its own kind, a circuit's parent circuit, excepted) and those it is filed under.
SEED_ORDER: list[Collection] = [
    next(entry for entry in COLLECTIONS if entry.kind == kind)
    for kind in graphlib.TopologicalSorter(
        {
            entry.kind: sorted(
                {ref.kind for ref in entry.refs.values() if ref.kind != entry.kind}
                | set(entry.parents)
            )
            for entry in COLLECTIONS
        }
    ).static_order()
    if any(entry.kind == kind for entry in COLLECTIONS)
]
#: Collections seeded twice: the second object names the first where the collection refers to
#: its own kind (so the first is in use), holds other unique values to clash with, or is
#: filed beside it under one parent (a custom tariff filter's place among its operator's).
TWINNED = [
    entry
    for entry in SEED_ORDER
    if entry.unique or entry.parents or any(ref.kind == entry.kind for ref in entry.refs.values())
]
SEED_TIME = datetime(2026, 3, 1, 8, tzinfo=timezone.utc)


def sample(schema: Any, name: str, n: int) -> Any:
    """The plainest value a schema takes, from the schema alone: its default, its first value,
    or the simplest value of its type; text carries ``n``, so that objects differ."""
    if not isinstance(schema, dict):
        return None
    enum = [value for value in schema.get("enum", []) if value is not None]
    alternatives = schema.get("anyOf") or schema.get("oneOf")
    kind = schema.get("type")
    if "default" in schema:
        return copy.deepcopy(schema["default"])
    if enum:
        return enum[0]
    variants = object_variants(schema)
    if variants is not None:  # the first variant, named by its discriminator (D44)
        own = {key: value for key, value in schema.items() if key not in ("oneOf", "anyOf")}
        shared = sample(own, name, n) if {"type", "properties", "allOf"} & set(own) else {}
        body = {**shared, **sample(variants[0], name, n)}
        named = discriminator(variants)
        if named is not None:
            body[named[0]] = named[1][0]
        return body
    if alternatives:
        return sample(alternatives[0], name, n)
    if kind == "object" or "properties" in schema or "allOf" in schema:
        props = schema_properties(schema)
        required = [
            r for part in [schema, *schema.get("allOf", [])] for r in part.get("required", [])
        ]
        return {
            key: sample(props[key], key, n)
            for key in dict.fromkeys(required)
            if key in props and not props[key].get("readOnly")
        }
    if kind == "array":
        return [sample(schema.get("items"), name, n) for _ in range(schema.get("minItems", 0))]
    if kind == "boolean":
        return False
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    formats = {
        "date-time": SEED_TIME.isoformat(),
        "date": SEED_TIME.date().isoformat(),
        "time": "08:00",
        "uri": f"https://example.com/{n}",
        "email": f"seed{n}@example.com",
    }
    text = formats.get(schema.get("format", ""), f"{name}-{n}")
    return text[: schema.get("maxLength", len(text))].ljust(schema.get("minLength", 0), "x")


def sample_body(entry: Collection, seeded: Mapping[str, Any], n: int) -> dict[str, Any]:
    """A create body the simulator takes, made from the document and the catalogue: the
    required fields (:func:`sample`) and the unique ones (to clash with), every reference to a
    seeded object (one of each ``exactly_one`` group), the values the collection's referrers
    ask of it (``Reference.where``) and date-times in order. A collection the API cannot
    create is brought in through the admin API, with the fields of ``kind_samples.SEEDED``."""
    op_id = create_op(entry)
    schema = body_schema(entry)
    body: dict[str, Any] = (
        sample(schema, entry.kind, n) if op_id else copy.deepcopy(SEEDED[entry.kind][1])
    )
    props = schema_properties(schema, body)
    for name in (name for fields in entry.unique for name in fields):
        if name not in body and name in props:
            body[name] = sample(props[name], name, n)
    for user in REFERRERS.get(entry.kind, ()):
        body.update(user.reference.where)
    for name, ref in entry.refs.items():
        target = seeded.get(PARAM_OF[ref.kind])
        if target is not None:
            body[name] = [target] if ref.many else target
    for group in entry.exactly_one:
        if all(name in props for name in group):
            named = [name for name in group if body.get(name) is not None]
            for name in named[1:]:
                del body[name]
    for later, earlier in entry.after.items():
        start = instant(body.get(earlier)) or SEED_TIME
        body.setdefault(earlier, start.isoformat())
        body[later] = (start + timedelta(hours=1)).isoformat()
    if op_id is not None:
        errors = CONTRACT.by_id[op_id].validate_body(body)
        assert not errors, (entry.kind, body, errors)
    return body


def filled(template: str, ids: Mapping[str, Any]) -> str:
    """A path template with its parameters' values."""
    return re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), template)


# --- what the reference adds to the document ---------------------------------------------------

#: Deletes the D-table refuses with 409 while the object is in use (D1, D2, D5–D9, D31).
IN_USE_DELETES = {
    "locationDelete": "location",  # D1
    "locationChargingZoneDelete": "charging_zone",  # D2
    "chargePointDelete": "charge_point",  # D31
    "tariffDelete": "tariff",  # D5
    "tariffGroupDelete": "tariff_group",  # D6
    "taxDelete": "tax",  # D7
    "taxIdentificationNumberDelete": "tax_identification_number",  # D8
    "currencyDeleteDeprecated": "currency",  # D9
}


def decision_statuses(label: str) -> frozenset[int]:
    """Statuses the reference's decisions make an operation answer although it may not list them.

    * 404 on every operation with an id in the path ("Errors": no object with that id, also a
      child under the wrong parent; some of them document no 404);
    * 409 on the in-use deletes (D1, D2, D5–D9, D31, D39: ``conflict_kind``);
    * 422 on every operation with query parameters (``per_page``, D20; ``include[]``, D24; a
      filter's typed value) or a body: a query or a body the document refuses is a 422
      ("Errors") also where the operation lists other statuses only (a configuration
      template's create and update, a charge point's configuration listing);
    * 429 on the charging zone listing, the one operation without a documented 429 (D22).
    """
    op = OPERATIONS[label]
    op_id = OPERATION_IDS[label]
    query = {p.name for p in op.query}
    extra: set[int] = set()
    if list(op.path_parameters):
        extra.add(404)
    if conflict_kind(label) is not None:
        extra.add(409)
    if query or op.body:
        extra.add(422)
    if op_id == "locationChargingZonesListing":
        extra.add(429)
    return frozenset(extra)


#: Kinds a catalogued collection names by a single id: deleting one is refused while it is
#: named (D39).
HELD_KINDS = frozenset(
    kind for kind, users in REFERRERS.items() if any(not user.reference.many for user in users)
)


def filed_under(kind: str) -> list[str]:
    """The kind and the kinds filed under it in the paths (a charge point's EVSEs and their
    connectors are deleted with it, D3, D4)."""
    param = PARAM_OF[kind]
    nested = [PATH_KINDS[child] for child, parent in PATH_PARENTS.items() if parent == param]
    return [kind, *(k for child in nested for k in filed_under(child))]


def conflict_kind(label: str) -> str | None:
    """The kind of object a DELETE may be refused for (409) while it is in use: the D-table's
    (``IN_USE_DELETES``), and under D39 a kind that a catalogued collection names by a single
    id, itself or among the objects deleted with it."""
    kind = PATH_KINDS.get(ITEM_PARAM[label] or "")
    if OPERATIONS[label].method.upper() != "DELETE" or kind is None:
        return None
    if OPERATION_IDS[label] in IN_USE_DELETES or HELD_KINDS & set(filed_under(kind)):
        return kind
    return None


def documented_statuses(label: str) -> frozenset[int]:
    return frozenset(int(code) for code in OPERATIONS[label].responses.status_codes)


#: The store kind each path parameter names.
PATH_KINDS = {
    "location": "location",
    "chargingZone": "charging_zone",
    "chargePoint": "charge_point",
    "evse": "evse",
    "connector": "connector",
    "tariff": "tariff",
    "tariffGroup": "tariff_group",
    "tax": "tax",
    "taxIdentificationNumber": "tax_identification_number",
    "currency": "currency",
    "variable": "template_variable",  # a configuration template's variable (D43)
    **{entry.id_parameter: entry.kind for entry in COLLECTIONS},
}
#: The path parameter that names an object of each kind.
PARAM_OF = {kind: param for param, kind in PATH_KINDS.items()}
#: The parent path parameter of a nested one.
PATH_PARENTS = {
    "chargingZone": "location",
    "evse": "chargePoint",
    "connector": "evse",
    "variable": "template",
    **{entry.id_parameter: PARAM_OF[entry.parents[-1]] for entry in COLLECTIONS if entry.parents},
}


def object_lists(op_id: str) -> dict[str, list[str]]:
    """The lists of objects named by id in an action's body (``reorder``'s filters), with the
    fields of an item."""
    props = schema_properties(CONTRACT.by_id[op_id].body_schema or {})
    items = {name: schema_properties(prop.get("items") or {}) for name, prop in props.items()}
    return {name: list(fields) for name, fields in items.items() if "id" in fields}


#: Reference fields in request bodies, by operation: dotted path (``*`` = every list item) → the
#: seeded object (named by its path parameter) that steered examples put there.
BODY_REFS: dict[str, tuple[tuple[str, str], ...]] = {
    "chargePointCreate": (
        ("locationId", "location"),
        ("chargingZoneId", "chargingZone"),
        ("ocppConnectedChargePointId", "chargePoint"),
    ),
    "chargePointUpdate": (("locationId", "location"), ("chargingZoneId", "chargingZone")),
    "chargePointEvseCreate": (("tariffGroupId", "tariffGroup"),),
    "chargePointEvseUpdate": (("tariffGroupId", "tariffGroup"),),
    "evseCreate": (("chargePointId", "chargePoint"), ("tariffGroupId", "tariffGroup")),
    "evseUpdate": (("tariffGroupId", "tariffGroup"),),
    "tariffCreate": (("pricing.taxID", "tax"),),
    "tariffUpdate": (("pricing.taxID", "tax"),),
    "tariffGroupCreate": (("tariffIds.*", "tariff"),),
    "tariffGroupUpdate": (("tariffIds.*", "tariff"),),
    "taxCreate": (("taxIdentificationNumberId", "taxIdentificationNumber"),),
    "taxUpdate": (("taxIdentificationNumberId", "taxIdentificationNumber"),),
    "circuitAttachChargePoint": (("chargePointId", "chargePoint"),),  # D40
    # the catalogue's references
    **{
        op_id: tuple(
            (f"{name}.*" if ref.many else name, PARAM_OF[ref.kind])
            for name, ref in entry.refs.items()
        )
        for op_id, entry in WRITTEN.items()
    },
    # a catalogued action's lists of the collection's objects (the filters ``reorder`` moves)
    **{
        op_id: tuple((f"{name}.*.id", entry.id_parameter) for name in object_lists(op_id))
        for op_id, entry in ACTIONS.items()
    },
}
#: Reference filters in listings: query key → seeded object.
QUERY_REFS = {
    "filter[locationId]": "location",
    "filter[chargingZoneId]": "chargingZone",
    "filter[chargePointId]": "chargePoint",
    "filter[tariffGroupId]": "tariffGroup",
}
#: The same for the catalogued listings, by operation: the filters on a reference field.
CATALOGUED_QUERY_REFS = {
    OPERATION_IDS[f"GET {PREFIX}{entry.collection}"]: {
        f"filter[{name}]": PARAM_OF[entry.refs[path].kind]
        for name, path in entry.filters.items()
        if path in entry.refs
    }
    for entry in COLLECTIONS
}

# --- the sub-collections ------------------------------------------------------------------------
#
# What a charge point, a circuit, a template and an electricity rate hold under their own paths
# (``SUB_COLLECTION_PATHS``). A path that ends with a parameter names one member: by id (a
# template's variable, a charge point on a circuit) or by name (an OCPP key, a week day, a
# date: ``Operation.named``). Which members there are is what the sub-collection's listing shows.

#: The path parameters that are names, not ids, with their schema.
NAMED: dict[str, dict[str, Any]] = {
    name: schema for op in CONTRACT.operations for name, schema in op.named.items()
}


def params_of(label: str) -> list[str]:
    return re.findall(r"\{(\w+)\}", label)


def member_param(label: str) -> str | None:
    """The parameter naming one member of a sub-collection (the last, where the path ends with
    it), or ``None``."""
    path = label.split(" ", 1)[1]
    return ITEM_PARAM[label] if path in SUB_COLLECTIONS and path.endswith("}") else None


#: The operations that make what a sub-collection holds: a create (a template's variable), an
#: upsert of a named member (a rate's week day or date), an action that adds one (a charge
#: point attached to a circuit).
MAKERS = [
    label
    for label in LABELS
    if label.split(" ", 1)[1] in SUB_COLLECTIONS
    and (
        201 in documented_statuses(label)
        or (OPERATIONS[label].method.upper() == "POST" and member_param(label) is None)
    )
]


def _listing(label: str) -> str:
    """The listing that shows the members an operation names or makes: the path above the
    member, or else the one sub-collection listing under the same objects (a circuit's charge
    points, which its actions name)."""
    path = label.split(" ", 1)[1]
    param = member_param(label)
    above = "GET " + (path.removesuffix(f"/{{{param}}}") if param else path)
    if above in OPERATIONS:
        return above
    parents = params_of(path)[:-1] if param else params_of(path)
    found = [
        other
        for other in OPERATIONS
        if other.startswith("GET ")
        and other.split(" ", 1)[1] in SUB_COLLECTIONS
        and params_of(other) == parents
    ]
    assert len(found) == 1, (label, found)
    return found[0]


#: The listing of each operation on a member of a sub-collection, and of each maker.
LISTINGS = {label: _listing(label) for label in LABELS if member_param(label) or label in MAKERS}


def made_param(label: str) -> str | None:
    """The parameter naming what a maker makes where the path does not hold it (the variable a
    template's create answers with), from the paths below the maker's."""
    path = label.split(" ", 1)[1]
    below = [
        ITEM_PARAM[other]
        for other in OPERATIONS
        if re.fullmatch(re.escape(path) + r"/\{\w+\}", other.split(" ", 1)[1])
    ]
    return below[0] if below else None


def needs_member(label: str) -> bool:
    """Whether an operation acts on a member that must exist (a 404 otherwise): not an upsert,
    which makes the member it names (201), nor a station's key, which the station answers for
    (406, D41)."""
    return member_param(label) is not None and not {201, 406} & documented_statuses(label)


def name_values(schema: Mapping[str, Any], n: int) -> list[str]:
    """The values a name parameter takes from its schema (its enum's), and for a date the day
    ``n`` days after the seeding."""
    options = schema.get("anyOf") or [schema]
    values = [v for option in options for v in option.get("enum", []) if isinstance(v, str)]
    if schema.get("format") == "date":
        values.append((SEED_TIME.date() + timedelta(days=n)).isoformat())
    return values


def named_in(path_parameters: Mapping[str, Any], param: str) -> str:
    """The value of a path parameter as the server reads it (schemathesis sends it
    percent-encoded)."""
    return urllib.parse.unquote(str(path_parameters[param]))


def member_of(item: Mapping[str, Any], param: str) -> str:
    """How a path names a listed member: by its ``param`` (a week day, a date), by the name of
    its ``param`` (an OCPP key), or by its id."""
    value = item.get(param, item.get("id"))
    if isinstance(value, dict):
        value = value.get("name")
    return str(value)


#: The operation a charge point's station answers, refusing with a 406 (D41).
STATION = next(label for label in LABELS if 406 in documented_statuses(label))
#: What names a configuration template's variable (D43): a key in OCPP 1.6; a component's
#: variable with its instances, type, EVSE and connector in OCPP 2.0.1.
VARIABLE_IDENTITY = {
    "ocpp 1.6": ("keyName",),
    "ocpp 2.0.1": (
        "component",
        "componentInstance",
        "variableName",
        "variableInstance",
        "variableType",
        "evseId",
        "connectorId",
    ),
}

# --- the 422 allow-list -------------------------------------------------------------------------

_LEVEL_KWH = r"pricing\.multiPricePerKwh\.\d+\.(firstKwh|lastKwh)"
_LEVEL_UNITS = r"pricing\.(multiPricePerDuration|multiIdleFee)\.\d+\.(firstUnit|lastUnit)"

#: Fields a 422 may name for VALID data, by operation, with the reference's reason. Anything else
#: named in a 422 to schema-valid data is a simulator bug (a valid request wrongly rejected).
RULE_FIELDS: dict[str, dict[str, str]] = {
    "chargePointCreate": {
        "locationId": "reference to a location; required for public/private stations",
        "chargingZoneId": "reference to a charging zone",
        "ocppConnectedChargePointId": "reference; required for via_ocpp_connected_charge_point",
        "pin": "required for personal stations",
        r"network\.id": "D11: unique OCPP identity",
        "installationAndMaintenanceCompanyId": "an unknown or foreign company id is a 422",
        "utilityId": "D39: reference to a utility",
    },
    "chargePointUpdate": {
        "locationId": "reference; D32 public/private keep a location",
        "chargingZoneId": "reference to a charging zone",
        "pin": "D32: personal keeps a PIN",
        r"network\.id": "D11: unique OCPP identity",
        "installationAndMaintenanceCompanyId": "an unknown or foreign company id is a 422",
        "utilityId": "D39: reference to a utility",
    },
    "chargePointEvseCreate": {
        "tariffGroupId": "reference to a tariff group",
        "networkId": "D12: unique per charge point",
    },
    "chargePointEvseUpdate": {
        "tariffGroupId": "reference to a tariff group",
        "networkId": "D12: unique per charge point",
    },
    "evseCreate": {
        "chargePointId": "reference to a charge point",
        "tariffGroupId": "reference to a tariff group",
        "networkId": "D12: unique per charge point",
    },
    "evseUpdate": {
        "tariffGroupId": "reference to a tariff group",
        "networkId": "D12: unique per charge point",
    },
    "tariffCreate": {
        r"pricing\.taxID": "reference to a tax",
        _LEVEL_KWH: "level rules (tariffs.md)",
        _LEVEL_UNITS: "level rules (tariffs.md)",
    },
    "tariffUpdate": {
        r"pricing\.taxID": "reference to a tax",
        _LEVEL_KWH: "level rules (tariffs.md)",
        _LEVEL_UNITS: "level rules (tariffs.md)",
    },
    "tariffGroupCreate": {r"tariffIds\.\d+": "reference to a tariff"},
    "tariffGroupUpdate": {
        r"tariffIds\.\d+": "reference to a tariff",
        "tariffIds": "D26: a group is never empty",
    },
    "taxCreate": {"taxIdentificationNumberId": "reference to a TIN"},
    "taxUpdate": {"taxIdentificationNumberId": "reference to a TIN"},
    "currencyUpdate": {"alphabeticCode": "D29: the code cannot change"},
    "chargePointConfigurationUpdate": {"value": "required for a key the station has"},
    **{
        op_id: {
            re.escape(name): "D43: the shape of the template's OCPP version; one per identity"
            for name in {"value", *(f for fields in VARIABLE_IDENTITY.values() for f in fields)}
        }
        for op_id in ("configurationTemplateVariableCreate", "configurationTemplateVariableUpdate")
    },
    "electricityRatePricePeriodsWeekDayCreateaOrUpdate": {
        r"periods\.\d+\.(startsAt|endsAt)": "D42: a period within one day, none overlapping",
        "weekDay": "D42: any or specific week days",
    },
    "electricityRatePricePeriodsDateCreateOrUpdate": {
        r"periods\.\d+\.(startsAt|endsAt)": "D42: a period within one day, none overlapping",
    },
    "circuitAttachChargePoint": {"chargePointId": "D40: a charge point, on one circuit at most"},
    "reorderRoamingCustomTariffFilters": {
        r"filters\.\d+\.(id|order)": "D46: the operator's filters at places that exist, once"
    },
}


def catalogue_rules(entry: Collection) -> dict[str, str]:
    """The fields a 422 to a catalogued collection's valid body may name, from its entry."""
    rules = {re.escape(name): f"D39: reference to a {ref.kind}" for name, ref in entry.refs.items()}
    rules |= {re.escape(fields[-1]): "D39: unique" for fields in entry.unique}
    rules |= {re.escape(later): f"after {earlier}" for later, earlier in entry.after.items()}
    rules |= {re.escape(name): "D38: a UTC form" for name in date_times(entry)}
    rules |= {re.escape(name): "D44: exactly one" for group in entry.exactly_one for name in group}
    if object_variants(body_schema(entry)) is not None:
        # D44: an update leaves an object its (perhaps new) variant accepts
        props = schema_properties(body_schema(entry))
        rules |= {re.escape(name) + r"(\..+)?": "D44: the variant's fields" for name in props}
    return rules


RULE_FIELDS |= {op_id: catalogue_rules(entry) for op_id, entry in WRITTEN.items()}


# --- statistics ---------------------------------------------------------------------------------


@dataclass
class Stats:
    examples: Counter[tuple[str, str]] = field(default_factory=Counter)  # (label, generated mode)
    outcomes: Counter[str] = field(default_factory=Counter)
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    failures: list[str] = field(default_factory=list)
    rules: Counter[str] = field(default_factory=Counter)  # what explained 422s to valid data
    started: float = field(default_factory=time.perf_counter)

    @property
    def total(self) -> int:
        return sum(self.examples.values())


STATS = Stats()


# --- the tenant ---------------------------------------------------------------------------------


@dataclass
class SimTenant:
    """The running simulator, an API client for seeding, and the ids of the seeded objects."""

    simulator: Simulator
    base_url: str
    api: httpx.Client
    session: requests.Session
    seeded: dict[str, int] = field(default_factory=dict)
    others: dict[str, int] = field(default_factory=dict)
    #: A second object of the collections in ``TWINNED``, by path parameter.
    twins: dict[str, int] = field(default_factory=dict)
    base_code: str = ""
    #: Each OCPP key's value as a new station reports it, which is of the key's type (D41).
    station: dict[str, str] = field(default_factory=dict)
    serial: Iterator[int] = field(default_factory=lambda: itertools.count(100))
    #: The store as first seeded, which each later reset restores.
    snapshot: sqlite3.Connection | None = None

    def create(self, path: str, body: dict[str, Any]) -> int:
        response = self.api.post(PREFIX + path, json=body)
        assert response.status_code in (200, 201), (path, body, response.text)
        return int(response.json()["data"]["id"])

    def reset(self) -> None:
        """A new tenant with one object of every kind, wired together so that each is in use:
        seeded over the API once, then restored from a copy of the store (the same objects and
        ids every time, in a fraction of the time)."""
        self.check_violations()
        response = self.api.post("/_sim/reset")  # the client's connection: no new handshake
        assert response.status_code == 204
        if self.snapshot is not None:
            self.simulator.store.restore(self.snapshot)
            return
        settings_ = self.api.get(PREFIX + "/settings/v1.0").json()["data"]
        tin = self.create("/tax-identification-numbers/v2.0", factories.tin(1))
        tax = self.create("/taxes/v2.0", factories.tax(1, taxIdentificationNumberId=tin))
        tariff = self.create(
            "/tariffs/v1.0", factories.tariff(1, pricing={"pricePerSession": 2.5, "taxID": tax})
        )
        group = self.create("/tariff-groups/v1.0", factories.tariff_group(1, tariffIds=[tariff]))
        location = self.create("/locations/v2.0", factories.location(1))
        zone = self.create(f"/locations/v2.0/{location}/charging-zones", factories.charging_zone())
        master = self.create(
            "/charge-points/v2.0", factories.charge_point(location, 1, chargingZoneId=zone)
        )
        satellite = self.create(
            "/charge-points/v2.0",
            factories.charge_point(
                location,
                2,
                communicationMode="via_ocpp_connected_charge_point",
                ocppConnectedChargePointId=master,
            ),
        )
        evse = self.create(
            f"/charge-points/v2.0/{master}/evses", factories.evse(1, tariffGroupId=group)
        )
        connector = self.create(
            f"/charge-points/v2.0/{master}/evses/{evse}/connectors", factories.connector()
        )
        other_location = self.create("/locations/v2.0", factories.location(2))
        self.seeded = {
            "location": location,
            "chargingZone": zone,
            "chargePoint": master,
            "evse": evse,
            "connector": connector,
            "tariff": tariff,
            "tariffGroup": group,
            "tax": tax,
            "taxIdentificationNumber": tin,
            "currency": settings_["baseCurrency"]["id"],
        }
        currency = self.api.get(PREFIX + f"/currencies/v2.0/{self.seeded['currency']}")
        self.base_code = currency.json()["data"]["alphabeticCode"]
        # Wrong parents for the nested paths (a child under another parent is a 404).
        self.others = {"location": other_location, "chargePoint": satellite}
        self.seed_catalogue()
        self.seed_sub_collections()
        self.snapshot = self.simulator.store.snapshot()

    def seed_catalogue(self) -> None:
        """An object of every catalogued collection, naming the seeded objects it may refer to
        (so that each is in use, D39), the twins of ``TWINNED``, and another parent for what
        is filed under a catalogued object (a child under another parent is a 404)."""
        for entry in SEED_ORDER:
            self.seeded[entry.id_parameter] = self.create_catalogued(entry)
        self.twins = {entry.id_parameter: self.create_catalogued(entry) for entry in TWINNED}
        for entry in COLLECTIONS:
            if entry.id_parameter in PATH_PARENTS.values():
                self.others[entry.id_parameter] = self.create_catalogued(entry)

    def create_catalogued(self, entry: Collection) -> int:
        body = sample_body(entry, self.seeded, next(self.serial))
        if create_op(entry) is not None:
            return self.create(filled(entry.collection, self.seeded), body)
        # D45: what the API cannot create, the admin API brings in
        response = self.api.post("/_sim" + SEEDED[entry.kind][0], json=body)
        assert response.status_code == 201, (entry.kind, body, response.text)
        return int(response.json()["data"]["id"])

    def seed_sub_collections(self) -> None:
        """A member of every sub-collection under the seeded objects, made by its makers (a
        template's variable, a week day's and a date's periods, the seeded charge point on
        the seeded circuit); and the OCPP keys as the seeded charge point's station reports
        them."""
        for label in MAKERS:
            response = self.make(label, next(self.serial))
            assert response.is_success, (label, response.text)
            if (param := made_param(label)) is not None:
                self.seeded[param] = int(response.json()["data"]["id"])
        self.station = {
            member_of(item, "key"): item["key"]["value"]
            for item in self.listed(LISTINGS[STATION], self.seeded)
        }

    def make(self, label: str, n: int, ids: Mapping[str, Any] | None = None) -> httpx.Response:
        """Call a maker with the document's sample body, under the seeded objects (or
        ``ids``), naming the seeded objects its body refers to; a name it is not given is the
        first its schema takes."""
        op_id = OPERATION_IDS[label]
        values = {**self.seeded, **(ids or {})}
        for name in params_of(label):
            if name not in values:
                values[name] = name_values(NAMED[name], n)[0]
        body = sample(CONTRACT.by_id[op_id].body_schema, "value", n)
        for dotted, name in BODY_REFS.get(op_id, ()):
            put_ref(body, dotted.split("."), [self.seeded[name]])
        method, path = label.split(" ", 1)
        return self.api.request(method, filled(path, values), json=body)

    def referable(self, param: str) -> list[int]:
        """The seeded objects a steered reference names: the one of ``param``, and its twin."""
        twin = self.twins.get(param)
        return [self.seeded[param], *([twin] if twin is not None else [])]

    def listed(self, listing: str, ids: Mapping[str, Any]) -> list[dict[str, Any]]:
        """What a sub-collection's listing shows under the objects ``ids`` names."""
        response = self.api.get(filled(listing.split(" ", 1)[1], ids))
        data = response.json().get("data") if response.status_code == 200 else None
        return data if isinstance(data, list) else []

    def members(self, label: str, ids: Mapping[str, Any]) -> list[str]:
        """The members a sub-collection operation may name, as its path names them."""
        param = member_param(label) or ""
        return [member_of(item, param) for item in self.listed(LISTINGS[label], ids)]

    def fresh_member(self, label: str) -> dict[str, Any]:
        """Path values of a member for a DELETE to take, nothing else touched: made by the
        upsert of the same path (a day the rate has no periods for; one it has if every day
        has) or the create above it (a template's variable)."""
        param = member_param(label)
        assert param is not None
        ids = {name: self.seeded[name] for name in params_of(label) if name != param}
        upsert = "PUT " + label.split(" ", 1)[1]
        if upsert in MAKERS:
            taken = self.members(label, ids)
            for value in name_values(NAMED[param], next(self.serial)):
                if value not in taken and self.make(upsert, 0, {**ids, param: value}).is_success:
                    return {**ids, param: value}
            assert taken, f"no {param} to delete for {label}"
            return {**ids, param: taken[0]}
        maker = next(other for other in MAKERS if made_param(other) == param)
        response = self.make(maker, next(self.serial), ids)
        assert response.is_success, response.text
        return {**ids, param: int(response.json()["data"]["id"])}

    def fresh(self, op_id: str) -> dict[str, Any]:
        """Path ids of a new object that nothing uses, for a DELETE that should succeed."""
        n = next(self.serial)
        s = self.seeded
        cp, evse_id = s["chargePoint"], s["evse"]
        if op_id == "locationDelete":
            return {"location": self.create("/locations/v2.0", factories.location(n))}
        if op_id == "locationChargingZoneDelete":
            zone = self.create(
                f"/locations/v2.0/{s['location']}/charging-zones", factories.charging_zone(n)
            )
            return {"location": s["location"], "chargingZone": zone}
        if op_id == "chargePointDelete":
            body = factories.charge_point(s["location"], n, network={"id": f"FRESH-{n}"})
            return {"chargePoint": self.create("/charge-points/v2.0", body)}
        if op_id in ("chargePointEvseDelete", "evseDelete"):
            new = self.create(f"/charge-points/v2.0/{cp}/evses", factories.evse(n))
            return {"chargePoint": cp, "evse": new} if op_id != "evseDelete" else {"evse": new}
        if op_id == "chargePointEvseConnectorDelete":
            path = f"/charge-points/v2.0/{cp}/evses/{evse_id}/connectors"
            new = self.create(path, factories.connector())
            return {"chargePoint": cp, "evse": evse_id, "connector": new}
        if op_id == "tariffDelete":
            return {"tariff": self.create("/tariffs/v1.0", factories.tariff(n))}
        if op_id == "tariffGroupDelete":
            return {"tariffGroup": self.create("/tariff-groups/v1.0", factories.tariff_group(n))}
        if op_id == "taxDelete":
            return {"tax": self.create("/taxes/v2.0", factories.tax(n))}
        if op_id == "taxIdentificationNumberDelete":
            path = "/tax-identification-numbers/v2.0"
            return {"taxIdentificationNumber": self.create(path, factories.tin(n))}
        if op_id == "currencyDeleteDeprecated":
            return {"currency": self.create("/currencies/v2.0", factories.currency("NOK"))}
        entry = next((e for e in COLLECTIONS if delete_op(e) == op_id), None)
        if entry is not None:
            ids = {name: self.seeded[name] for name in params_of(entry.collection)}
            return {**ids, entry.id_parameter: self.create_catalogued(entry)}
        label = LABEL_OF[op_id]
        if member_param(label) is not None:
            return self.fresh_member(label)
        raise AssertionError(f"no fresh object for {op_id}")

    def check_violations(self) -> None:
        """The simulator's own response validator found nothing (``GET /_sim/violations``)."""
        violations = self.api.get("/_sim/violations").json()["data"]
        assert violations == [], f"responses that do not conform to the document: {violations}"

    # reading the state, to check that a failure is explained by it

    def rows(self, kind: str) -> list[Any]:
        with self.simulator.store.transaction() as tx:
            return tx.select(kind)

    def get(self, kind: str, id_: Any) -> Any:
        number = as_id(id_)
        if number is None:
            return None
        with self.simulator.store.transaction() as tx:
            return tx.get(kind, number)


@pytest.fixture(scope="module")
def tenant() -> Iterator[SimTenant]:
    simulator = Simulator(SimulatorConfig(tokens=(TOKEN,), rate_limit=0, validate_responses=True))
    with RunningSimulator(simulator) as running:
        headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
        with httpx.Client(base_url=running.base_url, headers=headers, timeout=10) as api:
            session = requests.Session()
            handle = SimTenant(simulator, running.base_url, api, session)
            yield handle
            session.close()
            handle.check_violations()
            if handle.snapshot is not None:
                handle.snapshot.close()


# --- helpers ------------------------------------------------------------------------------------


def as_id(value: Any) -> int | None:
    """The integer id a path or body value names, or ``None`` if it names none."""
    if isinstance(value, bool):
        return None
    text = str(value)
    if not text.isdigit() or int(text) > 2**63 - 1:
        return None
    return int(text)


def dig(body: Any, dotted: str) -> tuple[bool, Any]:
    """``(found, value)`` at a dotted path with numeric list indexes."""
    node = body
    for part in dotted.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False, None
    return True, node


def merged(old: Any, patch: Any) -> Any:
    """PATCH semantics of the reference: objects merge key by key, everything else replaces."""
    if isinstance(old, dict) and isinstance(patch, dict):
        out = dict(old)
        for key, value in patch.items():
            out[key] = merged(old.get(key), value)
        return out
    return copy.deepcopy(patch)


def describe(case: Any, response: Any) -> str:
    body = None if isinstance(case.body, NotSet) else case.body
    text = response.content[:2000].decode("utf-8", "replace")
    return (
        f"{case.method} {case.formatted_path} query={case.query!r}\n"
        f"body={json.dumps(body, ensure_ascii=True, default=repr)[:2000]}\n"
        f"-> {response.status_code} {text}"
    )


def steer(tenant: SimTenant, label: str, case: Any, choice: str, shift: int = 0) -> None:
    """Point part of the examples at seeded (or fresh, or wrongly parented) objects, and at the
    members a sub-collection has (the ``shift``-th of those its listing shows); ordered
    date-times of a catalogued body are put ``shift`` minutes apart (``space_date_times``)."""
    if choice == "generated":
        return
    op_id = OPERATION_IDS[label]
    meta = case.meta
    path_negative = meta is not None and meta.is_negative_at(ParameterLocation.PATH)
    member: dict[str, Any] = {}  # the listed member the path names
    if case.path_parameters and not path_negative:
        if choice == "fresh":
            ids = tenant.fresh(op_id)
        else:
            ids = {name: tenant.seeded.get(name, v) for name, v in case.path_parameters.items()}
            param = member_param(label)
            listed = tenant.listed(LISTINGS[label], ids) if param is not None else []
            if param is not None and listed:
                member = listed[shift % len(listed)]
                ids[param] = member_of(member, param)
            if choice == "wrong-parent":
                parent = next(n for n in case.path_parameters if n in tenant.others)
                ids[parent] = tenant.others[parent]
        case.path_parameters = {
            name: typed(label, name, ids[name]) for name in case.path_parameters
        }
    if isinstance(case.body, dict):
        body = copy.deepcopy(case.body)
        for dotted, name in BODY_REFS.get(op_id, ()):
            put_ref(body, dotted.split("."), tenant.referable(name))
        if choice == "as-listed" and op_id in ACTIONS and not path_negative:  # as listed
            listed = tenant.listed(f"GET {PREFIX}{ACTIONS[op_id].collection}", case.path_parameters)
            for name, fields in object_lists(op_id).items():
                body[name] = [{k: item[k] for k in fields if k in item} for item in listed]
        elif choice == "as-listed":  # the member's values as its listing shows them
            nested = [value for value in member.values() if isinstance(value, dict)]
            body.update(writable(op_id, {k: v for d in [member, *nested] for k, v in d.items()}))
        if op_id in ("chargePointCreate", "chargePointUpdate"):
            complete_charge_point(tenant, op_id, body)
        if op_id == "currencyUpdate" and isinstance(body.get("alphabeticCode"), str):
            body["alphabeticCode"] = tenant.base_code  # D29 forbids changing it
        if op_id in WRITTEN:
            complete_exactly_one(tenant, WRITTEN[op_id], body, case.method.upper() == "POST")
        if choice == "taken" and op_id in WRITTEN:
            take_unique_values(tenant, op_id, body)
        elif choice == "taken":
            take_member_values(tenant, label, case.path_parameters, body)
        if op_id in WRITTEN:
            space_date_times(WRITTEN[op_id], body, shift)
        case.body = body
    if case.query:
        query = dict(case.query)
        for key, name in {**QUERY_REFS, **CATALOGUED_QUERY_REFS.get(op_id, {})}.items():
            if isinstance(query.get(key), (str, int)) and not isinstance(query[key], bool):
                query[key] = str(tenant.seeded[name])
        case.query = query


def put_ref(node: Any, parts: list[str], values: list[int]) -> None:
    """Put the first of ``values`` where a dotted path holds an integer; ``*`` takes every list
    item, each the next of ``values`` in turn (a seeded object and its twin: two filters for
    ``reorder`` to move, not one named twice)."""
    head, rest = parts[0], parts[1:]
    slots: list[Any] = []
    if head == "*" and isinstance(node, list):
        slots = list(range(len(node)))
    elif isinstance(node, dict) and head in node:
        slots = [head]
    for turn, slot in enumerate(slots):
        k = turn % len(values)
        if rest:
            put_ref(node[slot], rest, values[k:] + values[:k])
        elif isinstance(node[slot], int) and not isinstance(node[slot], bool):
            node[slot] = values[k]


def space_date_times(entry: Collection, body: dict[str, Any], shift: int) -> None:
    """Put each date-time that must follow another ``shift`` minutes after it (before it, if
    negative), written with another offset: their text order is then often not their order
    in time, which is what counts."""
    for later, earlier in entry.after.items():
        start = instant(body.get(earlier))
        if start is None or later not in body:
            continue
        try:
            end = (start + timedelta(minutes=shift)).astimezone(timezone(timedelta(hours=-5)))
        except OverflowError:
            continue
        body[later] = end.isoformat()


def take_unique_values(tenant: SimTenant, op_id: str, body: dict[str, Any]) -> None:
    """Give the body the unique values of the collection's twin, which the steered object (or
    a new one) must not share (D39: 422 "has already been taken")."""
    entry = WRITTEN[op_id]
    taken = writable(op_id, tenant.get(entry.kind, tenant.twins[entry.id_parameter]).body)
    body.update({name: taken[name] for fields in entry.unique for name in fields if name in taken})


def take_member_values(
    tenant: SimTenant, label: str, ids: Mapping[str, Any], body: dict[str, Any]
) -> None:
    """Give a sub-collection's create the values of a member it has (D43: a template names a
    variable once, 409)."""
    listed = tenant.listed(LISTINGS[label], ids)
    if listed:
        body.update(writable(OPERATION_IDS[label], listed[0]))


def complete_exactly_one(
    tenant: SimTenant, entry: Collection, body: dict[str, Any], create: bool
) -> None:
    """Name one field of each ``exactly_one`` group the body's variant has, so that steered
    examples can succeed: the first the body names (the others it names are left out), else,
    in a create, the group's first, naming its seeded object (D44: a terminal is on a charging
    zone or on a charge point)."""
    own = schema_properties(body_schema(entry), body)
    for group in entry.exactly_one:
        named = [name for name in group if body.get(name) is not None]
        if not all(name in own for name in group) or not (named or create):
            continue
        named = named or [group[0]]
        for name in named[1:]:
            del body[name]
        if body.get(named[0]) is None:
            body[named[0]] = tenant.seeded[PARAM_OF[entry.refs[named[0]].kind]]


def complete_charge_point(tenant: SimTenant, op_id: str, body: dict[str, Any]) -> None:
    """Add what the conditional requirements of charge points ask for, so that steered examples
    can succeed: a location for public/private stations, a PIN for personal ones, a master for a
    satellite. Explicit values (``null`` included) are left alone."""
    kind = body.get("type")
    if kind in ("public", "private") and op_id == "chargePointCreate":
        body.setdefault("locationId", tenant.seeded["location"])
    if kind == "personal":
        body.setdefault("pin", "1234")
    if body.get("communicationMode") == "via_ocpp_connected_charge_point":
        body.setdefault("ocppConnectedChargePointId", tenant.seeded["chargePoint"])


def steer_choices(label: str) -> list[str]:
    op = OPERATIONS[label]
    names = [p.name for p in op.path_parameters]
    choices = ["generated", "seeded"]
    if any(PATH_PARENTS.get(name) in names for name in names):
        choices.append("wrong-parent")
    if op.method.upper() == "DELETE":
        choices.append("fresh")
    op_id = OPERATION_IDS[label]
    entry = WRITTEN.get(op_id)
    unique = [name for fields in entry.unique for name in fields] if entry else []
    if writable(op_id, dict.fromkeys(unique)):  # the operation writes a unique value
        choices.append("taken")
    if label in LISTINGS and op.method.upper() == "POST" and 409 in documented_statuses(label):
        choices.append("taken")  # a create of a member the sub-collection has
    if (member_param(label) is not None and op.body) or op_id in ACTIONS:
        choices.append("as-listed")  # a write of a member's values, or the objects, as they are
    return choices


# --- explanations by state ----------------------------------------------------------------------


def missing_path_object(
    tenant: SimTenant, label: str, path_parameters: dict[str, Any]
) -> str | None:
    """Why a path names no object: an unknown id, a child under another parent, or a member
    its sub-collection's listing does not show (an OCPP key the station does not have, a day
    without periods, a charge point not on the circuit, D40)."""
    for name, value in path_parameters.items():
        kind = PATH_KINDS.get(name)
        row = tenant.get(kind, value) if kind is not None else True
        if row is None:
            return f"{name}={value!r} does not exist"
        parent = PATH_PARENTS.get(name)
        if parent in path_parameters and row.parent_id != as_id(path_parameters[parent]):
            return f"{name}={value!r} is not under {parent}={path_parameters[parent]!r}"
    param = member_param(label)
    if param is not None and needs_member(label):
        listed = tenant.members(label, path_parameters)
        if named_in(path_parameters, param) not in listed:
            return f"{param}={path_parameters[param]!r} is not among {listed}"
    return None


@dataclass(frozen=True)
class Before:
    """What the state before a request says of its answer."""

    #: Why it must fail (``refusals``).
    refused: list[str]
    #: The status it answers if it succeeds (``success_status``).
    success: int


def success_status(tenant: SimTenant, label: str, case: Any) -> int:
    """The status a request answers if it succeeds: the one the document gives; for an upsert
    (200 and 201), 201 where it makes the member it names."""
    codes = sorted(code for code in documented_statuses(label) if 200 <= code < 300)
    if len(codes) == 1:
        return codes[0]
    param = member_param(label)
    assert codes == [200, 201] and param is not None, (label, codes)
    params = case.path_parameters
    listed = [] if missing_path_object(tenant, label, params) else tenant.members(label, params)
    return 200 if named_in(params, param) in listed else 201


def holds(default: str, value: str) -> bool:
    """Whether a station takes ``value`` for a key whose value a new station reports as
    ``default`` (D41, OCPP 1.6's types): a whole number a 32-bit integer holds for an integer
    key, true or false for a boolean one, any text for the others."""
    if default.isascii() and default.isdigit():
        digits = value.lstrip("0")
        return value.isascii() and value.isdigit() and len(digits) <= 10 and int(value) < 2**31
    if default.lower() in ("true", "false"):
        return value.lower() in ("true", "false")
    return True


def station_rules(tenant: SimTenant, label: str, case: Any) -> dict[str, str]:
    """D41: the station refuses (406) a key it does not have, a read-only key and a value
    that is not of the key's type; the document: a key the station has takes a value (422)."""
    param = member_param(label)
    assert param is not None
    name = named_in(case.path_parameters, param)
    keys = {
        member_of(item, param): item
        for item in tenant.listed(LISTINGS[label], case.path_parameters)
    }
    value = case.body.get("value") if isinstance(case.body, dict) else None
    if name not in keys:
        return {"406": f"D41: the station has no key {name!r}"}
    if value is None:
        return {"value": f"the station's key {name} takes a value"}
    if keys[name].get("readonly"):
        return {"406": f"D41: {name} is read-only"}
    if not holds(tenant.station[name], str(value)):
        return {"406": f"D41: {value!r} is not of the type of {name} ({tenant.station[name]!r})"}
    return {}


def variable_rules(tenant: SimTenant, label: str, case: Any) -> dict[str, str]:
    """D43: a variable has the shape of its template's OCPP version (a key in 1.6, none in
    2.0.1; the fields of that version's variant, which they must fit, D44), and a template
    names a variable once (409 on a create, 422 on an update)."""
    params = case.path_parameters
    template = tenant.get(PATH_KINDS["template"], params["template"])
    version = template.body.get("ocppVersion")
    row = tenant.get(PATH_KINDS["variable"], params["variable"]) if "variable" in params else None
    result = {**(row.body if row is not None else {}), **writable(OPERATION_IDS[label], case.body)}
    out: dict[str, str] = {}
    if (version == "ocpp 1.6") != ("keyName" in result):
        out["keyName"] = f"D43: a variable of an {version} template"
    fields = VARIABLE_IDENTITY.get(version, ())
    variants = object_variants(CONTRACT.by_id[OPERATION_IDS[label]].body_schema or {}) or []
    variant = next((v for v in variants if set(fields) <= set(schema_properties(v))), None)
    if variant is not None:  # what the variable keeps of the body, which must fit its variant
        result = {k: v for k, v in result.items() if k in schema_properties(variant)}
        for name in body_errors(variant, result):
            out.setdefault(name, f"D43: not of an {version} variable: {result}")
    twins = [
        other.id
        for other in tenant.rows(PATH_KINDS["variable"])
        if other.parent_id == template.id
        and (row is None or other.id != row.id)
        and all(other.body.get(f) == result.get(f) for f in fields)
    ]
    if twins and row is None:
        out["409"] = f"D43: the template has this variable: {twins}"
    elif twins:
        reason = f"D43: the template has this variable: {twins}"
        out.setdefault("keyName", reason)
        out["variableName"] = reason
    return out


def day_minutes(text: Any) -> int | None:
    """Minutes since midnight of an ``HH:MM`` time of one day (``24:00`` ends it), or ``None``."""
    if not isinstance(text, str) or not re.fullmatch(r"[0-9]{2}:[0-9]{2}", text):
        return None
    hours, minutes = int(text[:2]), int(text[3:])
    if minutes >= 60 or hours > 24 or (hours == 24 and minutes):
        return None
    return hours * 60 + minutes


def period_rules(tenant: SimTenant, label: str, case: Any) -> dict[str, str]:
    """D42: a period lies within one day (it ends after it starts; ``24:00`` ends a day), the
    periods of a day do not overlap (422 naming a period, either of two that overlap), and
    ``any`` and specific week days exclude each other."""
    body = case.body if isinstance(case.body, dict) else {}
    periods = body.get("periods") if isinstance(body.get("periods"), list) else []
    bad: dict[int, str] = {}
    spans: dict[int, tuple[int, int]] = {}
    for index, period in enumerate(periods):
        given = period if isinstance(period, dict) else {}
        start, end = day_minutes(given.get("startsAt")), day_minutes(given.get("endsAt"))
        if start is None or end is None or end <= start:
            bad[index] = f"D42: period {index} is not within one day: {given}"
        else:
            spans[index] = (start, end)
    for (i, (start1, end1)), (j, (start2, end2)) in itertools.combinations(spans.items(), 2):
        if start1 < end2 and start2 < end1:
            bad[i] = bad[j] = f"D42: periods {i} and {j} overlap"
    out = {f"periods.{i}.{name}": why for i, why in bad.items() for name in ("startsAt", "endsAt")}
    param = member_param(label)
    if param == "weekDay":
        day = named_in(case.path_parameters, param)
        days = set(tenant.members(label, case.path_parameters)) - {day}
        if (day == "any" and days) or (day != "any" and "any" in days):
            out[param] = f"D42: {day} with the rate's days {sorted(days)}"
    return out


def attach_rules(tenant: SimTenant, label: str, case: Any) -> dict[str, str]:
    """D40: a charge point that exists, on one circuit at most (attaching it to its own
    circuit again sets its priority)."""
    body = case.body if isinstance(case.body, dict) else {}
    point = body.get("chargePointId")
    if tenant.get(PATH_KINDS["chargePoint"], point) is None:
        return {"chargePointId": f"unknown charge point: {point!r}"}
    here = as_id(case.path_parameters["circuit"])
    elsewhere = [
        row.id
        for row in tenant.rows(PATH_KINDS["circuit"])
        if row.id != here and str(point) in tenant.members(label, {"circuit": row.id})
    ]
    return {"chargePointId": f"D40: on circuit {elsewhere}"} if elsewhere else {}


def reorder_rules(tenant: SimTenant, label: str, case: Any) -> dict[str, str]:
    """D46: ``reorder`` takes filters of the operator, each once, at places that exist, each
    once (422 naming ``filters.<n>.id`` or ``filters.<n>.order``; either of two alike)."""
    entry = ACTIONS[OPERATION_IDS[label]]
    parent = as_id(case.path_parameters[PARAM_OF[entry.parents[-1]]])
    ranked = [row.id for row in tenant.rows(entry.kind) if row.parent_id == parent]
    body = case.body if isinstance(case.body, dict) else {}
    moves = [m if isinstance(m, dict) else {} for m in body.get("filters") or []]
    ids = Counter(json.dumps(m.get("id")) for m in moves)
    orders = Counter(json.dumps(m.get("order")) for m in moves)
    out: dict[str, str] = {}
    for index, move in enumerate(moves):
        id_, order = move.get("id"), move.get("order")
        if ids[json.dumps(id_)] > 1 or id_ not in ranked:
            out[f"filters.{index}.id"] = f"D46: filter {id_!r} (the operator's: {ranked})"
        if orders[json.dumps(order)] > 1 or not isinstance(order, int) or order > len(ranked):
            out[f"filters.{index}.order"] = f"D46: place {order!r} of {len(ranked)}"
    return out


#: The rules of the decisions for the writes that no catalogue entry describes, by operation:
#: what each write breaks, as the field a 422 names or the status it answers ("406", "409").
DECIDED: dict[str, Callable[[SimTenant, str, Any], dict[str, str]]] = {
    OPERATION_IDS[STATION]: station_rules,
    "configurationTemplateVariableCreate": variable_rules,
    "configurationTemplateVariableUpdate": variable_rules,
    "electricityRatePricePeriodsWeekDayCreateaOrUpdate": period_rules,
    "electricityRatePricePeriodsDateCreateOrUpdate": period_rules,
    "circuitAttachChargePoint": attach_rules,
    **{op_id: reorder_rules for op_id in ACTIONS},
}


def decided(tenant: SimTenant, label: str, case: Any) -> dict[str, str]:
    """What a write breaks of ``DECIDED``, where the path names objects that exist."""
    rules = DECIDED.get(OPERATION_IDS[label])
    if rules is None or missing_path_object(tenant, label, case.path_parameters or {}):
        return {}
    return rules(tenant, label, case)


def in_use(tenant: SimTenant, kind: str, id_: int) -> str | None:
    """Why a delete of the object is refused, if it is: the D-table (D1, D2, D5–D9, D31), or
    D39 (a catalogued object names it, or an object deleted with it, by a single id)."""
    return table_in_use(tenant, kind, id_) or named(tenant, kind, id_)


def named(tenant: SimTenant, kind: str, id_: int) -> str | None:
    """D39: which catalogued objects name the object, or one filed under it, by a single id."""
    for user in REFERRERS.get(kind, ()):
        if user.reference.many:
            continue  # a list lets go of the object
        found = [row.id for row in tenant.rows(user.kind) if row.body.get(user.field) == id_]
        if found:
            return f"D39: named by {user.kind} {found} ({user.field})"
    for child in filed_under(kind)[1:]:
        for row in tenant.rows(child):
            if row.parent_id == id_ and (reason := named(tenant, child, row.id)):
                return f"its {child} {row.id}: {reason}"
    return None


def table_in_use(tenant: SimTenant, kind: str, id_: int) -> str | None:
    """Why the D-table refuses to delete an object (D1, D2, D5–D9, D31), if it does."""

    def users(of_kind: str, test: Callable[[Any], bool]) -> list[int]:
        return [row.id for row in tenant.rows(of_kind) if test(row)]

    found: list[int] = []
    if kind == "location":  # D1
        found = users("charge_point", lambda r: r.body.get("locationId") == id_)
        found += users("charging_zone", lambda r: r.parent_id == id_)
    elif kind == "charging_zone":  # D2
        found = users("charge_point", lambda r: r.body.get("chargingZoneId") == id_)
    elif kind == "charge_point":  # D31
        found = users("charge_point", lambda r: r.body.get("ocppConnectedChargePointId") == id_)
    elif kind == "tariff":  # D5
        found = users("tariff_group", lambda r: id_ in (r.body.get("tariffIds") or []))
    elif kind == "tariff_group":  # D6
        found = users("evse", lambda r: r.body.get("tariffGroupId") == id_)
    elif kind == "tax":  # D7
        if id_ == tenant_default(tenant, "defaultTax"):
            return "the tenant's default tax"
        found = users("tariff", lambda r: (r.body.get("pricing") or {}).get("taxID") == id_)
    elif kind == "tax_identification_number":  # D8
        found = users("tax", lambda r: r.body.get("taxIdentificationNumberId") == id_)
    elif kind == "currency" and id_ == tenant_default(tenant, "baseCurrency"):  # D9
        return "the tenant's base currency"
    return f"used by {kind} dependants {found}" if found else None


def tenant_default(tenant: SimTenant, key: str) -> int:
    data = tenant.api.get(PREFIX + "/settings/v1.0").json()["data"]
    return int(data[key]["id"])


def level_fields(levels: Any, path: str, first: str, last: str, step: float) -> set[str]:
    """Fields that break the level rules of tariffs.md: the first level starts at 0, each next one
    starts at the previous end (+1 unit for duration and idle levels), the last one is open."""
    if not isinstance(levels, list) or not levels:
        return set()
    bad = set()
    items = [item if isinstance(item, dict) else {} for item in levels]
    if items[0].get(first) != 0:
        bad.add(f"{path}.0.{first}")
    for i in range(1, len(items)):
        end = items[i - 1].get(last)
        if end is None or items[i].get(first) != end + step:
            bad.add(f"{path}.{i}.{first}")
    if items[-1].get(last) is not None:
        bad.add(f"{path}.{len(items) - 1}.{last}")
    return bad


def explain_422(
    tenant: SimTenant, op_id: str, case: Any, name: str, stored: dict[str, Any] | None
) -> str | None:
    """Why a 422 to schema-valid data names ``name``, or ``None`` if nothing in the state or the
    reference's rules explains it."""
    allowed = RULE_FIELDS.get(op_id, {})
    if not any(re.fullmatch(pattern, name) for pattern in allowed):
        return None
    if op_id in WRITTEN:
        return explain_catalogued(tenant, op_id, case, name, stored)
    if op_id in DECIDED:
        return decided(tenant, LABEL_OF[op_id], case).get(name)
    body = case.body if isinstance(case.body, dict) else {}
    result = merged(stored or {}, body)
    found, value = dig(body, name)

    def missing(kind: str) -> str | None:
        if found and value is not None and tenant.get(kind, value) is None:
            return f"unknown {kind}: {name}={value!r}"
        return None

    if name == "locationId":
        kind_ = result.get("type")
        if kind_ in ("public", "private") and result.get("locationId") is None:
            return f"a {kind_} station needs a location"
        return missing("location")
    if name == "pin":
        if result.get("type") == "personal" and not result.get("pin"):
            return "a personal station needs a PIN"
        return None
    if name == "ocppConnectedChargePointId":
        mode = body.get("communicationMode")
        if mode == "via_ocpp_connected_charge_point" and value is None:
            return "a satellite needs its master"
        return missing("charge_point")
    if name == "chargingZoneId":
        zone = tenant.get("charging_zone", value) if found and value is not None else None
        location = result.get("locationId")
        if zone is not None and location is not None and zone.parent_id != location:
            return "zone of another location: locations.md, a zone belongs to its location"
        return missing("charging_zone")
    if name == "installationAndMaintenanceCompanyId":
        # charge-points.md: an unknown or foreign id is a 422; the tenant holds no companies.
        return "unknown company: the simulator holds none" if found and value is not None else None
    if name == "utilityId":
        return missing("utility")
    if name == "chargePointId":
        return missing("charge_point")
    if name == "tariffGroupId":
        return missing("tariff_group")
    if name == "taxIdentificationNumberId":
        return missing("tax_identification_number")
    if name == "pricing.taxID":
        return missing("tax")
    if re.fullmatch(r"tariffIds\.\d+", name):
        return missing("tariff")
    if name == "tariffIds":
        # D26 on the result of the PUT: [] or left out (D33 resets it to []) empties the group.
        return "D26: empty group" if not body.get("tariffIds") else None
    if name == "alphabeticCode":
        old = (stored or {}).get("alphabeticCode")
        return f"D29: {old} -> {value}" if found and value != old else None
    if name == "network.id":
        me = as_id(case.path_parameters.get("chargePoint"))
        clash = [
            r.id
            for r in tenant.rows("charge_point")
            if r.id != me and (r.body.get("network") or {}).get("id") == value
        ]
        return f"D11: network.id {value!r} taken by {clash}" if found and clash else None
    if name == "networkId":
        if op_id == "evseCreate":
            parent = as_id(body.get("chargePointId"))
        elif op_id == "chargePointEvseCreate":
            parent = as_id(case.path_parameters.get("chargePoint"))
        else:
            row = tenant.get("evse", case.path_parameters.get("evse"))
            parent = row.parent_id if row else None
        me = as_id(case.path_parameters.get("evse"))
        clash = [
            r.id
            for r in tenant.rows("evse")
            if r.id != me and r.parent_id == parent and r.body.get("networkId") == value
        ]
        return f"D12: networkId {value!r} taken by {clash}" if found and clash else None
    if name.startswith("pricing.multi"):
        pricing = body.get("pricing") or {}
        bad = level_fields(
            pricing.get("multiPricePerKwh"), "pricing.multiPricePerKwh", "firstKwh", "lastKwh", 0
        )
        for key in ("multiPricePerDuration", "multiIdleFee"):
            bad |= level_fields(pricing.get(key), f"pricing.{key}", "firstUnit", "lastUnit", 1)
        return "level rules" if name in bad else None
    return None


def writable(op_id: str, body: Any) -> dict[str, Any]:
    """The fields of a body the operation writes: the tenant ignores the others (a currency
    rate's ``base`` in a PATCH, which writes the rate only)."""
    props = schema_properties(CONTRACT.by_id[op_id].body_schema or {})
    sent = body if isinstance(body, dict) else {}
    return {k: v for k, v in sent.items() if k in props and not props[k].get("readOnly")}


def refusals(tenant: SimTenant, label: str, case: Any) -> list[str]:
    """Why the state before a request must make it fail, as far as the test can tell: a delete
    of an object in use (D-table, D39), a catalogued write breaking a rule of its entry, a
    write breaking a rule of ``DECIDED``."""
    op_id = OPERATION_IDS[label]
    kind = conflict_kind(label)
    params = case.path_parameters or {}
    if kind is not None and not missing_path_object(tenant, label, params):
        reason = in_use(tenant, kind, as_id(params[ITEM_PARAM[label]]) or 0)
        return [reason] if reason else []
    if op_id in DECIDED:
        return sorted(set(decided(tenant, label, case).values()))
    entry = WRITTEN.get(op_id)
    if entry is None or not isinstance(case.body, dict):
        return []
    stored = None
    if entry.id_parameter in params and not missing_path_object(tenant, label, params):
        stored = tenant.get(entry.kind, params[entry.id_parameter]).body
    names = [
        *entry.refs,
        *(f[-1] for f in entry.unique),
        *entry.after,
        *date_times(entry),
        *(name for group in entry.exactly_one for name in group),
        *variant_refusals(op_id, case, stored),
    ]
    found = (explain_catalogued(tenant, op_id, case, name, stored) for name in dict.fromkeys(names))
    return [reason for reason in found if reason]


def written_result(op_id: str, case: Any, stored: dict[str, Any] | None) -> dict[str, Any]:
    """What a catalogued write leaves of the object: the body (a create, a PUT) or the stored
    object with it merged in (a PATCH); of an object of variants, its variant's fields (D44)."""
    entry = WRITTEN[op_id]
    body = writable(op_id, case.body)
    result: dict[str, Any] = body if case.method.upper() == "PUT" else merged(stored or {}, body)
    if object_variants(body_schema(entry)) is None:
        return result
    own = schema_properties(body_schema(entry), result)
    return {name: value for name, value in result.items() if name in own}


def variant_refusals(op_id: str, case: Any, stored: dict[str, Any] | None) -> dict[str, Any]:
    """D44: the fields an update leaves an object of variants its variant does not accept."""
    entry = WRITTEN[op_id]
    create = create_op(entry)
    if stored is None or create is None or object_variants(body_schema(entry)) is None:
        return {}
    return CONTRACT.by_id[create].validate_body(written_result(op_id, case, stored))


def explain_catalogued(
    tenant: SimTenant, op_id: str, case: Any, name: str, stored: dict[str, Any] | None
) -> str | None:
    """Why a 422 to a catalogued collection's valid body names ``name``, by its entry: a
    reference to no object or to one without the values it asks (D39), a unique value another
    object holds (D39), a date-time not after the one it follows, a moment UTC cannot write
    (D38), not exactly one of the fields of an ``exactly_one`` group, an update that leaves an
    object its variant does not accept (D44)."""
    entry = WRITTEN[op_id]
    body = writable(op_id, case.body)
    result = written_result(op_id, case, stored)
    ref = entry.refs.get(name)
    if ref is not None and name in body:
        value = body[name]
        for item in value if ref.many and isinstance(value, list) else [value]:
            row = tenant.get(ref.kind, item) if item is not None else None
            if item is not None and row is None:
                return f"D39: unknown {ref.kind}: {name}={item!r}"
            if row is not None and any(row.body.get(k) != v for k, v in ref.where.items()):
                return f"D39: {ref.kind} {item} is not {dict(ref.where)}: {row.body}"
    me = as_id(case.path_parameters.get(entry.id_parameter)) if case.path_parameters else None
    for fields in entry.unique:
        if name != fields[-1] or not any(f in body for f in fields):
            continue
        values = [result.get(f) for f in fields]
        clash = [
            row.id
            for row in tenant.rows(entry.kind)
            if row.id != me and None not in values and [row.body.get(f) for f in fields] == values
        ]
        if clash:
            return f"D39: {dict(zip(fields, values, strict=True))} taken by {clash}"
    earlier = entry.after.get(name)
    if earlier is not None:
        end, start = instant(result.get(name)), instant(result.get(earlier))
        if end is not None and start is not None and end <= start:
            return f"{name} after {earlier}: {end} is not after {start}"
    moment = instant(body.get(name)) if name in date_times(entry) else None
    if moment is not None and not has_utc_form(moment):
        return f"D38: {name}={body[name]!r} has no UTC form"
    own = schema_properties(body_schema(entry), result)
    for group in entry.exactly_one:
        named = [field_ for field_ in group if result.get(field_) is not None]
        if name in group and all(f in own for f in group) and len(named) != 1:
            return f"D44: exactly one of {group}, not {named}"
    if name in variant_refusals(op_id, case, stored):
        return "D44: the update leaves an object its variant does not accept"
    return None


# --- regressions -------------------------------------------------------------------------------
#
# Bugs the property tests found once, each pinned by one request and the answer the reference asks
# for (``test_regression``).


REGRESSIONS: dict[str, dict[str, Any]] = {
    "BUG-1": {
        "title": "a page number whose offset ((page - 1) * per_page) is beyond SQLite's signed 64-bit"
        " range answers 500 (OverflowError in pagination.page_page)",
        "request": lambda tenant: ("GET", "/taxes/v2.0?page=4611686018427387904", None),
        "expected": 200,
    },
    "BUG-2": {
        "title": "multipleOf 0.01 is checked in binary floating point: 0.29, 0.47, … are rejected",
        "request": lambda tenant: (
            "POST",
            "/tariffs/v1.0",
            factories.tariff(
                99,
                type="standard",
                pricing={"multiPricePerKwh": [{"firstKwh": 0, "lastKwh": None, "feePerKwh": 0.29}]},
            ),
        ),
        "expected": 201,
    },
    "BUG-3": {
        "title": "patterns and the time-of-day format use Python's Unicode \\d: non-ASCII digits"
        " pass where the document (ECMA 262) and the reference (HH:MM) allow 0-9 only",
        "request": lambda tenant: (
            "POST",
            "/tariffs/v1.0",
            factories.tariff(
                98,
                type="standard",
                pricing={
                    "timePeriods": [{"startTime": "\u0661\u0662:\u0663\u0664", "endTime": "23:00"}]
                },
            ),
        ),
        "expected": 422,
    },
    "BUG-4": {
        "title": "a downtime period's end was compared with its start as text: a three-hour period"
        " written with two offsets (10:00+05:00 to 08:00Z) was refused, and one ending before it"
        " started was taken",
        "request": lambda tenant: (
            "POST",
            "/evse-downtime-periods/v1.0",
            downtime(tenant, "2026-03-01T10:00:00+05:00", "2026-03-01T08:00:00Z"),
        ),
        "expected": 201,
    },
    "BUG-5": {
        "title": "deleting a charge point deleted its EVSEs although a downtime period named one"
        " (D39): the period was left naming no EVSE, and its read broke the document",
        "request": lambda tenant: (
            "DELETE",
            f"/charge-points/v2.0/{held_charge_point(tenant)}",
            None,
        ),
        "expected": 409,
    },
    "BUG-6": {
        "title": "a date-time whose UTC date is before year 1 (0001-01-01T00:00:00+05:00) answered"
        " 500 (OverflowError writing it in UTC, D38)",
        "request": lambda tenant: (
            "POST",
            "/evse-downtime-periods/v1.0",
            downtime(tenant, "0001-01-01T00:00:00+05:00", "2026-03-01T08:00:00Z"),
        ),
        "expected": 422,
    },
    "BUG-7": {
        "title": "format: uri was not checked (jsonschema checks it only with the optional rfc3987"
        ' package): a charge point model took a userManual of "" and showed it, against the'
        " document",
        "request": lambda tenant: (
            "PATCH",
            f"/charge-point-models/v1.0/{tenant.seeded[PARAM_OF['charge_point_model']]}",
            {"userManual": ""},
        ),
        "expected": 422,
    },
    "BUG-8": {
        "title": "a configuration template's variable kept the fields of the other OCPP version's"
        " shape (a PATCH of component and evseId on a 1.6 key): its read then fitted neither"
        " variant of the document (D43, D44)",
        "request": lambda tenant: (
            "PATCH",
            f"/configuration-templates/v1.0/{tenant.seeded['template']}/variables/"
            f"{tenant.seeded['variable']}",
            {"component": "OCPPCommCtrlr", "evseId": 1},
        ),
        "expected": 200,
    },
    "BUG-9": {
        "title": "a roaming operator's cpoSettings, nullable in the update, was refused as null (its"
        " allOf part was read as refusing null, D45)",
        "request": lambda tenant: (
            "PATCH",
            f"/roaming-operators/v2.0/{tenant.seeded['roamingOperator']}",
            {"cpoSettings": None},
        ),
        "expected": 200,
    },
    "BUG-10": {
        "title": "a station refused an integer key's value of ten digits that a 32-bit integer"
        " holds (2147483647 for HeartbeatInterval, D41)",
        "request": lambda tenant: (
            "PATCH",
            f"/charge-points/v2.0/{tenant.seeded['chargePoint']}/configurations/HeartbeatInterval",
            {"value": "2147483647"},
        ),
        "expected": 200,
    },
    "BUG-11": {
        "title": "a PATCH of a number as an OCPP 1.6 variable's keyName fits the 2.0.1 variant"
        " (which does not declare keyName), and was kept: the variable's read then fitted"
        " neither variant (D43: what the variable keeps must fit its template's shape)",
        "request": lambda tenant: (
            "PATCH",
            f"/configuration-templates/v1.0/{tenant.seeded['template']}/variables/"
            f"{tenant.seeded['variable']}",
            {"keyName": 332211},
        ),
        "expected": 422,
    },
}


def downtime(
    tenant: SimTenant, started: str, ended: str, evse: int | None = None
) -> dict[str, Any]:
    """An EVSE downtime period body citing the seeded exempt notice."""
    return {
        "evseId": evse or tenant.seeded["evse"],
        "noticeId": tenant.seeded[PARAM_OF["downtime_period_notice"]],
        "startedAt": started,
        "endedAt": ended,
    }


def held_charge_point(tenant: SimTenant) -> int:
    """A new charge point, nothing naming it, whose one EVSE a downtime period names."""
    n = next(tenant.serial)
    body = factories.charge_point(tenant.seeded["location"], n, network={"id": f"HELD-{n}"})
    point = tenant.create("/charge-points/v2.0", body)
    evse = tenant.create(f"/charge-points/v2.0/{point}/evses", factories.evse(n))
    period = downtime(tenant, "2026-03-01T08:00:00Z", "2026-03-01T09:00:00Z", evse)
    tenant.create("/evse-downtime-periods/v1.0", period)
    return point


# --- the checks ---------------------------------------------------------------------------------


def run_checks(case: Any, response: Any, checks: list[Any]) -> None:
    try:
        case.validate_response(response, checks=checks)
    except FailureGroup as group:
        raise AssertionError(f"{group}\n{describe(case, response)}") from None


def verify(
    tenant: SimTenant,
    label: str,
    case: Any,
    response: Any,
    violations_before: int,
    before: Before,
) -> str:
    """Check one response; returns the outcome it was classified as (for the summary).
    ``before``: what the state before the request says of its answer."""
    status = response.status_code
    where = describe(case, response)
    assert status < 500, f"server error\n{where}"
    content_type = response.headers.get("content-type", [""])[0]
    bodyless = CONTRACT.by_id[OPERATION_IDS[label]].responses.get(str(status), {}) is None
    if bodyless:  # a 204, an action's 202, a station's 406: the document gives no body
        assert response.content == b"", f"{status} with a body\n{where}"
        body: Any = None
    else:
        assert content_type.startswith("application/json"), f"not JSON: {content_type}\n{where}"
        body = json.loads(response.content)
    allowed = documented_statuses(label) | decision_statuses(label)
    assert status in allowed, f"status {status} not in {sorted(allowed)}\n{where}"
    run_checks(case, response, [response_schema_conformance, content_type_conformance])
    new = tenant.simulator.violations[violations_before:]
    assert not new, f"simulator response validator: {new}\n{where}"
    if 400 <= status < 500 and not bodyless:
        assert isinstance(body, dict), f"error without an object body\n{where}"
        assert isinstance(body.get("message"), str) and body["message"], f"no message\n{where}"
        if status == 422:
            errors = body.get("errors")
            assert isinstance(errors, dict) and errors, f"422 without errors\n{where}"
            for key, messages in errors.items():
                assert isinstance(messages, list) and messages, f"bad errors[{key}]\n{where}"
                assert all(isinstance(m, str) for m in messages), f"bad errors[{key}]\n{where}"

    meta = case.meta
    if meta is not None and meta.generation.mode.is_negative:
        if str(status) not in REJECTION_STATUSES and valid_as_read(label, case):
            return "negative, valid as the server reads it: " + verify_valid(
                tenant, label, case, status, body, before
            )
        if str(status) not in REJECTION_STATUSES and ignored_parts_only(label, case):
            return "negative in what the tenant ignores: " + verify_valid(
                tenant, label, case, status, body, before
            )
        # schemathesis judges whether the invalid part reached the server as invalid
        run_checks(case, response, [negative_data_rejection])
        if str(status) in REJECTION_STATUSES:
            return f"negative: rejected with {status}"
        # The invalid part does not survive serialisation (schemathesis's exemptions): what the
        # server received is valid data, so the rules for valid data apply.
        return "negative, valid on the wire: " + verify_valid(
            tenant, label, case, status, body, before
        )
    return "positive: " + verify_valid(tenant, label, case, status, body, before)


def _read_only_sent(value: Any, schema: Any) -> bool:
    """Whether ``value`` holds a property the schema marks ``readOnly`` (at any depth)."""
    if not isinstance(value, dict) or not isinstance(schema, dict):
        return False
    props = schema_properties(schema)
    return any(
        isinstance(props.get(name), dict)
        and (props[name].get("readOnly") or _read_only_sent(item, props[name]))
        for name, item in value.items()
    )


def ignored_parts_only(label: str, case: Any) -> bool:
    """Whether the case is invalid only in what the tenant ignores, so that the request as
    received is valid data: read-only properties sent back (the reference: "ignored when
    sent"), query parameters the operation does not declare (Laravel reads only the
    declared ones; unknown filter keys alike, D24), and a body of blanks only, which the
    tenant reads as none, ``{}`` (as Laravel reads JSON that decodes to nothing). Only cases
    that hold one of these count; the rest of the request must then be valid."""
    meta = case.meta
    if meta is not None and meta.is_negative_at(ParameterLocation.PATH):
        return False
    op = CONTRACT.by_id[OPERATION_IDS[label]]
    blank = isinstance(case.body, bytes | str) and not case.body.strip()
    body = {} if blank else case.body if isinstance(case.body, dict) else None
    query = dict(case.query or {})
    undeclared = [k for k in query if re.split(r"\[", k, maxsplit=1)[0] not in op.query]
    read_only = body is not None and _read_only_sent(body, op.body_schema)
    if not undeclared and not read_only and not blank:
        return False
    pairs: list[tuple[str, str]] = []
    for key, value in query.items():
        if key in undeclared:
            continue
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict | list):
                return False
            pairs.append((key, item if isinstance(item, str) else json.dumps(item)))
    _values, errors = validate_query(op, parse_query(pairs))
    return not errors and (body is None or not op.validate_body(body))


def valid_as_read(label: str, case: Any) -> bool:
    """Whether the query, invalid as generated, is valid as the server reads it: a scalar given
    for an array is the array of that one item (on the wire the two are the same,
    ``filter[ids]=7``; schemathesis itself writes one-item arrays of valid cases so), an array
    (or an object, written as its keys) given for a scalar is its key repeated, of which PHP
    keeps the last value, a value is the text it is on the wire, and a format no validator
    knows (``format: integer`` on a text filter) is an annotation, as for the simulator, where
    schemathesis's negative mode takes every value for a violation of it. Such a "negative"
    case is valid data. Unknown filter keys are ignored (D24)."""
    if not case.query or not isinstance(case.body, NotSet | None) or case.path_parameters:
        return False
    op = CONTRACT.by_id[OPERATION_IDS[label]]
    query: dict[str, Any] = {}
    for key, value in dict(case.query).items():
        base, *subkeys = re.findall(r"[^[\]]+|(?<=\[)(?=\])", key) or [key]
        known = op.query["filter"].schema.get("properties", {}) if "filter" in op.query else {}
        if not wire_items(value):
            continue  # nothing is written
        if not subkeys:
            query[key] = value
        elif base == "filter" and subkeys[0] not in known:
            continue  # an unknown filter is ignored (D24)
        elif base == "filter" and len(subkeys) == 1:
            query.setdefault(base, {})[subkeys[0]] = value
        else:
            return False
    for name, value in query.items():
        param = op.query.get(name)
        if param is None:
            return False
        schema = times_of_day(param.schema)
        if name != "filter" and schema.get("type") not in ("array", "object"):
            value = from_query(wire_items(value)[-1], schema)  # PHP keeps the last
        if name == "filter" and isinstance(value, dict):
            props = schema.get("properties", {})
            for key, item in value.items():
                array = props.get(key, {}).get("type") == "array"
                if array and not isinstance(item, list):
                    item = [item]
                elif not array:
                    item = wire_items(item)[-1]  # PHP keeps the last
                value[key] = from_query(item, props.get(key, {}))
        if not OAS30Validator(schema, format_checker=KNOWN_FORMATS).is_valid(value):
            return False
    return True


def wire_items(value: Any) -> list[Any]:
    """What ``requests`` writes of a query value, each item as the key again: a list's items
    (an object's keys), of which an item that is a list (an object) is written as its items
    (keys), one level deeper as text, and ``None`` not at all."""
    written: list[Any] = []
    for item in value if isinstance(value, dict | list) else [value]:
        if isinstance(item, dict | list):
            written.extend(str(x) if isinstance(x, dict | list) else x for x in item)
        elif item is not None:
            written.append(item)
    return written


def from_query(value: Any, schema: dict[str, Any]) -> Any:
    """A query value as the text it is on the wire, read as the schema's scalar type."""
    if isinstance(value, list):
        return [from_query(v, schema.get("items", {})) for v in value]
    text = value if isinstance(value, str) else json.dumps(value)
    kind = schema.get("type")
    if kind == "boolean" and text in ("true", "false"):
        return text == "true"
    if kind == "integer" and re.fullmatch(r"-?[0-9]+", text):
        return int(text)
    if kind == "number" and re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text):
        return float(text)
    return text


def verify_valid(
    tenant: SimTenant,
    label: str,
    case: Any,
    status: int,
    body: Any,
    before: Before,
) -> str:
    """Valid data succeeds, with the status the state before it says, unless the state or a
    rule of the reference explains the failure; and it fails where the state before it says
    it must (``refusals``)."""
    op_id = OPERATION_IDS[label]
    sent = case.body if isinstance(case.body, dict) else {}
    where = f"{case.method} {case.formatted_path} body={sent!r:.1500} -> {status} {body!r:.1500}"
    if 200 <= status < 300:
        assert status == before.success, f"success, not with {before.success}\n{where}"
        refused = before.refused
        assert not refused, f"succeeded although the state refuses it: {refused}\n{where}"
        return str(status)
    if status == 404:
        reason = missing_path_object(tenant, label, case.path_parameters)
        assert reason, f"valid request answered 404 although every path object exists\n{where}"
        return "404 (no such object)"
    if status == 406:
        reason = decided(tenant, label, case).get("406")
        assert reason, f"406 but the station takes the value (D41)\n{where}"
        return "406 (refused by the station)"
    if status == 409 and conflict_kind(label) is None:
        reason = decided(tenant, label, case).get("409")
        assert reason, f"409 outside the in-use deletes, and no rule refuses the create\n{where}"
        return "409 (already there)"
    if status == 409:
        kind = conflict_kind(label)
        assert kind is not None
        id_ = as_id(case.path_parameters[ITEM_PARAM[label]])
        assert id_ is not None and tenant.get(kind, id_) is not None, f"409, object gone\n{where}"
        reason = in_use(tenant, kind, id_)
        assert reason, f"409 but the object is not in use (D-table)\n{where}"
        return "409 (in use)"
    if status == 422:
        stored = None
        item = ITEM_PARAM[label]
        if item in PATH_KINDS and case.method.upper() in ("PATCH", "PUT"):
            row = tenant.get(PATH_KINDS[item], case.path_parameters[item])
            stored = row.body if row else None
        unexplained = []
        for name in body["errors"]:
            reason = explain_422(tenant, op_id, case, name, stored)
            if reason is not None:
                field_ = re.sub(r"\.\d+", ".N", name)
                STATS.rules[f"{op_id}: {field_} - {reason.split(':')[0]}"] += 1
            else:
                unexplained.append(name)
        assert not unexplained, (
            f"valid data rejected: errors {unexplained} are neither reference fields nor rules "
            f"of the reference (allowed: {sorted(RULE_FIELDS.get(op_id, {}))})\n{where}"
        )
        return "422 (reference/rule)"
    raise AssertionError(f"valid request answered {status}\n{where}")


# --- the tests ----------------------------------------------------------------------------------

HEADERS = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}


def examples(label: str) -> tuple[int, int]:
    """How many examples an operation gets per mode, and the fewest the summary accepts."""
    if entry_of(label) is not None or label.split(" ", 1)[1] in SUB_COLLECTIONS:
        return CATALOGUED_MAX_EXAMPLES, CATALOGUED_MIN_EXAMPLES
    return MAX_EXAMPLES, MIN_EXAMPLES


MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
CASES = [
    pytest.param(label, mode, id=f"{label} [{mode.value}]")
    for label in LABELS
    for mode in MODES
    # an operation without parameters or body has nothing schemathesis could make invalid
    if mode is GenerationMode.POSITIVE or has_inputs(label)
]


@pytest.mark.parametrize(("label", "mode"), CASES)
def test_operation_conforms(tenant: SimTenant, label: str, mode: GenerationMode) -> None:
    op = OPERATIONS[label]
    tenant.reset()
    # A seed of each operation's own: the same examples on every run, and streams that differ
    # between operations (``derandomize`` alone gives every operation the stream of ``run``).
    digest = hashlib.sha256(f"{label} [{mode.value}]".encode()).digest()

    @seed(int.from_bytes(digest[:8], "big"))
    @settings(SETTINGS, max_examples=examples(label)[0])
    @given(
        case=op.as_strategy(mode),
        choice=st.sampled_from(steer_choices(label)),
        shift=st.integers(-90, 90),
    )
    def run(case: Any, choice: str, shift: int) -> None:
        steer(tenant, label, case, choice, shift)
        before = Before(refusals(tenant, label, case), success_status(tenant, label, case))
        violations = len(tenant.simulator.violations)
        response = case.call(
            base_url=tenant.base_url, session=tenant.session, headers=HEADERS, timeout=10
        )
        STATS.examples[label, mode.value] += 1
        STATS.statuses[label][response.status_code] += 1
        try:
            outcome = verify(tenant, label, case, response, violations, before)
        except AssertionError as exc:
            STATS.failures.append(f"{label} [{mode.value}]: {str(exc).splitlines()[0]}")
            raise
        STATS.outcomes[outcome] += 1

    run()
    tenant.check_violations()


@pytest.mark.parametrize("name", list(REGRESSIONS))
def test_regression(tenant: SimTenant, name: str) -> None:
    """Each bug the property tests found once, with the answer the reference asks for."""
    tenant.reset()
    method, path, body = REGRESSIONS[name]["request"](tenant)
    response = tenant.api.request(method, PREFIX + path, json=body)
    assert response.status_code == REGRESSIONS[name]["expected"], response.text
    assert response.headers["content-type"].startswith("application/json")
    tenant.check_violations()  # and the answer, and what a read shows later, fit the document


# --- the figures --------------------------------------------------------------------------------


def test_summary(tenant: SimTenant, capsys: pytest.CaptureFixture[str]) -> None:
    """Print the figures of the run and check that every operation was exercised."""
    ran = {label for label, _ in STATS.examples}
    if ran != set(LABELS):
        pytest.skip("the summary needs the whole module")
    elapsed = time.perf_counter() - STATS.started
    by_mode = Counter()
    for (_, mode), n in STATS.examples.items():
        by_mode[mode] += n
    lines = [
        "",
        "conformance summary",
        f"  operations covered : {len(ran)} of {len(LABELS)}",
        f"  examples sent      : {STATS.total} "
        f"(positive {by_mode['positive']}, negative {by_mode['negative']})",
        f"  failing examples   : {len(STATS.failures)}",
        f"  elapsed            : {elapsed:.1f} s",
        "  outcomes:",
        *(f"    {n:6d}  {outcome}" for outcome, n in sorted(STATS.outcomes.items())),
        "  what explained 422s to valid data:",
        *(f"    {n:6d}  {rule}" for rule, n in sorted(STATS.rules.items())),
        "  statuses per operation:",
        *(f"    {label:<95} {dict(sorted(STATS.statuses[label].items()))}" for label in LABELS),
        *(f"  failure: {failure}" for failure in STATS.failures),
    ]
    with capsys.disabled():
        print("\n".join(lines))
    for label in LABELS:
        floor = examples(label)[1] if has_inputs(label) else 1
        modes = ("positive", "negative") if has_inputs(label) else ("positive",)
        for mode in modes:
            assert STATS.examples[label, mode] >= floor, (label, mode)
        assert any(200 <= s < 300 for s in STATS.statuses[label]), f"{label}: never succeeded"
        if list(OPERATIONS[label].path_parameters):
            assert 404 in STATS.statuses[label], f"{label}: never hit a missing object"
        if conflict_kind(label) is not None:  # the seeded object is in use
            assert 409 in STATS.statuses[label], f"{label}: never refused an object in use"
    assert not STATS.failures
