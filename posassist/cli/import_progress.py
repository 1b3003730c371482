"""What ``posassist import`` shows while it runs, and how Ctrl+C stops it.

Progress goes to stderr, so ``--json`` (and any redirect of stdout) gets the report and
nothing else. On a terminal it is a tqdm bar over the file's bytes (the reader knows how
far into the file it is, so the ETA holds even when rows vary in length), with the rows
so far and rows per second beside it, redrawn at most four times a second. When stderr
is a log file or a pipe, a bar's carriage returns would be one endless line, so it is a
plain line instead: the first after a second (an import that quick needs none), then one
every five seconds.

Ctrl+C during the import does not raise ``KeyboardInterrupt`` in the middle of a write:
:func:`cancel_on_sigint` turns SIGINT into a :class:`threading.Event` that the import
checks between chunks (at least every 0.2 s), so it stops within a second, rolls its
one transaction back and raises ``CancelledError``; the store is left exactly as it was.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TextIO

from tqdm import tqdm

from posassist.domain.wording import plural
from posassist.services.reference_import import Progress

__all__ = ["ProgressDisplay", "cancel_on_sigint"]

BAR_INTERVAL = 0.25  # seconds between redraws of the terminal bar (at most ~4 a second)
FIRST_LINE_AFTER = 1.0  # seconds before the first plain line (a quick import shows none)
LINE_INTERVAL = 5.0  # seconds between plain lines when stderr is not a terminal


def _clock(seconds: float | None) -> str:
    return "?" if seconds is None else tqdm.format_interval(max(0, round(seconds)))


def _pace(p: Progress) -> str:
    return f"{plural(p.rows, 'row')}, {p.rows_per_second:,.0f} rows/s"


# The terminal bar: the file's name, the bar, the time left, the rows and their rate.
WIDE_FORMAT = "{desc}: {percentage:3.0f}%|{bar}| ETA {remaining}{postfix}"
# When the name, a bar of ten and the figures do not fit, the bar goes and the name is cut:
# the rate and the time left matter more.
NARROW_FORMAT = "{desc} {percentage:3.0f}% ETA {remaining}{postfix}"
_WIDE_REST = len(": 100%|##########| ETA 00:00:00, 9,999,999 rows, 999,999 rows/s")
_NARROW_REST = len(" 100% ETA 00:00, 99,999 rows/s")


def terminal_columns(stream: TextIO) -> int:
    """The width of the terminal ``stream`` draws on: ``COLUMNS`` if set, else the
    terminal's own, else 80."""
    try:
        return int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        pass
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):  # not a real terminal (a test's stream)
        return 80


def fit_label(label: str, room: int) -> str:
    """``label`` in at most ``room`` characters, cut in the middle ("big_exp…2026.csv"),
    so the file's extension and the start of its name both stay; empty if no room."""
    if len(label) <= room:
        return label
    if room < 5:
        return ""
    head = (room - 1) // 2
    return f"{label[:head]}…{label[len(label) - (room - 1 - head) :]}"


class ProgressDisplay:
    """The Progress callback of one import: a bar on a terminal, else a line now and then.

    Call it with each :class:`Progress` (from the thread running the import) and
    :meth:`close` it before printing anything else on ``stream``.
    """

    def __init__(
        self,
        label: str,
        stream: TextIO | None = None,
        columns: Callable[[], int] | None = None,
    ) -> None:
        self._label = label
        self._stream = stream if stream is not None else sys.stderr
        self._columns = columns if columns is not None else lambda: terminal_columns(self._stream)
        self._terminal = bool(getattr(self._stream, "isatty", lambda: False)())
        self._bar: tqdm[None] | None = None
        self._next_line = time.monotonic() + FIRST_LINE_AFTER

    def __call__(self, progress: Progress) -> None:
        if self._terminal:
            self._draw(progress)
        elif time.monotonic() >= self._next_line:
            self._line(progress)

    def _draw(self, p: Progress) -> None:
        # Fitted on every draw, so a terminal made narrower gets a shorter line, never a
        # wrapped one (each redraw would then start a new line).
        width = max(1, self._columns())
        if width - len(self._label) >= _WIDE_REST:
            form, desc, postfix = WIDE_FORMAT, self._label, _pace(p)
        else:
            desc = fit_label(self._label, width - _NARROW_REST - 1)
            form, postfix = NARROW_FORMAT, f"{p.rows_per_second:,.0f} rows/s"
        if self._bar is None:
            self._bar = tqdm(
                total=p.total_bytes,
                desc=desc,
                file=self._stream,
                mininterval=BAR_INTERVAL,
                unit="B",
                unit_scale=True,
                bar_format=form,  # tqdm puts ", " before the postfix
                ncols=width,
                postfix=postfix,
                leave=False,
            )
        bar = self._bar
        bar.ncols, bar.bar_format, bar.desc = width, form, desc
        bar.set_postfix_str(postfix, refresh=False)
        self._bar.update(max(0, p.done_bytes - self._bar.n))  # redraws only every BAR_INTERVAL

    def _line(self, p: Progress) -> None:
        self._next_line = time.monotonic() + LINE_INTERVAL
        print(
            f"posassist: {self._label}: {p.fraction:.0%} of the file, {_pace(p)}, "
            f"about {_clock(p.eta_seconds)} left",
            file=self._stream,
            flush=True,
        )

    def close(self) -> None:
        """Clear the bar (the summary is printed after it)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


@contextmanager
def cancel_on_sigint() -> Iterator[threading.Event]:
    """An Event set by Ctrl+C (SIGINT) for the duration of the block; the handler that
    was there before is put back after it, so Ctrl+C outside the import behaves as in
    every other command. Off the main thread (where no handler can be set) the Event is
    simply never set by a signal."""
    event = threading.Event()

    def handler(_signum: int, _frame: FrameType | None) -> None:
        event.set()  # the import sees it at its next check and rolls back

    try:
        previous: Callable[[int, FrameType | None], object] | int | None = signal.signal(
            signal.SIGINT, handler
        )
    except ValueError:  # not the main thread
        yield event
        return
    try:
        yield event
    finally:
        # None: the handler was not set from Python; the default is the closest to it.
        signal.signal(signal.SIGINT, signal.SIG_DFL if previous is None else previous)
