"""The records that flow through the pipeline.

A :class:`Document` is created by ingest and filled in by each stage in turn. A document
that a step drops becomes a :class:`Removal` (it lands in ``audit/removed.parquet``); a
translation found by dedup becomes a :class:`Pair` (the ``pairs`` config).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any


def document_id(source: str) -> str:
    """A stable id for a document: the first 16 hex digits of sha256 of its ``source``.

    The id depends only on where a document came from, so it survives better cleaning and
    lets a later version's changelog say "changed" instead of "removed + added".

    >>> document_id("000_e0214c392ecd97f1.txt")
    '85952f2277994059'
    """
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]


@dataclass
class Document:
    """One input document and everything the stages learn about it."""

    source: str
    # Raw input, as read by ingest; the decode step turns it into ``html`` or ``text``.
    data: bytes = b""
    # "html", "text" or "" (unknown: decided from content by the decode step).
    content_type: str = ""
    # A charset declared outside the bytes (HTTP or WARC header), the strongest evidence.
    charset_hint: str | None = None
    # Markup while the document is HTML; cleared by extraction.
    html: str | None = None
    text: str = ""
    title: str | None = None
    url: str | None = None
    published: dt.date | None = None
    author: str | None = None
    # Everything else that is worth keeping: categories, editor, reporter, credit_source,
    # original_title, front-matter problems... Values must be str, list[str] or None.
    meta: dict[str, Any] = field(default_factory=dict)
    # Names of the repairs applied (decoding fallbacks, ftfy fixes, entity unescaping...).
    repairs: list[str] = field(default_factory=list)
    lang: str = "und"
    lang_score: float = 0.0
    # Script subtag (e.g. "Hans", "Hant", "Latn") when known.
    script: str | None = None
    # Share of each language in the text, e.g. {"zh": 0.9, "en": 0.1}.
    langs: dict[str, float] = field(default_factory=dict)
    # The dedup cluster this document belongs to (its own id when it is alone).
    cluster: str = ""
    # The MinHash signature of ``text`` (a numpy array; empty when the text has no shingles),
    # made by dedup.SignatureStep where the documents are processed, used by near-dedup in
    # the driver, then dropped. Never packaged.
    signature: Any = None
    # What translation pairing needs of the document (a cleaner.translate.profile.Profile of
    # plain values: int8 sentence vectors of its beginning, 4-gram hashes, anchors), made by
    # the translation-profile step where the documents are processed, used by the translation
    # step in the driver, then dropped. Never packaged.
    translation_profile: Any = None
    id: str = ""

    def __post_init__(self) -> None:
        if not self.id:
            self.id = document_id(self.source)
        if not self.cluster:
            self.cluster = self.id


@dataclass(frozen=True)
class Drop:
    """What a filter returns for a document it does not keep."""

    reason: str
    duplicate_of: str | None = None
    detail: str = ""


@dataclass(frozen=True)
class Removal:
    """One row of ``audit/removed.parquet``: an input document that is not in ``documents``."""

    id: str
    source: str
    reason: str
    step: str
    duplicate_of: str | None = None
    detail: str = ""


@dataclass(frozen=True)
class Pair:
    """A detected translation pair; ``a`` is the kept document, ``b`` its translation."""

    id_a: str
    id_b: str
    source_a: str
    source_b: str
    lang_a: str
    lang_b: str
    text_a: str
    text_b: str
    score: float
