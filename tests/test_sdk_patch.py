"""The SDK corrections of ``pulumi_ampeco.sdk_patch`` keep the SDK's meaning: every output is
awaited, late ones included, and the first failure surfaces as it happens; a resource class's
output types are the SDK's own, worked out once."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable, Coroutine
from types import SimpleNamespace
from typing import Any

import pytest
from pulumi import _types
from pulumi.runtime import settings, stack

from pulumi_ampeco import resources, sdk_patch
from pulumi_ampeco.kinds import KINDS

pytestmark = pytest.mark.quick

Wait = Callable[[], Coroutine[Any, Any, None]]
WAITS: dict[str, Wait] = {
    "patched": sdk_patch.wait_for_rpcs,
    "sdk": sdk_patch._original,  # the same scenarios pass with the SDK's own loop
}


def run(scenario: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    """``scenario`` on a fresh loop, with the SDK's tracked outputs empty before and after."""

    def go() -> Any:
        with settings.SETTINGS.lock:
            settings.SETTINGS.outputs.clear()
        try:
            return asyncio.run(scenario())
        finally:
            with settings.SETTINGS.lock:
                settings.SETTINGS.outputs.clear()

    return contextvars.copy_context().run(go)


def track(coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
    task = asyncio.ensure_future(coroutine)
    with settings.SETTINGS.lock:
        settings.SETTINGS.outputs.add(task)
    return task


@pytest.mark.parametrize("which", WAITS)
def test_every_output_is_awaited_also_those_created_while_waiting(which: str) -> None:
    finished: list[str] = []

    async def leaf(name: str, delay: float) -> None:
        await asyncio.sleep(delay)
        finished.append(name)

    async def parent() -> None:
        await asyncio.sleep(0.01)
        track(leaf("late", 0.05))  # as an apply() creates an output from a resolved one
        finished.append("parent")

    async def scenario() -> None:
        for n in range(200):
            track(leaf(f"early-{n}", 0.001 * (n % 7)))
        track(parent())
        await WAITS[which]()

    run(scenario)
    assert len(finished) == 202 and finished[-1] == "late"


@pytest.mark.parametrize("which", WAITS)
def test_the_first_failure_surfaces_before_slower_outputs_end(which: str) -> None:
    async def slow() -> None:
        await asyncio.sleep(2)

    async def broken() -> None:
        await asyncio.sleep(0.02)
        raise ValueError("the program's apply failed")

    async def scenario() -> asyncio.Task[None]:
        slow_task = track(slow())
        track(broken())
        with pytest.raises(ValueError, match="apply failed"):
            await WAITS[which]()
        assert not slow_task.done()
        slow_task.cancel()
        return slow_task

    run(scenario)


def test_it_replaces_only_the_sdk_functions_it_was_written_against_and_can_be_switched_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    try:
        monkeypatch.delenv(sdk_patch.SWITCH, raising=False)
        assert sdk_patch.apply() is True
        assert stack.wait_for_rpcs is sdk_patch.wait_for_rpcs
        assert _types.resource_types is sdk_patch.resource_types
        monkeypatch.setenv(sdk_patch.SWITCH, "off")
        assert sdk_patch.apply() is False
        assert stack.wait_for_rpcs is sdk_patch._original
        assert _types.resource_types is sdk_patch._original_resource_types
        monkeypatch.delenv(sdk_patch.SWITCH)

        # An SDK whose wait differs (here: its digest) keeps its own wait; the other fits.
        monkeypatch.setitem(sdk_patch.KNOWN, "wait_for_rpcs", "0" * 16)
        assert sdk_patch.apply() is False
        assert stack.wait_for_rpcs is sdk_patch._original
        assert _types.resource_types is sdk_patch.resource_types
        monkeypatch.undo()

        # An SDK without the settings the linear wait reads keeps its own too.
        older = SimpleNamespace(SETTINGS=SimpleNamespace(), _get_rpc_manager=lambda: None)
        monkeypatch.setattr(sdk_patch, "settings", older)
        assert sdk_patch.apply() is False
        assert stack.wait_for_rpcs is sdk_patch._original
    finally:
        monkeypatch.undo()
        sdk_patch.apply()
    assert stack.wait_for_rpcs is sdk_patch.wait_for_rpcs


def test_the_digest_follows_the_code_not_its_layout() -> None:
    def one(a: int) -> int:
        return a + 1

    def spaced(a: int) -> int:
        # a comment, and another layout
        return (a
                + 1)  # fmt: skip

    def other(a: int) -> int:
        return a + 2

    assert sdk_patch.fingerprint(one) == sdk_patch.fingerprint(spaced) is not None
    assert sdk_patch.fingerprint(one) != sdk_patch.fingerprint(other)
    assert sdk_patch.fingerprint(print) is None  # no source to read


def test_the_resource_classes_install_it() -> None:
    import pulumi_ampeco.resource_base  # noqa: F401

    assert stack.wait_for_rpcs is sdk_patch.wait_for_rpcs


def test_output_types_are_the_sdks_own_worked_out_once_per_class(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    classes = [getattr(resources, kind.name) for kind in KINDS.values()]
    calls: list[type] = []
    sdks_own = sdk_patch._original_resource_types

    def counted(resource_cls: type) -> dict[str, type]:
        calls.append(resource_cls)
        return sdks_own(resource_cls)

    sdk_patch._types_of.cache_clear()
    monkeypatch.setattr(sdk_patch, "_original_resource_types", counted)
    try:
        for _ in range(3):
            for cls in classes:
                types = _types.resource_types(cls)
                assert types == sdks_own(cls)
                assert types  # every class has outputs with types
                types.clear()  # a caller's copy: the next caller still gets every type
    finally:
        sdk_patch._types_of.cache_clear()
    assert sorted(c.__name__ for c in calls) == sorted(c.__name__ for c in classes)
    assert all(_types.resource_types(cls) for cls in classes)
