"""The work directory of a sharded build: atomic files, done-markers, stable keys.

Everything a task writes appears whole or not at all (renamed into place from a temporary
name, or uploaded as one object to an object store), so a task killed half way leaves no
file that looks finished; its marker is written last. The work directory may be anywhere
every worker can reach: a local disk for one machine, a shared mount or an object store
(``s3://…``, any URI pyarrow's file systems open) for a cluster.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from cleaner.pipeline.shards.fs import (
    OBJECT_STORES,
    RowReader,
    check_reachable,
    normal_location,
    resolve,
    shown,
)

if TYPE_CHECKING:
    from pyarrow.fs import FileSystem

# Set by tests: a task whose name contains this fails once (the worker dies with
# ``exit``, else the task raises), to check that a failed task is retried.
FAIL_ONCE = "CLEANER_SHARD_FAIL_ONCE"
FAIL_MODE = "CLEANER_SHARD_FAIL_MODE"
# Bytes read at once from a remote file (bounded memory, few requests).
READ_BUFFER = 8 << 20


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
    """A work directory: a local folder, or a URI of any file system pyarrow reaches
    (:mod:`cleaner.pipeline.shards.fs`), read and written through that file system.

    Writes are atomic: on a file system with rename (a local disk, HDFS) a file is written
    under a temporary name and renamed into place (``os.replace`` on a local disk); on an
    object store (S3, GCS, Azure), which has no rename, an object is uploaded whole from a
    local spool, and a PUT is all or nothing. Either way a task's marker is written last.
    A local folder (a path or ``file://``) goes through Python's own file functions, so a
    driver with a local work directory never loads pyarrow (about 55 MB).

    ``staging`` is set inside a task on a remote file system only: a local folder standing
    for the work directory in :meth:`path`, whose files are uploaded when the task ends,
    before its marker (:func:`run_task`).
    """

    root: str
    staging: str | None = None

    @classmethod
    def at(cls, location: str | os.PathLike[str]) -> WorkDir:
        """The work directory at ``location`` (a path, made absolute, or a URI)."""
        return cls(normal_location(location))

    @property
    def fs(self) -> FileSystem:
        """The pyarrow file system of a remote work directory."""
        filesystem = resolve(self.root)[0]
        if filesystem is None:
            raise ValueError(f"{self.root} is a local folder: no pyarrow file system")
        return filesystem

    @property
    def local(self) -> bool:
        """On this machine's disk: files are memory-mapped, hard-linked and renamed."""
        return resolve(self.root)[0] is None

    def key(self, name: str) -> str:
        """The path of ``name`` on the work directory's file system."""
        return f"{resolve(self.root)[1]}/{name}"

    def path(self, name: str) -> Path:
        """A local path for a task to write ``name`` with a library that wants one (Parquet
        writers): the file itself on a local disk; on a remote file system, the file in the
        task's staging folder, uploaded when the task ends. Read back through :meth:`load`,
        :meth:`matrix` or :meth:`copy_tree`, never through this path."""
        if self.local:
            return Path(self.key(name))
        if self.staging is None:
            raise ValueError(f"work directory {shown(self.root)}: path() is only for a "
                             "task's files (run_task stages them)")
        return Path(self.staging) / name

    def marker(self, name: str) -> str:
        return name + ".ok.json"

    def exists(self, name: str) -> bool:
        if self.local:
            return os.path.lexists(self.key(name))
        from pyarrow.fs import FileType

        return self.fs.get_file_info(self.key(name)).type != FileType.NotFound

    def _open(self, name: str) -> BinaryIO:
        """``name`` opened for reading (FileNotFoundError when there is none)."""
        if self.local:
            return open(self.key(name), "rb")  # noqa: SIM115 - the caller closes it
        # Buffered: unbuffered, each small read (pickle reads frame by frame) would be one
        # ranged GET on an object store.
        return self.fs.open_input_stream(self.key(name),  # type: ignore[return-value]
                                         buffer_size=READ_BUFFER)

    def read_bytes(self, name: str) -> bytes:
        with self._open(name) as handle:
            return handle.read()

    def done(self, name: str) -> dict | None:
        """The summary of a finished task, or ``None`` when it has not finished."""
        try:
            return json.loads(self.read_bytes(self.marker(name)).decode("utf-8"))
        except (OSError, ValueError):
            return None

    def files(self, name: str) -> list[str]:
        """The files under the folder ``name`` (relative POSIX paths, sorted; none when it
        does not exist)."""
        base = self.key(name).rstrip("/")
        if self.local:
            folder = Path(base)
            return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                          if p.is_file())
        from pyarrow.fs import FileSelector, FileType

        found = self.fs.get_file_info(FileSelector(base, recursive=True, allow_not_found=True))
        return sorted(info.path[len(base) + 1:] for info in found
                      if info.type == FileType.File)

    def _write(self, name: str, write: Callable[[BinaryIO], None]) -> None:
        """Write ``name`` atomically from ``write(stream)``."""
        if self.local:
            def to_path(temp: Path) -> None:
                with temp.open("wb") as out:
                    write(out)

            self._atomic(name, to_path)
            return
        filesystem, final = self.fs, self.key(name)
        if filesystem.type_name in OBJECT_STORES:
            # Spooled here (memory, then disk past 16 MiB), then one whole upload.
            with tempfile.SpooledTemporaryFile(16 << 20) as spool:
                write(spool)  # type: ignore[arg-type]
                spool.seek(0)
                self._put(name, spool)  # type: ignore[arg-type]
            return
        parent, _, base = final.rpartition("/")  # HDFS and the like: they rename
        filesystem.create_dir(parent, recursive=True)
        temp = f"{parent}/.{base}.tmp-{secrets.token_hex(6)}"
        moved = False
        try:
            with filesystem.open_output_stream(temp) as out:
                write(out)  # type: ignore[arg-type]
            filesystem.move(temp, final)
            moved = True
        finally:
            if not moved:
                with contextlib.suppress(OSError):
                    filesystem.delete_file(temp)

    def _atomic(self, name: str, write: Callable[[Path], None]) -> None:
        """Write ``name`` atomically from ``write(local path)`` (for writers that want a
        path, such as ``numpy.save``)."""
        if self.local:
            final = self.path(name)
            final.parent.mkdir(parents=True, exist_ok=True)
            temp = final.with_name(f".{final.name}.tmp-{secrets.token_hex(6)}")
            try:
                write(temp)
                os.replace(temp, final)
            finally:
                temp.unlink(missing_ok=True)
            return
        with tempfile.TemporaryDirectory(prefix="cleaner-") as folder:
            temp = Path(folder) / "file"
            write(temp)
            self.upload(temp, name)

    def _put(self, name: str, complete: BinaryIO) -> None:
        """One object from a complete local file (an object store writes it whole)."""
        with self.fs.open_output_stream(self.key(name)) as out:
            shutil.copyfileobj(complete, out, 8 << 20)  # type: ignore[misc]

    def upload(self, source: Path, name: str) -> None:
        """The local file ``source`` written whole to ``name``."""
        with source.open("rb") as handle:
            if not self.local and self.fs.type_name in OBJECT_STORES:
                self._put(name, handle)  # complete already: no spool
            else:
                self._write(name, lambda out: shutil.copyfileobj(handle, out, 8 << 20))

    def write_bytes(self, name: str, data: bytes) -> None:
        self._write(name, lambda out: out.write(data))

    def dump(self, name: str, value: Any) -> None:
        """Pickle ``value`` to ``name`` atomically (pickle keeps every field exactly: dates,
        numpy signatures, nested meta)."""
        self._write(name, lambda out: pickle.dump(value, out, protocol=5))

    def load(self, name: str, default: Any = None) -> Any:
        """What :meth:`dump` wrote to ``name`` (``default`` when there is no such file)."""
        try:
            handle = self._open(name)
        except FileNotFoundError:
            return default
        with handle:
            return pickle.load(handle)

    def matrix(self, name: str) -> Any:
        """The ``.npy`` matrix ``name`` by rows, without reading it whole: memory-mapped on
        a local disk, read by bounded blocks elsewhere (:class:`~.fs.RowReader`)."""
        if self.local:
            import numpy as np

            return np.load(self.key(name), mmap_mode="r")
        return RowReader(self.fs, self.key(name))

    def write_json(self, name: str, value: Any) -> None:
        text = json.dumps(value, sort_keys=True, ensure_ascii=True)
        self.write_bytes(name, text.encode("utf-8"))

    def finish(self, name: str, summary: dict) -> dict:
        """Write a task's marker: the last thing it does."""
        self.write_json(self.marker(name), summary)
        return summary

    def copy_tree(self, name: str, target: Path) -> None:
        """Every file under the folder ``name`` at the same place under the local folder
        ``target`` (files whose name starts with a dot are temporary: skipped): hard links
        on a local disk (no copy; a copy across devices), downloads elsewhere. The work
        files stay, so a rerun can do it again."""
        for relative in self.files(name):
            if relative.rpartition("/")[2].startswith("."):
                continue
            source = self.key(f"{name}/{relative}")
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            if self.local:
                try:
                    os.link(source, destination)
                except OSError:
                    shutil.copyfile(source, destination)
                continue
            with self._open(f"{name}/{relative}") as handle, destination.open("wb") as out:
                shutil.copyfileobj(handle, out, 8 << 20)  # type: ignore[misc]

    def remove(self) -> None:
        """Delete the whole work directory (after a successful build); gone already is
        fine, and so is a failure: the version is published by then."""
        base = resolve(self.root)[1]
        if self.local:
            shutil.rmtree(base, ignore_errors=True)
            return
        with contextlib.suppress(OSError):
            self.fs.delete_dir(base)

    def check(self) -> None:
        """Fail at once, in one line, when the work directory cannot be written."""
        check_reachable(self.root)

    @contextlib.contextmanager
    def task_scope(self) -> Iterator[WorkDir]:
        """The work directory as a task sees it: itself on a local disk; elsewhere with a
        local staging folder for :meth:`path`, whose files (but temporary ones, named with a
        dot) are uploaded whole when the task succeeds, and removed in any case."""
        if self.local:
            yield self
            return
        folder = tempfile.mkdtemp(prefix="cleaner-task-")
        try:
            yield replace(self, staging=folder)
            for source in sorted(Path(folder).rglob("*")):
                if source.is_file() and not source.name.startswith("."):
                    self.upload(source, source.relative_to(folder).as_posix())
        finally:
            shutil.rmtree(folder, ignore_errors=True)


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
        flag = ".failed-once-" + stable_key(task.name)
        if not work.exists(flag):
            work.write_bytes(flag, b"")
            if os.environ.get(FAIL_MODE) == "exit":
                os._exit(1)  # a worker that dies mid-task, as one killed by the OOM killer
            raise RuntimeError(f"task {task.name} failed once (a test asked it to)")
    with work.task_scope() as scoped:
        summary = task.fn(scoped, *task.args)
    return work.finish(task.name, summary)


__all__ = ["FAIL_MODE", "FAIL_ONCE", "Task", "WorkDir", "bucket_of", "run_task", "stable_key"]
