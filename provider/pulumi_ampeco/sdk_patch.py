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

Both replace the SDK's functions only for the exact version they were written against
(:data:`FOR_VERSION`), when a program imports the resource classes; set ``AMPECO_SDK_PATCH=off``
to keep the SDK's own.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
from importlib.metadata import version

from pulumi import _types
from pulumi.runtime import settings, stack

FOR_VERSION = "3.272.0"
SWITCH = "AMPECO_SDK_PATCH"

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


def apply() -> bool:
    """Install :func:`wait_for_rpcs` and :func:`resource_types` in the SDK if its version is
    the one they were written for and ``AMPECO_SDK_PATCH`` does not say ``off``; whether they
    are installed."""
    if os.environ.get(SWITCH, "").strip().lower() in ("off", "0", "false", "no"):
        stack.wait_for_rpcs = _original
        _types.resource_types = _original_resource_types
        return False
    found = version("pulumi")
    if found != FOR_VERSION:
        _log.debug("pulumi %s is not %s: its own functions are kept", found, FOR_VERSION)
        return False
    stack.wait_for_rpcs = wait_for_rpcs
    _types.resource_types = resource_types
    return True
