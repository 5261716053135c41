"""The work directory of a sharded build: atomic files, done-markers, stable keys.

Everything a task writes goes to a temporary name beside its final one and is renamed into
place (atomic on one file system), so a task killed half way leaves no file that looks
finished; its marker is written last. The work directory may be any folder every worker can
reach (a local disk for one machine, a shared mount for a cluster).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Set by tests: a task whose name contains this fails once (the worker dies with
# ``exit``, else the task raises), to check that a failed task is retried.
FAIL_ONCE = "CLEANER_SHARD_FAIL_ONCE"
FAIL_MODE = "CLEANER_SHARD_FAIL_MODE"


def stable_key(*parts: Any) -> str:
    """A short hex key of JSON-able ``parts``, the same in every process and Python run
    (never ``hash()``, which is salted per process).

    >>> stable_key("a", {"b": 1}) == stable_key("a", {"b": 1}), len(stable_key("x"))
    (True, 24)
    """
    # ASCII: names read from disk may hold lone surrogates (undecodable bytes).
    text = json.dumps(parts, sort_keys=True, ensure_ascii=True, default=str)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


def bucket_of(key: str | bytes, buckets: int) -> int:
    """The bucket of a shuffle key: a stable byte hash, so every worker agrees.

    >>> bucket_of("example.com", 8) == bucket_of(b"example.com", 8) < 8
    True
    """
    data = key.encode("utf-8") if isinstance(key, str) else key
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big") % buckets


@dataclass(frozen=True)
class Task:
    """One unit of work: ``fn(work, *args)`` returns a small JSON-able summary.

    ``name`` is a relative path in the work directory: the task's marker is
    ``<name>.ok.json`` and its files, by convention, start with ``<name>``.
    """

    name: str
    fn: Callable[..., dict]
    args: tuple = ()


@dataclass(frozen=True)
class WorkDir:
    """A work directory (a path every worker can reach)."""

    root: str

    def path(self, name: str) -> Path:
        return Path(self.root) / name

    def marker(self, name: str) -> Path:
        return self.path(name + ".ok.json")

    def done(self, name: str) -> dict | None:
        """The summary of a finished task, or ``None`` when it has not finished."""
        try:
            return json.loads(self.marker(name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def _atomic(self, name: str, write: Callable[[Path], None]) -> Path:
        final = self.path(name)
        final.parent.mkdir(parents=True, exist_ok=True)
        temp = final.with_name(f".{final.name}.tmp-{secrets.token_hex(6)}")
        try:
            write(temp)
            os.replace(temp, final)
        finally:
            temp.unlink(missing_ok=True)
        return final

    def dump(self, name: str, value: Any) -> Path:
        """Pickle ``value`` to ``name`` atomically (pickle keeps every field exactly: dates,
        numpy signatures, nested meta)."""

        def write(temp: Path) -> None:
            with temp.open("wb") as handle:
                pickle.dump(value, handle, protocol=5)

        return self._atomic(name, write)

    def load(self, name: str, default: Any = None) -> Any:
        """What :meth:`dump` wrote to ``name`` (``default`` when there is no such file)."""
        try:
            handle = self.path(name).open("rb")
        except FileNotFoundError:
            return default
        with handle:
            return pickle.load(handle)

    def write_json(self, name: str, value: Any) -> Path:
        text = json.dumps(value, sort_keys=True, ensure_ascii=True)
        return self._atomic(name, lambda temp: temp.write_text(text, encoding="utf-8"))

    def finish(self, name: str, summary: dict) -> dict:
        """Write a task's marker: the last thing it does."""
        self.write_json(name + ".ok.json", summary)
        return summary


def run_task(root: str, task: Task) -> dict:
    """Run ``task`` in this process unless its marker exists; write the marker after.

    This is all a worker runs, wherever it is.
    """
    work = WorkDir(root)
    summary = work.done(task.name)
    if summary is not None:
        return summary
    failing = os.environ.get(FAIL_ONCE)
    if failing and failing in task.name:
        flag = work.path(".failed-once-" + stable_key(task.name))
        if not flag.exists():
            flag.parent.mkdir(parents=True, exist_ok=True)
            flag.touch()
            if os.environ.get(FAIL_MODE) == "exit":
                os._exit(1)  # a worker that dies mid-task, as one killed by the OOM killer
            raise RuntimeError(f"task {task.name} failed once (a test asked it to)")
    summary = task.fn(work, *task.args)
    return work.finish(task.name, summary)


__all__ = ["FAIL_MODE", "FAIL_ONCE", "Task", "WorkDir", "bucket_of", "run_task", "stable_key"]
