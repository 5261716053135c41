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

Source names follow CONTRACT.md: the path relative to the folder it was found under (POSIX
separators), a file given directly by its path as given, ``path#N`` for the N-th line of a
JSONL file (the N-th item of a JSON array) and ``path#<record id>`` for a WARC record. When
two inputs hold the same relative name, the second is named by its full path (ids stay
unique). A folder's files come in the sorted order of their sources.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import re
import stat
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any, BinaryIO

from cleaner.document import Document, Removal, document_id
from cleaner.text.dates import parse_date

GZIP_MAGIC = b"\x1f\x8b"
WARC_MAGIC = b"WARC/"
CHUNK = 1 << 20


@dataclass
class IngestConfig:
    """``[ingest]``: which files are read, how large they may be, and JSON field names."""

    # A single document (a file, a decompressed .gz, a WARC record, a JSON record) larger than
    # this is not read (reason ``too_large``). Streamed containers (WARC, JSONL) may be larger.
    max_file_bytes: int = 64 * 1024 * 1024
    # Follow symlinks that stay inside the input folder. Links leaving it are never followed
    # (reason ``outside_input``).
    follow_symlinks: bool = True
    # Skip files and folders whose name starts with "." inside input folders (.git, .DS_Store).
    skip_hidden: bool = True
    # File name endings read from folders (case-insensitive). Empty: every file is read and its
    # kind is decided from content. Files given directly are always read.
    extensions: list[str] = field(default_factory=list)
    # JSON / JSONL record fields, tried in order; the first one present and non-empty wins.
    json_html_fields: list[str] = field(
        default_factory=lambda: ["html", "raw_html", "content_html", "body_html"])
    json_text_fields: list[str] = field(
        default_factory=lambda: ["text", "content", "body", "article", "maintext", "raw_content"])
    json_id_fields: list[str] = field(default_factory=lambda: ["id", "doc_id", "_id", "uuid"])
    json_url_fields: list[str] = field(
        default_factory=lambda: ["url", "link", "source_url", "canonical_url", "uri"])
    json_date_fields: list[str] = field(default_factory=lambda: [
        "published", "date", "date_published", "published_at", "publish_date", "pubdate",
        "datePublished", "created_at", "timestamp"])
    json_title_fields: list[str] = field(default_factory=lambda: ["title", "headline"])
    json_author_fields: list[str] = field(
        default_factory=lambda: ["author", "authors", "byline", "creator"])
    # WARC record types read as documents (others, e.g. request/metadata, are not documents).
    warc_record_types: list[str] = field(default_factory=lambda: ["response", "resource"])
    # Repairs applied by the decode step (see cleaner.text.repair.repair_text). Both act only
    # on lines without CJK characters, where curly quotes and full-width forms are artefacts.
    uncurl_quotes: bool = True
    fix_character_width: bool = True
    # Front matter larger than this is not parsed (recorded in meta["front_matter_error"]).
    max_front_matter_bytes: int = 64 * 1024

    def check(self) -> None:
        """Raise ValueError("key: what is wrong") for a bad value."""
        if self.max_file_bytes <= 0:
            raise ValueError("max_file_bytes: must be a positive number of bytes")
        if self.max_front_matter_bytes <= 0:
            raise ValueError("max_front_matter_bytes: must be a positive number of bytes")
        for name in ("json_html_fields", "json_text_fields"):
            if any(not value for value in getattr(self, name)):
                raise ValueError(f"{name}: field names must not be empty")
        if not (self.json_html_fields or self.json_text_fields):
            raise ValueError("json_text_fields: at least one text or HTML field is needed")
        for ending in self.extensions:
            if not ending.startswith("."):
                raise ValueError(f"extensions: {ending!r} should start with '.', e.g. '.html'")


# --- small pure helpers ---------------------------------------------------------------------


def content_type_from_name(name: str) -> str:
    """Guess "html" or "text" from a file name; "" when the name says nothing.

    The decode step checks the guess against the content.

    >>> content_type_from_name("a/page.HTM.gz"), content_type_from_name("notes.md")
    ('html', 'text')
    """
    lower = name.lower()
    for suffix in (".gz", ".gzip"):
        if lower.endswith(suffix):
            lower = lower[: -len(suffix)]
    if lower.endswith((".html", ".htm", ".xhtml", ".shtml", ".php", ".asp", ".aspx", ".jsp")):
        return "html"
    if lower.endswith((".txt", ".text", ".md", ".markdown", ".mdown", ".rst")):
        return "text"
    return ""


