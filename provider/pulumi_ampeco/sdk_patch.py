"""A linear wait for a program's outstanding outputs, in place of the Pulumi SDK's quadratic one.

After the program returns, ``pulumi.runtime.stack.wait_for_rpcs`` waits for every output still
pending. Pulumi 3.272.0 does it by calling ``asyncio.wait(all pending, FIRST_COMPLETED)`` again
each time one of them completes: every call registers a callback on every pending output and
removes it again, so a program with n resources does on the order of n² of that work. At a few
thousand resources the wait dominates a no-op preview (minutes of CPU in the program's
process, with the Pulumi CLI as with the offline engine).

:func:`wait_for_rpcs` below keeps the meaning: every RPC and every output is awaited, outputs
created while waiting included, and the first failure is raised as soon as it happens. It
registers one callback per output instead of one per output per completion.

It replaces the SDK's function only for the exact version it was written against
(:data:`FOR_VERSION`), when a program imports the resource classes; set ``AMPECO_SDK_PATCH=off``
to keep the SDK's own.
"""

from __future__ import annotations

import asyncio
import logging
import os
from importlib.metadata import version

from pulumi.runtime import settings, stack

FOR_VERSION = "3.272.0"
SWITCH = "AMPECO_SDK_PATCH"

_log = logging.getLogger(__name__)
_original = stack.wait_for_rpcs


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


def apply() -> bool:
    """Install :func:`wait_for_rpcs` in the SDK if its version is the one it was written for
    and ``AMPECO_SDK_PATCH`` does not say ``off``; whether it is installed."""
    if os.environ.get(SWITCH, "").strip().lower() in ("off", "0", "false", "no"):
        stack.wait_for_rpcs = _original
        return False
    found = version("pulumi")
    if found != FOR_VERSION:
        _log.debug("pulumi %s is not %s: its own wait_for_rpcs is kept", found, FOR_VERSION)
        return False
    stack.wait_for_rpcs = wait_for_rpcs
    return True
