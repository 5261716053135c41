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

import contextlib
import re
from copy import deepcopy
from dataclasses import dataclass
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

from cleaner.document import Document, Drop
from cleaner.pipeline import DocumentStep, StepStats
from cleaner.text.dates import parse_date
from cleaner.text.repair import repair_text


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
NON_CONTENT_TAGS = ("script", "style", "noscript", "template", "iframe", "svg", "math",
                    "button", "select", "option", "textarea", "form", "head", "title")
# Elements that start a new line of text.
BLOCK_TAGS = frozenset({
    "p", "div", "section", "article", "main", "header", "footer", "aside", "nav", "li", "ul",
    "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table",
    "tr", "td", "th", "caption", "figure", "figcaption", "br", "hr", "address", "body",
})
WHOLE_PAGE = re.compile(r"<\s*(html|body|head)\b", re.IGNORECASE)
# Characters lxml parses but refuses to write back into a tree (drop_tree raises ValueError).
XML_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# Our own parser instance, so that its error log tells about the last parse only.
FRAGMENT_PARSER = lxml.html.HTMLParser()


def _parse(markup: str) -> etree._Element:
    """``lxml.html.fromstring`` of ``markup``, control characters (a form feed) as spaces.

    Markup that is a single non-content element (a lone ``<script>``) gives an empty
    ``<div>``: the element would be the root itself, which dropping it would not remove.
    """
    root = lxml.html.fromstring(XML_UNSAFE.sub(" ", markup), parser=FRAGMENT_PARSER)
    if isinstance(root.tag, str) and root.tag.lower() in NON_CONTENT_TAGS:
        return lxml.html.Element("div")
    return root


def hit_parser_limit(parser: etree.HTMLParser) -> bool:
    """Whether the last parse of ``parser`` stopped at one of libxml2's limits (nesting
    deeper than 256 elements, a text node over 10 MB): the tree then lacks the rest of the
    page, and lifting the limits would expose the parser to hostile input."""
    return any(error.type_name == "ERR_RESOURCE_LIMIT" for error in parser.error_log)


# Whole blocks a reader never sees, comments, block-level tags (a line break) and other tags.
HIDDEN_BLOCK = re.compile(r"(?is)<(script|style|noscript|template|svg|math)\b.*?</\1\s*>"
                          r"|<!--.*?-->")
BLOCK_TAG = re.compile(r"(?i)</?(?:" + "|".join(sorted(BLOCK_TAGS)) + r")\b[^>]*>")
ANY_TAG = re.compile(r"<[^>]*>")


def markup_text(markup: str) -> str:
    """The visible text of ``markup`` read without building a tree, one line per block: for
    markup the HTML parser cannot take whole (see :func:`hit_parser_limit`).

    >>> markup_text("<div><p>One <b>two</b></p><script>x()</script><p>three</p></div>")
    'One two\\nthree'
    """
    markup = ANY_TAG.sub("", BLOCK_TAG.sub("\n", HIDDEN_BLOCK.sub(" ", markup)))
    lines = (" ".join(line.split()) for line in markup.split("\n"))
    return "\n".join(line for line in lines if line)


HIDDEN_ELEMENTS = etree.XPath("//" + " | //".join(NON_CONTENT_TAGS))


def drop_hidden(root: etree._Element) -> None:
    """Remove the elements a reader never sees (:data:`NON_CONTENT_TAGS`) from ``root``,
    keeping the text that follows each of them."""
    for element in HIDDEN_ELEMENTS(root):
        if element.getparent() is not None:  # the root itself stays
            element.drop_tree()


def is_fragment(markup: str) -> bool:
    """Whether ``markup`` is a bare fragment (no ``<html>``, ``<head>`` or ``<body>``).

    >>> is_fragment("<div><p>Hi</p></div>")
    True
    >>> is_fragment("<html><body><p>Hi</p></body></html>")
    False
    """
    return WHOLE_PAGE.search(markup) is None


def paragraph_text(markup: str) -> str:
    """The visible text of ``markup``, one line per block element, script/style dropped.

    This is what a reader sees with no layout: nothing is judged, nothing is left out except
    non-content elements and comments.

    >>> paragraph_text("<div><p>One <b>two</b></p><style>.a{}</style><p>three</p></div>")
    'One two\\nthree'
    """
    try:
        root = _parse(markup)
    except (etree.ParserError, ValueError):
        return ""
    if hit_parser_limit(FRAGMENT_PARSER):
        return markup_text(markup)
    drop_hidden(root)
    lines: list[str] = []
    current: list[str] = []

    def flush() -> None:
        line = " ".join("".join(current).split())
        if line:
            lines.append(line)
        current.clear()

    def walk(element: etree._Element) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        block = tag.lower() in BLOCK_TAGS
        if block:
            flush()
        if tag and element.text:
            current.append(element.text)
        for child in element:
            walk(child)
            if child.tail:
                current.append(child.tail)
        if block:
            flush()

    walk(root)
    flush()
    return "\n".join(lines)


