"""Python's cyclic garbage collector, paced for an operation over many resources.

Each resource an operation handles allocates thousands of container objects (the SDK's outputs,
futures and protobuf messages, the engine's property bags), most of them short-lived. With
the interpreter's default pace, a young collection runs every 700 allocations and an older one
walks every live object again and again: a fifth of a no-op preview's CPU at 3,000 resources,
more as the heap grows. For the length of an operation, :func:`spaced_collections` lets young
collections wait for :data:`YOUNG` allocations (the older generations keep their pace relative
to it) and freezes what already exists (the loaded modules, the stored state), so that full
collections walk only what the operation made; then it restores both. Garbage is still
collected, in larger batches; what was frozen is walked again once the last operation of the
process has ended (a process whose operations overlap without end keeps it frozen).
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator
from typing import Final

YOUNG: Final = 50_000
"""Allocations between young collections during an operation (the interpreter's default: 700)."""

_lock = threading.Lock()
_depth = 0
_before: tuple[int, ...] = ()


@contextlib.contextmanager
def spaced_collections() -> Iterator[None]:
    """Collect less often while the block runs; nested or concurrent uses share one setting,
    and the last to leave restores the pace found by the first."""
    global _depth, _before
    with _lock:
        if _depth == 0:
            _before = gc.get_threshold()
            space_for_process()
            gc.freeze()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                gc.set_threshold(*_before)
                gc.unfreeze()


def space_for_process() -> None:
    """The operation's pace for the rest of this process (a provider server lives for one
    operation); :func:`spaced_collections` sets it for a block."""
    threshold = gc.get_threshold()
    gc.set_threshold(max(YOUNG, threshold[0]), *threshold[1:])
