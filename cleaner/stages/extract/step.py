"""Main-text extraction: HTML in, article text and page metadata out.

trafilatura is the base extractor, in precision mode without reader comments (measured best
on the extraction benchmark, see ``benchmarks/bench_extraction.py``). A whole page is parsed
once; trafilatura's fast pass runs first, and its comparison with readability and jusText
(as costly as the pass itself) only where that pass looks weak (:meth:`ExtractStep.looks_weak`).
Around it:

* **Split bodies** (whole pages). Many sites cut an article into several copies of one
  container with ads in between; trafilatura keeps the first copy only.
  :func:`restore_split_body` adds back paragraphs from the other copies.
* **Fragments** (blog exports: ``<div><p>…</p>…</div>``, no ``<html>``/``<body>``).
  trafilatura was built for whole pages and may drop short fragments, so when it keeps less
  than ``min_coverage`` of the fragment's words, a recall pass and then the fragment's own
  :func:`paragraph_text` take over. Chrome the fallback lets through (QR promos, editor
  credits) is removed by the boilerplate rules that run next, and credit lines trafilatura
  dropped are handed on to them, so a credit is never lost.
* **Metadata**: title, date, author, site name, canonical URL, categories and tags from the
  page (:func:`page_metadata`), only where the document does not already have them (front
  matter wins).
* **Markup too deep for the parser** (libxml2 stops at 256 levels and drops the rest): the
  page is read without a tree (:func:`markup_text`) rather than coming out empty.

Script, style and other non-content elements never reach the text. The text then goes
through :func:`cleaner.text.repair.repair_text` (entities, also escaped twice, and mojibake).
"""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

from cleaner.document import Document, Drop
from cleaner.pipeline import DocumentStep, StepStats
from cleaner.stages.extract.metadata import clean_meta, page_metadata, strip_site_name
from cleaner.stages.extract.page import (
    drop_hidden,
    is_fragment,
    letters,
    load_page,
    markup_text,
    page_hit_parser_limit,
    paragraph_text,
    parse_markup,
    visible_letters,
)
from cleaner.stages.extract.restore import dropped_credit_lines, restore_split_body, token_count
from cleaner.text.dates import parse_date
from cleaner.text.repair import repair_text

# A precision result of fewer characters than this is less than a paragraph: no article.
THIN_CHARS = 250
# A balanced pass replaces a thin precision result only when it finds at least twice its text
# and this many more characters.
THIN_GAIN = 200


@dataclass
class ExtractConfig:
    """``[extract]``: how main text is taken out of HTML pages."""

    # Measured on the 55-page dev set through the whole clean path (F1): these defaults 0.985;
    # balanced mode 0.974, recall mode 0.973, no fallbacks 0.978, no tables 0.975, no
    # split-body restore 0.975 (benchmarks/bench_extraction.py).
    # trafilatura's precision mode: drops more doubtful blocks.
    favor_precision: bool = True
    # trafilatura's recall mode: keeps more doubtful blocks. Not together with favor_precision.
    favor_recall: bool = False
    include_tables: bool = True
    # Reader comments under an article are not the article.
    include_comments: bool = False
    # Let trafilatura compare its own result with readability and jusText ...
    fallbacks: bool = True
    # ... where its own pass looks weak: fewer characters than this, or a smaller share of the
    # page's visible text than fallback_below_share, or no paragraph at all. The comparison
    # costs as much as the pass itself and, measured, changes nothing on longer results.
    # fallback_below_chars = 0 and fallback_below_share = 0: never; a huge number: always.
    fallback_below_chars: int = 1000
    fallback_below_share: float = 0.25
    # For a fragment (no <html>/<body>: blog exports), fall back to a recall pass, then to the
    # markup's paragraph text, when trafilatura keeps less than this share of its words.
    # Whole pages always keep trafilatura's choice (measured: second-guessing it loses F1).
    min_coverage: float = 0.8
    # Add back paragraphs from further copies of the article container (split bodies).
    restore_split_body: bool = True
    # Take title/date/author/site name/URL/categories/tags from the page when the document
    # lacks them: from its meta tags and JSON-LD, its <title>, canonical link and dates.
    metadata: bool = True
    # Where those name no author or categories/tags, also search the page body for bylines and
    # category/tag links (trafilatura's searches). Measured on the 55 eval pages: an author on
    # 18 of the 23 pages that declare none (5 of them no name: "Jdadmin", "Editorial"), for
    # ~3 ms a page: false makes `cleaner clean` ~7% faster.
    search_body_metadata: bool = True

    # The range of every number (checked with the types when dataset.toml is read).
    RANGES: ClassVar[dict[str, tuple[float, float]]] = {
        "fallback_below_chars": (0, 1_000_000_000), "fallback_below_share": (0.0, 1.0),
        "min_coverage": (0.0, 1.0)}

    def check(self) -> None:
        if self.favor_precision and self.favor_recall:
            raise ValueError("favor_precision and favor_recall cannot both be true "
                             "(set favor_precision = false to favour recall)")
        for name in ("min_coverage", "fallback_below_share"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name}: {getattr(self, name)} is not between 0 and 1")
        if self.fallback_below_chars < 0:
            raise ValueError(f"fallback_below_chars: {self.fallback_below_chars} is negative")


