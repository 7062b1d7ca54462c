"""``AmpecoClient``: the one HTTP client every provider call goes through.

It carries what makes calls to a production tenant safe: retries with back-off that honour the
tenant's ``Retry-After``, creates that are never duplicated by a retry, client-side throttling
shared by every thread, error mapping to :mod:`pulumi_ampeco.errors`, and pagination. It is
synchronous (the dynamic provider calls it from worker threads) and safe to share between
threads. The token lives only in the ``Authorization`` header of the underlying ``httpx``
client, which masks it in its own representations. ``D<n>`` are the decisions of
``docs/decisions.md``.
"""

from __future__ import annotations

import builtins
import email.utils
import ipaddress
import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import timezone
from typing import Any, Literal
from urllib.parse import quote, urlsplit

import httpx

from . import __version__, throttle, write_tally
from .channels import route
from .config import ClientSettings, TenantConfig
from .errors import (
    POSSIBLE_DUPLICATE,
    STATUS_ERRORS,
    AmbiguousCreateError,
    ApiError,
    ConfigurationError,
    DuplicateObjectsError,
    InvalidRequestError,
    RateLimitedError,
    ServerError,
    TransportError,
)
from .lookup import Lookup, lookup_for

log = logging.getLogger("pulumi_ampeco.client")

RETRY_STATUSES = frozenset({429, 502, 503, 504})
#: Pages one listing may have before the client suspects a loop (100 objects each).
MAX_PAGES = 10_000
#: Errors raised before any byte of the request left: always safe to send again.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

Params = Mapping[str, Any]


# --- the tenant URL ------------------------------------------------------------------------


