"""Reading files safely: one pass to parse and hash (a snapshot), bounded reads, gzip checks."""

from __future__ import annotations

import hashlib
import io
import os
import zlib
from pathlib import Path
from typing import Any, BinaryIO

CHUNK = 1 << 20


class TooLarge(Exception):
    """Raised by :func:`read_bounded` past its limit (a document too large, a gzip bomb)."""


class Snapshot(io.RawIOBase):
    """A file read as it was when opened: at most ``size`` bytes (its size then), hashed as
    they are read.

    A file that grows while it is read (a crawl still being written) is parsed up to the size
    it had, and its digest is that of exactly those bytes; one that shrinks is hashed as far
    as it could be read. ``observe`` sees every chunk too (e.g. a :class:`GzipCheck`), so one
    pass over the file does everything.

    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile(delete=False) as f:
    ...     _ = f.write(b"hello")
    >>> snap = Snapshot.open(Path(f.name))
    >>> with open(f.name, "ab") as grow:
    ...     _ = grow.write(b" world")
    >>> snap.read(), snap.hexdigest() == hashlib.sha256(b"hello").hexdigest()
    (b'hello', True)
    >>> snap.close(); os.unlink(f.name)
    """

    def __init__(self, raw: BinaryIO, size: int, observe: Any = None) -> None:
        super().__init__()
        self._raw = raw
        # The size the file had when opened: no byte past it is read.
        self.size = size
        self._left = size
        self._digest = hashlib.sha256()
        self.observe = observe

    @classmethod
    def open(cls, path: Path, observe: Any = None) -> Snapshot:
        raw = path.open("rb")
        try:
            size = os.fstat(raw.fileno()).st_size
        except OSError:
            raw.close()
            raise
        return cls(raw, size, observe)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        want = min(len(view), self._left)
        if want <= 0:
            return 0
        data = self._raw.read(want)
        view[:len(data)] = data
        self._left -= len(data) if data else self._left  # a file that shrank ends here
        self._digest.update(data)
        if self.observe is not None and data:
            self.observe.feed(data)
        return len(data)

    def drain(self) -> None:
        """Read (and hash) what the parser left, up to the size the file had."""
        while self.read(CHUNK):
            pass

    def hexdigest(self) -> str:
        return self._digest.hexdigest()

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


class Rewound(io.RawIOBase):
    """A stream whose first bytes were already read (to tell what the file is): they are
    served again, then the rest of the stream.

    >>> Rewound(b"ab", io.BytesIO(b"cd")).read()
    b'abcd'
    """

    def __init__(self, head: bytes, rest: Any) -> None:
        super().__init__()
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self._head:
            size = min(len(view), len(self._head))
            view[:size] = self._head[:size]
            self._head = self._head[size:]
            return size
        data = self._rest.read(len(view))
        view[:len(data)] = data
        return len(data)


def read_head(stream: Any, size: int) -> bytes:
    """The first ``size`` bytes of a raw stream (fewer at its end)."""
    parts, got = [], 0
    while got < size and (part := stream.read(size - got)):
        parts.append(part)
        got += len(part)
    return b"".join(parts)


def snapshot_digest(path: Path) -> str:
    """The sha256 of a file as :class:`Snapshot` would record it (the early check of an
    existing version compares these with the manifest's)."""
    with Snapshot.open(path) as snap:
        snap.drain()
        return snap.hexdigest()


class GzipCheck:
    """Decompress-and-discard gzip data (several members in a row) to see that it is whole."""

    def __init__(self) -> None:
        self._member = zlib.decompressobj(wbits=47)
        self._inside = False  # some bytes of the current member were seen
        self.broken = False

    def feed(self, data: bytes) -> None:
        while data and not self.broken:
            if not self._inside and not data.strip(b"\x00"):
                return  # zero padding between or after members
            self._inside = True
            try:
                self._member.decompress(data, 1)  # keep at most one byte of output
                while self._member.unconsumed_tail and not self._member.eof:
                    self._member.decompress(self._member.unconsumed_tail, CHUNK)
            except zlib.error:
                self.broken = True
                return
            if not self._member.eof:
                return
            data = self._member.unused_data
            self._member = zlib.decompressobj(wbits=47)
            self._inside = False

    @property
    def complete(self) -> bool:
        return not self.broken and not self._inside


def read_bounded(stream: Any, limit: int) -> bytes:
    """Read a stream to its end, or raise TooLarge past ``limit`` bytes (a gzip bomb)."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise TooLarge
    return data


def skip_line(stream: BinaryIO) -> None:
    while (chunk := stream.readline(CHUNK)) and not chunk.endswith(b"\n"):
        pass


__all__ = ["CHUNK", "GzipCheck", "Rewound", "Snapshot", "TooLarge", "read_bounded", "read_head",
           "skip_line", "snapshot_digest"]
