"""Per-document bounds: one pathological page must not stall or sink a build.

**Time.** :func:`time_limit` interrupts the code it wraps after some seconds (a SIGALRM
timer), raising :class:`TimeLimitExceeded`. The runner wraps every ``step.process`` call in
it (:func:`cleaner.pipeline.batch.process_document`); a document that runs out of time becomes an
audit row with reason ``timeout`` and the build goes on. Signals only reach the main thread
of a process, so the limit works in the main process and in the worker processes of the local
engine (each runs batches in its main thread), and does nothing elsewhere (a Ray worker's
other threads, Windows): there, the document simply runs to its end.

A Python signal handler runs between bytecodes, so the limit cuts a step that loops in
Python (regular expressions included: ``re`` checks for signals while it backtracks), but
waits for a single long call into C code (one lxml parse) to return first. The input bounds
below keep those calls short.

**Memory** is bounded by what goes in, not by a watchdog: ``ingest.max_file_bytes`` caps a
document (files, decompressed gzip, WARC and JSON records; reason ``too_large``), a batch
sent to a worker holds about ``pipeline.batch.BATCH_BYTES`` of input, and the parsers are bounded
(front matter by ``ingest.max_front_matter_bytes`` and an alias budget, ftfy by line pieces
of 100 000 characters). A document costs a small multiple of its size (text, markup and the
parsed tree at once), so peak memory is about ``workers × batch × that multiple`` plus the
kept texts of the corpus, which the corpus steps need at once.

The limit is one number for every step of a run, :class:`LimitsConfig` (``[limits]`` in
``dataset.toml``); the runner hands it to the engine with the steps, so every engine and the
Python API apply the same limit.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

# Seconds one step may spend on one document. Generous: a real page takes well under a
# second per step; only a pathological one gets near this.
DEFAULT_STEP_SECONDS = 60.0


class TimeLimitExceeded(BaseException):
    """A step ran out of time on one document.

    A ``BaseException`` on purpose: library code that catches ``Exception`` to fall back
    (trafilatura's wrappers do) must not swallow it and carry on with the slow page.
    """


@dataclass
class LimitsConfig:
    """``[limits]``: how long one step may take on one document."""

    # Seconds per step and document; 0 means no limit. Past it the document is removed with
    # reason ``timeout``.
    step_seconds: float = DEFAULT_STEP_SECONDS

    # The range of every number (checked with the types when dataset.toml is read): a day.
    RANGES: ClassVar[dict[str, tuple[float, float]]] = {"step_seconds": (0.0, 86_400.0)}

    def check(self) -> None:
        """Raise ValueError("key: what is wrong") for a bad value."""
        if not self.step_seconds >= 0:  # also NaN
            raise ValueError(f"step_seconds: must be 0 (no limit) or more, not "
                             f"{self.step_seconds}")


def signals_available() -> bool:
    """Whether :func:`time_limit` can work here: a SIGALRM timer in the main thread.

    >>> signals_available()  # the main thread of a POSIX process
    True
    """
    return (hasattr(signal, "setitimer") and hasattr(signal, "SIGALRM")
            and threading.current_thread() is threading.main_thread())


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`TimeLimitExceeded` in the wrapped code after ``seconds`` of wall time.

    ``None`` or ``0`` means no limit, and where signals are unavailable (see
    :func:`signals_available`) nothing is limited. An enclosing limit is kept: its handler
    and the rest of its time are restored on the way out (a limit in a limit works).

    >>> with time_limit(0.05):
    ...     try:
    ...         while True:
    ...             pass
    ...     except TimeLimitExceeded as error:
    ...         print(error)
    ran out of time (0.05 s)
    """
    if not seconds or seconds <= 0 or not signals_available():
        yield
        return
    token = object()
    active = [token]  # the handler fires only for this limit, not for a late signal

    def on_alarm(signum: int, frame: Any) -> None:
        if active and active[0] is token:
            active.clear()
            raise TimeLimitExceeded(f"ran out of time ({seconds:g} s)")

    previous_handler = signal.signal(signal.SIGALRM, on_alarm)
    started = time.monotonic()
    outer_left, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    if outer_left and outer_left < seconds:
        signal.setitimer(signal.ITIMER_REAL, outer_left)  # the outer limit comes first
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        active.clear()
        signal.signal(signal.SIGALRM, previous_handler)
        if outer_left:
            # The outer limit goes on with what is left of it (at least a tick: it is due).
            left = outer_left - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3))


__all__ = ["DEFAULT_STEP_SECONDS", "LimitsConfig", "TimeLimitExceeded", "signals_available",
           "time_limit"]
