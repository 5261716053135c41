"""Page metadata: title, date, author, URL, site name, categories and tags.

Taken from meta tags, JSON-LD, ``<title>``, the canonical link and dates, in trafilatura's
order; the byline and category/tag link searches of the body can be switched off.
"""

from __future__ import annotations

import contextlib
import re

from lxml import etree

from cleaner.stages.extract.page import squash
from cleaner.text.repair import repair_text

# The dates htmldate may accept. Its own latest date is the end of *today* on the clock and
# in the time zone of the machine: a page dated today (UTC) then got yesterday's date when
# built at UTC-8, and a page dated in the future none until that day, so an identical rebuild
# elsewhere or later differed. Fixed bounds make a page's date a function of the page.
MIN_DATE = "1995-01-01"
MAX_DATE = "2199-12-31"
TITLE_SEPARATOR = re.compile(r"\s+[|\-–—:·»]\s+|\s*[|｜]\s*")


def site_key(name: str) -> str:
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
    keys = {site_key(name) for name in site_names if name} - {""}
    if not title or not keys:
        return title
    for match in TITLE_SEPARATOR.finditer(title):
        head, tail = title[:match.start()].strip(), title[match.end():]
        if head and site_key(tail) in keys:
            return head
    return title


def clean_meta(value: object) -> str | None:
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
        "date": find_date(tree, url=page_url, extensive_search=False, original_date=True,
                          min_date=MIN_DATE, max_date=MAX_DATE),
        "categories": found.categories or terms_from_markup("category", tree, search_body),
        "tags": found.tags or terms_from_markup("tag", tree, search_body),
        "language": declared_language(tree),
    }


DECLARED_LANGUAGE = etree.XPath(
    "(/html/@lang | /html/@xml:lang"
    " | //head/meta[translate(@http-equiv, 'CONTENT-LANGUAGE', 'content-language')"
    " = 'content-language']/@content | //head/meta[@property='og:locale']/@content)[1]",
    namespaces={"xml": "http://www.w3.org/XML/1998/namespace"})
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*")


def declared_language(tree: etree._Element) -> str | None:
    """The language a page declares: ``<html lang>``, ``Content-Language``, ``og:locale``
    (a hint for the language stage, which checks it against the text).

    >>> import lxml.html
    >>> declared_language(lxml.html.fromstring("<html lang='bs-BA'><body>x</body></html>"))
    'bs-BA'
    """
    found = DECLARED_LANGUAGE(tree)
    value = str(found[0]).strip().split(",")[0].strip() if found else ""
    return value if LANGUAGE_TAG.fullmatch(value) else None


# What trafilatura's category and tag searches require of a link (see extract_catstags).
TERM_LINK = {"category": re.compile(r"/categor(?:y|ies|s)?/"),
             "tag": re.compile(r"/tag(?:y|ies|s)?/")}
TERM_HREFS = {"category": "//a/@href[contains(., '/categor')]",
              "tag": "//a/@href[contains(., '/tag')]"}
SECTION_META = './/head//meta[@property="article:section" or contains(@name, "subject")][@content]'


def terms_from_markup(kind: str, tree: etree._Element, links: bool = True) -> list[str]:
    """trafilatura's search for category or tag ``links``, skipped when the page has no link
    that could pass it; categories then come from the section meta tag, as there."""
    from trafilatura import metadata as tm

    if links and any(TERM_LINK[kind].search(href) for href in tree.xpath(TERM_HREFS[kind])):
        return tm.extract_catstags(kind, tree)
    if kind == "category":
        return [term for term in dict.fromkeys(squash(meta.get("content", ""))
                                               for meta in tree.xpath(SECTION_META)) if term]
    return []
