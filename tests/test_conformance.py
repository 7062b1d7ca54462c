"""Property-based conformance of the tenant simulator against its OpenAPI document.

Every served operation of ``Contract().document`` (AMPECO v3.110.0 cut down to the served paths,
with the response-side decisions D18/D21 and "nullable enums admit null" applied) is fuzzed by
schemathesis in both generation modes and sent over real sockets to a simulator started here.

What every response must satisfy:

* no 5xx; a JSON body (``application/json``) unless it is a 204, which has none;
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
  parent); a 409 needs a DELETE of an object that is in use in the sense of D1, D2, D5–D9, D31, D39;
  a 422 may only name fields of ``RULE_FIELDS`` (references and the D-table / conditional rules),
  and each named field is re-checked (the referenced id really is missing, the duplicate really
  exists, the level chain really is broken, …). Conversely, a success needs a state that allows
  it: no delete of an object in use, no catalogued write that breaks a rule of its entry
  (``refusals``).

A few objects of every kind are there when each test starts (seeded over the API once, then
restored from a copy of the store), and part of the examples are steered to them (path ids and
reference fields in bodies and filters), so that both the found and the not-found paths are
exercised; DELETE examples are also steered to freshly created, unused objects, and
writes of unique values to values another object holds.

The collections of the simulator's catalogue (``ampeco_sim.catalog``) get all of this from their
catalogue entries and the document (see "the catalogued collections" below), with fewer examples.

Two readings of the document are the reference's, not JSON Schema's or OpenAPI's: ``format: time``
is the API's ``HH:MM`` time of day ("Dates and times"), see ``times_of_day``; and a request body
whose schema requires fields is required, see ``required_bodies``.

Simulator bugs this module once found are kept as regression tests in ``REGRESSIONS``.

Run: ``python -m pytest tests/test_conformance.py -q`` (prints a summary at the end).
"""

from __future__ import annotations

import copy
import graphlib
import itertools
import json
import re
import sqlite3
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import Phase, given, settings
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
    full_path,
    parse_query,
    schema_properties,
    validate_query,
)
from tests import factories

pytestmark = pytest.mark.conformance

TOKEN = "conformance-token-0123456789"
MAX_EXAMPLES = 40  # per operation and generation mode
MIN_EXAMPLES = 25  # the summary asserts every operation got at least this many per mode
# The catalogued collections run one generic resource each: fewer examples keep the run short.
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
    times_of_day(required_bodies(CONTRACT.document)), config=CONFIG
)
OPERATIONS = {op.label: op for op in (result.ok() for result in SCHEMA.get_all_operations())}
OPERATION_IDS = {
    f"{method.upper()} {path}": op["operationId"]
    for path, item in CONTRACT.document["paths"].items()
    for method, op in item.items()
    if method != "parameters"
}
#: Catalogued collections whose seeding the derivation below does not make yet: one with no
#: create (roaming operators, seeded by the tenant's operator, D45), one filed under a parent
#: (custom tariff filters) and objects of variants (D44: payment terminals, roaming
#: providers). ``tests/test_rhythm_all_kinds.py``, ``tests/test_variants.py``,
#: ``tests/test_ranks.py`` and ``tests/test_sim_catalog.py`` cover them.
UNSEEDED_KINDS = frozenset(
    {"roaming_operator", "custom_tariff_filter", "payment_terminal", "roaming_provider"}
)
#: The catalogued collections fuzzed here.
FUZZED_COLLECTIONS = tuple(entry for entry in COLLECTIONS if entry.kind not in UNSEEDED_KINDS)
#: Nor are the sub-collections of a circuit, a station, a rate and a template fuzzed (the calls
#: behind the provider's channels, and a template's variables): their path parameters are not
#: ids of the seeded kinds alone (``{key}``, ``{weekDay}`` are names).
#: ``tests/test_stations.py``, ``tests/test_rate_prices.py`` and
#: ``tests/test_template_variables.py`` cover them.
NOT_FUZZED = frozenset(
    full_path(path)
    for path in (
        *SUB_COLLECTION_PATHS,
        *(
            p
            for entry in COLLECTIONS
            if entry.kind in UNSEEDED_KINDS
            for p in (
                entry.collection,
                entry.item,
                *(f"{entry.collection}/{a}" for a in entry.actions),
            )
        ),
    )
)
LABELS = sorted(
    (label for label in OPERATIONS if label.split(" ", 1)[1] not in NOT_FUZZED),
    key=lambda label: (label.split(" ", 1)[1], label),
)
#: The path parameter naming the object an item operation acts on (the last one in the path).
ITEM_PARAM = {label: (re.findall(r"\{(\w+)\}", label) or [None])[-1] for label in OPERATIONS}


