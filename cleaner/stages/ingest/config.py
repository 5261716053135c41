"""``[ingest]``: which files are read, how large a document may be, where JSON keeps its fields."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar


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
        "datePublished", "created_at"])
    # When the record was fetched (crawl dumps: C4's ``timestamp``...): the ``crawled``
    # column, never ``published``.
    json_crawl_date_fields: list[str] = field(default_factory=lambda: [
        "crawled", "crawl_date", "crawled_at", "fetch_time", "fetched_at", "timestamp",
        "warc_date", "WARC-Date"])
    json_title_fields: list[str] = field(default_factory=lambda: ["title", "headline"])
    json_author_fields: list[str] = field(
        default_factory=lambda: ["author", "authors", "byline", "creator"])
    # WARC record types read as documents (others, e.g. request/metadata, are not documents).
    warc_record_types: list[str] = field(default_factory=lambda: ["response", "resource"])
    # Repairs applied by the decode step (see cleaner.text.repair.repair_text), only on lines
    # without CJK characters. Curly quotes are the typography of real prose in most languages
    # („…“, “…”, ‘…’): straightened only when asked. Full-width Latin forms are artefacts.
    uncurl_quotes: bool = False
    fix_character_width: bool = True
    # Front matter larger than this is not parsed (recorded in meta["front_matter_error"]).
    max_front_matter_bytes: int = 64 * 1024

    # The range of every number (checked with the types when dataset.toml is read): a
    # document is read whole, so its cap must fit in memory.
    RANGES: ClassVar[dict[str, tuple[float, float]]] = {
        "max_file_bytes": (1, 1 << 30), "max_front_matter_bytes": (1, 16 << 20)}

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


__all__ = ["IngestConfig"]
