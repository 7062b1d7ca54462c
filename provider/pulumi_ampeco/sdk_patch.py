"""Two corrections to the Pulumi SDK's per-resource cost in a program's own process.

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

Each replaces the SDK's function only where that function is the one it was written against:
the syntax tree of the SDK's own function must have the digest recorded in :data:`KNOWN`
(taken from pulumi 3.272.0). Any SDK release that leaves the function as it was gets the
correction; one that changes it keeps its own. They are installed when a program imports the
resource classes; set ``AMPECO_SDK_PATCH=off`` to keep the SDK's own.
"""

from __future__ import annotations

import ast
import asyncio
import functools
import hashlib
import inspect
import logging
import os
import textwrap
from collections.abc import Callable
from typing import Any

from pulumi import _types
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
    """Install :func:`wait_for_rpcs` and :func:`resource_types` in the SDK, each where the
    SDK's own function is the one it was written against, unless ``AMPECO_SDK_PATCH`` says
    ``off``; whether both are installed."""
    fits = {name: False for name in KNOWN}
    if os.environ.get(SWITCH, "").strip().lower() not in ("off", "0", "false", "no"):
        fits = _fits()
    for name, fit in fits.items():
        if not fit:
            _log.debug("the SDK's %s is not the one corrected here: it is kept", name)
    stack.wait_for_rpcs = wait_for_rpcs if fits["wait_for_rpcs"] else _original
    _types.resource_types = resource_types if fits["resource_types"] else _original_resource_types
    return all(fits.values())
