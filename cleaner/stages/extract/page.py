"""The page as a tree, and the text a reader sees in it.

One parse per page (:func:`load_page`), markup that the parser cannot take whole read without
a tree (:func:`markup_text`), what readers never see dropped (:func:`drop_hidden`), and the
paragraphs of an HTML fragment such as a blog export (:func:`paragraph_text`).
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

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


def parse_markup(markup: str) -> etree._Element:
    """``lxml.html.fromstring`` of ``markup``, control characters (a form feed) as spaces.

    Markup that is a single non-content element (a lone ``<script>``) or no element at all
    (a lone comment) gives an empty ``<div>``: the element would be the root itself, which
    dropping it would not remove, and a comment is no tree to search.

    >>> parse_markup("<body><!--c-->").tag, parse_markup("<p>Hi</p>").tag
    ('div', 'p')
    """
    root = lxml.html.fromstring(XML_UNSAFE.sub(" ", markup), parser=FRAGMENT_PARSER)
    if not isinstance(root.tag, str) or root.tag.lower() in NON_CONTENT_TAGS:
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
        root = parse_markup(markup)
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


def letters(text: str) -> int:
    """Characters other than spaces and line breaks (counted in C: no word list is built).

    >>> letters(" a b\\n\\n c ")
    3
    """
    return len(text) - sum(text.count(space) for space in " \n\t\r\xa0")


def visible_letters(tree: etree._Element) -> int:
    """How many characters other than spaces a reader sees on the page."""
    body = tree.find("body")
    body = tree if body is None else body
    hidden = sum(letters(element.text_content()) for element in body.iter(*NON_CONTENT_TAGS))
    return letters(body.text_content()) - hidden


def squash(text: str) -> str:
    return " ".join(text.split())
