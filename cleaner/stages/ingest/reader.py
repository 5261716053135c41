"""Ingest: find the input documents and read their raw bytes.

The :class:`Reader` walks files and folders in a sorted, deterministic order and yields one
:class:`~cleaner.document.Document` per input document, with its raw ``data`` left for the
decode step (:mod:`cleaner.stages.decode`) to turn into text. Containers are opened here:

* ``.gz`` of anything (sniffed by its magic bytes, whatever the name);
* WARC files (``.warc``, ``.warc.gz``): one document per ``response``/``resource`` record,
  with the URL and date of the record and the charset of its HTTP header;
* JSON / JSONL records: the fields that hold text or HTML, id, URL, date, title and author
  are configurable (:class:`IngestConfig`);
* anything else is one document (HTML, text, Markdown with front matter...), its kind
  decided from content by the decode step.

Whatever cannot even be read becomes a :class:`~cleaner.document.Removal` (step ``ingest``)
with a reason, so nothing is lost silently and the build goes on:

* ``too_large`` — a document over ``max_file_bytes`` (also after decompression: gzip bombs);
* ``outside_input`` — a symlink leaving the input folder (not followed); ``symlink`` — any
  symlink when ``follow_symlinks = false``;
* ``corrupt_archive`` — truncated or damaged gzip / WARC (records before the damage kept);
* ``malformed_record`` — a JSON(L) record that is not JSON, not an object, or has no text;
* ``http_status`` / ``unsupported_type`` — WARC responses that are errors or not documents
  (images, scripts...);
* ``unreadable`` — permissions, broken symlinks, special files.

Source names follow docs/version-format.md: the path relative to the folder it was found
under (POSIX separators), a file given directly by its path as given, ``path#N`` for the N-th
line of a JSONL file (the N-th item of a JSON array) and ``path#<record id>`` for a WARC
record. When two inputs hold the same relative name, the second is named by its full path (ids
stay unique). A folder's files come in the sorted order of their sources.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import stat
import zlib
from collections.abc import Iterator
from pathlib import Path

from cleaner.document import Document, Removal
from cleaner.stages.ingest.config import IngestConfig
from cleaner.stages.ingest.files import TooLarge, file_facts, gzip_complete, read_bounded
from cleaner.stages.ingest.kinds import (
    GZIP_MAGIC,
    content_type_from_name,
    is_jsonl_name,
    is_warc,
    looks_like_json,
)
from cleaner.stages.ingest.records import new_document, read_json, read_warc, removal, too_large


def _posix(path: Path) -> str:
    return clean_name(path.as_posix())


def clean_name(name: str) -> str:
    """A file name safe to use as a source: undecodable bytes (from a non-UTF-8 file system)
    become U+FFFD instead of lone surrogates that cannot be written anywhere.

    >>> clean_name("caf\\udce9.txt")
    'caf\ufffd.txt'
    """
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


class Reader:
    """Read input files and folders into documents (or removals), in sorted order.

    >>> reader = Reader(IngestConfig())
    >>> items = list(reader.read([Path("seeds")]))  # doctest: +SKIP
    """

    def __init__(self, config: IngestConfig) -> None:
        self.config = config
        # Source name of every input file read -> sha256 of its bytes (for the manifest).
        self.file_digests: dict[str, str] = {}
        # Hidden files skipped (not documents: .git, .DS_Store...), for the build summary.
        self.skipped: list[str] = []

    # Walking ------------------------------------------------------------------------------

    def read(self, paths: list[Path]) -> Iterator[Document | Removal]:
        """Yield every document found under ``paths``; folders are read recursively.

        A missing path raises FileNotFoundError before anything is read.
        """
        paths = [Path(p) for p in paths]
        for path in paths:
            if not path.exists() and not path.is_symlink():
                raise FileNotFoundError(f"input not found: {path}")
        for path in sorted(paths, key=_posix):
            if path.is_dir():
                yield from self._read_folder(path)
            else:
                yield from self._read_file(path, _posix(path))

    def _read_folder(self, root: Path) -> Iterator[Document | Removal]:
        """Every file under ``root``, in the order of their sources (relative POSIX paths)."""
        real_root = Path(os.path.realpath(root))
        found = sorted(self._walk(root, real_root, "", {real_root}),
                       key=lambda item: item.source if isinstance(item, Removal) else item[0])
        for item in found:
            if isinstance(item, Removal):
                yield item
            else:
                yield from self._read_file(item[1], item[0])

    def _walk(self, folder: Path, real_root: Path, prefix: str,
              visited: set[Path]) -> Iterator[tuple[str, Path] | Removal]:
        """(source, path) of each file to read under ``folder``, or a removal saying why not.

        Symlinks are followed only while they stay inside the input folder, and each folder
        is entered once (symlink loops end).
        """
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)  # deterministic walk
        except OSError as error:
            yield removal(prefix.rstrip("/") or _posix(folder), "unreadable", str(error))
            return
        for entry in entries:
            source = prefix + clean_name(entry.name)
            if self.config.skip_hidden and entry.name.startswith("."):
                self.skipped.append(source)
                continue
            path = Path(entry.path)
            is_dir = entry.is_dir(follow_symlinks=False)
            if entry.is_symlink():
                real = Path(os.path.realpath(path))
                if not real.exists():
                    yield removal(source, "unreadable", "broken symlink")
                    continue
                if real != real_root and real_root not in real.parents:
                    yield removal(source, "outside_input",
                                  "symlink leaves the input folder; not followed")
                    continue
                if not self.config.follow_symlinks:
                    yield removal(source, "symlink", "symlinks are not followed "
                                  "(ingest.follow_symlinks = false)")
                    continue
                is_dir = real.is_dir()
            if is_dir:
                real = Path(os.path.realpath(path))
                if real not in visited:  # else a loop, or a folder reached twice
                    visited.add(real)
                    yield from self._walk(path, real_root, source + "/", visited)
                continue
            if self.config.extensions and not entry.name.lower().endswith(
                    tuple(e.lower() for e in self.config.extensions)):
                self.skipped.append(source)
                continue
            yield source, path

    # One file -----------------------------------------------------------------------------

    def _read_file(self, path: Path, source: str) -> Iterator[Document | Removal]:
        if source in self.file_digests:
            # Two inputs hold files of the same relative name: keep both, the second one
            # named by its full path so that ids stay unique.
            source = _posix(path)
        try:
            info = path.stat()
        except OSError as error:
            yield removal(source, "unreadable", str(error))
            return
        if not stat.S_ISREG(info.st_mode):
            yield removal(source, "unreadable", "not a regular file")
            return
        try:
            facts = file_facts(path)
        except OSError as error:
            yield removal(source, "unreadable", str(error))
            return
        self.file_digests[source] = facts.digest
        head = facts.head
        try:
            if is_warc(path, head):
                complete = not head.startswith(GZIP_MAGIC) or gzip_complete(path)
                yield from read_warc(path, source, self.config, complete)
            elif head.startswith(GZIP_MAGIC):
                yield from self._read_gzip(path, source)
            elif looks_like_json(path.name, head):
                if info.st_size > self.config.max_file_bytes and not is_jsonl_name(path.name):
                    # A JSON array must be loaded whole; JSONL is streamed line by line.
                    yield too_large(source, info.st_size, self.config.max_file_bytes)
                    return
                with path.open("rb") as stream:
                    yield from read_json(stream, source, path.name, self.config)
            elif info.st_size > self.config.max_file_bytes:
                yield too_large(source, info.st_size, self.config.max_file_bytes)
            else:
                yield new_document(source, path.read_bytes(), content_type_from_name(path.name))
        except OSError as error:
            yield removal(source, "unreadable", f"{type(error).__name__}: {error}")

    def _read_gzip(self, path: Path, source: str) -> Iterator[Document | Removal]:
        """A gzip file holding one document or a JSON(L) file (WARC is read by warcio)."""
        inner_name = re.sub(r"\.(gz|gzip)$", "", path.name, flags=re.IGNORECASE)
        try:
            with gzip.open(path, "rb") as stream:
                head = stream.peek(64)[:64]
                if looks_like_json(inner_name, head) and is_jsonl_name(inner_name):
                    yield from read_json(stream, source, inner_name, self.config)
                    return
                data = read_bounded(stream, self.config.max_file_bytes)
        except TooLarge:
            yield too_large(source, None, self.config.max_file_bytes, "after decompression")
            return
        except (OSError, EOFError, zlib.error) as error:
            yield removal(source, "corrupt_archive", f"gzip: {type(error).__name__}: {error}")
            return
        if looks_like_json(inner_name, data[:64]):
            yield from read_json(io.BytesIO(data), source, inner_name, self.config)
        else:
            yield new_document(source, data, content_type_from_name(path.name))


__all__ = ["Reader", "clean_name"]
