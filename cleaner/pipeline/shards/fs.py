"""Where a work directory lives: a local folder, or any file system pyarrow reaches by URI
(``file://``, ``s3://``, ``gs://``, ``hdfs://``, ``abfs://``), and reading matrix rows there.

A location is a plain string, so a task's arguments stay small and picklable; each process
resolves it once to a ``pyarrow.fs.FileSystem`` and a base path. Object stores (S3, GCS,
Azure) have no rename but write an object whole or not at all, which the work directory
relies on instead (:mod:`cleaner.pipeline.shards.work`).
"""

from __future__ import annotations

import io
import itertools
import os
import re
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from cleaner.errors import BuildError, UsageError

if TYPE_CHECKING:
    import numpy as np
    from pyarrow.fs import FileSystem

_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
# pyarrow's names of the object stores: no rename, no directories, whole-object writes.
OBJECT_STORES = frozenset({"s3", "gcs", "abfs"})
# A remote matrix is read by blocks of about this size; the blocks kept in one process
# are bounded by BLOCK_CACHE bytes (least recently used go first).
BLOCK_BYTES = 1 << 20
BLOCK_CACHE = 64 << 20


def is_uri(location: str) -> bool:
    """Whether ``location`` is a URI (``scheme://…``) rather than a local path.

    >>> is_uri("s3://bucket/work"), is_uri("file:///tmp/w"), is_uri("/tmp/w"), is_uri("w")
    (True, True, False, False)
    """
    return bool(_URI.match(location))


def normal_location(location: str | os.PathLike[str]) -> str:
    """A location every worker reads the same way: a URI as given, a path made absolute
    (a worker, such as a Ray node's, may run in another folder).

    >>> normal_location("s3://b/w?scheme=http") == "s3://b/w?scheme=http"
    True
    >>> normal_location("work") == os.path.join(os.getcwd(), "work")
    True
    """
    text = os.fspath(location)
    return text if is_uri(text) else os.path.abspath(text)


def shown(location: str) -> str:
    """``location`` fit for a message: no user or password, no query (keys may be there).

    >>> shown("s3://KEY:SECRET@bucket/work?endpoint_override=h:9000")
    's3://bucket/work'
    >>> shown("/data/work")
    '/data/work'
    """
    if not is_uri(location):
        return location
    scheme, rest = location.split("://", 1)
    rest = rest.split("?", 1)[0]
    host, slash, path = rest.partition("/")
    return f"{scheme}://{host.rpartition('@')[2]}{slash}{path}"


# Resolved locations of this process. A forked worker starts afresh: its parent's clients
# hold the parent's connections (two processes on one socket would mix their requests); they
# are kept, unused, rather than destroyed in the child (which could close the parent's
# sessions).
_RESOLVED: dict[str, tuple[FileSystem | None, str]] = {}
_INHERITED: list[dict] = []


def _forget_parents_clients() -> None:
    _INHERITED.append(dict(_RESOLVED))
    _RESOLVED.clear()


os.register_at_fork(after_in_child=_forget_parents_clients)


def resolve(location: str) -> tuple[FileSystem | None, str]:
    """The pyarrow file system and base path of ``location``, made once per process (an S3
    client once, not per file); no file system (``None``) for a local folder, a path or a
    ``file://`` URI, which Python's own functions serve. A URI pyarrow does not know is a
    usage error.

    >>> resolve("/data/work")
    (None, '/data/work')
    """
    found = _RESOLVED.get(location)
    if found is None:
        found = _RESOLVED[location] = _resolve(location)
    return found


def _resolve(location: str) -> tuple[FileSystem | None, str]:
    if not is_uri(location):
        return None, os.path.abspath(location)
    from pyarrow import fs

    try:
        filesystem, path = fs.FileSystem.from_uri(location)
    except (ValueError, OSError, ImportError) as error:  # ArrowInvalid is a ValueError
        first = (str(error).splitlines() or [""])[0][:200]
        raise UsageError(f"--work-dir {shown(location)}: pyarrow cannot open it ({first})"
                         ) from None
    if filesystem.type_name == "local":
        return None, os.path.abspath(path)
    path = path.rstrip("/")
    if filesystem.type_name in OBJECT_STORES and "/" not in path:
        # The work directory is deleted after success: never a whole bucket.
        raise UsageError(f"--work-dir {shown(location)}: name a folder inside the bucket "
                         f"(such as {shown(location).rstrip('/')}/work), not the bucket")
    return filesystem, path