def charset_from_content_type(value: str | None) -> str | None:
    """The ``charset`` parameter of an HTTP Content-Type header, lower-cased.

    >>> charset_from_content_type('text/html; charset="GBK"')
    'gbk'
    """
    if not value:
        return None
    message = Message()
    message["content-type"] = value
    charset = message.get_param("charset")
    if isinstance(charset, tuple):  # RFC 2231 form: (charset, language, value)
        charset = charset[2]
    if not isinstance(charset, str):
        return None
    charset = charset.strip().strip("'\"").lower()
    return charset or None


def mime_type(value: str | None) -> str:
    """The bare, lower-cased media type of a Content-Type header.

    >>> mime_type("Text/HTML; charset=utf-8")
    'text/html'
    """
    return (value or "").split(";", 1)[0].strip().lower()


def content_type_from_mime(mime: str) -> str | None:
    """Map a media type to "html", "text" or "" (unknown); None when it is not a document.

    >>> content_type_from_mime("application/xhtml+xml"), content_type_from_mime("image/png")
    ('html', None)
    """
    if not mime:
        return ""
    if mime in ("text/html", "application/xhtml+xml", "application/xml", "text/xml"):
        return "html"
    if mime in ("text/plain", "text/markdown", "text/x-markdown"):
        return "text"
    if mime.startswith(("image/", "audio/", "video/", "font/")) or mime in (
            "text/css", "text/javascript", "application/javascript", "application/json",
            "application/pdf", "application/zip", "application/octet-stream"):
        return None
    if mime.startswith("text/"):
        return ""
    return None


def _first_field(record: dict[str, Any], names: list[str]) -> Any:
    """The first of ``names`` present in ``record`` with a non-empty value."""
    for name in names:
        value = record.get(name)
        if value not in (None, "", [], {}):
            return value
    return None


