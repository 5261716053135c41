"""Ingest: find the input documents and read their raw bytes.

The :class:`Reader` walks files and folders in a sorted, deterministic order and yields one
:class:`~cleaner.document.Document` per input document, with its raw ``data`` left for the
decode step (:mod:`cleaner.stages.decode`) to turn into text. Containers are opened here:

* ``.gz`` of anything (sniffed by its magic bytes, whatever the name);
* WARC files (``.warc``, ``.warc.gz``): one document per ``response``/``resource`` record,
  with the URL and crawl date of the record and the charset of its HTTP header;
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

Each file is read once, as a :class:`~cleaner.stages.ingest.files.Snapshot`: up to the size
it had when opened, hashed as it is parsed, so the manifest's digest is that of exactly the
bytes the documents came from (a crawl still growing is read as it was).

Names follow docs/version-format.md (:mod:`cleaner.stages.ingest.names`): the path relative
to the folder it was found under, a file given directly by its file name, ``path#<id>`` for a
record with an id. The output folder and built versions inside an input folder are never read.
"""

from __future__ import annotations

import dataclasses
import gzip
import io
import os
import re
import stat
import zlib
from collections.abc import Iterator
from pathlib import Path

from cleaner.document import Document, Removal, document_id
from cleaner.errors import InputError
from cleaner.stages.ingest.config import IngestConfig
from cleaner.stages.ingest.files import (
    CHUNK,
    GzipCheck,
    Rewound,
    Snapshot,
    TooLarge,
    read_bounded,
    read_head,
    snapshot_digest,
)
from cleaner.stages.ingest.kinds import (
    GZIP_MAGIC,
    content_type_from_name,
    is_jsonl_name,
    is_warc,
    looks_like_json,
)
from cleaner.stages.ingest.names import Entry, clean_name, is_version_folder, name_entries
from cleaner.stages.ingest.records import new_document, read_json, read_warc, removal, too_large

# Bytes of a file looked at to tell what it is (gzip, WARC, JSON).
HEAD_BYTES = 4096


class UnsortedWalk(Exception):
    """A streamed walk met what only the listing sorted whole can order
    (:meth:`Reader.plan_stream`)."""


def _source_order(entry: os.DirEntry) -> tuple[str, str]:
    """Where an entry's sources sort among its siblings': a folder's as ``name/`` (a prefix
    of each of its sources), a file's as its name; cleaned names first (the sources)."""
    try:
        is_dir = entry.is_dir(follow_symlinks=False)
    except OSError:
        is_dir = False
    return clean_name(entry.name) + ("/" if is_dir else ""), entry.name