# Elements whose text is never article text.
_WARM_UP_PAGE = ("<html><head><title>Warm-up</title><meta name='author' content='A Writer'>"
                 "<link rel='canonical' href='https://example.com/a'></head><body><article>"
                 + "<p>One paragraph of text that is long enough to be an article.</p>" * 8
                 + "</article></body></html>")
_warm = False


def _warm_up(step: ExtractStep) -> None:
    """Run trafilatura once on a small page, the first time a step is built in a process.

    The page is long enough not to wake jusText, whose stoplists cost 0.3 s to load: that is
    paid only if a page needs it.
    """
    global _warm
    if not _warm:
        _warm = True
        tree = load_page(_WARM_UP_PAGE)
        page_metadata(tree, "https://example.com/a", step.config.search_body_metadata)
        step._trafilatura(tree, "https://example.com/a", fast=True)


class ExtractStep(DocumentStep):
    """HTML → main text (trafilatura, with a paragraph-text fallback) and page metadata."""

    name = "extract"

    def __init__(self, config: ExtractConfig | None = None,
                 is_credit_line: Callable[[str], bool] | None = None) -> None:
        self.config = config or ExtractConfig()
        # Tells a credit line ("责任编辑：…") that trafilatura dropped with the chrome, so that
        # it is kept for the boilerplate stage, which knows the credit rules (build.py hands
        # their test in; without it, dropped credits stay dropped).
        self.is_credit_line = is_credit_line
        # (id of the page's tree, its visible letters): plain numbers, so the step pickles.
        self._visible_of: tuple[int, int] | None = None
        # Warmed here, in the process that builds the steps: worker processes forked from it
        # inherit trafilatura's imports and domain list instead of each loading them.
        _warm_up(self)

    def _trafilatura(self, page: str | etree._Element, url: str | None, **overrides: bool):
        """trafilatura's result for markup or a parsed tree (left unchanged), or None."""
        import trafilatura  # heavy import: only where extraction runs

        config = self.config
        options = dict(
            url=url,
            favor_precision=config.favor_precision,
            favor_recall=config.favor_recall,
            include_comments=config.include_comments,
            include_tables=config.include_tables,
            fast=not config.fallbacks,
            deduplicate=False,
        )
        options.update(overrides)
        try:
            return trafilatura.bare_extraction(page, **options)
        except Exception:  # noqa: BLE001 - a page trafilatura chokes on falls back below
            return None

    def _page_metadata(self, tree: etree._Element, url: str | None,
                       stats: StepStats) -> dict[str, object]:
        """:func:`page_metadata` when asked for; on a page it chokes on, none (the text is
        what matters, and a broken page still has one)."""
        if not self.config.metadata:
            return {}
        try:
            return page_metadata(tree, url, self.config.search_body_metadata)
        except Exception as error:  # noqa: BLE001 - htmldate/trafilatura on odd trees
            stats.counters["metadata_error"] += 1
            stats.sample("metadata_error", f"{type(error).__name__}: {error}"[:200])
            return {}

    def _recall(self, page: str | etree._Element, url: str | None):
        """trafilatura in recall mode, on the page without what a reader never sees (in
        recall mode it keeps, say, the text of ``<noscript>``: "Please enable JavaScript")."""
        try:
            tree = parse_markup(page) if isinstance(page, str) else deepcopy(page)
        except (etree.ParserError, ValueError):
            return None
        drop_hidden(tree)
        # A fragment goes back as markup, as trafilatura had it in the first pass.
        visible = lxml.html.tostring(tree, encoding="unicode") if isinstance(page, str) else tree
        return self._trafilatura(visible, url, favor_precision=False, favor_recall=True)

    def looks_weak(self, result: object, tree: etree._Element) -> bool:
        """Whether trafilatura's fast pass on a page is worth comparing with its fallbacks:
        little text, a small share of what the page shows, or no paragraph in it."""
        text = (getattr(result, "text", None) or "") if result is not None else ""
        body = getattr(result, "body", None)
        if len(text) < self.config.fallback_below_chars:
            return True
        if body is None or not body.xpath(".//p//text()"):
            return True
        if len(body.findall(".//table")) > len(body.findall(".//p")):
            return True
        return letters(text) < self.config.fallback_below_share * self._visible(tree)

    def looks_thin(self, text: str, tree: etree._Element) -> bool:
        """Whether a page's extracted text is too little to be its article: less than a
        paragraph (THIN_CHARS) and under ``fallback_below_share`` of what the page shows (a
        page that shows little can have a short text)."""
        count = letters(text)
        return (count < THIN_CHARS
                and count < self.config.fallback_below_share * self._visible(tree))

    def _visible(self, tree: etree._Element) -> int:
        """:func:`visible_letters` of the page being extracted, counted once for both tests
        (the page's tree is not changed between them)."""
        if self._visible_of is None or self._visible_of[0] != id(tree):
            self._visible_of = (id(tree), visible_letters(tree))
        return self._visible_of[1]

    def extract_page(self, markup: str, url: str | None,
                     stats: StepStats) -> tuple[str, dict[str, object]]:
        """The main text of a whole page and its metadata (parsed once for both)."""
        self._visible_of = None
        tree = load_page(markup)
        if tree is None:
            return paragraph_text(markup), {}
        too_deep = page_hit_parser_limit()
        meta = self._page_metadata(tree, url, stats)
        if too_deep:
            # The tree ends where the parser stopped: the page's text is read without one, and
            # its chrome left to the boilerplate rules.
            stats.counters["read_without_parser"] += 1
            return markup_text(markup), meta
        url = url or clean_meta(meta.get("url"))
        result = self._trafilatura(tree, url, fast=True)
        if self.config.fallbacks and self.looks_weak(result, tree):
            stats.counters["fallback_compared"] += 1
            compared = self._trafilatura(tree, url)
            if compared is not None and (compared.text or "").strip():
                if result is None or compared.text != result.text:
                    stats.counters["fallback_changed"] += 1
                result = compared
        text = (result.text or "") if result is not None else ""
        if self.config.favor_precision and self.looks_thin(text, tree):
            # Precision mode can throw away the article itself and keep a date or a "your
            # browser is out of date" notice; the balanced pass is the evidence then.
            stats.counters["balanced_compared"] += 1
            balanced = self._trafilatura(tree, url, favor_precision=False)
            more = (balanced.text or "") if balanced is not None else ""
            if letters(more) >= 2 * letters(text) + THIN_GAIN:
                stats.counters["balanced_pass"] += 1
                text = more
        if not text.strip() and not self.config.favor_recall:
            # Nothing at all in precision mode: a recall pass before giving up on the page.
            recall = self._recall(tree, url)
            if recall is not None and (recall.text or "").strip():
                stats.counters["recall_pass"] += 1
                text = recall.text
        # Measured on whole pages: trafilatura's own choice beats any blind second guess;
        # only its known blind spot, an article cut into several containers, is repaired.
        self._visible_of = None  # (the tree loses its hidden elements below)
        if self.config.restore_split_body:
            text, restored = restore_split_body(tree, text)
            stats.counters["restored_paragraphs"] += restored
        return text, meta

    def extract_fragment(self, markup: str, url: str | None,
                         stats: StepStats) -> tuple[str, dict[str, object]]:
        """The text of a bare fragment (a blog export) and what metadata it carries."""
        try:
            meta = self._page_metadata(parse_markup(markup), url, stats)
        except (etree.ParserError, ValueError):
            meta = {}
        result = self._trafilatura(markup, url)
        text = (result.text or "") if result is not None else ""
        plain = paragraph_text(markup)
        plain_tokens = token_count(plain)
        coverage = token_count(text) / plain_tokens if plain_tokens else 1.0
        if coverage < self.config.min_coverage and not self.config.favor_recall:
            recall = self._recall(markup, url)
            recall_text = (recall.text or "") if recall is not None else ""
            if token_count(recall_text) > token_count(text):
                stats.counters["recall_pass"] += 1
                text = recall_text
                coverage = token_count(text) / plain_tokens
        if coverage < self.config.min_coverage:
            # A fragment is the article already; its chrome is left to the boilerplate rules.
            stats.counters["paragraph_fallback"] += 1
            return plain, meta
        # Credits trafilatura dropped ("责任编辑：…" in a footer <p>) go on to the boilerplate
        # step, which turns them into metadata: a credit is never lost.
        credits = (dropped_credit_lines(plain, text, self.is_credit_line)
                   if self.is_credit_line else [])
        stats.counters["credit_lines_kept"] += len(credits)
        return "\n".join([text, *credits]) if credits else text, meta

    def process(self, doc: Document, stats: StepStats) -> Document | Drop:
        if doc.html is None:
            return doc
        fragment = is_fragment(doc.html)
        extract = self.extract_fragment if fragment else self.extract_page
        text, meta = extract(doc.html, doc.url, stats)
        text, repairs = repair_text(text)
        doc.text = text
        for repair in repairs:
            if repair not in doc.repairs:
                doc.repairs.append(repair)
        if meta:
            self._metadata(doc, meta, fragment)
        doc.html = None
        return doc

    @staticmethod
    def _metadata(doc: Document, meta: dict[str, object], fragment: bool) -> None:
        """Fill what the document does not have yet from what the page says."""
        url = clean_meta(meta.get("url"))
        if doc.title is None:
            names = [meta.get("sitename"), urlsplit(url or "").hostname,
                     doc.meta.get("site_name"), urlsplit(doc.url or "").hostname]
            doc.title = strip_site_name(clean_meta(meta.get("title")),
                                        [n for n in names if isinstance(n, str)])
        if doc.author is None:
            doc.author = clean_meta(meta.get("author"))
        if doc.published is None and not fragment:
            doc.published = parse_date(meta.get("date"))
        if doc.url is None and url and urlsplit(url).scheme in ("http", "https"):
            doc.url = url
        language = meta.get("language")
        if isinstance(language, str) and language and not doc.meta.get("language"):
            doc.meta["language"] = language
        site = clean_meta(meta.get("sitename"))
        if site and not doc.meta.get("site_name"):
            doc.meta["site_name"] = site
        # Categories and tags the page declares (meta tags, JSON-LD), when it has any.
        for key in ("categories", "tags"):
            values = meta.get(key)
            if isinstance(values, list) and values and not doc.meta.get(key):
                if len(values) == 1 and isinstance(values[0], str):
                    # One meta tag holding the whole list: "a, b, c".
                    values = values[0].split(",")
                cleaned = [clean_meta(v) for v in values if isinstance(v, str)]
                doc.meta[key] = [v for v in dict.fromkeys(cleaned) if v]
