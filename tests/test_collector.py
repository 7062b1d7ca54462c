"""The garbage collector's pace during an operation (``ampeco_engine.collector``)."""

from __future__ import annotations

import gc
import threading

import pytest

from ampeco_engine.collector import YOUNG, spaced_collections

pytestmark = pytest.mark.quick


def test_an_operation_collects_less_often_and_the_pace_found_is_restored() -> None:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    try:
        with spaced_collections():
            assert gc.get_threshold() == (YOUNG, 10, 10)
            assert gc.get_freeze_count() > 0  # what was there before is not walked again
            with spaced_collections():  # nested: one setting
                assert gc.get_threshold() == (YOUNG, 10, 10)
            assert gc.get_threshold() == (YOUNG, 10, 10)
        assert gc.get_threshold() == (700, 10, 10)
        assert gc.get_freeze_count() == 0
    finally:
        gc.set_threshold(*before)


def test_concurrent_operations_restore_the_pace_when_the_last_one_ends() -> None:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    inside = threading.Event()
    leave = threading.Event()

    def other_operation() -> None:
        with spaced_collections():
            inside.set()
            leave.wait(5)

    try:
        worker = threading.Thread(target=other_operation)
        worker.start()
        assert inside.wait(5)
        with spaced_collections():
            pass
        assert gc.get_threshold() == (YOUNG, 10, 10)  # the other one still runs
        leave.set()
        worker.join(5)
        assert gc.get_threshold() == (700, 10, 10)
    finally:
        leave.set()
        gc.set_threshold(*before)


def test_garbage_is_still_collected_during_an_operation() -> None:
    class Cycle:
        def __init__(self) -> None:
            self.me = self

    collected = 0
    with spaced_collections():
        for _ in range(3 * YOUNG):
            Cycle()
        collected = gc.collect()
    # Left uncollected, all 3 * YOUNG cycles would be found here.
    assert collected < YOUNG  # the rest went in the young collections along the way
