"""Which member of a duplicate cluster is kept, and the removal of the others.

The original when metadata shows it (an origin credit, the earliest date), else the
preferred language, the longest text, the first id: :func:`keep_order`. Every cluster keeps
one document; the others go to the audit with ``duplicate_of`` = the kept one.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from cleaner.document import Document
from cleaner.pipeline import CorpusContext
from cleaner.text.langcodes import primary_subtag

if TYPE_CHECKING:  # numpy is imported where signatures are made: `cleaner clean` never needs it
    pass
from cleaner.stages.dedup.config import DedupConfig

# --- keep policy -----------------------------------------------------------------------------


def has_origin_credit(doc: Document) -> bool:
    """Whether metadata marks ``doc`` as carrying its original: a source credit or title.

    >>> has_origin_credit(Document(source="a", meta={"original_title": "上海..."}))
    True
    """
    return any(doc.meta.get(key) for key in ("original_title", "credit_source"))


def language_rank(lang: str, preferred: list[str]) -> int:
    """Position of ``lang`` in the preference list (unlisted languages come last).

    >>> language_rank("en", ["zh", "en"]), language_rank("fr", ["zh", "en"])
    (1, 2)
    """
    primary = primary_subtag(lang)
    return preferred.index(primary) if primary in preferred else len(preferred)


def keep_order(doc: Document, config: DedupConfig) -> tuple:
    """Sort key of a cluster member: the smallest key is kept.

    ``keep = "original"``: the earliest known date, then a document whose metadata credits its
    source, then the preferred language, then the longest text, then the smallest id (so the
    choice never depends on input order). ``preferred_language`` puts the language first;
    ``first`` uses the id alone.
    """
    date_key = doc.published.toordinal() if doc.published else float("inf")
    rank = language_rank(doc.lang, config.preferred_languages)
    credit = 0 if has_origin_credit(doc) else 1
    if config.keep == "first":
        return (doc.id,)
    if config.keep == "preferred_language":
        return (rank, date_key, credit, -len(doc.text), doc.id)
    return (date_key, credit, rank, -len(doc.text), doc.id)


def resolve_clusters(docs: list[Document], groups: list[list[int]], config: DedupConfig,
                     context: CorpusContext, reason: str) -> Iterator[Document]:
    """Keep one document per group (by :func:`keep_order`), drop the rest, yield in input order.

    Every member's ``cluster`` becomes the kept document's cluster key; a dropped document's
    ``duplicate_of`` is the kept id.
    """
    dropped: dict[int, Document] = {}
    for group in groups:
        if len(group) < 2:
            continue
        kept = min(group, key=lambda i: keep_order(docs[i], config))
        for i in group:
            docs[i].cluster = docs[kept].cluster
            if i != kept:
                dropped[i] = docs[kept]
    for i, doc in enumerate(docs):
        if i in dropped:
            context.drop(doc, reason, duplicate_of=dropped[i].id)
        else:
            yield doc


class UnionFind:
    """Disjoint sets over 0..n-1, to join candidate pairs into clusters."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def groups(self) -> list[list[int]]:
        out: dict[int, list[int]] = {}
        for i in range(len(self.parent)):
            out.setdefault(self.find(i), []).append(i)
        return [g for g in out.values() if len(g) > 1]


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while building large acyclic indexes.

    The indexes are plain dicts, sets and tuples with no reference cycles, but every full
    collection would walk all of them again, which makes building them grow faster than the
    corpus. Reference counting still frees memory as usual; the collector is restored after.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