def _squash(text: str) -> str:
    return " ".join(text.split())


def _container_signature(element: etree._Element) -> str | None:
    """``tag.class`` of a paragraph's container and its two ancestors, e.g.
    ``div.body/div.grid/div.article__chunks``; None when none of them has a class (a bare
    ``<div>`` says nothing about what it holds)."""
    parts = []
    node: etree._Element | None = element
    for _ in range(3):
        if node is None or not isinstance(node.tag, str):
            break
        parts.append(f"{node.tag}.{' '.join(sorted((node.get('class') or '').split()))}")
        node = node.getparent()
    return "/".join(parts) if any(not part.endswith(".") for part in parts) else None


def restore_split_body(page: str | etree._Element, text: str,
                       min_kept: int = 2) -> tuple[str, int]:
    """Add back article paragraphs that sit in *other copies* of the container trafilatura kept.

    Many sites cut an article into several identical containers with ads in between
    (``<div class="body">…</div><aside>ad</aside><div class="body">…</div>``); trafilatura
    keeps the first and loses the rest. A paragraph is restored when its container has the same
    tag/class signature (three levels) as the containers of at least ``min_kept`` paragraphs
    that trafilatura kept, and no paragraph of that container instance was kept (so a block
    trafilatura dropped on purpose from a container it used is not brought back). Restored
    paragraphs go right after the last kept paragraph that precedes them in the page.

    ``page`` is markup or its parsed tree (which loses its non-content elements here).
    Returns the new text and the number of paragraphs restored.
    """
    if not text.strip():
        return text, 0
    try:
        root = _parse(page) if isinstance(page, str) else page
    except (etree.ParserError, ValueError):
        return text, 0
    drop_hidden(root)
    lines = text.split("\n")
    squashed = [_squash(line) for line in lines]
    whole_lines = set(squashed)  # most kept paragraphs are whole lines: no search needed
    flat = _squash(text)
    paragraphs = []
    for element in root.iter("p"):
        body = _squash(element.text_content())
        if len(body) >= 20:
            paragraphs.append((element, body, body in whole_lines or body in flat))
    kept_signatures: dict[str, int] = {}
    kept_parents = set()
    for element, _, kept in paragraphs:
        if kept:
            kept_parents.add(element.getparent())
            signature = _container_signature(element.getparent())
            if signature:
                kept_signatures[signature] = kept_signatures.get(signature, 0) + 1
    inserts: dict[int, list[str]] = {}
    anchor, restored = -1, 0
    pending: list[str] = []  # kept paragraphs since the anchor was last looked up
    for element, body, kept in paragraphs:
        if kept:
            pending.append(body)
            continue
        parent = element.getparent()
        if parent in kept_parents:
            continue
        if kept_signatures.get(_container_signature(parent) or "", 0) < min_kept:
            continue
        # The anchor is the line of the last kept paragraph found in the text, looked up only
        # when needed (looking up every kept paragraph is quadratic on long pages).
        for kept_body in reversed(pending):
            found = next((i for i, line in enumerate(squashed) if kept_body[:60] in line), None)
            if found is not None:
                anchor = found
                break
        pending.clear()
        if anchor >= 0:
            inserts.setdefault(anchor, []).append(body)
            restored += 1
    if not restored:
        return text, 0
    out = []
    for i, line in enumerate(lines):
        out.append(line)
        out.extend(inserts.get(i, []))
    return "\n".join(out), restored


def dropped_credit_lines(plain: str, text: str) -> list[str]:
    """Lines of ``plain`` missing from ``text`` that the shipped credit rules recognise.

    >>> dropped_credit_lines("Body.\\n责任编辑：李墨轩\\nShare", "Body.")
    ['责任编辑：李墨轩']
    """
    from cleaner.stages.boilerplate.step import (  # boilerplate owns the rules
        credit_rules,
        is_credit_line,
    )

    flat = _squash(text)
    rules = credit_rules()
    return [line for line in plain.split("\n")
            if line.strip() and _squash(line) not in flat and is_credit_line(line, rules)]


def _token_count(text: str) -> int:
    """Words for space-separated scripts, characters for Chinese/Japanese (roughly)."""
    return len(re.findall(r"[^\W\d_]+|\d+", text)) + len(re.findall(r"[\u3040-\u9fff]", text))


# What sites put between a headline and their own name in <title>.
TITLE_SEPARATOR = re.compile(r"\s+[|\-–—:·»]\s+|\s*[|｜]\s*")


