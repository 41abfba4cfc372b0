from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import closing

import pytest

from vidswap.swap.concurrency import run_ahead


def _workers(name: str) -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == name]


def test_items_arrive_in_order() -> None:
    items = list(run_ahead(range(100), depth=3, name="test-order"))

    assert items == list(range(100))


def test_worker_error_raised_in_consumer() -> None:
    def failing() -> Iterator[int]:
        yield 1
        raise ValueError("frame 2 is broken")

    received = []
    with pytest.raises(ValueError, match="frame 2 is broken"):
        for item in run_ahead(failing(), depth=2, name="test-error"):
            received.append(item)

    assert received == [1]


def test_early_close_stops_worker_and_upstream() -> None:
    upstream_closed = threading.Event()

    def endless() -> Iterator[int]:
        try:
            count = 0
            while True:
                count += 1
                yield count
        finally:
            upstream_closed.set()

    stage = run_ahead(endless(), depth=2, name="test-close")
    with closing(stage):
        for item in stage:
            if item == 5:
                break

    assert upstream_closed.wait(timeout=5)
    assert _workers("test-close") == []


def test_stages_work_at_the_same_time() -> None:
    second_busy = threading.Event()
    first_resumed = threading.Event()

    def first_stage() -> Iterator[int]:
        yield 0
        # Reached only if this stage goes on while the next one has item 0.
        if second_busy.wait(timeout=5):
            first_resumed.set()
        yield 1

    def second_stage(values: Iterator[int]) -> Iterator[tuple[int, bool]]:
        for value in values:
            if value == 0:
                second_busy.set()
                yield value, first_resumed.wait(timeout=5)
            else:
                yield value, True

    first = run_ahead(first_stage(), depth=2, name="test-first")
    results = list(run_ahead(second_stage(first), depth=2, name="test-second"))

    assert results == [(0, True), (1, True)]


def test_closing_last_stage_stops_whole_chain() -> None:
    def frames() -> Iterator[int]:
        count = 0
        while True:
            count += 1
            yield count

    first = run_ahead(frames(), depth=2, name="test-chain-first")
    second = run_ahead(first, depth=2, name="test-chain-second")
    with closing(second):
        for item in second:
            if item == 3:
                break

    assert _workers("test-chain-first") == []
    assert _workers("test-chain-second") == []
