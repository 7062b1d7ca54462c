"""Property values as the engine sees them: wire round-trips, secrets, unknowns, paths.

Inside the offline engine a property bag is what ``rpc.deserialize_properties(...,
keep_unknowns=True)`` returns: plain JSON-like values, secrets as the SDK's wire wrapper
(``{sig: secret-sig, "value": v}``, lifted to the top-level property) and unknowns as
``pulumi.output.Unknown`` objects. Everything that crosses a process boundary goes through the
SDK's own protobuf ``Struct`` serialization, so numbers become floats and ``None`` keys vanish
exactly as with the real engine.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import threading
from collections.abc import Callable, Mapping
from typing import Any, Final

from google.protobuf import struct_pb2  # type: ignore[import-untyped]
from pulumi.output import Unknown
from pulumi.runtime import rpc

Props = dict[str, Any]
SECRET_SIG_KEY: Final = "4dabf18193072939515e22adb298388d"
SECRET_SIG: Final = "1b47061264138c4ac30d75fd1eb44270"


class _UnknownValue:
    """The type of :data:`UNKNOWN`; a singleton so tests can compare with ``is``/``==``."""

    _instance: _UnknownValue | None = None

    def __new__(cls) -> _UnknownValue:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __reduce__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = _UnknownValue()
"""Stands for a value that is not known yet (a preview's server-computed outputs)."""


class _Loop:
    """An event loop for the SDK's serializer, closed with its owner."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()

    def __del__(self) -> None:
        self.loop.close()


_PER_THREAD = threading.local()
"""Each thread's own :class:`_Loop` (dropped, so closed, when the thread ends): making a loop
costs a socket pair and a selector, as much again as serializing one resource's inputs."""


def to_struct(props: Mapping[str, Any]) -> struct_pb2.Struct:
    """Serialize a property bag with the SDK's own serializer, on this thread's own loop (safe
    on any thread that is not running a loop)."""
    holder: _Loop | None = getattr(_PER_THREAD, "holder", None)
    if holder is None:
        holder = _PER_THREAD.holder = _Loop()
    return holder.loop.run_until_complete(rpc.serialize_properties(dict(props), {}))


def from_struct(struct: struct_pb2.Struct) -> Props:
    """Deserialize a property bag keeping unknowns, as the engine does."""
    result = rpc.deserialize_properties(struct, keep_unknowns=True)
    return dict(result) if isinstance(result, dict) else {}


def round_trip(props: Mapping[str, Any]) -> Props:
    """What survives one trip over the wire."""
    return from_struct(to_struct(props))


def is_secret(value: Any) -> bool:
    return rpc.is_rpc_secret(value)


def make_secret(value: Any) -> Any:
    return rpc.wrap_rpc_secret(value)


def each(value: Any, function: Callable[[Any], Any]) -> Any:
    """``function`` applied to every item of a dict or list (the container rebuilt); any other
    value as it is. The recursive conversions below share it."""
    if isinstance(value, dict):
        return {k: function(v) for k, v in value.items()}
    if isinstance(value, list):
        return [function(v) for v in value]
    return value


def reveal(value: Any) -> Any:
    """Remove every secret marker, recursively (what a provider that does not accept secrets
    receives)."""
    if rpc.is_rpc_secret(value):
        return reveal(rpc.unwrap_rpc_secret(value))
    return each(value, reveal)


def reveal_props(props: Mapping[str, Any]) -> Props:
    return {k: reveal(v) for k, v in props.items()}


def annotate_secrets(outs: Mapping[str, Any], ins: Mapping[str, Any], extra: list[str]) -> Props:
    """Re-mark outputs as secret: a top-level output whose input of the same name was secret,
    and every name in ``additionalSecretOutputs`` (the engine's ``annotateSecrets``)."""
    result: Props = {}
    for key, value in outs.items():
        if not is_secret(value) and (is_secret(ins.get(key)) or key in extra):
            value = make_secret(value)
        result[key] = value
    return result


def contains_unknowns(value: Any) -> bool:
    if isinstance(value, Unknown):
        return True
    if isinstance(value, dict):
        return any(contains_unknowns(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknowns(v) for v in value)
    return False


def to_plain(value: Any) -> Any:
    """A value for test assertions: secrets revealed, unknowns as :data:`UNKNOWN`."""
    if isinstance(value, Unknown):
        return UNKNOWN
    if rpc.is_rpc_secret(value):
        return to_plain(rpc.unwrap_rpc_secret(value))
    return each(value, to_plain)


def to_display(value: Any) -> Any:
    """A value for a :class:`~ampeco_engine.Step`: like :func:`to_plain`, but a secret
    keeps its marker (so a printer can mask it) instead of being revealed."""
    if isinstance(value, Unknown):
        return UNKNOWN
    if rpc.is_rpc_secret(value):
        return make_secret(to_display(rpc.unwrap_rpc_secret(value)))
    return each(value, to_display)


def values_equal(old: Any, new: Any) -> bool:
    """Deep equality ignoring secretness; an unknown is never equal to anything."""
    old, new = reveal(old), reveal(new)
    if contains_unknowns(old) or contains_unknowns(new):
        return False
    return bool(old == new)


def changed_paths(
    old: Any, new: Any, prefix: tuple[str | int, ...] = ()
) -> list[tuple[str | int, ...]]:
    """Leaf paths whose values differ (the engine's detailed input diff)."""
    old, new = reveal(old), reveal(new)
    if isinstance(old, dict) and isinstance(new, dict):
        paths: list[tuple[str | int, ...]] = []
        for key in sorted(set(old) | set(new)):
            if key not in old or key not in new:
                paths.append((*prefix, key))
            else:
                paths.extend(changed_paths(old[key], new[key], (*prefix, key)))
        return paths
    if isinstance(old, list) and isinstance(new, list):
        paths = []
        for index in range(max(len(old), len(new))):
            if index >= len(old) or index >= len(new):
                paths.append((*prefix, index))  # an element added or removed
            else:
                paths.extend(changed_paths(old[index], new[index], (*prefix, index)))
        return paths
    return [] if values_equal(old, new) else [prefix]


def changed_keys(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Sorted top-level names whose values differ (missing and absent are the same)."""
    return sorted(k for k in set(old) | set(new) if not values_equal(old.get(k), new.get(k)))


# --- property paths (ignoreChanges / replaceOnChanges) ---------------------------------------

_PATH_TOKEN = re.compile(r'\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]|\[\*\]|\.?([^.\[\]]+)')

Path = tuple[str | int, ...]


def parse_path(text: str) -> Path:
    """Parse ``a.b[0]["c.d"]`` / ``a[*]`` into segments (``"*"`` is a wildcard)."""
    segments: list[str | int] = []
    position = 0
    while position < len(text):
        match = _PATH_TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ValueError(f"invalid property path {text!r}")
        index, quoted, name = match.groups()
        if index is not None:
            segments.append(int(index))
        elif quoted is not None:
            segments.append(json.loads(f'"{quoted}"'))
        elif name is not None:
            segments.append(name)
        else:
            segments.append("*")
        position = match.end()
    if not segments:
        raise ValueError("empty property path")
    return tuple(segments)


def path_contains(pattern: Path, path: Path) -> bool:
    """The engine's ``PropertyPath.Contains``: ``pattern`` is a prefix of ``path``."""
    if len(pattern) > len(path):
        return False
    return all(p == "*" or p == q for p, q in zip(pattern, path[: len(pattern)], strict=True))


def _unwrap(value: Any) -> tuple[Any, bool]:
    secret = False
    while rpc.is_rpc_secret(value):
        value, secret = rpc.unwrap_rpc_secret(value), True
    return value, secret


def reset_path(path: Path, old: Props, new: Props) -> bool:
    """The engine's ``PropertyPath.Reset``: put ``old``'s value at ``path`` into ``new`` (or
    remove it from ``new`` when ``old`` has none), in place. False means a path error."""
    return _reset(path, old, new, False, False)


def _reset(path: Path, old: Any, new: Any, old_secret: bool, new_secret: bool) -> bool:
    # A port of PropertyPath.reset from pulumi/sdk/go/common/resource/properties_path.go.
    if not path:
        return False
    old, secret = _unwrap(old)
    old_secret = old_secret or secret
    new, secret = _unwrap(new)
    new_secret = new_secret or secret

    def carry(value: Any) -> Any:
        return make_secret(value) if old_secret and not new_secret else value

    key, rest = path[0], path[1:]
    if isinstance(key, int):
        if key < 0:
            return False
        old_list, new_list = isinstance(old, list), isinstance(new, list)
        if not rest:
            if not old_list and not new_list:
                return True
            if not old_list or not new_list:
                return False
            if key >= len(old) and key >= len(new):
                return True
            if key >= len(old) or key >= len(new):
                return False
            new[key] = carry(old[key])
            return True
        if not old_list or not new_list:
            return not old_list and not new_list
        if key >= len(old) or key >= len(new):
            return False
        return _reset(rest, old[key], new[key], old_secret, new_secret)

    if key == "*":
        if not rest:
            if isinstance(new, dict):
                if isinstance(old, dict):
                    for name, value in old.items():
                        new[name] = carry(value)
                    for name in [n for n in new if n not in old]:
                        del new[name]
                return True
            if isinstance(new, list):
                if isinstance(old, list):
                    if len(old) != len(new):
                        return False
                    new[:] = [carry(value) for value in old]
                return True
            return False
        if isinstance(old, dict) and isinstance(new, dict):
            return all(
                name in new and _reset(rest, old[name], new[name], old_secret, new_secret)
                for name in old
            )
        if isinstance(old, list) and isinstance(new, list):
            return len(old) == len(new) and all(
                _reset(rest, a, b, old_secret, new_secret) for a, b in zip(old, new, strict=True)
            )
        return False

    if not rest:
        if isinstance(old, dict) and key in old:
            if not isinstance(new, dict):
                return False
            new[key] = carry(old[key])
        elif isinstance(new, dict):
            new.pop(key, None)
        return True
    if not isinstance(old, dict) or not isinstance(new, dict):
        return not isinstance(old, dict) and not isinstance(new, dict)
    if key in old and key not in new:
        return False
    if key not in old and key not in new:
        return True
    return _reset(rest, old.get(key), new[key], old_secret, new_secret)


# --- state-file encoding ---------------------------------------------------------------------


SECRET_ENCODING: Final = "base64"
"""The key of a secret's encoded value in the state file. It is an encoding, not encryption;
files written before it was named so use ``ciphertext``, which is still read."""
_OLD_SECRET_ENCODING: Final = "ciphertext"


def encode_for_state(value: Any) -> Any:
    """JSON form of a value: a secret becomes ``{sig: secret-sig, "base64": base64(json)}``
    (an encoding, not encryption) so that grepping the file for a secret fails, like grepping
    ``pulumi stack export``."""
    if isinstance(value, Unknown):
        raise ValueError("unknown values cannot be stored in state")
    if rpc.is_rpc_secret(value):
        plain = json.dumps(encode_for_state(rpc.unwrap_rpc_secret(value)), sort_keys=True)
        return {
            SECRET_SIG_KEY: SECRET_SIG,
            SECRET_ENCODING: base64.b64encode(plain.encode()).decode(),
        }
    return each(value, encode_for_state)


def decode_from_state(value: Any) -> Any:
    """The engine's value of a state-file JSON value; a secret that does not decode raises
    ``ValueError`` saying so."""
    if isinstance(value, dict) and value.get(SECRET_SIG_KEY) == SECRET_SIG:
        encoded = value.get(SECRET_ENCODING, value.get(_OLD_SECRET_ENCODING))
        try:
            if not isinstance(encoded, str):
                raise TypeError
            plain = json.loads(base64.b64decode(encoded, validate=True).decode())
        except (TypeError, ValueError):  # binascii.Error and JSON errors are ValueErrors
            raise ValueError(
                f"a secret whose {SECRET_ENCODING!r} is not the base64 of a JSON value"
            ) from None
        return make_secret(decode_from_state(plain))
    return each(value, decode_from_state)


def show_secrets(value: Any) -> Any:
    """A state-file JSON value with every encoded secret replaced by its plaintext."""
    return to_plain(decode_from_state(value))