def _as_text(value: Any) -> str | None:
    """A record value as one string: lists of strings are joined, other types ignored."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return ", ".join(value)
    if isinstance(value, dict):
        return _as_text(value.get("name"))
    return None


def _posix(path: Path) -> str:
    return clean_name(path.as_posix())


def clean_name(name: str) -> str:
    """A file name safe to use as a source: undecodable bytes (from a non-UTF-8 file system)
    become U+FFFD instead of lone surrogates that cannot be written anywhere.

    >>> clean_name("caf\\udce9.txt")
    'caf\ufffd.txt'
    """
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


# --- the reader -----------------------------------------------------------------------------


class _TooLarge(Exception):
    pass


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
            yield self._removal(prefix.rstrip("/") or _posix(folder), "unreadable", str(error))
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
                    yield self._removal(source, "unreadable", "broken symlink")
                    continue
                if real != real_root and real_root not in real.parents:
                    yield self._removal(source, "outside_input",
                                        "symlink leaves the input folder; not followed")
                    continue
                if not self.config.follow_symlinks:
                    yield self._removal(source, "symlink", "symlinks are not followed "
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
            yield self._removal(source, "unreadable", str(error))
            return
        if not stat.S_ISREG(info.st_mode):
            yield self._removal(source, "unreadable", "not a regular file")
            return
        try:
            facts = _file_facts(path)
        except OSError as error:
            yield self._removal(source, "unreadable", str(error))
            return
        self.file_digests[source] = facts.digest
        head = facts.head
        try:
            if _is_warc(path, head):
                complete = not head.startswith(GZIP_MAGIC) or _gzip_complete(path)
                yield from self._read_warc(path, source, complete)
            elif head.startswith(GZIP_MAGIC):
                yield from self._read_gzip(path, source)
            elif _looks_like_json(path.name, head):
                if info.st_size > self.config.max_file_bytes and not _is_jsonl_name(path.name):
                    # A JSON array must be loaded whole; JSONL is streamed line by line.
                    yield self._too_large(source, info.st_size)
                    return
                with path.open("rb") as stream:
                    yield from self._read_json(stream, source, path.name)
            elif info.st_size > self.config.max_file_bytes:
                yield self._too_large(source, info.st_size)
            else:
                yield self._document(source, path.read_bytes(), content_type_from_name(path.name))
        except OSError as error:
            yield self._removal(source, "unreadable", f"{type(error).__name__}: {error}")

    def _read_gzip(self, path: Path, source: str) -> Iterator[Document | Removal]:
        """A gzip file holding one document or a JSON(L) file (WARC is read by warcio)."""
        inner_name = re.sub(r"\.(gz|gzip)$", "", path.name, flags=re.IGNORECASE)
        try:
            with gzip.open(path, "rb") as stream:
                head = stream.peek(64)[:64]
                if _looks_like_json(inner_name, head) and _is_jsonl_name(inner_name):
                    yield from self._read_json(stream, source, inner_name)
                    return
                data = _read_bounded(stream, self.config.max_file_bytes)
        except _TooLarge:
            yield self._too_large(source, None, "after decompression")
            return
        except (OSError, EOFError, zlib.error) as error:
            yield self._removal(source, "corrupt_archive", f"gzip: {type(error).__name__}: "
                                f"{error}")
            return
        if _looks_like_json(inner_name, data[:64]):
            yield from self._read_json(io.BytesIO(data), source, inner_name)
        else:
            yield self._document(source, data, content_type_from_name(path.name))

    # JSON / JSONL -------------------------------------------------------------------------

    def _read_json(self, stream: BinaryIO, source: str, name: str) -> Iterator[Document | Removal]:
        """Records of a JSON array/object or a JSONL stream (one document per record).

        A bad line is rejected on its own (``malformed_record``); the good ones are kept.
        """
        limit = self.config.max_file_bytes
        if not _is_jsonl_name(name):
            try:
                data = _read_bounded(stream, limit)
            except _TooLarge:
                yield self._too_large(source, None)
                return
            try:
                parsed = json.loads(data.decode("utf-8-sig"))
            except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
                parsed = None  # perhaps JSONL with a .json name: read it line by line
            else:
                records = self._records_of(parsed)
                if records is not None:
                    for number, record in enumerate(records, start=1):
                        yield self._record(record, f"{source}#{number}")
                    return
                yield self._record(parsed, source)
                return
            stream = io.BytesIO(data)
        number = 0
        while True:
            try:
                line = stream.readline(limit + 1)
            except (OSError, EOFError, zlib.error) as error:
                yield self._removal(source, "corrupt_archive",
                                    f"after line {number}: {type(error).__name__}: {error}")
                return
            if not line:
                return
            number += 1
            record_source = f"{source}#{number}"
            if len(line) > limit:
                yield self._too_large(record_source, None)
                _skip_line(stream)
                continue
            if not line.strip():
                continue
            try:
                record = json.loads(line.decode("utf-8-sig"))
            except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
                yield self._removal(record_source, "malformed_record",
                                    f"line {number}: not valid JSON: {error}"[:300])
                continue
            yield self._record(record, record_source)

    def _records_of(self, parsed: Any) -> list[Any] | None:
        """The records of a JSON file: an array, or the one array of objects in an object
        without a text field of its own (``{"articles": [...]}``); None for a single record.
        """
        if isinstance(parsed, list):
            return parsed
        if not isinstance(parsed, dict) or _first_field(
                parsed, self.config.json_html_fields + self.config.json_text_fields):
            return None
        arrays = [value for value in parsed.values()
                  if isinstance(value, list) and value and all(isinstance(v, dict) for v in value)]
        return arrays[0] if len(arrays) == 1 else None

    def _record(self, record: Any, source: str) -> Document | Removal:
        """One JSON record as a document; its text or HTML field is the document's data."""
        if not isinstance(record, dict):
            return self._removal(source, "malformed_record",
                                 f"a record is a JSON object, not {type(record).__name__}")
        config = self.config
        html = _first_field(record, config.json_html_fields)
        text = _first_field(record, config.json_text_fields)
        if isinstance(text, list) and all(isinstance(part, str) for part in text):
            text = "\n\n".join(text)  # a list of paragraphs
        if isinstance(html, str) and html.strip():
            body, content_type = html, "html"
        elif isinstance(text, str):
            body, content_type = text, ""  # a "text" field often holds markup: sniff it
        else:
            fields = ", ".join(config.json_html_fields + config.json_text_fields)
            return self._removal(source, "malformed_record", f"no text field ({fields})")
        data = body.encode("utf-8", errors="replace")  # lone surrogates from \ud800 escapes
        if len(data) > config.max_file_bytes:
            return self._too_large(source, len(data))
        doc = self._document(source, data, content_type, charset="utf-8")
        doc.url = _as_text(_first_field(record, config.json_url_fields))
        doc.published = parse_date(_first_field(record, config.json_date_fields))
        doc.title = _as_text(_first_field(record, config.json_title_fields))
        doc.author = _as_text(_first_field(record, config.json_author_fields))
        record_id = _first_field(record, config.json_id_fields)
        if isinstance(record_id, (str, int)) and not isinstance(record_id, bool):
            doc.meta["record_id"] = str(record_id)
        return doc

    # WARC ---------------------------------------------------------------------------------

    def _read_warc(self, path: Path, source: str,
                   complete: bool = True) -> Iterator[Document | Removal]:
        """One document per response/resource record, with URL, date and HTTP charset.

        A damaged or truncated WARC keeps the records read before the damage; the rest is
        recorded as one ``corrupt_archive`` removal.
        """
        from warcio.archiveiterator import ArchiveIterator

        number = 0
        try:
            with path.open("rb") as stream:
                for record in ArchiveIterator(stream):
                    number += 1
                    if record.rec_type not in self.config.warc_record_types:
                        continue
                    yield self._warc_record(record, source, number)
        except Exception as error:  # noqa: BLE001 - warcio fails in many ways on bad input
            yield self._removal(f"{source}#after-{number}", "corrupt_archive",
                                f"WARC unreadable after {number} records: "
                                f"{type(error).__name__}: {error}"[:300])
            return
        if not complete:
            yield self._removal(f"{source}#after-{number}", "corrupt_archive",
                                f"truncated gzip: records after the first {number} are lost")

    def _warc_record(self, record: Any, source: str, number: int) -> Document | Removal:
        headers = record.rec_headers
        record_id = (headers.get_header("WARC-Record-ID") or "").strip("<> ")
        record_source = f"{source}#{record_id or number}"
        url = headers.get_header("WARC-Target-URI")
        http = record.http_headers
        if http is not None:
            status = http.get_statuscode()
            if status and not status.startswith("2"):
                return self._removal(record_source, "http_status", f"HTTP {status} for {url}")
            header = http.get_header("Content-Type")
        else:
            header = headers.get_header("Content-Type")
        content_type = content_type_from_mime(mime_type(header))
        if content_type is None:
            return self._removal(record_source, "unsupported_type",
                                 f"{mime_type(header)} at {url}")
        try:
            data = _read_bounded(record.content_stream(), self.config.max_file_bytes)
        except _TooLarge:
            return self._too_large(record_source, None)
        except (OSError, EOFError, zlib.error, ValueError) as error:
            return self._removal(record_source, "corrupt_archive",
                                 f"{type(error).__name__}: {error}"[:300])
        doc = self._document(record_source, data, content_type or content_type_from_name(url or ""),
                             charset=charset_from_content_type(header))
        doc.url = url
        # The capture date: the best date the container knows. It is also kept apart, so a
        # later stage that finds the page's own date can tell the two apart.
        doc.published = parse_date(headers.get_header("WARC-Date"))
        if doc.published:
            doc.meta["crawled"] = doc.published.isoformat()
        return doc

    # Results ------------------------------------------------------------------------------

    def _document(self, source: str, data: bytes, content_type: str,
                  charset: str | None = None) -> Document:
        return Document(source=source, data=data, content_type=content_type,
                        charset_hint=charset)

    def _removal(self, source: str, reason: str, detail: str = "") -> Removal:
        return Removal(id=document_id(source), source=source, reason=reason, step="ingest",
                       detail=detail)

    def _too_large(self, source: str, size: int | None, where: str = "") -> Removal:
        limit = self.config.max_file_bytes
        what = f"{size} bytes" if size is not None else "more bytes"
        detail = f"{what} {where} > ingest.max_file_bytes = {limit}".replace("  ", " ")
        return self._removal(source, "too_large", detail)


