"""Three corrections to the Pulumi SDK in a program's own process.

**A linear wait for the program's outstanding outputs, in place of the SDK's quadratic one.**

After the program returns, ``pulumi.runtime.stack.wait_for_rpcs`` waits for every output still
pending. Pulumi 3.272.0 does it by calling ``asyncio.wait(all pending, FIRST_COMPLETED)`` again
each time one of them completes: every call registers a callback on every pending output and
removes it again, so a program with n resources does on the order of n² of that work. At a few
thousand resources the wait dominates a no-op preview (minutes of CPU in the program's
process, with the Pulumi CLI as with the offline engine).

:func:`wait_for_rpcs` below keeps the meaning: every RPC and every output is awaited, outputs
created while waiting included, and the first failure is raised as soon as it happens. It
registers one callback per output instead of one per output per completion.

**The output types of a resource class, worked out once per class.** Each time a resource's
outputs arrive, ``pulumi._types.resource_types`` evaluates the class's annotations anew
(``typing.get_type_hints``: string annotations compiled and evaluated, every time): about a
seventh of a no-op preview's CPU in the program's process. :func:`resource_types` keeps the
answer per class; a class's annotations do not change once it is defined.

**Any number of dynamic resources.** ``pulumi.dynamic.dynamic.serialize_provider`` (called for
every dynamic resource a program declares, ours or a provider of its own) installs a sorting
wrapper around ``pickle._Pickler._batch_setitems`` and never puts the method back, so every
call wraps the previous wrapper once more. Once a provider whose pickle holds a dict (one
defined in ``__main__``, pickled by value) is serialized after about 300 dynamic resources, the
nested wrappers exceed Python's recursion limit and the program fails with ``RecursionError``,
under the Pulumi CLI as under the offline engine. A program that imports pulumi-ampeco gets
the correction at once (``pulumi_ampeco/__init__.py``), before it declares anything.
:func:`serialize_provider` calls the SDK's and puts the method back after it: the result is the
same, the nesting stays at one level. It is safe with any SDK (where the SDK restores the
method itself, putting it back changes nothing), so neither a digest nor ``AMPECO_SDK_PATCH``
turns it off.

The first two replace the SDK's function only where that function is the one it was written
against: the syntax tree of the SDK's own function must have the digest recorded in
:data:`KNOWN` (taken from pulumi 3.272.0). Any SDK release that leaves the function as it was
gets the correction; one that changes it keeps its own; ``AMPECO_SDK_PATCH=off`` keeps the
SDK's own. All three are installed when a program imports the resource classes.
"""

from __future__ import annotations

import ast
import asyncio
import functools
import hashlib
import inspect
import logging
import os
import pickle
import textwrap
from collections.abc import Callable
from typing import Any

from pulumi import _types
from pulumi.dynamic import dynamic
from pulumi.runtime import settings, stack

SWITCH = "AMPECO_SDK_PATCH"

#: The digest (:func:`fingerprint`) of each SDK function replaced here, as pulumi 3.272.0 has it.
KNOWN = {
    "wait_for_rpcs": "ec0ed2d83ddece13",
    "resource_types": "340fef0b45b22931",
}

_log = logging.getLogger(__name__)
_original = stack.wait_for_rpcs
_original_resource_types = _types.resource_types
_original_serialize_provider = dynamic.serialize_provider
#: The pickler method the SDK's serialize_provider wraps without putting it back.
_BATCH_SETITEMS = "_batch_setitems"


async def _await_rpcs() -> None:
    """Every RPC the program queued, re-raising the original error of a failed one."""
    manager = settings._get_rpc_manager()
    while manager.rpcs:
        await asyncio.sleep(0)  # let the RPCs just queued start
        try:
            await manager.rpcs.pop()
        except Exception as error:
            if manager.unhandled_exception is not None:
                cause = manager.unhandled_exception.with_traceback(manager.exception_traceback)
                raise error from cause
            raise
    if manager.unhandled_exception is not None:
        raise manager.unhandled_exception.with_traceback(manager.exception_traceback)


async def _await_outputs() -> None:
    """Every tracked output, in the order they complete; outputs that appear meanwhile join."""
    done: asyncio.Queue[asyncio.Future[object]] = asyncio.Queue()
    waiting = 0

    def take_new() -> int:
        with settings.SETTINGS.lock:
            fresh = list(settings.SETTINGS.outputs)
            settings.SETTINGS.outputs.clear()
        for future in fresh:
            future.add_done_callback(done.put_nowait)
        return len(fresh)

    waiting = take_new()
    while waiting:
        future = await done.get()
        waiting -= 1
        await future  # raises its error, as the SDK's loop does
        waiting += take_new()


async def wait_for_rpcs(await_all_outstanding_tasks: bool = True) -> None:
    """The SDK's ``wait_for_rpcs`` in linear time (see the module's docstring)."""
    manager = settings._get_rpc_manager()
    while True:
        await _await_rpcs()
        if await_all_outstanding_tasks:
            await _await_outputs()
        if not manager.rpcs:
            return


@functools.cache
def _types_of(resource_cls: type) -> dict[str, type]:
    return _original_resource_types(resource_cls)


def resource_types(resource_cls: type) -> dict[str, type]:
    """The SDK's ``resource_types``, worked out once per class (a copy: callers own it)."""
    return dict(_types_of(resource_cls))


def serialize_provider(provider: Any) -> str:
    """The SDK's ``serialize_provider``, with ``pickle._Pickler._batch_setitems`` put back after
    it (see the module's docstring)."""
    saved = pickle._Pickler.__dict__.get(_BATCH_SETITEMS)
    try:
        value: str = _original_serialize_provider(provider)
    finally:
        if saved is not None:
            setattr(pickle._Pickler, _BATCH_SETITEMS, saved)
    return value


def fingerprint(function: Callable[..., Any]) -> str | None:
    """A digest of ``function``'s syntax tree (its name, layout and comments do not count), or
    ``None`` when its source cannot be read."""
    try:
        source = textwrap.dedent(inspect.getsource(function))
    except (OSError, TypeError):
        return None
    node = ast.parse(source).body[0]
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        node.name = ""  # what it does, not what it is called
    return hashlib.sha256(ast.dump(node).encode()).hexdigest()[:16]


def _fits() -> dict[str, bool]:
    """Which corrections this SDK takes: its function is the one written against, and the
    settings the linear wait reads are there."""
    settings_there = all(
        hasattr(settings.SETTINGS, name) for name in ("outputs", "lock")
    ) and hasattr(settings, "_get_rpc_manager")
    return {
        "wait_for_rpcs": fingerprint(_original) == KNOWN["wait_for_rpcs"] and settings_there,
        "resource_types": fingerprint(_original_resource_types) == KNOWN["resource_types"],
    }


def apply() -> bool:
    """Install :func:`serialize_provider` (a correctness fix, always), and, unless
    ``AMPECO_SDK_PATCH`` says ``off``, :func:`wait_for_rpcs` and :func:`resource_types`, each
    where the SDK's own function is the one it was written against; whether those two are
    installed."""
    dynamic.serialize_provider = serialize_provider
    fits = {name: False for name in KNOWN}
    if os.environ.get(SWITCH, "").strip().lower() not in ("off", "0", "false", "no"):
        fits = _fits()
    for name, fit in fits.items():
        if not fit:
            _log.debug("the SDK's %s is not the one corrected here: it is kept", name)
    stack.wait_for_rpcs = wait_for_rpcs if fits["wait_for_rpcs"] else _original
    _types.resource_types = resource_types if fits["resource_types"] else _original_resource_types
    return all(fits.values())