def _site_key(name: str) -> str:
    """A site name or host in comparable form: "www.SpaceNews.com" → "spacenews"."""
    name = name.casefold().removeprefix("www.")
    name = re.sub(r"\.(?:com|org|net|gov|edu|co|io|info|news)(?:\.[a-z]{2})?$", "", name)
    return re.sub(r"\W+", "", name)


def strip_site_name(title: str | None, site_names: list[str]) -> str | None:
    """The headline of a ``<title>`` that ends with the site's own name or host.

    A site name in front ("Site | Headline") is left alone: there the separator is too often
    part of the headline ("Opinion | …").

    >>> strip_site_name("NASA adds five companies - SpaceNews.com", ["spacenews.com"])
    'NASA adds five companies'
    >>> strip_site_name("Jam Recipe | The Anti-June Cleaver", ["The Anti-June Cleaver"])
    'Jam Recipe'
    >>> strip_site_name("Opinion | Republicans Are Following Trump", ["The New York Times"])
    'Opinion | Republicans Are Following Trump'
    """
    keys = {_site_key(name) for name in site_names if name} - {""}
    if not title or not keys:
        return title
    for match in TITLE_SEPARATOR.finditer(title):
        head, tail = title[:match.start()].strip(), title[match.end():]
        if head and _site_key(tail) in keys:
            return head
    return title


def _clean_meta(value: object) -> str | None:
    """A metadata string repaired like the text (entities, mojibake), on one line; or None."""
    if not value or not isinstance(value, str):
        return None
    value = " ".join(repair_text(value)[0].split())
    return value or None


def page_metadata(tree: etree._Element, url: str | None = None,
                  search_body: bool = True) -> dict[str, object]:
    """What a page says about itself: title, author, date, url, sitename, categories, tags.

    trafilatura's metadata extraction, in its order: meta tags and JSON-LD first, then the
    markup for title, canonical URL and site name, and (``search_body``) bylines and category
    and tag links in the post's meta block; htmldate for the date. Its licence search is left
    out (unused), and its category/tag search is skipped on pages that have no link it could
    find. Values are as the page has them (:meth:`ExtractStep._metadata` cleans them).
    """
    from htmldate import find_date
    from trafilatura import metadata as tm

    found = tm.examine_meta(tree)
    if found.author and " " not in found.author:
        found.author = None  # as trafilatura: a one-word "author" is a handle, not a name
    with contextlib.suppress(Exception):  # broken JSON-LD is the page's problem, not ours
        found = tm.extract_meta_json(tree, found)
    title = found.title or tm.extract_title(tree)
    author = found.author or (tm.extract_author(tree) if search_body else None)
    page_url = found.url or tm.extract_url(tree, url)
    sitename = found.sitename or tm.extract_sitename(tree)
    if sitename:
        sitename = sitename.lstrip("@")  # a Twitter handle
        if sitename and "." not in sitename and not sitename[0].isupper():
            sitename = sitename.title()
    return {
        "title": title, "author": author, "url": page_url, "sitename": sitename or None,
        "date": find_date(tree, url=page_url, extensive_search=False, original_date=True),
        "categories": found.categories or _terms_from_markup("category", tree, search_body),
        "tags": found.tags or _terms_from_markup("tag", tree, search_body),
    }


# What trafilatura's category and tag searches require of a link (see extract_catstags).
TERM_LINK = {"category": re.compile(r"/categor(?:y|ies|s)?/"),
             "tag": re.compile(r"/tag(?:y|ies|s)?/")}
TERM_HREFS = {"category": "//a/@href[contains(., '/categor')]",
              "tag": "//a/@href[contains(., '/tag')]"}
SECTION_META = './/head//meta[@property="article:section" or contains(@name, "subject")][@content]'


def _terms_from_markup(kind: str, tree: etree._Element, links: bool = True) -> list[str]:
    """trafilatura's search for category or tag ``links``, skipped when the page has no link
    that could pass it; categories then come from the section meta tag, as there."""
    from trafilatura import metadata as tm

    if links and any(TERM_LINK[kind].search(href) for href in tree.xpath(TERM_HREFS[kind])):
        return tm.extract_catstags(kind, tree)
    if kind == "category":
        return [term for term in dict.fromkeys(_squash(meta.get("content", ""))
                                               for meta in tree.xpath(SECTION_META)) if term]
    return []


def page_hit_parser_limit() -> bool:
    """Whether the last parse of :func:`load_page` (trafilatura's parser) stopped at one of
    libxml2's limits (see :func:`hit_parser_limit`)."""
    from trafilatura import utils

    parser = getattr(utils, "HTML_PARSER", None)  # (were it renamed: no check, as before)
    return parser is not None and hit_parser_limit(parser)


def load_page(markup: str) -> etree._Element | None:
    """The tree of a whole page as trafilatura parses it (None when it is not HTML)."""
    from trafilatura.utils import load_html

    try:
        return load_html(markup)
    except (etree.ParserError, ValueError, TypeError):
        return None


