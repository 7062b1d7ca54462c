"""The simulated tenant: one request in, one outcome out, independent of the HTTP transport.

Order of work for a ``/public-api`` request, as a Laravel tenant does it: authentication (401),
throttling (429), routing (404/405), query and body validation against AMPECO's document (422),
then the resource's own action inside one database transaction. Fault rules may interfere
before the action (an error, a dropped connection) or after it (a "ghost" write whose answer
is lost). Every request is logged (method, path, status; never a token) in a log bounded
in entries and bytes (:mod:`.requestlog`).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any
from urllib.parse import parse_qsl, unquote

from . import decisions, requestlog
from .bodies import NotFinite, check_query, json_body, parse_json
from .contract import (
    PREFIX,
    Contract,
    Operation,
    default_contract,
    parse_query,
    validate_query,
)
from .errors import UNAUTHENTICATED, ApiError, Invalid
from .faults import Fault, FaultError, Faults
from .logs import log
from .ratelimit import RateLimiter
from .requestlog import LoggedRequest, RequestLog, logged_body
from .resources import catalogued
from .resources.base import Request, Resource, Response
from .resources.billing import Currencies, Taxes, TaxIdentificationNumbers
from .resources.charge_points import ChargePoints
from .resources.electricity_prices import AllPricePeriods, EnergyMix, PricePeriods
from .resources.evses import Connectors, Evses, NestedEvses
from .resources.load_management import CircuitChargePoints
from .resources.locations import ChargingZones, Locations
from .resources.ocpp import OcppKeys
from .resources.settings import Settings, seed
from .resources.tariffs import TariffGroups, Tariffs
from .resources.templates import TemplateVariables
from .store import Store, StoreClosed, Tx, as_id

Action = Callable[[Tx, Request], Response]


Route = tuple[str, str]
"""A method and a path template of the served document (``("GET", "/taxes/v2.0/{tax}")``)."""


def _crud(resource: Resource, collection: str, item: str) -> dict[Route, Action]:
    """A resource's actions by method and path template, whatever the document calls its
    operations (``taxesListing``, ``listUtilities``): the collection lists and creates, the
    item reads, updates (PATCH or PUT, as the document has it) and deletes."""
    return {
        ("GET", collection): resource.list,
        ("POST", collection): resource.create,
        ("GET", item): resource.read,
        ("PATCH", item): resource.update,
        ("PUT", item): resource.update,
        ("DELETE", item): resource.delete,
    }


def dispatch_table() -> dict[Route, Action]:
    table: dict[Route, Action] = {}
    for resource, collection, item in (
        (Locations(), "/locations/v2.0", "/locations/v2.0/{location}"),
        (
            ChargingZones(),
            "/locations/v2.0/{location}/charging-zones",
            "/locations/v2.0/{location}/charging-zones/{chargingZone}",
        ),
        (ChargePoints(), "/charge-points/v2.0", "/charge-points/v2.0/{chargePoint}"),
        (
            NestedEvses(),
            "/charge-points/v2.0/{chargePoint}/evses",
            "/charge-points/v2.0/{chargePoint}/evses/{evse}",
        ),
        (Evses(), "/evses/v2.1", "/evses/v2.1/{evse}"),
        (
            Connectors(),
            "/charge-points/v2.0/{chargePoint}/evses/{evse}/connectors",
            "/charge-points/v2.0/{chargePoint}/evses/{evse}/connectors/{connector}",
        ),
        (Tariffs(), "/tariffs/v1.0", "/tariffs/v1.0/{tariff}"),
        (TariffGroups(), "/tariff-groups/v1.0", "/tariff-groups/v1.0/{tariffGroup}"),
        (Taxes(), "/taxes/v2.0", "/taxes/v2.0/{tax}"),
        (
            TaxIdentificationNumbers(),
            "/tax-identification-numbers/v2.0",
            "/tax-identification-numbers/v2.0/{taxIdentificationNumber}",
        ),
        (Currencies(), "/currencies/v2.0", "/currencies/v2.0/{currency}"),
    ):
        table.update(_crud(resource, collection, item))
    for served, collection, item in catalogued.resources():
        table.update(_crud(served, collection, item))
        for action in served.entry.actions:
            table[("PUT", f"{collection}/{action}")] = getattr(served, action)
    table[("GET", "/settings/v1.0")] = Settings().read
    keys = OcppKeys()
    table[("GET", "/charge-points/v2.0/{chargePoint}/configurations")] = keys.list
    table[("GET", "/charge-points/v2.0/{chargePoint}/configurations/{key}")] = keys.read
    table[("PATCH", "/charge-points/v2.0/{chargePoint}/configurations/{key}")] = keys.update
    variables = TemplateVariables()
    template = "/configuration-templates/v1.0/{template}/variables"
    table[("GET", template)] = variables.list
    table[("POST", template)] = variables.create
    table[("PATCH", f"{template}/{{variable}}")] = variables.update
    table[("DELETE", f"{template}/{{variable}}")] = variables.delete
    rate = "/electricity-rates/v2.0/{electricityRate}"
    table[("GET", f"{rate}/price-periods")] = AllPricePeriods().list
    for by, segment in (("weekDay", "week-day"), ("date", "date")):
        periods = PricePeriods(by)
        table[("GET", f"{rate}/price-periods/{segment}")] = periods.list
        for method, served_by in (
            ("GET", periods.read),
            ("PUT", periods.update),
            ("DELETE", periods.delete),
        ):
            table[(method, f"{rate}/price-periods/{segment}/{{{by}}}")] = served_by
    mix = EnergyMix()
    table[("GET", f"{rate}/energy-mix")] = mix.read
    table[("PUT", f"{rate}/energy-mix")] = mix.update
    members = CircuitChargePoints()
    actions = "/public-api/actions/circuit/v2.0/{circuit}"
    table[("GET", "/circuits/v2.0/{circuit}/charge-point-priorities")] = members.list
    table[("POST", f"{actions}/attach-charge-point")] = members.attach
    table[("POST", f"{actions}/detach-charge-point/{{chargePoint}}")] = members.detach
    table[("POST", f"{actions}/set-charge-point-priority/{{chargePoint}}")] = members.set_priority
    return table


def _referred_by(resources: Iterable[Resource]) -> dict[str, tuple[tuple[str, str, bool], ...]]:
    """Each kind's referrers: the references the resources declare (``Resource.refs``; two
    resources of one kind, nested EVSEs and EVSEs, count once)."""
    found: dict[str, dict[tuple[str, str, bool], None]] = {}
    for resource in resources:
        for field_, ref in resource.refs.items():
            found.setdefault(ref.kind, {})[(resource.kind, field_, ref.many)] = None
    return {kind: tuple(users) for kind, users in found.items()}


def _hold(
    cls: type[Resource], referred_by: Mapping[str, tuple[tuple[str, str, bool], ...]]
) -> None:
    """Give a resource class, and the classes deleted with its objects, their referrers (the
    same in every simulator: they come from the classes)."""
    cls.referred_by = referred_by.get(cls.kind, ())
    for dependent in cls.dependents:
        _hold(dependent, referred_by)


@dataclass
class Outcome:
    """What the transport must do: answer, or drop the connection (``drop``)."""

    status: int
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False


@dataclass(frozen=True)
class Call:
    """One request as the transport hands it over."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes
    base_url: str


