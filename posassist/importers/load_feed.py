"""A format's records, parsed on a helper thread, so Cancel is honoured within 0.1 s.

Some formats read the whole file once before their first record (the transactions and
mapped kinds choose the file's one date format in a first pass: seconds on millions of
rows), and no check inside the loader's loop can run while a generator computes. So when
there is a Cancel to watch, :func:`records` runs ``fmt.parse`` on a thread of its own and
hands its records over in small batches through a bounded queue (memory stays flat), while
the loader's thread waits at most :data:`POLL_S` at a time and looks at Cancel in between.
On Cancel the loader raises at once and rolls back; the helper thread stops at its next
batch (or when the file it reads is closed under it) and its records are dropped. The
store is only ever written by the loader's own thread.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

from posassist.errors import CancelledError
from posassist.importers.reader import Table
from posassist.importers.records import ParseContext, Person, Sale, Skip

__all__ = ["CANCELLED", "POLL_S", "records"]

CANCELLED = "cancelled, nothing imported"
POLL_S = 0.1
BATCH = 256  # records per hand-over: the queue's cost is per batch, not per record
DEPTH = 8  # batches in flight at most
_DONE = object()
Record = Person | Sale | Skip


def records(
    fmt: Any, table: Table, ctx: ParseContext, cancelled: Callable[[], bool] | None
) -> Iterator[Record]:
    """``fmt.parse(table, ctx)``; with ``cancelled``, parsed on a helper thread and
    raising :class:`CancelledError` within :data:`POLL_S` of ``cancelled()`` turning true."""
    if cancelled is None:
        yield from fmt.parse(table, ctx)
        return
    feed: queue.Queue[object] = queue.Queue(maxsize=DEPTH)
    stop = threading.Event()
    worker = threading.Thread(
        target=_produce, args=(fmt, table, ctx, feed, stop), name="import-parse", daemon=True
    )
    worker.start()
    try:
        while True:
            try:
                item = feed.get(timeout=POLL_S)
            except queue.Empty:
                if cancelled():
                    raise CancelledError(CANCELLED) from None
                continue
            if item is _DONE:
                break
            if isinstance(item, BaseException):
                raise item
            assert isinstance(item, list)
            yield from item
            if cancelled():
                raise CancelledError(CANCELLED)
    finally:
        stop.set()
    worker.join()


def _produce(
    fmt: Any, table: Table, ctx: ParseContext, feed: queue.Queue[object], stop: threading.Event
) -> None:
    """The helper thread: parse, hand over batches, stop when told (or when the loader
    has gone and the file was closed under it)."""
    try:
        batch: list[Record] = []
        for record in fmt.parse(table, ctx):
            batch.append(record)
            if len(batch) >= BATCH:
                if not _put(feed, batch, stop):
                    return
                batch = []
        if _put(feed, batch, stop):
            _put(feed, _DONE, stop)
    except Exception as exc:  # noqa: BLE001 (handed to the loader, which raises it)
        _put(feed, exc, stop)


def _put(feed: queue.Queue[object], item: object, stop: threading.Event) -> bool:
    while not stop.is_set():
        try:
            feed.put(item, timeout=POLL_S)
            return True
        except queue.Full:
            continue
    return False
