"""Exact duplicates: the same text after normalisation (case, spaces, Unicode forms)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator
from typing import TYPE_CHECKING

from cleaner.document import Document
from cleaner.pipeline import CorpusContext, CorpusStep

if TYPE_CHECKING:  # numpy is imported where signatures are made: `cleaner clean` never needs it
    pass
from cleaner.stages.dedup.config import DedupConfig
from cleaner.stages.dedup.keep import resolve_clusters

# --- text normalisation ---------------------------------------------------------------------

SPACES = re.compile(r"\s+")


def normalize_for_exact(text: str) -> str:
    """The text two copies share however they were re-encoded, re-spaced or re-cased.

    >>> normalize_for_exact("Ｈｅｌｌｏ,\\n  World ")
    'hello, world'
    """
    return SPACES.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def text_digest(text: str) -> bytes:
    """A 20-byte digest of the normalised text (the exact-duplicate key)."""
    return hashlib.sha1(normalize_for_exact(text).encode("utf-8")).digest()


# --- steps -----------------------------------------------------------------------------------


class ExactDedupStep(CorpusStep):
    """Drop documents whose normalised text equals an earlier kept one (``exact_duplicate``)."""

    name = "exact-dedup"

    def __init__(self, config: DedupConfig) -> None:
        self.config = config

    def run(self, docs: list[Document], context: CorpusContext) -> Iterator[Document]:
        if not self.config.exact:
            yield from docs
            return
        by_digest: dict[bytes, list[int]] = {}
        for i, doc in enumerate(docs):
            if doc.text.strip():  # empty texts are not copies of each other's content
                by_digest.setdefault(text_digest(doc.text), []).append(i)
        groups = [g for g in by_digest.values() if len(g) > 1]
        context.stats.counters["clusters"] += len(groups)
        yield from resolve_clusters(docs, groups, self.config, context, "exact_duplicate")
