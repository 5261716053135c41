"""Containers of many documents: JSON / JSONL records and WARC records.

Each record becomes one document (or a removal saying why not: ``malformed_record``,
``too_large``, ``http_status``, ``unsupported_type``, ``corrupt_archive``); a bad record never
costs the good ones around it.
"""

from __future__ import annotations

import io
import json
import zlib
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

from cleaner.document import Document, Removal, document_id
from cleaner.stages.ingest.config import IngestConfig
from cleaner.stages.ingest.files import TooLarge, read_bounded, skip_line
from cleaner.stages.ingest.kinds import (
    charset_from_content_type,
    content_type_from_mime,
    content_type_from_name,
    is_jsonl_name,
    mime_type,
)
from cleaner.text.dates import parse_date


def new_document(source: str, data: bytes, content_type: str,
                 charset: str | None = None) -> Document:
    """A document read from an input, its bytes left for the decode step."""
    return Document(source=source, data=data, content_type=content_type,
                    charset_hint=charset)


def removal(source: str, reason: str, detail: str = "") -> Removal:
    """An input that cannot be read: an audit row of the ingest step."""
    return Removal(id=document_id(source), source=source, reason=reason, step="ingest",
                   detail=detail)


def too_large(source: str, size: int | None, limit: int, where: str = "") -> Removal:
    """A document over ``max_file_bytes`` (``size`` when known)."""
    what = f"{size} bytes" if size is not None else "more bytes"
    detail = f"{what} {where} > ingest.max_file_bytes = {limit}".replace("  ", " ")
    return removal(source, "too_large", detail)


def first_field(record: dict[str, Any], names: list[str]) -> Any:
    """The first of ``names`` present in ``record`` with a non-empty value."""
    for name in names:
        value = record.get(name)
        if value not in (None, "", [], {}):
            return value
    return None


def record_text(value: Any) -> str | None:
    """A record value as one string: lists of strings are joined, other types ignored."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return ", ".join(value)
    if isinstance(value, dict):
        return record_text(value.get("name"))
    return None


def read_json(stream: BinaryIO, source: str, name: str, config: IngestConfig
              ) -> Iterator[Document | Removal]:
    """Records of a JSON array/object or a JSONL stream (one document per record).

    A bad line is rejected on its own (``malformed_record``); the good ones are kept.
    """
    limit = config.max_file_bytes
    if not is_jsonl_name(name):
        try:
            data = read_bounded(stream, limit)
        except TooLarge:
            yield too_large(source, None, config.max_file_bytes)
            return
        try:
            parsed = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            parsed = None  # perhaps JSONL with a .json name: read it line by line
        else:
            records = records_of(parsed, config)
            if records is not None:
                for number, record in enumerate(records, start=1):
                    yield json_record(record, record_source_of(source, record, number, config),
                                      config)
                return
            yield json_record(parsed, source, config)
            return
        stream = io.BytesIO(data)
    number = 0
    while True:
        try:
            line = stream.readline(limit + 1)
        except (OSError, EOFError, zlib.error) as error:
            yield removal(source, "corrupt_archive",
                          f"after line {number}: {type(error).__name__}: {error}")
            return
        if not line:
            return
        number += 1
        record_source = f"{source}#{number}"
        if len(line) > limit:
            yield too_large(record_source, None, config.max_file_bytes)
            skip_line(stream)
            continue
        if not line.strip():
            continue
        try:
            record = json.loads(line.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
            yield removal(record_source, "malformed_record",
                          f"line {number}: not valid JSON: {error}"[:300])
            continue
        yield json_record(record, record_source_of(source, record, number, config), config)


# A record id longer than this, or with control characters, does not name the record: its
# number does.
MAX_RECORD_ID = 200


def record_id_of(record: Any, config: IngestConfig) -> str | None:
    """The record's own id (the first of ``json_id_fields``), when it can name it.

    >>> record_id_of({"id": 17, "text": "x"}, IngestConfig())
    '17'
    >>> record_id_of({"id": "a\\nb"}, IngestConfig()) is None
    True
    """
    if not isinstance(record, dict):
        return None
    value = first_field(record, config.json_id_fields)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    text = str(value).strip()
    if not text or len(text) > MAX_RECORD_ID or any(ch < " " or ch == "\x7f" for ch in text):
        return None
    return text


def record_source_of(source: str, record: Any, number: int, config: IngestConfig) -> str:
    """``path#<id>`` for a record with an id, else ``path#N`` (its number in the file).

    >>> record_source_of("dump.jsonl", {"id": "a-1"}, 3, IngestConfig())
    'dump.jsonl#a-1'
    >>> record_source_of("dump.jsonl", {"text": "no id"}, 3, IngestConfig())
    'dump.jsonl#3'
    """
    record_id = record_id_of(record, config)
    return f"{source}#{record_id if record_id is not None else number}"


def records_of(parsed: Any, config: IngestConfig) -> list[Any] | None:
    """The records of a JSON file: an array, or the one array of objects in an object
    without a text field of its own (``{"articles": [...]}``); None for a single record.
    """
    if isinstance(parsed, list):
        return parsed
    if not isinstance(parsed, dict) or first_field(
            parsed, config.json_html_fields + config.json_text_fields):
        return None
    arrays = [value for value in parsed.values()
              if isinstance(value, list) and value and all(isinstance(v, dict) for v in value)]
    return arrays[0] if len(arrays) == 1 else None


def json_record(record: Any, source: str, config: IngestConfig) -> Document | Removal:
    """One JSON record as a document; its text or HTML field is the document's data."""
    if not isinstance(record, dict):
        return removal(source, "malformed_record",
                       f"a record is a JSON object, not {type(record).__name__}")
    config = config
    html = first_field(record, config.json_html_fields)
    text = first_field(record, config.json_text_fields)
    if isinstance(text, list) and all(isinstance(part, str) for part in text):
        text = "\n\n".join(text)  # a list of paragraphs
    if isinstance(html, str) and html.strip():
        body, content_type = html, "html"
    elif isinstance(text, str):
        body, content_type = text, ""  # a "text" field often holds markup: sniff it
    else:
        fields = ", ".join(config.json_html_fields + config.json_text_fields)
        return removal(source, "malformed_record", f"no text field ({fields})")
    data = body.encode("utf-8", errors="replace")  # lone surrogates from \ud800 escapes
    if len(data) > config.max_file_bytes:
        return too_large(source, len(data), config.max_file_bytes)
    doc = new_document(source, data, content_type, charset="utf-8")
    doc.url = record_text(first_field(record, config.json_url_fields))
    doc.published = parse_date(first_field(record, config.json_date_fields))
    crawled = parse_date(first_field(record, config.json_crawl_date_fields))
    if crawled is not None:  # when it was fetched: never ``published``
        doc.meta["crawled"] = crawled.isoformat()
    doc.title = record_text(first_field(record, config.json_title_fields))
    doc.author = record_text(first_field(record, config.json_author_fields))
    record_id = first_field(record, config.json_id_fields)
    if isinstance(record_id, (str, int)) and not isinstance(record_id, bool):
        doc.meta["record_id"] = str(record_id)  # as given, even when too long to name it
    return doc


