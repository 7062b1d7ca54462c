"""Fault injection: make chosen requests fail, slow down, or succeed without an answer."""

from __future__ import annotations

import importlib
import random
import re
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

#: Statuses a fault may answer with.
FAULT_STATUSES = frozenset({409, 422, 429, 500, 502, 503, 504})


#: The fields a rule may have, with the JSON types each accepts.
FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "method": (str,),
    "path": (str,),
    "status": (int,),
    "ghost": (bool,),
    "drop": (bool,),
    "latency_ms": (int,),
    "count": (int,),
    "fraction": (int, float),
    "retry_after": (int,),
    "late_ms": (int,),
}


try:  # the parser behind `re` (to look inside a pattern before it is used)
    re_parser: Any = importlib.import_module("re._parser")
except ImportError:  # Python 3.10
    re_parser = importlib.import_module("sre_parse")

#: Upper bounds that keep a rule from wedging the simulator: waits up to a minute, counts and
#: Retry-After within reason, and a path pattern short and free of nested repetition (``(a+)+``
#: can take minutes on one path: Python's regular expressions have no timeout).
MAX_WAIT_MS = 60_000
MAX_COUNT = 1_000_000
MAX_RETRY_AFTER = 3600
MAX_PATTERN = 300
MAX_UNBOUNDED = 2


class FaultError(ValueError):
    """A fault rule that cannot be used; the message says which field is wrong."""


