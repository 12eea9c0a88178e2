"""Read ahead of the consumer in a background thread: decoding overlaps pose inference.

``prefetch(frames, depth)`` iterates ``frames`` in a daemon thread and hands its items over a
bounded queue, so at most ``depth`` items wait in memory (a few decoded frames, never the
video). OpenCV's decoder and MediaPipe's inference both release the GIL, so on two cores the
next frame is decoded while the current one is inferred: decoding stops costing time.

The reading thread, not the caller's, consumes ``frames``; an exception raised there is
raised again in the caller at the point where the item would have come. Closing the
prefetcher early (``close()``, leaving its ``with`` block, or an exception in the caller)
stops the reading thread and waits for it, so the source can be released afterwards without
a decode still running on it: close the prefetcher before the source (``with source,
prefetch(source) as frames:`` does this).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import Generic, TypeVar

T = TypeVar("T")

#: Frames read ahead by default: enough to absorb the jitter of a decode, few enough for memory
#: (8 frames of 1080p BGR are 50 MB).
DEFAULT_DEPTH = 4
_POLL_S = 0.05  # how often a blocked reader checks whether it was told to stop


class _End:
    """Marks the end of the items; carries the reader's exception, if it raised one."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


def _put(q: queue.Queue, stop: threading.Event, item: object) -> bool:
    """Queue one item, waiting for room; False when told to stop meanwhile."""
    while not stop.is_set():
        try:
            q.put(item, timeout=_POLL_S)
            return True
        except queue.Full:
            continue
    return False


def _read(items: Iterable, q: queue.Queue, stop: threading.Event) -> None:
    """The reading thread: every item, then an `_End` (with the exception, if one was raised)."""
    iterator = None
    try:
        iterator = iter(items)
        for item in iterator:
            if not _put(q, stop, item):
                break
    except BaseException as exc:  # noqa: BLE001 - handed to the consumer
        _put(q, stop, _End(exc))
    else:
        _put(q, stop, _End())
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:  # a generator: run its clean-up here, in the thread that ran it
            try:
                close()
            except Exception:  # noqa: BLE001 - clean-up of an abandoned source
                pass


class Prefetcher(Generic[T]):
    """An iterator over ``items`` read ``depth`` ahead by a daemon thread; a context manager.

    Iterate it once. ``close()`` is safe to call more than once and from ``__exit__``.
    """

    def __init__(self, items: Iterable[T], depth: int = DEFAULT_DEPTH, name: str = "formcheck-prefetch") -> None:
        if not isinstance(depth, int) or isinstance(depth, bool) or depth < 1:
            raise ValueError(f"prefetch depth must be an integer >= 1, got {depth!r}")
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._finished = False
        # The thread gets no reference to self, so an abandoned prefetcher is collected and stops it.
        self._thread = threading.Thread(target=_read, args=(items, self._queue, self._stop), name=name, daemon=True)
        self._thread.start()

    def __iter__(self) -> Iterator[T]:
        return self

    def __next__(self) -> T:
        if self._finished:
            raise StopIteration
        item = self._queue.get()
        if isinstance(item, _End):
            self._finished = True
            self._thread.join()
            if item.error is not None:
                raise item.error
            raise StopIteration
        return item

    def close(self) -> None:
        """Stop reading ahead and wait for the reading thread to end."""
        self._finished = True
        self._stop.set()
        while self._thread.is_alive():
            try:  # make room, so a reader blocked on a full queue sees the stop
                while True:
                    self._queue.get_nowait()
            except queue.Empty:
                pass
            self._thread.join(timeout=_POLL_S)

    def __enter__(self) -> Prefetcher[T]:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __del__(self) -> None:  # an abandoned prefetcher must not leave a reader blocked forever
        stop = getattr(self, "_stop", None)  # None when __init__ failed
        if stop is not None:
            stop.set()


def prefetch(items: Iterable[T], depth: int = DEFAULT_DEPTH) -> Prefetcher[T]:
    """``items`` read ``depth`` ahead in a background thread (see the module docstring)."""
    return Prefetcher(items, depth)