def normalise_base_url(url: str, allow_insecure_http: bool = False) -> str:
    """``https://host[:port][/prefix]/public-api`` from what a user is likely to write.

    Accepts a bare host (``tenant.example.com``), a URL with or without a trailing slash, and
    the full ``…/public-api`` (or ``…/public-api/resources``) base.
    """
    text = url.strip()
    if not text:
        raise ConfigurationError("the tenant URL is empty")
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https"):
        raise ConfigurationError(f"the tenant URL must use https, not {parts.scheme}://")
    if not parts.hostname:
        raise ConfigurationError(f"the tenant URL {url!r} has no host")
    if parts.username or parts.password:
        raise ConfigurationError("the tenant URL must not carry credentials; use the API token")
    if parts.query or parts.fragment:
        raise ConfigurationError("the tenant URL must not have a query or a fragment")
    if parts.scheme == "http" and not allow_insecure_http and not _is_loopback(parts.hostname):
        raise ConfigurationError(
            f"plain http:// to {parts.hostname} would send the API token unencrypted; use "
            "https://, or set ampeco:allowInsecureHttp / AMPECO_ALLOW_INSECURE_HTTP to allow it"
        )
    path = parts.path.rstrip("/")
    for suffix in ("/resources", "/public-api"):
        if path.endswith(suffix):
            path = path[: -len(suffix)]
    return f"{parts.scheme}://{parts.netloc}{path}/public-api"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def encode_params(params: Params | None) -> list[tuple[str, Any]]:
    """Query parameters in the API's deep-object syntax.

    ``{"filter": {"externalId": "a"}, "include": ["x", "y"], "per_page": 100}`` becomes
    ``filter[externalId]=a&include[]=x&include[]=y&per_page=100``.
    """
    out: list[tuple[str, Any]] = []

    def add(key: str, value: Any) -> None:
        if value is None:
            return
        if isinstance(value, Mapping):
            for sub, item in value.items():
                add(f"{key}[{sub}]", item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                add(f"{key}[]", item)
        elif isinstance(value, bool):
            out.append((key, "true" if value else "false"))
        else:
            out.append((key, str(value)))

    for key, value in (params or {}).items():
        add(key, value)
    return out


def query_text(params: Params | None) -> str:
    """``params`` as the query of a URL a person can paste (``filter[externalId]=site-1``)."""
    return "&".join(f"{name}={quote(str(value))}" for name, value in encode_params(params))


def unwrap(body: Any) -> Any:
    """The object of a ``{"data": ...}`` envelope; a bare object as it is (currencies, D21)."""
    if isinstance(body, dict) and "data" in body:
        return body["data"]
    return body


# --- observability -------------------------------------------------------------------------


class RequestStats:
    """Requests sent, by method and path (without query); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, str]] = Counter()

    def record(self, method: str, path: str) -> None:
        with self._lock:
            self._counts[method, path] += 1

    def by_path(self) -> dict[tuple[str, str], int]:
        with self._lock:
            return dict(self._counts)

    def by_method(self) -> dict[str, int]:
        with self._lock:
            totals: Counter[str] = Counter()
            for (method, _), n in self._counts.items():
                totals[method] += n
            return dict(totals)

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self._counts.values())

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()


# --- the client ----------------------------------------------------------------------------


class _Ambiguous(Exception):
    """A POST whose fate is unknown: it may have been carried out. ``elapsed``: seconds from
    sending it to losing its answer."""

    def __init__(self, status: int | None, reason: str, elapsed: float) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.elapsed = elapsed


class AmpecoClient:
    """A client of one AMPECO tenant with one API token."""

    def __init__(
        self,
        tenant_url: str,
        api_token: str,
        settings: ClientSettings | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings or ClientSettings()
        api_token = (api_token or "").strip()
        if not api_token:
            raise ConfigurationError(
                "the API token is empty: set ampeco:apiToken (secret) or AMPECO_API_TOKEN"
            )
        if not api_token.isascii() or not api_token.isprintable() or " " in api_token:
            raise ConfigurationError(
                "the API token must be printable ASCII without spaces; check for a stray"
                " character copied with it"
            )
        self.base_url = normalise_base_url(tenant_url, self.settings.allow_insecure_http)
        parts = urlsplit(self.base_url)
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._origin_key = _origin_key(self.base_url)
        self._sleep = sleep
        self._clock = clock
        self._random = random.Random()
        self.stats = RequestStats()
        self._throttle = throttle.for_tenant(
            self.base_url,
            api_token,
            self.settings.requests_per_minute,
            self.settings.rate_limit_window,
        )
        self._http = httpx.Client(
            headers={
                "Authorization": f"Bearer {api_token}",
                "Accept": "application/json",
                "User-Agent": f"pulumi-ampeco/{__version__}",
            },
            timeout=httpx.Timeout(
                self.settings.read_timeout, connect=self.settings.connect_timeout
            ),
            limits=httpx.Limits(max_connections=16, max_keepalive_connections=8),
            transport=transport,
            follow_redirects=False,
        )

    @classmethod
    def from_config(cls, config: TenantConfig, **kwargs: Any) -> AmpecoClient:
        return cls(config.tenant_url, config.api_token, config.settings, **kwargs)

    def __repr__(self) -> str:
        return f"AmpecoClient(base_url={self.base_url!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> AmpecoClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # URLs --------------------------------------------------------------------------------

    def url(self, path: str) -> str:
        """An absolute URL for a resource path (``/locations/v2.0``), an API path
        (``/public-api/...``) or an absolute URL of this tenant (``links.next``)."""
        if path.startswith(("http://", "https://")):
            if _origin_key(path) != self._origin_key:
                where = urlsplit(path).netloc
                raise ApiError(
                    "GET",
                    path.split("?")[0],
                    None,
                    f"a link points outside the tenant ({where}); refusing to send the token there",
                )
            return path
        if path.startswith("/public-api/"):
            return self._origin + urlsplit(self.base_url).path.removesuffix("/public-api") + path
        if not path.startswith("/"):
            path = "/" + path
        return f"{self.base_url}/resources{path}"

    def _path_of(self, url: str) -> str:
        return urlsplit(url).path

    # the request loop --------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
    ) -> httpx.Response:
        """Send one request with retries; returns the successful response or raises.

        GET, PUT, PATCH and DELETE are retried on 429, 502/503/504 and network errors. A POST
        is retried only when it certainly did not reach the tenant (429, refused connection);
        use :meth:`create` for POSTs.
        """
        method = method.upper()
        ambiguous: _Ambiguous | None = None
        try:
            return self._send(method, path, params, json, self._deadline())
        except _Ambiguous as exc:
            ambiguous = exc
        # Raised outside the handler: no exception chain that could lead to the request.
        raise AmbiguousCreateError(
            method, self._path_of(self.url(path)), ambiguous.status, ambiguous.reason
        )

    def _deadline(self) -> float:
        return self._clock() + self.settings.retry_deadline

    def _send(
        self, method: str, path: str, params: Params | None, json: Any, deadline: float
    ) -> httpx.Response:
        url = self.url(path)
        api_path = self._path_of(url)
        query = httpx.QueryParams(encode_params(params)) if params else None
        attempt = 0
        while True:
            attempt += 1
            self._throttle.acquire()
            began = time.perf_counter()
            sent_at = self._clock()
            failure: httpx.TransportError | None = None
            try:
                response = self._http.request(method, url, params=query, json=json)
            except httpx.TransportError as exc:
                failure = exc
            self.stats.record(method, api_path)
            if failure is None or not isinstance(failure, NOT_SENT):
                write_tally.record(method, api_path)
            took = (time.perf_counter() - began) * 1000
            if failure is not None:
                reason = _describe_transport(failure)
                sent = not isinstance(failure, NOT_SENT)
                del failure  # holds the request (and its Authorization header)
                log.debug(
                    "%s %s -> %s after %.1f ms (attempt %d)",
                    method,
                    api_path,
                    reason,
                    took,
                    attempt,
                )
                if method == "POST" and sent:
                    raise _Ambiguous(None, reason, self._clock() - sent_at)
                wait = self._backoff(attempt)
                if self._may_retry(attempt, deadline, wait):
                    log.warning(
                        "%s %s: %s; retrying in %.1f s (attempt %d of %d)",
                        method,
                        api_path,
                        _retry_reason(reason),
                        wait,
                        attempt + 1,
                        self.settings.max_retries + 1,
                    )
                    self._sleep(wait)
                    continue
                raise TransportError(method, api_path, None, reason, attempts=attempt)
            status = response.status_code
            log.debug(
                "%s %s -> %d in %.1f ms (attempt %d)", method, api_path, status, took, attempt
            )
            self._throttle.observe(response.headers)
            if status < 300:
                return response
            if status < 400:
                target = response.headers.get("location", "?")
                raise ApiError(
                    method,
                    api_path,
                    status,
                    f"the tenant redirects to {target}; check ampeco:tenantUrl",
                )
            if method == "POST" and status >= 500:
                raise _Ambiguous(status, _message(response), self._clock() - sent_at)
            hinted = self._retry_after(response) if status == 429 else None
            if status in RETRY_STATUSES:
                wait = self._backoff(attempt) if hinted is None else hinted
                if self._may_retry(attempt, deadline, wait):
                    log.warning(
                        "%s %s: %s; retrying in %.1f s (attempt %d of %d)",
                        method,
                        api_path,
                        _status_reason(status),
                        wait,
                        attempt + 1,
                        self.settings.max_retries + 1,
                    )
                    self._sleep(wait)
                    continue
            raise _error(method, api_path, response, attempt, hinted)

    def _may_retry(self, attempt: int, deadline: float, wait: float) -> bool:
        return attempt <= self.settings.max_retries and self._clock() + wait <= deadline

    def _backoff(self, attempt: int) -> float:
        """Exponential back-off with full jitter, capped."""
        ceiling = min(self.settings.backoff_max, self.settings.backoff_base * 2 ** (attempt - 1))
        return self._random.uniform(ceiling / 2, ceiling)

    def _retry_after(self, response: httpx.Response) -> float | None:
        """Seconds to wait from ``Retry-After`` (seconds or HTTP date), else ``X-RateLimit-Reset``."""
        value = response.headers.get("retry-after", "").strip()
        if value:
            try:
                return max(0.0, float(value))
            except ValueError:
                pass
            try:
                moment = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError):
                moment = None
            if moment is not None:
                if moment.tzinfo is None:
                    moment = moment.replace(tzinfo=timezone.utc)
                return max(0.0, moment.timestamp() - time.time())
        reset = response.headers.get("x-ratelimit-reset", "").strip()
        try:
            return max(0.0, float(reset) - time.time()) if reset else None
        except ValueError:
            return None

    # the API -----------------------------------------------------------------------------

    def get(self, path: str, params: Params | None = None) -> Any:
        """Read one object (or any JSON answer), unwrapped from its envelope."""
        routed = route(path)
        if routed is not None and routed.id is not None:
            return routed.channel.get(self, routed.parents, routed.id)
        return unwrap(self.request("GET", path, params=params).json())

    def update(self, path: str, body: Mapping[str, Any], method: str = "PATCH") -> Any:
        """PATCH (partial) or PUT (whole object); returns the updated object."""
        routed = route(path)
        if routed is not None and routed.id is not None:
            return routed.channel.update(self, routed.parents, routed.id, body)
        return unwrap(self.request(method, path, json=dict(body)).json())

    def delete(self, path: str) -> bool:
        """Delete an object; ``False`` if it was already gone (a 404 is success here)."""
        routed = route(path)
        if routed is not None and routed.id is not None:
            return routed.channel.delete(self, routed.parents, routed.id)
        try:
            self.request("DELETE", path)
        except ApiError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def list(
        self,
        path: str,
        params: Params | None = None,
        *,
        per_page: int = 100,
        deadline: float | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every object of a listing, page after page.

        The next page is asked for with this call's own parameters plus the tenant's cursor
        (``meta.next_cursor``) or the next page number (``meta.current_page``/``last_page``);
        a ``links.next`` of this tenant is followed only when neither is given. A page seen
        twice, or more than ``MAX_PAGES``, is an error rather than an endless loop.
        """
        routed = route(path)
        if routed is not None and routed.id is None:
            yield from routed.channel.list(self, routed.parents)
            return
        base = {**(params or {}), "per_page": per_page}
        query: dict[str, Any] | None = dict(base)
        target: str = path
        seen: set[str] = set()
        deadline = self._deadline() if deadline is None else deadline
        for _ in range(MAX_PAGES):
            marker = f"{target}?{sorted(encode_params(query))}"
            if marker in seen:
                raise ApiError(
                    "GET",
                    self._path_of(self.url(path)),
                    None,
                    "the listing repeats a page; stopping instead of looping",
                )
            seen.add(marker)
            body = self._send("GET", target, query, None, deadline).json()
            data = body.get("data") if isinstance(body, dict) else body
            if isinstance(data, dict):  # a single object where a list was expected (D34)
                data = [data]
            yield from data or []
            meta = body.get("meta") if isinstance(body, dict) else None
            links = body.get("links") if isinstance(body, dict) else None
            meta = meta if isinstance(meta, dict) else {}
            following = (links or {}).get("next") if isinstance(links, dict) else None
            if not data:
                return
            if meta.get("next_cursor"):
                target, query = path, {**base, "cursor": meta["next_cursor"]}
            elif isinstance(meta.get("current_page"), int) and isinstance(
                meta.get("last_page"), int
            ):
                if meta["current_page"] >= meta["last_page"]:
                    return
                target, query = path, {**base, "page": meta["current_page"] + 1}
            elif following:
                target, query = str(following), None
            else:
                return
        raise ApiError(
            "GET",
            self._path_of(self.url(path)),
            None,
            f"the listing has more than {MAX_PAGES} pages; stopping",
        )

    def find(self, lookup: Lookup, deadline: float | None = None) -> builtins.list[dict[str, Any]]:
        """The objects a lookup matches."""
        return [
            o for o in self.list(lookup.path, lookup.params, deadline=deadline) if lookup.matches(o)
        ]

    def create(
        self,
        path: str,
        body: Mapping[str, Any],
        *,
        lookup: Lookup | Literal["auto"] | None = "auto",
        existing_ids: Iterable[Any] | None = None,
        suspicions: builtins.list[str] | None = None,
    ) -> Any:
        """POST a new object without ever creating it twice.

        When the answer is lost (a timeout or a dropped connection after the request left, or
        a 5xx), the tenant may or may not have created the object, and may still be working
        on it. The client then looks the object up by its key (``lookup``; by default the
        ``externalId`` or natural key of the collection, see :mod:`pulumi_ampeco.lookup`),
        at once and again after pauses (see :meth:`_pauses`): an object that matches the key
        and every plain field of the body, and that was not there before (``existing_ids``,
        or a listing taken before the POST when the key is not an ``externalId``), is the
        created one. None found: the POST is sent again, and once it succeeds a warning
        beginning with :data:`POSSIBLE_DUPLICATE` says what to look for, since the tenant may
        still carry out the lost one; the warning is also appended to ``suspicions``, for a
        caller that keeps it. Several: :class:`DuplicateObjectsError`. When it cannot
        look (no key, or the lookup fails) it raises :class:`AmbiguousCreateError` and never
        posts twice.
        """
        routed = route(path)
        if routed is not None and routed.id is None:
            return routed.channel.create(self, routed.parents, body)
        deadline = self._deadline()
        api_path = self._path_of(self.url(path))
        key = lookup_for(path, body) if lookup == "auto" else lookup
        if existing_ids is not None:
            known = set(existing_ids)
        elif key is not None and key.new_only:
            known = {o.get("id") for o in self.find(key, deadline)}
        else:
            known = set()
        unfound: builtins.list[tuple[_Ambiguous, float]] = []  # lost, and not found for so long
        tries = 0
        while True:
            tries += 1
            lost: _Ambiguous | None = None
            try:
                created = unwrap(self._send("POST", path, None, dict(body), deadline).json())
            except _Ambiguous as exc:
                lost = exc
            if lost is None:
                if unfound and key is not None:
                    self._possibly_twice(api_path, key, created, unfound, suspicions)
                return created
            if key is None:
                raise AmbiguousCreateError(
                    "POST",
                    api_path,
                    lost.status,
                    f"{lost.reason}; without a lookup key (e.g. externalId) there is no way to"
                    " tell whether it was created",
                    attempts=tries,
                )
            found, looked = self._look(key, body, known, api_path, lost, tries, deadline)
            if len(found) == 1:
                log.info(
                    "POST %s: the answer was lost (%s); found the created object %s by %s",
                    api_path,
                    lost.reason,
                    found[0].get("id"),
                    key.description,
                )
                if unfound:
                    self._possibly_twice(api_path, key, found[0], unfound, suspicions)
                return found[0]
            if len(found) > 1:
                raise DuplicateObjectsError(
                    "POST", api_path, key.description, [o.get("id") for o in found]
                )
            wait = self._backoff(tries)
            if not self._may_retry(tries, deadline, wait):
                # Looked long enough: nothing was created. Report what the tenant said.
                if lost.status is not None:
                    raise ServerError("POST", api_path, lost.status, lost.reason, attempts=tries)
                raise TransportError("POST", api_path, None, lost.reason, attempts=tries)
            unfound.append((lost, looked))
            log.warning(
                "POST %s: the answer was lost (%s) and no object with %s appeared in %.1f s;"
                " sending it again",
                api_path,
                lost.reason,
                key.description,
                looked,
            )
            self._sleep(wait)

    def _patience(self, lost: _Ambiguous) -> float:
        """How long to look for a lost create's object: as long as the lost answer took, and
        at least ``settle_time``. A tenant that needed 30 s to give up may need as long again
        to finish, so a slow tenant is given more time than a quick one."""
        return max(self.settings.settle_time, lost.elapsed)

    def _pauses(self, patience: float) -> builtins.list[float]:
        """The pauses between looks: ``settle_time``, then doubling (up to ``backoff_max``),
        until they add up to ``patience``."""
        step = total = self.settings.settle_time
        pauses = [step]
        while total < patience:
            step = min(max(step * 2, 0.5), max(self.settings.backoff_max, 0.5))
            pauses.append(min(step, patience - total))
            total += pauses[-1]
        return pauses

    def _look(
        self,
        key: Lookup,
        body: Mapping[str, Any],
        known: set[Any],
        api_path: str,
        lost: _Ambiguous,
        tries: int,
        deadline: float,
    ) -> tuple[builtins.list[dict[str, Any]], float]:
        """Objects the lost POST may have created, looked for at once and after each of
        :meth:`_pauses` until found; and the seconds spent pausing. The first pause is always
        made; the others end at the deadline, and when that cuts the looking short of its
        patience, :class:`AmbiguousCreateError`: the object may still appear, so neither
        sending again nor saying that nothing was made would be true."""
        found: builtins.list[dict[str, Any]] = []
        looked = 0.0
        patience = self._patience(lost)
        short = False  # the deadline cut a pause
        for number, pause in enumerate([0.0, *self._pauses(patience)]):
            left = deadline - self._clock()
            if number > 1 and pause > left:
                short = True
                pause = max(0.0, left)
                if not pause:
                    break
            if pause:
                self._sleep(pause)
                looked += pause
            failed: ApiError | None = None
            try:
                found = [
                    o
                    for o in self.find(key, deadline)
                    if o.get("id") not in known and same_fields(o, body)
                ]
            except ApiError as exc:
                failed = exc
            if failed is not None:
                raise AmbiguousCreateError(
                    "POST",
                    api_path,
                    lost.status,
                    f"{lost.reason}; looking for the object by {key.description} failed too"
                    f" ({failed})",
                    attempts=tries,
                )
            if found:
                break
        if short and not found:
            raise AmbiguousCreateError(
                "POST",
                api_path,
                lost.status,
                f"{lost.reason}; no object with {key.description} appeared in {looked:.1f} s,"
                f" short of the {patience:.1f} s the tenant may need (its answer took that"
                " long), and the retry deadline (retryDeadlineSeconds) has passed: it may"
                " still appear",
                attempts=tries,
            )
        return found, looked

    def _possibly_twice(
        self,
        api_path: str,
        key: Lookup,
        kept: Mapping[str, Any],
        unfound: builtins.list[tuple[_Ambiguous, float]],
        suspicions: builtins.list[str] | None,
    ) -> None:
        """Warn that a create sent again may have made a second object: what was lost, and
        how to find and remove the extra one."""
        lost, looked = unfound[0]
        again = "once more" if len(unfound) == 1 else f"{len(unfound)} more times"
        query = query_text(key.params)
        before = (
            " (objects with it that were there before this run are not duplicates)"
            if key.new_only
            else ""
        )
        message = (
            f"{POSSIBLE_DUPLICATE}POST {api_path}: the answer was lost ({lost.reason}) and no"
            f" object with {key.description} appeared in {looked:.1f} s, so the create was sent"
            f" {again}, and this run keeps the object it made, id {kept.get('id')}. If the"
            f" tenant carried out a lost one late, there are two: GET {api_path}"
            f"{f'?{query}' if query else ''} and delete each object with {key.description}"
            f" other than id {kept.get('id')}{before}"
        )
        log.warning("%s", message)
        if suspicions is not None:
            suspicions.append(message)


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase or f"HTTP {response.status_code}"
    if isinstance(body, dict) and isinstance(body.get("message"), str) and body["message"]:
        return str(body["message"])
    return response.reason_phrase or f"HTTP {response.status_code}"


def _error(
    method: str, path: str, response: httpx.Response, attempts: int, retry_after: float | None
) -> ApiError:
    status = response.status_code
    message = _message(response)
    if status == 422:
        try:
            errors = response.json().get("errors")
        except (ValueError, AttributeError):
            errors = None
        errors = errors if isinstance(errors, dict) else None
        return InvalidRequestError(method, path, status, message, errors=errors, attempts=attempts)
    if status == 429:
        return RateLimitedError(
            method, path, status, message, retry_after=retry_after, attempts=attempts
        )
    cls = STATUS_ERRORS.get(status)
    if cls is not None:
        return cls(method, path, status, message, attempts=attempts)
    if status >= 500:
        return ServerError(method, path, status, message, attempts=attempts)
    return ApiError(method, path, status, message, attempts=attempts)


def _origin_key(url: str) -> tuple[str, str, int]:
    """Scheme, host and port of a URL, as a browser would compare origins."""
    parsed = httpx.URL(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    return parsed.scheme, parsed.host.lower(), port


def _describe_transport(exc: httpx.TransportError) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _retry_reason(reason: str) -> str:
    """What a user should read for a transport failure (``_describe_transport``'s text)."""
    kind, _, detail = reason.partition(": ")
    text = detail.lower()
    if "refused" in text:
        return "tenant unreachable (connection refused)"
    if kind == "ConnectTimeout":
        return "tenant unreachable (timed out connecting)"
    if kind == "PoolTimeout":
        return "no free connection to the tenant (timed out)"
    if kind.endswith("Timeout"):
        return "no answer from the tenant (timed out)"
    if "name or service not known" in text or "nodename nor servname" in text:
        return "tenant unreachable (host name not found)"
    if kind == "ConnectError":
        return f"tenant unreachable ({detail or 'connection failed'})"
    return f"connection to the tenant lost ({detail or kind})"


def _status_reason(status: int) -> str:
    """What a user should read for a status that is retried."""
    if status == 429:
        return f"tenant rate limit reached (HTTP {status})"
    return f"tenant busy or unavailable (HTTP {status})"


def same_fields(obj: Mapping[str, Any], body: Mapping[str, Any]) -> bool:
    """The object carries every plain (string, number, boolean) value the body sent."""
    for key, sent in body.items():
        if isinstance(sent, (str, int, float, bool)) and key in obj:
            have = obj[key]
            if isinstance(sent, bool) or isinstance(have, bool):
                if have is not sent:
                    return False
            elif isinstance(sent, (int, float)) and isinstance(have, (int, float)):
                if float(have) != float(sent):
                    return False
            elif have != sent:
                return False
    return True
