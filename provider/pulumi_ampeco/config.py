"""Where the tenant URL, the token and the client's tuning come from.

Each setting is read from the stack config (``ampeco:<key>``) first and from the environment
(``AMPECO_<KEY>``) second. The table ``SETTINGS`` is the single source for both names, the
defaults and the configuration table of docs/configuration.md.
"""

from __future__ import annotations

import difflib
import math
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import ConfigurationError, UsageError

NAMESPACE = "ampeco"


def qualified(key: str, project: str) -> str:
    """A config key with its namespace: without one it is the project's, as with the CLI.
    (The offline engine has its own: a program under the CLI imports nothing of it.)"""
    return key if ":" in key else f"{project}:{key}"


DEFAULT_STACK = "dev"
"""The stack ``validate``, ``export`` and ``offline`` use when none is named."""


@dataclass(frozen=True)
class Setting:
    key: str  # stack config key without the namespace
    env: str
    default: Any
    parse: Callable[[str], Any]
    help: str

    @property
    def config_key(self) -> str:
        return f"{NAMESPACE}:{self.key}"


def _number(minimum: float, integer: bool = False) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        value: float = int(text) if integer else float(text)
        if not math.isfinite(value) or value < minimum:
            raise ValueError(f"must be a number >= {minimum:g}")
        return value

    return parse


def _ids(text: str) -> frozenset[int]:
    """``4001, 4002`` (or a JSON list, as ``pulumi config set --path`` writes one)."""
    parts = [p for p in re.split(r"[\s,\[\]]+", text) if p]
    if not all(p.isdigit() and len(p) <= 19 for p in parts):
        raise ValueError("expected object ids separated by commas, such as 4001,4002")
    return frozenset(int(p) for p in parts)


def _boolean(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ValueError("must be true or false")


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "tenantUrl",
        "AMPECO_TENANT_URL",
        None,
        str,
        "the tenant, e.g. `tenant.example.com` or `https://tenant.example.com/public-api`",
    ),
    Setting(
        "apiToken",
        "AMPECO_API_TOKEN",
        None,
        str,
        "API access token (set it with `pulumi config set --secret`)",
    ),
    Setting(
        "requestsPerMinute",
        "AMPECO_REQUESTS_PER_MINUTE",
        0,
        _number(0, integer=True),
        "client-side limit shared by all threads of a run; 0 = none (the client still slows"
        " down when the tenant's X-RateLimit-Remaining runs low)",
    ),
    Setting(
        "rateLimitWindowSeconds",
        "AMPECO_RATE_LIMIT_WINDOW_SECONDS",
        60.0,
        _number(0.001),
        "the window `requestsPerMinute` counts in (change only to match a tenant's window)",
    ),
    Setting(
        "maxRetries",
        "AMPECO_MAX_RETRIES",
        5,
        _number(0, integer=True),
        "retries after the first attempt, for 429, 502/503/504 and network errors",
    ),
    Setting(
        "retryDeadlineSeconds",
        "AMPECO_RETRY_DEADLINE_SECONDS",
        120.0,
        _number(0),
        "no retry starts after this many seconds since the first attempt",
    ),
    Setting(
        "connectTimeoutSeconds",
        "AMPECO_CONNECT_TIMEOUT_SECONDS",
        10.0,
        _number(0.001),
        "TCP/TLS connect timeout",
    ),
    Setting(
        "readTimeoutSeconds",
        "AMPECO_READ_TIMEOUT_SECONDS",
        60.0,
        _number(0.001),
        "time to wait for an answer",
    ),
    Setting(
        "allowInsecureHttp",
        "AMPECO_ALLOW_INSECURE_HTTP",
        False,
        _boolean,
        "allow plain http:// to a host that is not loopback (never for a real tenant)",
    ),
    Setting(
        "readCache",
        "AMPECO_READ_CACHE",
        True,
        _boolean,
        "read each collection once per operation (pages of 100) instead of object by object",
    ),
    Setting(
        "acceptedDuplicates",
        "AMPECO_ACCEPTED_DUPLICATES",
        frozenset(),
        _ids,
        "ids of objects (comma-separated) that share an `externalId` with an object the stack"
        " manages and may stay: the duplicate check passes over them",
    ),
    Setting(
        "defaultLocale",
        "AMPECO_DEFAULT_LOCALE",
        "en",
        str,
        "locale of a translated text given as a plain string instead of `{locale: text}`",
    ),
)
BY_KEY = {s.key: s for s in SETTINGS}