def has_inputs(label: str) -> bool:
    """Whether schemathesis can vary anything (and so make anything invalid)."""
    op = OPERATIONS[label]
    return bool(list(op.path_parameters) or list(op.query) or op.body)


# --- the catalogued collections ----------------------------------------------------------------
#
# What the test knows of the collections of ``ampeco_sim.catalog`` (their seeding, steering, 404s,
# D39 409s and 422s) is derived from their entries and the document: a collection added to the
# catalogue is fuzzed with no edit here.

#: The catalogue entry of every catalogued path template (with the prefix).
CATALOGUED: dict[str, Collection] = {
    PREFIX + path: entry for entry in FUZZED_COLLECTIONS for path in (entry.collection, entry.item)
}


def entry_of(label: str) -> Collection | None:
    return CATALOGUED.get(label.split(" ", 1)[1])


#: The catalogued collection each create and update operation writes, by operation id.
WRITTEN: dict[str, Collection] = {
    OPERATION_IDS[label]: entry
    for label in OPERATIONS
    if (entry := entry_of(label)) is not None
    and OPERATIONS[label].method.upper() in ("POST", "PUT", "PATCH")
}


def delete_op(entry: Collection) -> str:
    return OPERATION_IDS[f"DELETE {PREFIX}{entry.item}"]


def create_op(entry: Collection) -> str:
    return OPERATION_IDS[f"POST {PREFIX}{entry.collection}"]


