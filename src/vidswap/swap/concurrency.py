"""Run the stages of the video pipeline in threads, a few frames apart.

Decoding, face analysis, swapping and encoding each take one thread, joined
by bounded queues, so a 2-core machine works on several frames at once while
memory stays bounded by the queue depth. PyAV, OpenCV, MediaPipe and numpy
release the GIL in their heavy calls, which is what lets the threads overlap.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

Item = TypeVar("Item")

_POLL_SECONDS = 0.1


@dataclass(frozen=True)
class _Failure:
    error: BaseException


_END = object()


def run_ahead(iterable: Iterable[Item], *, depth: int, name: str) -> Iterator[Item]:
    """Iterate over ``iterable`` in a worker thread that stays up to ``depth`` items ahead.

    An exception in the worker is raised again in the consumer. When the
    consumer stops early (an error, a cancel, ``close()``), the worker stops at
    its next item and closes ``iterable``. ``close()`` returns only after the
    worker has ended, so whatever the worker reads (an open video) may be
    released right after. Close the returned generator (``contextlib.closing``)
    so this happens even if the consumer never reaches the end.
    """
    items: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(item: object) -> bool:
        while not stop.is_set():
            try:
                items.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        iterator = iter(iterable)
        try:
            for item in iterator:
                if not offer(item):
                    return
            offer(_END)
        except BaseException as error:  # noqa: BLE001 - handed to the consumer
            offer(_Failure(error))
        finally:
            # Stops an upstream stage (a generator) at once instead of at garbage collection.
            close = getattr(iterator, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=produce, name=name, daemon=True)
    worker.start()
    try:
        while True:
            item = items.get()
            if item is _END:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        # No timeout: a worker that outlived this call could touch a closed
        # container. Every wait in the worker polls ``stop`` or ends with its
        # upstream stage, so the join ends within one item's work per stage.
        worker.join()