@dataclass(frozen=True)
class ClientSettings:
    """How the client talks to the tenant. Every field has a safe default."""

    requests_per_minute: int = 0
    rate_limit_window: float = 60.0
    max_retries: int = 5
    retry_deadline: float = 120.0
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    allow_insecure_http: bool = False
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    #: The first pause before looking again for an object whose create lost its answer, and
    #: the least time spent looking (more when the lost answer took longer).
    settle_time: float = 2.0


@dataclass(frozen=True)
class TenantConfig:
    """Everything needed to build a client: where, who, and how."""

    tenant_url: str
    api_token: str = field(repr=False)
    settings: ClientSettings = ClientSettings()

    def __repr__(self) -> str:
        return f"TenantConfig(tenant_url={self.tenant_url!r}, api_token='***')"


_FIELDS = {
    "requestsPerMinute": "requests_per_minute",
    "rateLimitWindowSeconds": "rate_limit_window",
    "maxRetries": "max_retries",
    "retryDeadlineSeconds": "retry_deadline",
    "connectTimeoutSeconds": "connect_timeout",
    "readTimeoutSeconds": "read_timeout",
    "allowInsecureHttp": "allow_insecure_http",
}


def _raw(setting: Setting, config: Mapping[str, str], env: Mapping[str, str]) -> str | None:
    for value in (config.get(setting.config_key), env.get(setting.env)):
        if value is not None and str(value).strip() != "":
            return str(value).strip()
    return None


def value(key: str, config: Mapping[str, str], env: Mapping[str, str] | None = None) -> Any:
    """One setting (by its key without namespace), parsed, or its default."""
    setting = BY_KEY[key]
    raw = _raw(setting, config, os.environ if env is None else env)
    if raw is None:
        return setting.default
    try:
        return setting.parse(raw)
    except ValueError as exc:
        raise ConfigurationError(
            f"{setting.config_key} (or {setting.env}) is {raw!r}: {exc}"
        ) from None


def load(
    config: Mapping[str, str] | None = None, env: Mapping[str, str] | None = None
) -> TenantConfig:
    """Read the tenant URL, the token and the settings; stack config wins over the environment.

    Raises :class:`ConfigurationError` naming the key and the variable to set.
    """
    config = config or {}
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = _raw(setting, config, env)
        if raw is None:
            values[setting.key] = setting.default
            continue
        try:
            values[setting.key] = setting.parse(raw)
        except ValueError as exc:
            shown = raw if setting.key != "apiToken" else "***"
            raise ConfigurationError(
                f"{setting.config_key} (or {setting.env}) is {shown!r}: {exc}"
            ) from None
    for key in ("tenantUrl", "apiToken"):
        if values[key] is None:
            setting = BY_KEY[key]
            secret = " --secret" if key == "apiToken" else ""
            raise ConfigurationError(
                f"{setting.config_key} is not set: run `pulumi config set{secret} "
                f"{setting.config_key} ...` or set {setting.env}"
            )
    settings = ClientSettings(**{_FIELDS[k]: values[k] for k in _FIELDS})
    return TenantConfig(values["tenantUrl"], values["apiToken"], settings)


def config_options(items: Iterable[str]) -> dict[str, str]:
    """``--config NS:KEY=VALUE`` options as config; raises :class:`UsageError` naming a bad one
    (by its key: the value may be a secret)."""
    values: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or ":" not in key:
            raise UsageError(f"--config {key!r}: expected NAMESPACE:KEY=VALUE")
        values[key] = value
    check_known(values)
    return values


def check_known(keys: Iterable[str]) -> None:
    """Refuse an ``ampeco:`` key that names no setting (a typo such as ``ampeco:apitoken``
    would otherwise be ignored, its value perhaps a secret written where it should not be)."""
    known = {s.config_key for s in SETTINGS}
    for key in keys:
        if key.startswith(f"{NAMESPACE}:") and key not in known:
            close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6) or [
                k for k in known if k.lower() == key.lower()
            ]
            hint = (
                f"; did you mean {close[0]}?"
                if close
                else f" (settings: {', '.join(sorted(known))})"
            )
            raise UsageError(f"{key} is not a setting{hint}")


def settings_table() -> str:
    """The configuration table in Markdown (kept in docs/configuration.md)."""
    rows = ["| stack config | environment | default | meaning |", "|---|---|---|---|"]
    for s in SETTINGS:
        default = "—" if s.default in (None, frozenset()) else f"`{str(s.default).lower()}`"
        rows.append(f"| `{s.config_key}` | `{s.env}` | {default} | {s.help} |")
    return "\n".join(rows)
