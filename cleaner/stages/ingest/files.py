"""Reading files safely: one streaming pass for digest and head, bounded reads, gzip checks."""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

CHUNK = 1 << 20


class TooLarge(Exception):
    """Raised by :func:`read_bounded` past its limit (a document too large, a gzip bomb)."""


@dataclass
class FileFacts:
    """What one streaming pass over a file tells: its sha256 and first bytes."""

    digest: str
    head: bytes


def file_facts(path: Path) -> FileFacts:
    """Hash a file and keep its first bytes for sniffing."""
    digest = hashlib.sha256()
    head = b""
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            head = head or chunk[:64]
            digest.update(chunk)
    return FileFacts(digest.hexdigest(), head)


def gzip_complete(path: Path) -> bool:
    """Whether every gzip member of a file ends properly (a truncated download does not).

    Checking costs one decompression without keeping the output; it is what reveals a
    truncated ``.warc.gz``, whose last records warcio would otherwise drop without a word.
    (A truncated plain ``.gz`` fails when it is read: it needs no check.)
    """
    check = GzipCheck()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            check.feed(chunk)
    return check.complete


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


__all__ = ["CHUNK", "FileFacts", "TooLarge", "file_facts", "gzip_complete", "read_bounded",
           "skip_line"]