def _letters(text: str) -> int:
    """Characters other than spaces and line breaks (counted in C: no word list is built).

    >>> _letters(" a b\\n\\n c ")
    3
    """
    return len(text) - sum(text.count(space) for space in " \n\t\r\xa0")


def _visible_letters(tree: etree._Element) -> int:
    """How many characters other than spaces a reader sees on the page."""
    body = tree.find("body")
    body = tree if body is None else body
    hidden = sum(_letters(element.text_content()) for element in body.iter(*NON_CONTENT_TAGS))
    return _letters(body.text_content()) - hidden


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

    def __init__(self, config: ExtractConfig | None = None) -> None:
        self.config = config or ExtractConfig()
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
            tree = _parse(page) if isinstance(page, str) else deepcopy(page)
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
        return _letters(text) < self.config.fallback_below_share * _visible_letters(tree)

    def extract_page(self, markup: str, url: str | None,
                     stats: StepStats) -> tuple[str, dict[str, object]]:
        """The main text of a whole page and its metadata (parsed once for both)."""
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
        url = url or _clean_meta(meta.get("url"))
        result = self._trafilatura(tree, url, fast=True)
        if self.config.fallbacks and self.looks_weak(result, tree):
            stats.counters["fallback_compared"] += 1
            compared = self._trafilatura(tree, url)
            if compared is not None and (compared.text or "").strip():
                if result is None or compared.text != result.text:
                    stats.counters["fallback_changed"] += 1
                result = compared
        text = (result.text or "") if result is not None else ""
        if not text.strip() and not self.config.favor_recall:
            # Nothing at all in precision mode: a recall pass before giving up on the page.
            recall = self._recall(tree, url)
            if recall is not None and (recall.text or "").strip():
                stats.counters["recall_pass"] += 1
                text = recall.text
        # Measured on whole pages: trafilatura's own choice beats any blind second guess;
        # only its known blind spot, an article cut into several containers, is repaired.
        if self.config.restore_split_body:
            text, restored = restore_split_body(tree, text)
            stats.counters["restored_paragraphs"] += restored
        return text, meta

    def extract_fragment(self, markup: str, url: str | None,
                         stats: StepStats) -> tuple[str, dict[str, object]]:
        """The text of a bare fragment (a blog export) and what metadata it carries."""
        try:
            meta = self._page_metadata(_parse(markup), url, stats)
        except (etree.ParserError, ValueError):
            meta = {}
        result = self._trafilatura(markup, url)
        text = (result.text or "") if result is not None else ""
        plain = paragraph_text(markup)
        plain_tokens = _token_count(plain)
        coverage = _token_count(text) / plain_tokens if plain_tokens else 1.0
        if coverage < self.config.min_coverage and not self.config.favor_recall:
            recall = self._recall(markup, url)
            recall_text = (recall.text or "") if recall is not None else ""
            if _token_count(recall_text) > _token_count(text):
                stats.counters["recall_pass"] += 1
                text = recall_text
                coverage = _token_count(text) / plain_tokens
        if coverage < self.config.min_coverage:
            # A fragment is the article already; its chrome is left to the boilerplate rules.
            stats.counters["paragraph_fallback"] += 1
            return plain, meta
        # Credits trafilatura dropped ("责任编辑：…" in a footer <p>) go on to the boilerplate
        # step, which turns them into metadata: a credit is never lost.
        credits = dropped_credit_lines(plain, text)
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
        url = _clean_meta(meta.get("url"))
        if doc.title is None:
            names = [meta.get("sitename"), urlsplit(url or "").hostname,
                     doc.meta.get("site_name"), urlsplit(doc.url or "").hostname]
            doc.title = strip_site_name(_clean_meta(meta.get("title")),
                                        [n for n in names if isinstance(n, str)])
        if doc.author is None:
            doc.author = _clean_meta(meta.get("author"))
        if doc.published is None and not fragment:
            doc.published = parse_date(meta.get("date"))
        if doc.url is None and url and urlsplit(url).scheme in ("http", "https"):
            doc.url = url
        site = _clean_meta(meta.get("sitename"))
        if site and not doc.meta.get("site_name"):
            doc.meta["site_name"] = site
        # Categories and tags the page declares (meta tags, JSON-LD), when it has any.
        for key in ("categories", "tags"):
            values = meta.get(key)
            if isinstance(values, list) and values and not doc.meta.get(key):
                if len(values) == 1 and isinstance(values[0], str):
                    # One meta tag holding the whole list: "a, b, c".
                    values = values[0].split(",")
                cleaned = [_clean_meta(v) for v in values if isinstance(v, str)]
                doc.meta[key] = [v for v in dict.fromkeys(cleaned) if v]