@dataclass
class SimulatorConfig:
    tokens: tuple[str, ...]
    db: str = ":memory:"
    rate_limit: int = decisions.RATE_LIMIT_REQUESTS
    rate_window: float = decisions.RATE_LIMIT_WINDOW_SECONDS
    base_currency: str = "EUR"
    multi_tax: bool = True
    validate_responses: bool = False
    fault_seed: int | None = None
    log_size: int = requestlog.MAX_ENTRIES
    log_bytes: int = requestlog.MAX_BYTES


class Simulator:
    """The tenant: store, contract, resources, throttling, faults and the request log."""

    def __init__(self, config: SimulatorConfig, contract: Contract | None = None) -> None:
        if not config.tokens:
            raise ValueError("the simulator needs at least one API token")
        self.config = config
        self.contract = contract or default_contract()
        self.store = Store(config.db)
        routes = dispatch_table()
        self.actions: dict[str, Action] = {}
        missing = []
        # Each resource's own operations, by action ("list", "update", "read").
        owned: dict[int, tuple[Resource, dict[str, Operation]]] = {}
        for op in self.contract.operations:
            template = op.template
            action = routes.get((op.method, template.removeprefix(PREFIX))) or routes.get(
                (op.method, template)
            )
            if action is None:
                missing.append(op.operation_id)
                continue
            self.actions[op.operation_id] = action
            owner = getattr(action, "__self__", None)
            if isinstance(owner, Resource):
                owned.setdefault(id(owner), (owner, {}))[1][action.__name__] = op
        if missing:
            raise RuntimeError(f"operations without an action: {sorted(missing)}")
        referred_by = _referred_by(owner for owner, _ in owned.values())
        for resource, ops in owned.values():
            resource.follow(ops.get("list"), ops.get("update"), ops.get("read"), ops.get("create"))
            _hold(type(resource), referred_by)
        #: The resource of each kind, for the admin API.
        self.resources = {resource.kind: resource for resource, _ in owned.values()}
        self.limiter = RateLimiter(config.rate_limit, config.rate_window)
        self.faults = Faults(config.fault_seed)
        self.log = RequestLog(config.log_size, config.log_bytes)
        self._lock = threading.Lock()  # guards the violations
        self.violations: list[str] = []
        self._seed()

    def _seed(self) -> None:
        with self.store.transaction() as tx:
            seed(tx, self.config.base_currency, self.config.multi_tax)

    def reset(self) -> None:
        """Back to a new tenant: no data, faults, log, throttling state or violations."""
        self.store.wipe()
        self._seed()
        self.faults.clear()
        self.limiter.configure(self.limiter.limit, self.limiter.window)
        self.log.clear()
        with self._lock:
            self.violations.clear()

    def close(self) -> None:
        self.store.close()

    # the request log -----------------------------------------------------------------------

    def requests(self) -> list[dict[str, Any]]:
        return self.log.entries()

    def clear_requests(self) -> None:
        self.log.clear()

    def _record(
        self, call: Call, status: int, started: float, outcome: str, operation: Operation | None
    ) -> None:
        """Log a request that ``outcome`` ended with ``status``, timed from ``started``."""
        entry = LoggedRequest(
            call.method,
            call.path,
            call.query,
            status,
            (time.perf_counter() - started) * 1000,
            outcome,
            operation.operation_id if operation else None,
            len(call.body),
            logged_body(call.method, call.body),
        )
        self.log.add(entry)
        log.debug("%s %s -> %s (%s)", entry.method, entry.path, entry.status, entry.outcome)

    # handling ------------------------------------------------------------------------------

    def handle(
        self,
        method: str,
        path: str,
        query: str,
        headers: Mapping[str, str],
        body: bytes,
        base_url: str,
    ) -> Outcome:
        started = time.perf_counter()
        call = Call(method, path, query, headers, body, base_url)
        if path.startswith("/_sim/"):
            try:
                return self._admin(method, path, body)
            except StoreClosed:
                return _json_outcome(503, {"message": "Service Unavailable"})
            except Exception:  # pragma: no cover - a bug; answer like a server would
                return _server_error(method, path)
        operation: Operation | None = None
        outcome_kind = "answered"
        try:
            fault = self.faults.take(method, path) if path.startswith("/public-api/") else None
            if fault is not None and fault.latency_ms:
                time.sleep(fault.latency_ms / 1000)
            if fault is not None and fault.drop:
                outcome_kind = "dropped"
                outcome = Outcome(0, drop=True)
            elif fault is not None and fault.status is not None:
                outcome_kind = "fault"
                outcome = self._fault_outcome(fault)
                if fault.late_ms is not None:
                    # The answer goes now; the tenant still does the work, later.
                    late = threading.Timer(
                        fault.late_ms / 1000,
                        self._late,
                        (replace(call, headers=dict(headers)),),
                    )
                    late.daemon = True
                    late.start()
            else:
                operation, outcome = self._public(call)
                if fault is not None and fault.ghost:
                    outcome_kind = "ghost"
                    outcome = Outcome(outcome.status, drop=True)
        except StoreClosed:
            outcome = _json_outcome(503, {"message": "Service Unavailable"})
        except Exception:  # a bug (a test plants one); answer like a server would
            outcome = _server_error(method, path)
        self._record(call, outcome.status, started, outcome_kind, operation)
        return outcome

    def _late(self, call: Call) -> None:
        """Carry out a request whose answer a ``late_ms`` fault already sent."""
        started = time.perf_counter()
        try:
            operation, outcome = self._public(call)
        except StoreClosed:
            return
        self._record(call, outcome.status, started, "late", operation)

    def _fault_outcome(self, fault: Fault) -> Outcome:
        assert fault.status is not None
        messages = {
            409: "The object is in use and cannot be changed.",
            422: "The given data was invalid.",
            429: "Too Many Attempts.",
            500: "Server Error",
            502: "Bad Gateway",
            503: "Service Unavailable",
            504: "Gateway Timeout",
        }
        headers: dict[str, str] = {}
        if fault.status == 429:
            wait = fault.retry_after if fault.retry_after is not None else 1
            headers = {
                "Retry-After": str(wait),
                "X-RateLimit-Reset": str(int(time.time()) + wait),
                "X-RateLimit-Remaining": "0",
            }
        body: dict[str, Any] = {"message": messages[fault.status]}
        if fault.status == 422:
            body["errors"] = {"fault": ["Rejected by an injected fault."]}
        return _json_outcome(fault.status, body, headers)

    def _public(self, call: Call) -> tuple[Operation | None, Outcome]:
        token = _bearer(call.headers)
        if token is None or token not in self.config.tokens:
            return None, _json_outcome(401, UNAUTHENTICATED.body())
        verdict = self.limiter.check(token)
        if not verdict.allowed:
            return None, _json_outcome(429, {"message": "Too Many Attempts."}, verdict.headers)
        operation, params, known = self.contract.match(call.method, call.path)
        if operation is None:
            status, message = (405, "Method not allowed.") if known else (404, "Not Found.")
            return None, _json_outcome(status, {"message": message}, verdict.headers)
        try:
            response = self._run(operation, params, call)
        except ApiError as exc:
            response = Response(exc.status, exc.body(), exc.headers)
        if self.config.validate_responses:
            problems = operation.validate_response(response.status, response.body)
            if problems:
                with self._lock:
                    self.violations.extend(problems)
        payload = None if response.body is None else _dumps(response.body)
        return operation, Outcome(response.status, payload, {**verdict.headers, **response.headers})

    def _run(self, operation: Operation, params: dict[str, str], call: Call) -> Response:
        ids: dict[str, int] = {}
        names: dict[str, str] = {}
        for name, value in params.items():
            if name in operation.named:  # a name, not an id (an OCPP key, a week day)
                names[name] = unquote(value)
                if not _route_accepts(operation.named[name], names[name]):
                    raise ApiError(404, "Not Found.")  # a route constraint, as Laravel's
                continue
            id_ = as_id(value)
            if id_ < 0:
                raise ApiError(404, "Not Found.")
            ids[name] = id_
        pairs = parse_qsl(call.query, keep_blank_values=True)
        check_query(pairs)
        values, errors = validate_query(operation, parse_query(pairs))
        if errors:
            raise Invalid(errors)
        payload: Any = None
        if operation.body_schema is not None:
            payload = (
                json_body(call.body, call.headers.get("content-type")) if call.body.strip() else {}
            )
            errors = operation.validate_body(payload)
            if errors:
                raise Invalid(errors)
            payload = operation.clean_body(payload)
        url = call.base_url + call.path
        collection_url = url if operation.method in ("GET", "POST") else url.rsplit("/", 1)[0]
        request = Request(operation, ids, values, pairs, payload, collection_url, names)
        action = self.actions[operation.operation_id]
        with self.store.transaction() as tx:
            return action(tx, request)

    # the admin API -------------------------------------------------------------------------

    def _admin(self, method: str, path: str, body: bytes) -> Outcome:
        route = (method, path.rstrip("/"))
        try:
            data = parse_json(body) if body.strip() else None
        except ValueError as error:  # a number that is not finite is JSON of a wrong value
            return _json_outcome(
                422 if isinstance(error, NotFinite) else 400, {"message": str(error)}
            )
        if route == ("GET", "/_sim/health"):
            return _json_outcome(200, {"status": "ok"})
        if route == ("GET", "/_sim/requests"):
            return _json_outcome(200, {"data": self.requests(), "meta": self.log.usage()})
        if route == ("DELETE", "/_sim/requests"):
            self.clear_requests()
            return Outcome(204)
        if route == ("GET", "/_sim/violations"):
            with self._lock:
                return _json_outcome(200, {"data": list(self.violations)})
        if route == ("GET", "/_sim/faults"):
            return _json_outcome(200, {"data": self.faults.list()})
        if route == ("POST", "/_sim/faults"):
            rules = data if isinstance(data, list) else [data]
            try:
                parsed = [Fault.from_dict(r) for r in rules if isinstance(r, dict)]
            except (FaultError, TypeError) as exc:
                return _json_outcome(422, {"message": str(exc)})
            if len(parsed) != len(rules):
                return _json_outcome(422, {"message": "a fault must be a JSON object"})
            added = [self.faults.add(f).describe() for f in parsed]
            return _json_outcome(201, {"data": added})
        if route == ("DELETE", "/_sim/faults"):
            self.faults.clear()
            return Outcome(204)
        if route == ("PUT", "/_sim/rate-limit"):
            usage = {
                "message": 'send {"limit": N from 0 to 1000000, "window": seconds above 0,'
                " at most 86400}"
            }
            if not isinstance(data, dict):
                return _json_outcome(422, usage)
            limit, window = data.get("limit"), data.get("window", self.limiter.window)
            if (
                not isinstance(limit, int)
                or isinstance(limit, bool)
                or not isinstance(window, (int, float))
                or isinstance(window, bool)
                or not 0 <= limit <= 1_000_000
                or not 0 < window <= 86_400  # NaN fails this too
            ):
                return _json_outcome(422, usage)
            self.limiter.configure(limit, float(window))
            return _json_outcome(200, {"limit": self.limiter.limit, "window": self.limiter.window})
        if route == ("POST", "/_sim/reset"):
            self.reset()
            return Outcome(204)
        if route == ("POST", "/_sim/roaming-operators"):
            # D45: roaming operators come from the tenant's roaming connections, which the
            # simulator has none of; a test brings one in with the fields a read shows.
            if not isinstance(data, dict):
                return _json_outcome(422, {"message": "send the operator as a JSON object"})
            operators = self.resources["roaming_operator"]
            assert isinstance(operators, catalogued.RoamingOperators)
            with self.store.transaction() as tx:
                return _json_outcome(201, {"data": operators.seed(tx, data)})
        return _json_outcome(404, {"message": "Not Found."})


def _route_accepts(schema: Mapping[str, Any], value: str) -> bool:
    """Whether a path parameter that is no id has a value its schema allows (an enum's, a
    ``date``)."""
    options = [o for o in schema.get("anyOf", []) if isinstance(o, Mapping)]
    if options:
        return any(_route_accepts(o, value) for o in options)
    if "enum" in schema and value not in schema["enum"]:
        return False
    if schema.get("format") == "date":
        try:
            date.fromisoformat(value)
        except ValueError:
            return False
        return len(value) == 10
    return bool(value)


def _bearer(headers: Mapping[str, str]) -> str | None:
    value = headers.get("authorization") or headers.get("Authorization")
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _dumps(body: Any) -> bytes:
    """JSON for an answer; a number that is not finite raises (a bug: a 500, not ``NaN``)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode(
        "utf-8"
    )


def _server_error(method: str, path: str) -> Outcome:
    """The answer to a request that met a bug, which is logged with its traceback."""
    log.exception("unhandled error for %s %s", method, path)
    return _json_outcome(500, {"message": "Server Error"})


def _json_outcome(status: int, body: Any, headers: dict[str, str] | None = None) -> Outcome:
    return Outcome(status, _dumps(body), dict(headers or {}))