@dataclass
class Fault:
    """One rule. It matches requests by method and path (a regular expression, searched).

    What happens to a matched request, after ``latency_ms``:

    * ``status``: answered with that error status before anything is done — or, with
      ``late_ms``, answered at once while the request is still carried out that much later
      (a gateway that gives up on a tenant that keeps working);
    * ``ghost``: carried out and committed, then the connection is dropped unanswered;
    * ``drop``: the connection is dropped before anything is done;
    * none of these: only the latency applies.

    ``count`` limits how many requests the rule hits (``None``: no limit); ``fraction`` is the
    chance that a matching request is hit.
    """

    method: str | None = None
    path: str | None = None
    status: int | None = None
    ghost: bool = False
    drop: bool = False
    latency_ms: int = 0
    count: int | None = None
    fraction: float = 1.0
    retry_after: int | None = None
    late_ms: int | None = None
    id: int = 0
    hits: int = 0
    _pattern: re.Pattern[str] | None = field(default=None, repr=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fault:
        unknown = set(data) - set(FIELD_TYPES)
        if unknown:
            raise FaultError(f"unknown fault field(s): {', '.join(sorted(unknown))}")
        types = FIELD_TYPES
        for name, value in data.items():
            wrong_bool = isinstance(value, bool) and bool not in types[name]
            if value is not None and (not isinstance(value, types[name]) or wrong_bool):
                raise FaultError(f"{name} has the wrong type: {value!r}")
        fault = cls(**data)
        if fault.method is not None:
            fault.method = fault.method.upper()
        if fault.status is not None and fault.status not in FAULT_STATUSES:
            raise FaultError(f"status must be one of {sorted(FAULT_STATUSES)}")
        if sum([fault.status is not None, fault.ghost, fault.drop]) > 1:
            raise FaultError("choose at most one of status, ghost and drop")
        if not 0.0 < fault.fraction <= 1.0:
            raise FaultError("fraction must be in (0, 1]")
        if fault.count is not None and fault.count < 1:
            raise FaultError("count must be at least 1")
        if fault.count is not None and fault.count > MAX_COUNT:
            raise FaultError(f"count must be at most {MAX_COUNT}")
        if not 0 <= fault.latency_ms <= MAX_WAIT_MS:
            raise FaultError(f"latency_ms must be between 0 and {MAX_WAIT_MS}")
        if fault.late_ms is not None and (
            fault.status is None or not 0 <= fault.late_ms <= MAX_WAIT_MS
        ):
            raise FaultError(f"late_ms goes with a status and must be between 0 and {MAX_WAIT_MS}")
        if fault.retry_after is not None and not 0 <= fault.retry_after <= MAX_RETRY_AFTER:
            raise FaultError(f"retry_after must be between 0 and {MAX_RETRY_AFTER}")
        fault._pattern = _pattern(fault.path) if fault.path else None
        return fault

    @classmethod
    def parse(cls, text: str) -> Fault:
        """The command-line form: ``key=value`` pairs, e.g. ``method=POST status=503 count=2``."""
        numbers = {
            "status": int,
            "latency_ms": int,
            "count": int,
            "retry_after": int,
            "late_ms": int,
            "fraction": float,
        }
        data: dict[str, Any] = {}
        for part in text.split():
            key, sep, value = part.partition("=")
            if not sep:
                raise FaultError(f"expected key=value, got {part!r}")
            if key in numbers:
                try:
                    data[key] = numbers[key](value)
                except ValueError:
                    raise FaultError(f"{key} must be a number, got {value!r}") from None
            elif key in ("ghost", "drop"):
                data[key] = value.lower() in ("1", "true", "yes")
            else:
                data[key] = value
        return cls.from_dict(data)

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method:
            return False
        return self._pattern is None or self._pattern.search(path) is not None

    def describe(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("_pattern", None)
        return out


def _pattern(path: str) -> re.Pattern[str]:
    if len(path) > MAX_PATTERN:
        raise FaultError(f"path must be at most {MAX_PATTERN} characters")
    try:
        parsed = re_parser.parse(path)
        compiled = re.compile(path)
    except (re.error, RecursionError, OverflowError) as exc:
        raise FaultError(f"path is not a valid regular expression: {exc}") from exc
    unbounded = [0]
    if _risky(parsed, inside=False, unbounded=unbounded) or unbounded[0] > MAX_UNBOUNDED:
        raise FaultError(
            "path has a repetition inside a repetition (like `(a+)+` or `(a|b)*`) or more"
            f" than {MAX_UNBOUNDED} unbounded repetitions (`*`, `+`), which can take minutes"
            " to match; write it more simply"
        )
    return compiled


def _risky(pattern: Any, *, inside: bool, unbounded: list[int]) -> bool:
    """Whether a parsed pattern repeats something that can match in more than one way (a
    repetition or an alternation inside a repetition); counts unbounded repetitions."""
    for op, argument in pattern:
        name = str(op)
        if name.endswith("_REPEAT"):
            _low, high, body = argument
            if high > 1 and inside:
                return True
            if high == re_parser.MAXREPEAT:
                unbounded[0] += 1
            if _risky(body, inside=inside or high > 1, unbounded=unbounded):
                return True
        elif (name == "BRANCH" and inside) or any(
            _risky(c, inside=inside, unbounded=unbounded) for c in _patterns(argument)
        ):
            return True
    return False


def _patterns(argument: Any) -> list[Any]:
    """The sub-patterns inside an item's argument (groups, branches, assertions, …)."""
    if isinstance(argument, re_parser.SubPattern):
        return [argument]
    if isinstance(argument, (tuple, list)):
        return [p for item in argument for p in _patterns(item)]
    return []


class Faults:
    """The active rules; thread-safe. The first rule that hits a request decides."""

    def __init__(self, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._rules: list[Fault] = []
        self._next_id = 1
        self._random = random.Random(seed)

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            fault.id = self._next_id
            self._next_id += 1
            self._rules.append(fault)
            return fault

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.describe() for f in self._rules]

    def take(self, method: str, path: str) -> Fault | None:
        with self._lock:
            rules = list(self._rules)
        # Matched outside the lock: a slow pattern delays its own request, not every other.
        matching = [fault for fault in rules if fault.matches(method, path)]
        with self._lock:
            for fault in matching:
                if fault not in self._rules:
                    continue  # cleared meanwhile
                if fault.count is not None and fault.hits >= fault.count:
                    continue
                if fault.fraction < 1.0 and self._random.random() >= fault.fraction:
                    continue
                fault.hits += 1
                return fault
            return None