class Reader:
    """Read input files and folders into documents (or removals), in sorted order.

    ``exclude`` names folders never read (the output folder: a build must not read what it
    wrote).

    >>> reader = Reader(IngestConfig())
    >>> items = list(reader.read([Path("seeds")]))  # doctest: +SKIP
    """

    def __init__(self, config: IngestConfig, exclude: list[Path] | tuple[Path, ...] = ()) -> None:
        self.config = config
        self.exclude = {Path(os.path.realpath(p)) for p in exclude}
        # Source name of every input file read -> sha256 of its bytes (for the manifest).
        self.file_digests: dict[str, str] = {}
        # What was not read and is not a document (.git, .DS_Store, the output folder...),
        # for the build summary.
        self.skipped: list[str] = []
        self._seen: set[str] = set()

    # Planning -----------------------------------------------------------------------------

    def plan(self, paths: list[Path]) -> list[Entry | Removal]:
        """Every input file under ``paths`` named by its source (or a removal saying why it
        cannot be read), sorted by source; nothing is read yet.

        Raises :class:`InputError` for a missing input or one inside an excluded folder.
        """
        paths = [Path(p) for p in paths]
        self.check_inputs(paths)
        roots: dict[str, Path] = {}
        for path in paths:  # the same folder given twice is read once
            roots.setdefault(os.path.abspath(path), path)
        found: list[tuple[Path, Entry | Removal]] = []
        for path in roots.values():
            if path.is_dir():
                real_root = Path(os.path.realpath(path))
                found.extend((path, item) for item in self._walk(path, real_root, "", {real_root}))
            else:
                found.append((path, Entry(clean_name(path.name), path)))
        return name_entries(found, self.skipped)

    def plan_stream(self, paths: list[Path]) -> Iterator[Entry | Removal]:
        """:meth:`plan`'s items in the same order, listed as they are found: for one input
        folder the walk holds one folder's names per level, never the whole listing (a corpus
        of hundreds of millions of files).

        Folders are walked in name order with a folder's name sorted as ``name/``, which is
        the order of the sources themselves (``a.txt`` < ``a/x`` as ``.`` < ``/``). Where a
        walk cannot give that order (several inputs, a symlink to a folder, names equal once
        cleaned, an unreadable folder named like a sibling file), :class:`UnsortedWalk` is
        raised before an item out of order is yielded: list again with :meth:`plan`.
        """
        paths = [Path(p) for p in paths]
        if len({os.path.abspath(p) for p in paths}) != 1 or not paths[0].is_dir():
            yield from self.plan(paths)
            return
        self.check_inputs(paths)
        path = paths[0]
        real_root = Path(os.path.realpath(path))
        last: str | None = None
        for item in self._walk(path, real_root, "", {real_root}, streamed=True):
            if last is not None and item.source <= last:
                raise UnsortedWalk(f"{item.source!r} comes after {last!r}")
            last = item.source
            yield item

    def check_inputs(self, paths: list[Path]) -> None:
        """Raise :class:`InputError` for a missing input, one inside an excluded folder, or a
        built version (before anything is listed or written)."""
        for path in map(Path, paths):
            if not path.exists() and not path.is_symlink():
                raise InputError(f"input not found: {path}")
            real = Path(os.path.realpath(path))
            for excluded in self.exclude:
                if real == excluded or excluded in real.parents:
                    raise InputError(f"input {path} is inside the output folder {excluded.name}: "
                                     "a build never reads what builds wrote")
            if path.is_dir() and is_version_folder(path):
                raise InputError(f"input {path} is a built version: a build never reads one")

    def _walk(self, folder: Path, real_root: Path, prefix: str, visited: set[Path],
              streamed: bool = False) -> Iterator[Entry | Removal]:
        """Each file to read under ``folder``, or a removal saying why not.

        Symlinks are followed only while they stay inside the input folder, and each folder
        is entered once (symlink loops end). Depth-first in name order, with a stack of its
        own rather than recursion: folders nested thousands deep do not exhaust Python's
        stack. ``streamed``: in the order of the sources (see :meth:`plan_stream`); no
        folder is reached twice without a symlink to a folder, so none is remembered.
        """
        listing = self._listing(folder, prefix, streamed)
        if isinstance(listing, Removal):
            yield listing
            return
        # (entries left, their source prefix, the real path of their folder)
        stack: list[tuple[Iterator[os.DirEntry], str, Path]] = [
            (iter(listing), prefix, Path(os.path.realpath(folder)))]
        while stack:
            entries, prefix, real_folder = stack[-1]
            entry = next(entries, None)
            if entry is None:
                stack.pop()
                continue
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
                if is_dir and streamed:  # which path enters it first depends on the order
                    raise UnsortedWalk(f"{source!r} is a symlink to a folder")
            if is_dir:
                # A real folder's real path is its parent's plus its name; resolving every
                # path again would cost a call per level (quadratic in the depth).
                real = (Path(os.path.realpath(path)) if entry.is_symlink()
                        else real_folder / entry.name)
                if real in self.exclude:
                    self.skipped.append(source + "/ (the output folder)")
                elif is_version_folder(path):
                    self.skipped.append(source + "/ (a built version)")
                elif streamed or real not in visited:  # else a loop, or reached twice
                    if not streamed:
                        visited.add(real)
                    listing = self._listing(path, source + "/", streamed)
                    if isinstance(listing, Removal):
                        yield listing
                    else:
                        stack.append((iter(listing), source + "/", real))
                continue
            if self.config.extensions and not entry.name.lower().endswith(
                    tuple(e.lower() for e in self.config.extensions)):
                self.skipped.append(source)
                continue
            yield Entry(source, path)

    @staticmethod
    def _listing(folder: Path, prefix: str,
                 streamed: bool = False) -> list[os.DirEntry] | Removal:
        """The entries of ``folder`` in name order (a deterministic walk), or why not;
        ``streamed``: in the order of their sources (see :meth:`plan_stream`)."""
        try:
            with os.scandir(folder) as entries:
                if streamed:
                    return sorted(entries, key=_source_order)
                return sorted(entries, key=lambda e: e.name)
        except OSError as error:
            return removal(prefix.rstrip("/") or clean_name(folder.name), "unreadable",
                           str(error))

    # Reading ------------------------------------------------------------------------------

    def read(self, paths: list[Path]) -> Iterator[Document | Removal]:
        """Every document found under ``paths``, in order; folders are read recursively.

        A missing path raises :class:`InputError` here, before anything is read.
        """
        return self.read_plan(self.plan(paths))

    def read_plan(self, plan: list[Entry | Removal]) -> Iterator[Document | Removal]:
        """The documents of planned entries (all of :meth:`plan`, or a shard of it), in order."""
        for item in plan:
            if isinstance(item, Removal):
                yield self._unique(item)
            else:
                for read in self._read_file(item.path, item.source):
                    yield self._unique(read)

    def digests(self, paths: list[Path]) -> dict[str, str]:
        """Source -> sha256 of every input file, as a build would record them, without parsing
        (to tell before a build whether an existing version was built from the same inputs)."""
        out: dict[str, str] = {}
        for item in self.plan(paths):
            if isinstance(item, Entry):
                try:
                    if stat.S_ISREG(item.path.stat().st_mode):
                        out[item.source] = snapshot_digest(item.path)
                except OSError:
                    continue  # an unreadable file has no digest in the manifest either
        return out

    def _unique(self, item: Document | Removal) -> Document | Removal:
        """The item, renamed ``source~2``, ``source~3``... when its source was already used
        (a record id or a URL repeated in one file): ids stay unique, in reading order."""
        source, number = item.source, 1
        while source in self._seen:
            number += 1
            source = f"{item.source}~{number}"
        self._seen.add(source)
        if source == item.source:
            return item
        if isinstance(item, Removal):
            return dataclasses.replace(item, source=source, id=document_id(source))
        item.source, item.id, item.cluster = source, document_id(source), document_id(source)
        return item

    def _read_file(self, path: Path, source: str) -> Iterator[Document | Removal]:
        try:
            info = path.stat()
        except OSError as error:
            yield removal(source, "unreadable", str(error))
            return
        if not stat.S_ISREG(info.st_mode):
            yield removal(source, "unreadable", "not a regular file")
            return
        try:
            snap = Snapshot.open(path)
        except OSError as error:
            yield removal(source, "unreadable", str(error))
            return
        with snap:
            try:
                yield from self._parse(snap, path, source)
                snap.drain()
            except OSError as error:
                yield removal(source, "unreadable", f"{type(error).__name__}: {error}")
            self.file_digests[source] = snap.hexdigest()

    def _parse(self, snap: Snapshot, path: Path, source: str) -> Iterator[Document | Removal]:
        """The documents of one file, read from its snapshot."""
        head = read_head(snap, HEAD_BYTES)
        size = snap.size
        check = GzipCheck() if is_warc(head) and head.startswith(GZIP_MAGIC) else None
        if check is not None:  # sees every byte, the head included
            check.feed(head)
            snap.observe = check
        stream = io.BufferedReader(Rewound(head, snap), CHUNK)
        if is_warc(head):

            def complete() -> bool:  # a truncated .warc.gz: warcio drops its end silently
                stream.read()
                return check is None or check.complete

            yield from read_warc(stream, source, self.config, complete)
        elif head.startswith(GZIP_MAGIC):
            yield from self._read_gzip(stream, path, source)
        elif looks_like_json(path.name, head):
            if size > self.config.max_file_bytes and not is_jsonl_name(path.name):
                # A JSON array must be loaded whole; JSONL is streamed line by line.
                yield too_large(source, size, self.config.max_file_bytes)
                return
            yield from read_json(stream, source, path.name, self.config)
        elif size > self.config.max_file_bytes:
            yield too_large(source, size, self.config.max_file_bytes)
        else:
            yield new_document(source, stream.read(), content_type_from_name(path.name))

    def _read_gzip(self, raw: io.BufferedReader, path: Path, source: str
                   ) -> Iterator[Document | Removal]:
        """A gzip file holding one document or a JSON(L) file (WARC is read by warcio)."""
        inner_name = re.sub(r"\.(gz|gzip)$", "", path.name, flags=re.IGNORECASE)
        try:
            with gzip.GzipFile(fileobj=raw, mode="rb") as stream:
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


__all__ = ["Entry", "Reader", "UnsortedWalk", "clean_name"]
