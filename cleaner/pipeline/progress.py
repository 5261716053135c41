"""Progress of a long run, for the person (or the CI log) watching it.

Three ways to report, chosen once per run by :func:`make_progress`:

* ``bar`` — a tqdm bar with counts, rate and ETA, when stderr is a terminal;
* ``log`` — a plain line every few seconds (and one at the end of each step), for CI logs,
  where a redrawn bar would become thousands of lines;
* ``off`` — nothing (``--quiet``, and the Python API by default).

Progress only *watches* the documents go by: it never reorders, copies or changes them, so the
bytes a build writes are the same in every mode.

>>> p = Progress("off")
>>> list(p.track([1, 2, 3], "clean"))
[1, 2, 3]
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TypeVar

T = TypeVar("T")
MODES = ("bar", "log", "off")
# A log line at most this often (seconds): enough to see a CI job is alive, few enough to read.
LOG_INTERVAL = 10.0


def format_duration(seconds: float) -> str:
    """A duration the way people say it.

    >>> format_duration(4.2), format_duration(95), format_duration(7384)
    ('4.2s', '1m35s', '2h03m')
    """
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def log_line(label: str, done: int, total: int | None, elapsed: float, unit: str = "documents"
             ) -> str:
    """One progress line for a log: count, share, rate and the time left when it is known.

    >>> log_line("clean", 50, 200, 10.0)
    'clean: 50/200 documents (25%), 5.0/s, about 30.0s left'
    >>> log_line("clean", 7, None, 2.0)
    'clean: 7 documents, 3.5/s'
    """
    rate = done / elapsed if elapsed > 0 else 0.0
    if total:
        line = f"{label}: {done}/{total} {unit} ({100 * done // total}%), {rate:.1f}/s"
        if 0 < done < total and rate > 0:
            line += f", about {format_duration((total - done) / rate)} left"
        return line
    return f"{label}: {done} {unit}, {rate:.1f}/s"


# Files that hold many documents (read as a stream): their count says nothing of the total.
CONTAINERS = (".warc", ".warc.gz", ".arc.gz", ".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz",
              ".json", ".json.gz")


def count_files(paths: Iterable[Path]) -> int | None:
    """The number of files under ``paths`` (folders read recursively): an estimate of the
    number of documents, known before reading them, so the first bar can show an ETA.

    None when a container file (WARC, JSON/JSONL) is among them: its documents are not known
    before it is read, and a bar must not claim to be nearly done while it still streams.
    """
    count = 0
    for path in paths:
        if path.is_dir():
            files = _files_under(path)
            if files is None:
                return None
            count += files
        elif path.exists():
            if path.name.lower().endswith(CONTAINERS):
                return None
            count += 1
    return count


def _files_under(folder: Path) -> int | None:
    """Files under ``folder``, with a stack rather than recursion (``os.walk`` recurses: a
    folder nested 1 200 deep exhausts Python's stack); links to folders are not entered.
    ``None`` when one is a container (its documents cannot be counted from outside).

    >>> _files_under(Path(__file__).parent) > 5
    True
    """
    count, todo = 0, [folder]
    while todo:
        try:
            with os.scandir(todo.pop()) as entries:
                for entry in entries:
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            todo.append(Path(entry.path))
                        elif entry.name.lower().endswith(CONTAINERS):
                            return None
                        else:
                            count += 1
                    except OSError:
                        continue
        except OSError:
            continue
    return count


def _terminal_size(stream: IO[str]) -> os.terminal_size:
    """The size of the terminal behind ``stream``, (0, 0) when there is none."""
    try:
        return os.get_terminal_size(stream.fileno())
    except (AttributeError, OSError, ValueError):
        return os.terminal_size((0, 0))


class Progress:
    """Reports how far a run is, on ``stream`` (stderr by default).

    ``track`` wraps an iterable that a step consumes (documents flowing through per-document
    steps); ``task`` times a step that works on the whole corpus at once (dedup).
    """

    def __init__(self, mode: str = "off", stream: IO[str] | None = None,
                 interval: float = LOG_INTERVAL) -> None:
        if mode not in MODES:
            raise ValueError(f"progress mode {mode!r} is not one of {', '.join(MODES)}")
        self.mode = mode
        self.stream = stream if stream is not None else sys.stderr
        self.interval = interval

    def _write(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()

    def track(self, items: Iterable[T], label: str, total: int | None = None,
              unit: str = "documents") -> Iterator[T]:
        """Yield ``items`` unchanged, reporting how many went by."""
        if self.mode == "off":
            yield from items
        elif self.mode == "bar":
            yield from self._bar(items, label, total, unit)
        else:
            yield from self._log(items, label, total, unit)

    def _bar(self, items: Iterable[T], label: str, total: int | None, unit: str) -> Iterator[T]:
        from tqdm import tqdm

        # A terminal that reports no size (a pseudo-terminal in some CI runners) would get
        # an empty bar: then draw for a common size.
        size = _terminal_size(self.stream)
        sized = size.columns > 0 and size.lines > 0
        with tqdm(total=total, desc=label, unit=" " + unit, file=self.stream,
                  dynamic_ncols=sized, ncols=None if sized else 100,
                  nrows=None if sized else 24, leave=True, smoothing=0.1) as bar:
            for item in items:
                yield item
                if bar.total is not None and bar.n >= bar.total:
                    # The estimate was low: count on without a percentage or an ETA rather
                    # than show "100%" while documents still come.
                    bar.total = None
                bar.update(1)
            bar.total = bar.n
            bar.refresh()

    def _log(self, items: Iterable[T], label: str, total: int | None, unit: str) -> Iterator[T]:
        started = last = time.monotonic()
        done = 0
        for item in items:
            yield item
            done += 1
            now = time.monotonic()
            if now - last >= self.interval:
                last = now
                self._write(log_line(label, done, total if total and total >= done else None,
                                     now - started, unit))
        self._write(f"{label}: {done} {unit} in {format_duration(time.monotonic() - started)}")

    @contextmanager
    def task(self, label: str, size: int | None = None, unit: str = "documents"
             ) -> Iterator[None]:
        """Announce a step that has no per-item progress, and say how long it took."""
        if self.mode == "off":
            yield
            return
        what = f" on {size} {unit}" if size is not None else ""
        started = time.monotonic()
        if self.mode == "bar":
            self.stream.write(f"{label}{what} …")
            self.stream.flush()
        else:
            self._write(f"{label}: started{what}")
        try:
            yield
        finally:
            took = format_duration(time.monotonic() - started)
            if self.mode == "bar":
                self._write(f" {took}")
            else:
                self._write(f"{label}: done in {took}")


def make_progress(quiet: bool = False, stream: IO[str] | None = None) -> Progress:
    """The progress a command shows: nothing when ``quiet``, a bar on a terminal, else log lines.

    >>> import io
    >>> make_progress(stream=io.StringIO()).mode, make_progress(quiet=True).mode
    ('log', 'off')
    """
    stream = stream if stream is not None else sys.stderr
    if quiet:
        return Progress("off", stream)
    is_terminal = getattr(stream, "isatty", lambda: False)()
    return Progress("bar" if is_terminal else "log", stream)


def table(rows: list[list[str]] | list[tuple[str, ...]], right: set[int] | None = None,
          rule: bool = True) -> str:
    """Aligned columns for the terminal; columns in ``right`` (numbers) right-aligned, and a
    rule under the header unless ``rule`` is false.

    >>> print(table([["lang", "n"], ["en", "12"]], right={1}))
    lang   n
    ----  --
    en    12
    """
    right = right or set()
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]

    def line(row: list[str]) -> str:
        return "  ".join(cell.rjust(w) if i in right else cell.ljust(w)
                         for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip()

    header = [line(rows[0]), line(["-" * w for w in widths])] if rule else [line(rows[0])]
    return "\n".join([*header, *(line(list(row)) for row in rows[1:])])


__all__ = ["Progress", "count_files", "format_duration", "log_line", "make_progress", "table"]
