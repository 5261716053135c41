"""Main-text extraction: HTML in, article text and page metadata out.

trafilatura is the base extractor, in precision mode without reader comments (measured best
on the extraction benchmark, see ``benchmarks/bench_extraction.py``). Around it:

* **Split bodies** (whole pages). Many sites cut an article into several copies of one
  container with ads in between; trafilatura keeps the first copy only.
  :func:`restore_split_body` adds back paragraphs from the other copies.
* **Fragments** (blog exports: ``<div><p>…</p>…</div>``, no ``<html>``/``<body>``).
  trafilatura was built for whole pages and may drop short fragments, so when it keeps less
  than ``min_coverage`` of the fragment's words, a recall pass and then the fragment's own
  :func:`paragraph_text` take over. Chrome the fallback lets through (QR promos, editor
  credits) is removed by the boilerplate rules that run next, and credit lines trafilatura
  dropped are handed on to them, so a credit is never lost.
* **Metadata**: title, date, author, site name and canonical URL from the page, only where
  the document does not already have them (front matter wins).

Script, style and other non-content elements never reach the text. The text then goes
through :func:`cleaner.decode.repair_text` (entities, also escaped twice, and mojibake).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

from cleaner.decode import repair_text
from cleaner.document import Document, Drop
from cleaner.ingest import parse_date
from cleaner.pipeline import DocumentStep, StepStats


@dataclass
class ExtractConfig:
    """``[extract]``: how main text is taken out of HTML pages."""

    # Measured on the 55-page dev set through the whole clean path (F1): these defaults 0.985;
    # balanced mode 0.974, recall mode 0.973, no fallbacks 0.962, no tables 0.975, no
    # split-body restore 0.975 (benchmarks/bench_extraction.py).
    # trafilatura's precision mode: drops more doubtful blocks.
    favor_precision: bool = True
    # trafilatura's recall mode: keeps more doubtful blocks. Not together with favor_precision.
    favor_recall: bool = False
    include_tables: bool = True
    # Reader comments under an article are not the article.
    include_comments: bool = False
    # Let trafilatura try its readability/jusText fallbacks when its own pass looks weak.
    fallbacks: bool = True
    # For a fragment (no <html>/<body>: blog exports), fall back to a recall pass, then to the
    # markup's paragraph text, when trafilatura keeps less than this share of its words.
    # Whole pages always keep trafilatura's choice (measured: second-guessing it loses F1).
    min_coverage: float = 0.8
    # Add back paragraphs from further copies of the article container (split bodies).
    restore_split_body: bool = True
    # Take title/date/author/site name/URL from the page when the document lacks them.
    metadata: bool = True

    def check(self) -> None:
        if self.favor_precision and self.favor_recall:
            raise ValueError("favor_precision and favor_recall cannot both be true "
                             "(set favor_precision = false to favour recall)")
        if not 0.0 <= self.min_coverage <= 1.0:
            raise ValueError(f"min_coverage: {self.min_coverage} is not between 0 and 1")


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


def _parse(markup: str) -> etree._Element:
    """``lxml.html.fromstring`` of ``markup``, control characters (a form feed) as spaces.

    Markup that is a single non-content element (a lone ``<script>``) gives an empty
    ``<div>``: the element would be the root itself, which dropping it would not remove.
    """
    root = lxml.html.fromstring(XML_UNSAFE.sub(" ", markup))
    if isinstance(root.tag, str) and root.tag.lower() in NON_CONTENT_TAGS:
        return lxml.html.Element("div")
    return root


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
    for bad in root.xpath("//" + " | //".join(NON_CONTENT_TAGS)):
        bad.drop_tree()
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


def restore_split_body(markup: str, text: str, min_kept: int = 2) -> tuple[str, int]:
    """Add back article paragraphs that sit in *other copies* of the container trafilatura kept.

    Many sites cut an article into several identical containers with ads in between
    (``<div class="body">…</div><aside>ad</aside><div class="body">…</div>``); trafilatura
    keeps the first and loses the rest. A paragraph is restored when its container has the same
    tag/class signature (three levels) as the containers of at least ``min_kept`` paragraphs
    that trafilatura kept, and no paragraph of that container instance was kept (so a block
    trafilatura dropped on purpose from a container it used is not brought back). Restored
    paragraphs go right after the last kept paragraph that precedes them in the page.

    Returns the new text and the number of paragraphs restored.
    """
    if not text.strip():
        return text, 0
    try:
        root = _parse(markup)
    except (etree.ParserError, ValueError):
        return text, 0
    for bad in root.xpath("//" + " | //".join(NON_CONTENT_TAGS)):
        bad.drop_tree()
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
    from cleaner.boilerplate import credit_rules, is_credit_line  # boilerplate owns the rules

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


def _clean_meta(value: str | None) -> str | None:
    """A metadata string repaired like the text (entities, mojibake), on one line; or None."""
    if not value:
        return None
    value = " ".join(repair_text(value)[0].split())
    return value or None


_WARM_UP_PAGE = ("<html><head><title>Warm-up</title><link rel='canonical' "
                 "href='https://example.com/a'></head><body><article><p>One short paragraph."
                 "</p></article></body></html>")
_warm = False


def _warm_up(step: ExtractStep) -> None:
    """Run trafilatura once on a tiny page, the first time a step is built in a process."""
    global _warm
    if not _warm:
        _warm = True
        step._trafilatura(_WARM_UP_PAGE, "https://example.com/a")


class ExtractStep(DocumentStep):
    """HTML → main text (trafilatura, with a paragraph-text fallback) and page metadata."""

    name = "extract"

    def __init__(self, config: ExtractConfig | None = None) -> None:
        self.config = config or ExtractConfig()
        # Warmed here, in the process that builds the steps: worker processes forked from it
        # inherit trafilatura's imports, stoplists and domain list instead of each loading
        # them (0.3 s of CPU per worker).
        _warm_up(self)

    def _trafilatura(self, markup: str, url: str | None, **overrides: bool):
        import trafilatura  # heavy import: only where extraction runs

        config = self.config
        options = dict(
            url=url,
            favor_precision=config.favor_precision,
            favor_recall=config.favor_recall,
            include_comments=config.include_comments,
            include_tables=config.include_tables,
            fast=not config.fallbacks,
            with_metadata=config.metadata,
            deduplicate=False,
            # Dates only from the page's own metadata and markup, not guessed from any URL in it
            # (a fragment's image URL is not its publication date).
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
        options.update(overrides)
        try:
            return trafilatura.bare_extraction(markup, **options)
        except Exception:  # noqa: BLE001 - a page trafilatura chokes on falls back below
            return None

    def extract(self, markup: str, url: str | None, stats: StepStats) -> tuple[str, object]:
        """The main text of ``markup`` and trafilatura's result (for metadata, may be None)."""
        result = self._trafilatura(markup, url)
        text = (result.text or "") if result is not None else ""
        if not is_fragment(markup):
            # Measured on whole pages: trafilatura's own choice beats any blind second guess;
            # only its known blind spot, an article cut into several containers, is repaired.
            if not text.strip() and not self.config.favor_recall:
                # Nothing at all in precision mode: a recall pass before giving up on the page.
                recall = self._trafilatura(markup, url, favor_precision=False, favor_recall=True)
                if recall is not None and (recall.text or "").strip():
                    stats.counters["recall_pass"] += 1
                    text, result = recall.text, result if result is not None else recall
            if self.config.restore_split_body:
                text, restored = restore_split_body(markup, text)
                stats.counters["restored_paragraphs"] += restored
            return text, result
        plain = paragraph_text(markup)
        plain_tokens = _token_count(plain)
        coverage = _token_count(text) / plain_tokens if plain_tokens else 1.0
        if coverage < self.config.min_coverage and not self.config.favor_recall:
            recall = self._trafilatura(markup, url, favor_precision=False, favor_recall=True)
            recall_text = (recall.text or "") if recall is not None else ""
            if _token_count(recall_text) > _token_count(text):
                stats.counters["recall_pass"] += 1
                text = recall_text
                result = result if result is not None else recall
                coverage = _token_count(text) / plain_tokens
        if coverage < self.config.min_coverage:
            # A fragment is the article already; its chrome is left to the boilerplate rules.
            stats.counters["paragraph_fallback"] += 1
            return plain, result
        # Credits trafilatura dropped ("责任编辑：…" in a footer <p>) go on to the boilerplate
        # step, which turns them into metadata: a credit is never lost.
        credits = dropped_credit_lines(plain, text)
        stats.counters["credit_lines_kept"] += len(credits)
        return "\n".join([text, *credits]) if credits else text, result

    def process(self, doc: Document, stats: StepStats) -> Document | Drop:
        if doc.html is None:
            return doc
        text, result = self.extract(doc.html, doc.url, stats)
        text, repairs = repair_text(text)
        doc.text = text
        for repair in repairs:
            if repair not in doc.repairs:
                doc.repairs.append(repair)
        if result is not None and self.config.metadata:
            self._metadata(doc, result, is_fragment(doc.html))
        doc.html = None
        return doc

    @staticmethod
    def _metadata(doc: Document, result: object, fragment: bool) -> None:
        """Fill what the document does not have yet from what trafilatura found."""
        if doc.title is None:
            title = _clean_meta(getattr(result, "title", None))
            names = [getattr(result, "sitename", None), getattr(result, "hostname", None),
                     doc.meta.get("site_name"), urlsplit(doc.url or "").hostname]
            doc.title = strip_site_name(title, [n for n in names if isinstance(n, str)])
        if doc.author is None:
            doc.author = _clean_meta(getattr(result, "author", None))
        if doc.published is None and not fragment:
            doc.published = parse_date(getattr(result, "date", None))
        url = _clean_meta(getattr(result, "url", None))
        if doc.url is None and url and urlsplit(url).scheme in ("http", "https"):
            doc.url = url
        site = _clean_meta(getattr(result, "sitename", None))
        if site and not doc.meta.get("site_name"):
            doc.meta["site_name"] = site
        # Categories and tags the page declares (meta tags, JSON-LD), when it has any.
        for key in ("categories", "tags"):
            values = getattr(result, key, None)
            if isinstance(values, list) and values and not doc.meta.get(key):
                if len(values) == 1 and isinstance(values[0], str):
                    # One meta tag holding the whole list: "a, b, c".
                    values = values[0].split(",")
                cleaned = [_clean_meta(v) for v in values if isinstance(v, str)]
                doc.meta[key] = [v for v in dict.fromkeys(cleaned) if v]