def date_times(entry: Collection) -> list[str]:
    """The top-level date-time fields of a collection's create body (kept in UTC, D38)."""
    props = schema_properties(CONTRACT.by_id[create_op(entry)].body_schema or {})
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
#: reference to its own kind, a circuit's parent circuit, excepted).
SEED_ORDER: list[Collection] = [
    next(entry for entry in FUZZED_COLLECTIONS if entry.kind == kind)
    for kind in graphlib.TopologicalSorter(
        {
            entry.kind: sorted({ref.kind for ref in entry.refs.values() if ref.kind != entry.kind})
            for entry in FUZZED_COLLECTIONS
        }
    ).static_order()
    if any(entry.kind == kind for entry in FUZZED_COLLECTIONS)
]
#: Collections seeded twice: the second object names the first where the collection refers to
#: its own kind (so the first is in use), and holds other unique values to clash with.
TWINNED = [
    entry
    for entry in SEED_ORDER
    if entry.unique or any(ref.kind == entry.kind for ref in entry.refs.values())
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


def sample_body(entry: Collection, seeded: Mapping[str, int], n: int) -> dict[str, Any]:
    """A create body the simulator takes, made from the document and the catalogue: the
    required fields (:func:`sample`), every reference to a seeded object, the values the
    collection's referrers ask of it (``Reference.where``) and date-times in order."""
    op = CONTRACT.by_id[create_op(entry)]
    body: dict[str, Any] = sample(op.body_schema, entry.kind, n)
    for user in REFERRERS.get(entry.kind, ()):
        body.update(user.reference.where)
    for name, ref in entry.refs.items():
        target = seeded.get(PARAM_OF[ref.kind])
        if target is not None:
            body[name] = [target] if ref.many else target
    for later, earlier in entry.after.items():
        start = instant(body.get(earlier)) or SEED_TIME
        body.setdefault(earlier, start.isoformat())
        body[later] = (start + timedelta(hours=1)).isoformat()
    assert not op.validate_body(body), (entry.kind, body, op.validate_body(body))
    return body


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
    * 422 where ``per_page`` (D20) or ``include[]`` (D24) is accepted, and on every write with a
      body: a body the document refuses is a 422 ("Errors") also where the operation lists
      other statuses only (a configuration template's create and update);
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
    if {"per_page", "include"} & query or op.body:
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
    if OPERATIONS[label].method.upper() != "DELETE":
        return None
    kind = PATH_KINDS[ITEM_PARAM[label] or ""]
    if OPERATION_IDS[label] in IN_USE_DELETES or HELD_KINDS & set(filed_under(kind)):
        return kind
    return None


def documented_statuses(label: str) -> frozenset[int]:
    return frozenset(int(code) for code in OPERATIONS[label].responses.status_codes)


SUCCESS = {"GET": 200, "POST": 201, "PATCH": 200, "PUT": 200, "DELETE": 204}

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
    **{entry.id_parameter: entry.kind for entry in FUZZED_COLLECTIONS},
}
#: The path parameter that names an object of each kind.
PARAM_OF = {kind: param for param, kind in PATH_KINDS.items()}
#: The parent path parameter of a nested one.
PATH_PARENTS = {"chargingZone": "location", "evse": "chargePoint", "connector": "evse"}

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
    # the catalogue's references
    **{
        op_id: tuple(
            (f"{name}.*" if ref.many else name, PARAM_OF[ref.kind])
            for name, ref in entry.refs.items()
        )
        for op_id, entry in WRITTEN.items()
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
    for entry in FUZZED_COLLECTIONS
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
}


def catalogue_rules(entry: Collection) -> dict[str, str]:
    """The fields a 422 to a catalogued collection's valid body may name, from its entry."""
    rules = {re.escape(name): f"D39: reference to a {ref.kind}" for name, ref in entry.refs.items()}
    rules |= {re.escape(fields[-1]): "D39: unique" for fields in entry.unique}
    rules |= {re.escape(later): f"after {earlier}" for later, earlier in entry.after.items()}
    rules |= {re.escape(name): "D38: a UTC form" for name in date_times(entry)}
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
    serial: Iterator[int] = field(default_factory=lambda: itertools.count(100))
    #: The store as first seeded, which each later reset restores.
    snapshot: sqlite3.Connection | None = None

    def create(self, path: str, body: dict[str, Any]) -> int:
        response = self.api.post(PREFIX + path, json=body)
        assert response.status_code == 201, (path, body, response.text)
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
        self.snapshot = self.simulator.store.snapshot()

    def seed_catalogue(self) -> None:
        """An object of every catalogued collection, naming the seeded objects it may refer to
        (so that each is in use, D39), and the twins of ``TWINNED``."""
        for entry in SEED_ORDER:
            self.seeded[entry.id_parameter] = self.create_catalogued(entry)
        self.twins = {entry.id_parameter: self.create_catalogued(entry) for entry in TWINNED}

    def create_catalogued(self, entry: Collection) -> int:
        return self.create(entry.collection, sample_body(entry, self.seeded, next(self.serial)))

    def fresh(self, op_id: str) -> dict[str, int]:
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
        entry = next((e for e in FUZZED_COLLECTIONS if delete_op(e) == op_id), None)
        if entry is not None:
            return {entry.id_parameter: self.create_catalogued(entry)}
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


def steer(tenant: SimTenant, op_id: str, case: Any, choice: str, shift: int = 0) -> None:
    """Point part of the examples at seeded (or fresh, or wrongly parented) objects; ordered
    date-times of a catalogued body are put ``shift`` minutes apart (``space_date_times``)."""
    if choice == "generated":
        return
    meta = case.meta
    path_negative = meta is not None and meta.is_negative_at(ParameterLocation.PATH)
    if case.path_parameters and not path_negative:
        if choice == "fresh":
            ids = tenant.fresh(op_id)
        else:
            ids = {name: tenant.seeded[name] for name in case.path_parameters}
            if choice == "wrong-parent":
                parent = next(n for n in case.path_parameters if n in tenant.others)
                ids[parent] = tenant.others[parent]
        case.path_parameters = {name: ids[name] for name in case.path_parameters}
    if isinstance(case.body, dict):
        body = copy.deepcopy(case.body)
        for dotted, name in BODY_REFS.get(op_id, ()):
            head, _, last = dotted.rpartition(".")
            found, node = dig(body, head) if head else (True, body)
            if not found:
                continue
            if last == "*" and isinstance(node, list):
                for i, item in enumerate(node):
                    if isinstance(item, int) and not isinstance(item, bool):
                        node[i] = tenant.seeded[name]
            elif isinstance(node, dict):
                value = node.get(last)
                if isinstance(value, int) and not isinstance(value, bool):
                    node[last] = tenant.seeded[name]
        if op_id in ("chargePointCreate", "chargePointUpdate"):
            complete_charge_point(tenant, op_id, body)
        if op_id == "currencyUpdate" and isinstance(body.get("alphabeticCode"), str):
            body["alphabeticCode"] = tenant.base_code  # D29 forbids changing it
        if choice == "taken":
            take_unique_values(tenant, op_id, body)
        if op_id in WRITTEN:
            space_date_times(WRITTEN[op_id], body, shift)
        case.body = body
    if case.query:
        query = dict(case.query)
        for key, name in {**QUERY_REFS, **CATALOGUED_QUERY_REFS.get(op_id, {})}.items():
            if isinstance(query.get(key), (str, int)) and not isinstance(query[key], bool):
                query[key] = str(tenant.seeded[name])
        case.query = query


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
    return choices


# --- explanations by state ----------------------------------------------------------------------


def missing_path_object(tenant: SimTenant, path_parameters: dict[str, Any]) -> str | None:
    """Why a path names no object: an unknown id, or a child under another parent."""
    for name, value in path_parameters.items():
        row = tenant.get(PATH_KINDS[name], value)
        if row is None:
            return f"{name}={value!r} does not exist"
        parent = PATH_PARENTS.get(name)
        if parent in path_parameters and row.parent_id != as_id(path_parameters[parent]):
            return f"{name}={value!r} is not under {parent}={path_parameters[parent]!r}"
    return None


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
    of an object in use (D-table, D39), a catalogued write breaking a rule of its entry."""
    op_id = OPERATION_IDS[label]
    kind = conflict_kind(label)
    params = case.path_parameters or {}
    if kind is not None and not missing_path_object(tenant, params):
        reason = in_use(tenant, kind, as_id(params[ITEM_PARAM[label]]) or 0)
        return [reason] if reason else []
    entry = WRITTEN.get(op_id)
    if entry is None or not isinstance(case.body, dict):
        return []
    stored = None
    if params and not missing_path_object(tenant, params):
        stored = tenant.get(entry.kind, params[entry.id_parameter]).body
    names = [*entry.refs, *(f[-1] for f in entry.unique), *entry.after, *date_times(entry)]
    found = (explain_catalogued(tenant, op_id, case, name, stored) for name in dict.fromkeys(names))
    return [reason for reason in found if reason]


def explain_catalogued(
    tenant: SimTenant, op_id: str, case: Any, name: str, stored: dict[str, Any] | None
) -> str | None:
    """Why a 422 to a catalogued collection's valid body names ``name``, by its entry: a
    reference to no object or to one without the values it asks (D39), a unique value another
    object holds (D39), a date-time not after the one it follows, or a moment UTC cannot write
    (D38)."""
    entry = WRITTEN[op_id]
    body = writable(op_id, case.body)
    put = case.method.upper() == "PUT"
    result = body if put else merged(stored or {}, body)
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
    refused: list[str],
) -> str:
    """Check one response; returns the outcome it was classified as (for the summary).
    ``refused``: why the state before the request must refuse it (``refusals``)."""
    status = response.status_code
    where = describe(case, response)
    assert status < 500, f"server error\n{where}"
    content_type = response.headers.get("content-type", [""])[0]
    if status == 204:
        assert response.content == b"", f"204 with a body\n{where}"
        body: Any = None
    else:
        assert content_type.startswith("application/json"), f"not JSON: {content_type}\n{where}"
        body = json.loads(response.content)
    allowed = documented_statuses(label) | decision_statuses(label)
    assert status in allowed, f"status {status} not in {sorted(allowed)}\n{where}"
    run_checks(case, response, [response_schema_conformance, content_type_conformance])
    new = tenant.simulator.violations[violations_before:]
    assert not new, f"simulator response validator: {new}\n{where}"
    if 400 <= status < 500:
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
                tenant, label, case, status, body, refused
            )
        if str(status) not in REJECTION_STATUSES and ignored_parts_only(label, case):
            return "negative in what the tenant ignores: " + verify_valid(
                tenant, label, case, status, body, refused
            )
        # schemathesis judges whether the invalid part reached the server as invalid
        run_checks(case, response, [negative_data_rejection])
        if str(status) in REJECTION_STATUSES:
            return f"negative: rejected with {status}"
        # The invalid part does not survive serialisation (schemathesis's exemptions): what the
        # server received is valid data, so the rules for valid data apply.
        return "negative, valid on the wire: " + verify_valid(
            tenant, label, case, status, body, refused
        )
    return "positive: " + verify_valid(tenant, label, case, status, body, refused)


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
    sent"), and query parameters the operation does not declare (Laravel reads only the
    declared ones; unknown filter keys alike, D24). Only cases that hold one of these count;
    the rest of the request must then be valid."""
    meta = case.meta
    if meta is not None and meta.is_negative_at(ParameterLocation.PATH):
        return False
    op = CONTRACT.by_id[OPERATION_IDS[label]]
    body = case.body if isinstance(case.body, dict) else None
    query = dict(case.query or {})
    undeclared = [k for k in query if re.split(r"\[", k, maxsplit=1)[0] not in op.query]
    read_only = body is not None and _read_only_sent(body, op.body_schema)
    if not undeclared and not read_only:
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
    ``filter[ids]=7``; schemathesis itself writes one-item arrays of valid cases so), a value is
    the text it is on the wire, and a format no validator knows (``format: integer`` on a text
    filter) is an annotation, as for the simulator, where schemathesis's negative mode takes
    every value for a violation of it. Such a "negative" case is valid data. Unknown filter keys
    are ignored (D24)."""
    if not case.query or not isinstance(case.body, NotSet | None) or case.path_parameters:
        return False
    op = CONTRACT.by_id[OPERATION_IDS[label]]
    query: dict[str, Any] = {}
    for key, value in dict(case.query).items():
        base, *subkeys = re.findall(r"[^[\]]+|(?<=\[)(?=\])", key) or [key]
        known = op.query["filter"].schema.get("properties", {}) if "filter" in op.query else {}
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
        if name == "filter" and isinstance(value, dict):
            props = schema.get("properties", {})
            for key, item in value.items():
                if props.get(key, {}).get("type") == "array" and not isinstance(item, list):
                    item = [item]
                value[key] = from_query(item, props.get(key, {}))
        if not OAS30Validator(schema, format_checker=KNOWN_FORMATS).is_valid(value):
            return False
    return True


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
    refused: list[str],
) -> str:
    """Valid data succeeds, unless the state or a rule of the reference explains the failure;
    and it fails where the state before it says it must (``refusals``)."""
    op_id = OPERATION_IDS[label]
    sent = case.body if isinstance(case.body, dict) else {}
    where = f"{case.method} {case.formatted_path} body={sent!r:.1500} -> {status} {body!r:.1500}"
    if 200 <= status < 300:
        assert status == SUCCESS[case.method.upper()], f"unexpected success status\n{where}"
        assert not refused, f"succeeded although the state refuses it: {refused}\n{where}"
        return str(status)
    if status == 404:
        reason = missing_path_object(tenant, case.path_parameters)
        assert reason, f"valid request answered 404 although every path object exists\n{where}"
        return "404 (no such object)"
    if status == 409:
        kind = conflict_kind(label)
        assert kind is not None, f"409 outside the in-use deletes\n{where}"
        id_ = as_id(case.path_parameters[ITEM_PARAM[label]])
        assert id_ is not None and tenant.get(kind, id_) is not None, f"409, object gone\n{where}"
        reason = in_use(tenant, kind, id_)
        assert reason, f"409 but the object is not in use (D-table)\n{where}"
        return "409 (in use)"
    if status == 422:
        stored = None
        if case.path_parameters and case.method.upper() in ("PATCH", "PUT"):
            item = ITEM_PARAM[label]
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
    if entry_of(label) is not None:
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
    op_id = OPERATION_IDS[label]
    tenant.reset()

    @settings(SETTINGS, max_examples=examples(label)[0])
    @given(
        case=op.as_strategy(mode),
        choice=st.sampled_from(steer_choices(label)),
        shift=st.integers(-90, 90),
    )
    def run(case: Any, choice: str, shift: int) -> None:
        steer(tenant, op_id, case, choice, shift)
        refused = refusals(tenant, label, case)
        before = len(tenant.simulator.violations)
        response = case.call(
            base_url=tenant.base_url, session=tenant.session, headers=HEADERS, timeout=10
        )
        STATS.examples[label, mode.value] += 1
        STATS.statuses[label][response.status_code] += 1
        try:
            outcome = verify(tenant, label, case, response, before, refused)
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