def check_reachable(location: str) -> None:
    """Fail now, in one line, when the work directory cannot be written (an unreachable
    endpoint, a missing bucket, no permission), rather than in every task later: a small
    probe file is written and removed."""
    import secrets

    filesystem, base = resolve(location)
    probe = f"{base}/.probe-{secrets.token_hex(6)}"
    try:
        if filesystem is None:
            os.makedirs(base, exist_ok=True)
            with open(probe, "wb") as out:
                out.write(b"cleaner")
            os.unlink(probe)
            return
        if filesystem.type_name not in OBJECT_STORES:
            filesystem.create_dir(base, recursive=True)
        with filesystem.open_output_stream(probe) as out:
            out.write(b"cleaner")
        filesystem.delete_file(probe)
    except OSError as error:
        first = (str(error).splitlines() or [""])[0][:300]
        raise BuildError(f"work directory {shown(location)} cannot be written: {first}"
                         ) from None


class _Blocks:
    """Blocks of remote files kept in this process, least recently used dropped first once
    they hold more than ``limit`` bytes (thread-safe: Ray may run tasks on threads)."""

    def __init__(self, limit: int) -> None:
        self.limit, self.size = limit, 0
        self._items: OrderedDict[tuple[int, int], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[int, int]) -> bytes | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: tuple[int, int], value: bytes) -> None:
        with self._lock:
            if key in self._items:
                return
            self._items[key] = value
            self.size += len(value)
            while self.size > self.limit and len(self._items) > 1:
                _, dropped = self._items.popitem(last=False)
                self.size -= len(dropped)


_BLOCKS = _Blocks(BLOCK_CACHE)
_READERS = itertools.count()


class RowReader:
    """Rows of a 2-D ``.npy`` matrix on a file system that cannot be memory-mapped, read by
    blocks of about :data:`BLOCK_BYTES` with ranged reads (``read_at``): a task reads what
    its rows need, and the blocks it keeps are bounded per process (:data:`BLOCK_CACHE`).
    Indexing is numpy's for rows: an int gives a row, a slice or a list of ints a matrix.
    """

    def __init__(self, filesystem: FileSystem, path: str) -> None:
        import numpy as np
        from numpy.lib import format as npy

        self._file = filesystem.open_input_file(path)
        head = io.BytesIO(self._file.read_at(min(self._file.size(), 1 << 16), 0))
        version = npy.read_magic(head)
        read_header = (npy.read_array_header_1_0 if version == (1, 0)
                       else npy.read_array_header_2_0)
        shape, fortran, dtype = read_header(head)
        if len(shape) != 2 or fortran:
            raise ValueError(f"{path}: not a C-ordered 2-D matrix")
        self.shape: tuple[int, int] = (int(shape[0]), int(shape[1]))
        self.dtype = np.dtype(dtype)
        self.ndim = 2
        self._offset = head.tell()
        self._row_bytes = self.shape[1] * self.dtype.itemsize
        self._rows_per_block = max(1, BLOCK_BYTES // max(1, self._row_bytes))
        self._token = next(_READERS)  # blocks of this reader only: never a stale file's

    def __len__(self) -> int:
        return self.shape[0]

    def _block(self, number: int) -> bytes:
        key = (self._token, number)
        data = _BLOCKS.get(key)
        if data is None:
            first = number * self._rows_per_block
            rows = min(self._rows_per_block, self.shape[0] - first)
            data = self._file.read_at(rows * self._row_bytes,
                                      self._offset + first * self._row_bytes)
            _BLOCKS.put(key, data)
        return data

    def row(self, row: int) -> np.ndarray:
        """One row (read-only, as a memory-mapped one)."""
        import numpy as np

        if not -self.shape[0] <= row < self.shape[0]:
            raise IndexError(f"row {row} out of range for {self.shape[0]} rows")
        row %= max(1, self.shape[0])
        number, within = divmod(row, self._rows_per_block)
        return np.frombuffer(self._block(number), dtype=self.dtype, count=self.shape[1],
                             offset=within * self._row_bytes)

    def __getitem__(self, index: Any) -> np.ndarray:
        import numpy as np

        if isinstance(index, (int, np.integer)):
            return self.row(int(index))
        if isinstance(index, tuple):  # matrix[rows, columns]
            picked = self[index[0]]
            return picked[index[1:]] if picked.ndim == 1 else picked[(slice(None), *index[1:])]
        rows = np.arange(self.shape[0])[index]
        if not len(rows):
            return np.empty((0, self.shape[1]), dtype=self.dtype)
        return np.stack([self.row(int(r)) for r in rows])

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        whole = self[:]
        return whole if dtype is None else whole.astype(dtype)


__all__ = ["BLOCK_BYTES", "BLOCK_CACHE", "OBJECT_STORES", "RowReader", "check_reachable",
           "is_uri", "normal_location", "resolve", "shown"]
