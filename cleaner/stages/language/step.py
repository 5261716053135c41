"""The language step: ``doc.lang``, ``lang_score``, ``script`` and ``langs`` for every document."""

from __future__ import annotations

from cleaner.document import Document
from cleaner.pipeline import DocumentStep, StepStats
from cleaner.stages.language.config import LanguageConfig
from cleaner.stages.language.hints import page_hints
from cleaner.stages.language.identify import detect_document


class LanguageStep(DocumentStep):
    """Set ``lang``, ``lang_score``, ``script`` and ``langs`` on each document; never drops.

    Counts ``lang:<code>`` and ``script:<code>`` per document, and ``mixed`` for documents
    whose second language has at least ``mixed_share`` of the text.
    """

    name = "language"

    def __init__(self, config: LanguageConfig) -> None:
        self.config = config

    def process(self, doc: Document, stats: StepStats) -> Document:
        hints = page_hints(doc.meta.get("language"), doc.url)
        overall, shares = detect_document(doc.text or "", self.config, hints)
        doc.lang = overall.lang
        doc.lang_score = round(min(max(overall.score, 0.0), 1.0), 4)
        doc.script = overall.script
        doc.langs = shares
        stats.counters[f"lang:{doc.lang}"] += 1
        if doc.script:
            stats.counters[f"script:{doc.script}"] += 1
        ranked = sorted(shares.items(), key=lambda kv: (-kv[1], kv[0]))
        if len(ranked) > 1 and ranked[1][1] >= self.config.mixed_share:
            stats.counters["mixed"] += 1
            stats.sample("mixed", f"{doc.source}: {ranked[0][0]} + {ranked[1][0]}")
        return doc