def read_warc(stream: BinaryIO, source: str, config: IngestConfig,
              complete: Callable[[], bool] = lambda: True) -> Iterator[Document | Removal]:
    """One document per response/resource record, with URL, crawl date and HTTP charset.

    A damaged or truncated WARC keeps the records read before the damage; the rest is
    recorded as one ``corrupt_archive`` removal. ``complete`` tells, once every record is
    read, whether the file ended properly (warcio drops the end of a truncated gzip silently).
    """
    from warcio.archiveiterator import ArchiveIterator

    number = 0
    try:
        for record in ArchiveIterator(stream):
            number += 1
            if record.rec_type not in config.warc_record_types:
                continue
            yield warc_record(record, source, number, config)
    except Exception as error:  # noqa: BLE001 - warcio fails in many ways on bad input
        yield removal(f"{source}#after-{number}", "corrupt_archive",
                      f"WARC unreadable after {number} records: "
                      f"{type(error).__name__}: {error}"[:300])
        return
    if not complete():
        yield removal(f"{source}#after-{number}", "corrupt_archive",
                      f"truncated gzip: records after the first {number} are lost")


def warc_record(record: Any, source: str, number: int, config: IngestConfig
                ) -> Document | Removal:
    headers = record.rec_headers
    url = (headers.get_header("WARC-Target-URI") or "").strip("<> ") or None
    record_id = (headers.get_header("WARC-Record-ID") or "").strip("<> ")
    # Named by its URL, which a user can join on (a repeated URL gets ~2, ~3 from the reader).
    record_source = f"{source}#{url or record_id or number}"
    http = record.http_headers
    if http is not None:
        status = http.get_statuscode()
        if status and not status.startswith("2"):
            return removal(record_source, "http_status", f"HTTP {status} for {url}")
        header = http.get_header("Content-Type")
    else:
        header = headers.get_header("Content-Type")
    content_type = content_type_from_mime(mime_type(header))
    if content_type is None:
        return removal(record_source, "unsupported_type",
                       f"{mime_type(header)} at {url}")
    try:
        data = read_bounded(record.content_stream(), config.max_file_bytes)
    except TooLarge:
        return too_large(record_source, None, config.max_file_bytes)
    except (OSError, EOFError, zlib.error, ValueError) as error:
        return removal(record_source, "corrupt_archive",
                       f"{type(error).__name__}: {error}"[:300])
    doc = new_document(record_source, data, content_type or content_type_from_name(url or ""),
                       charset=charset_from_content_type(header))
    doc.url = url
    if mime_type(header):  # what the server said it sent ([filters] content_types)
        doc.meta["media_type"] = mime_type(header)[:100]
    # When the page was fetched, kept as ``crawled`` (``extra_meta``): not when it was
    # published (extraction finds the page's own date for ``published``).
    crawled = parse_date(headers.get_header("WARC-Date"))
    if crawled is not None:
        doc.meta["crawled"] = crawled.isoformat()
    return doc


__all__ = ["first_field", "json_record", "new_document", "read_json", "read_warc", "record_id_of",
           "record_source_of", "record_text",
           "removal", "too_large", "warc_record"]