@dataclass
class _FileFacts:
    """What one streaming pass over a file tells: its sha256 and first bytes."""

    digest: str
    head: bytes


def _file_facts(path: Path) -> _FileFacts:
    """Hash a file and keep its first bytes for sniffing."""
    digest = hashlib.sha256()
    head = b""
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            head = head or chunk[:64]
            digest.update(chunk)
    return _FileFacts(digest.hexdigest(), head)


def _gzip_complete(path: Path) -> bool:
    """Whether every gzip member of a file ends properly (a truncated download does not).

    Checking costs one decompression without keeping the output; it is what reveals a
    truncated ``.warc.gz``, whose last records warcio would otherwise drop without a word.
    (A truncated plain ``.gz`` fails when it is read: it needs no check.)
    """
    check = _GzipCheck()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            check.feed(chunk)
    return check.complete


class _GzipCheck:
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


def _read_bounded(stream: Any, limit: int) -> bytes:
    """Read a stream to its end, or raise _TooLarge past ``limit`` bytes (a gzip bomb)."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise _TooLarge
    return data


def _skip_line(stream: BinaryIO) -> None:
    while (chunk := stream.readline(CHUNK)) and not chunk.endswith(b"\n"):
        pass


def _is_jsonl_name(name: str) -> bool:
    return name.lower().endswith((".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz"))


def _looks_like_json(name: str, head: bytes) -> bool:
    """JSON by name (.json, .jsonl, .ndjson), or by content when the name says nothing."""
    lower = name.lower()
    if lower.endswith((".json", ".jsonl", ".ndjson")):
        return True
    if content_type_from_name(name):
        return False
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:2] in (b'{"', b"[{")


def _is_warc(path: Path, head: bytes) -> bool:
    if head.startswith(WARC_MAGIC):
        return True
    if head.startswith(GZIP_MAGIC):
        try:
            with gzip.open(path, "rb") as stream:
                return stream.read(len(WARC_MAGIC)) == WARC_MAGIC
        except (OSError, EOFError, zlib.error):
            return False
    return False
