"""Properties of cleaning (the per-document steps of ``cleaner.build.cleaning_steps``), on
generated input: it never raises, it is idempotent, and it never adds markup.

The steps are called directly (not through the executor, which turns an exception into an
``error`` removal), so an exception fails the test. Decoding alone on any bytes and
normalisation alone are covered in test_decode.py and test_normalize.py.
"""

from __future__ import annotations

import html
import re
import unicodedata

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from cleaner.build import cleaning_steps
from cleaner.config import Config
from cleaner.document import Document, Drop
from cleaner.pipeline import StepStats
from cleaner.stages.extract.step import markup_text

STEPS = cleaning_steps(Config())
SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
# An HTML tag (or comment, doctype) as a parser would see it.
TAG = re.compile(r"<\s*/?\s*[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>|<!--|<!doctype", re.IGNORECASE)


def clean(data: bytes, content_type: str = "", title: str | None = None) -> Document | Drop:
    """Run ``data`` through every cleaning step, as a build does; a drop ends the way."""
    item: Document | Drop = Document(source="page", data=data, content_type=content_type,
                                     title=title)
    for step in STEPS:
        item = step.process(item, StepStats(step.name))
        if isinstance(item, Drop):
            return item
    return item


def clean_again(doc: Document) -> Document | Drop:
    """Clean a cleaned document once more, as a plain-text page with its title.

    The title goes along: without one, the first line of a text is taken as its headline
    each time (boilerplate's ``headline_to_title``), which is right for a new page.
    """
    return clean(doc.text.encode("utf-8"), "text", doc.title)


# Pieces of pages: markup, script/style, entities (also escaped twice), CJK, odd spaces,
# mojibake, credits, control characters.
PIECES = st.sampled_from([
    "<div>", "</div>", "<p>", "</p>", "<br>", "<html>", "<body>", "<b>", "</b>", "<li>",
    "<script>var a = 1;</script>", "<style>p { color: red }</style>", "<!-- note -->",
    "<noscript>enable js</noscript>", "&amp;", "&amp;amp;", "&#123;", "&nbsp;", "&lt;",
    "&gt;", "&quot;", "上海市绿色金融改革。", "Green bonds rose sharply this year. ",
    "The council met on Tuesday.", "CafÃ© ", "â€œquotedâ€\x9d ", "\u3000", "\u00a0", "\t",
    "\n", "\n\n", "\r\n", " ", "责任编辑：李墨轩", "Share this article", "…", "\x0c", "ｆｕｌｌ",
    "e.g. ", "U.S. ", "3.5 ", "http://example.com/a.b ", "Shanghai.We must", "\u200b",
])
PAGES = st.lists(PIECES, min_size=1, max_size=40).map("".join)
# Words of real text, so that pages are long enough to survive extraction now and then.
PROSE = st.lists(st.sampled_from([
    "The", "green", "bond", "market", "in", "Shanghai", "grew", "by", "ten", "percent", ".",
    "上海", "绿色", "金融", "。", "Le", "marché", "vert", ",", "\n", "\n\n", "&amp;", "'", '"',
    "“", "”", "—", "-", "(", ")", "1.5", "U.S.", "said", "Mr.", "Zhang", "!", "?", ":", ";",
]), min_size=1, max_size=120).map(" ".join)


@SETTINGS
@given(st.binary(max_size=2000), st.sampled_from(["", "html", "text"]))
def test_cleaning_any_bytes_never_raises(data, content_type):
    result = clean(data, content_type)
    assert isinstance(result, (Document, Drop))
    if isinstance(result, Document):
        assert result.text.strip() and result.html is None and result.data == b""


@SETTINGS
@given(st.one_of(st.text(max_size=1500), PAGES, PROSE))
@example("<p>a &lt;b&gt; c</p>")
def test_cleaning_any_text_never_raises(text):
    for content_type in ("", "html"):
        result = clean(text.encode("utf-8", "surrogatepass"), content_type)
        assert isinstance(result, (Document, Drop))


@SETTINGS
@given(st.one_of(PAGES, PROSE, st.text(max_size=800)))
@example("The council met on Tuesday.\n\nCafÃ© &amp;amp; â€œbarâ€\x9d\u3000ｆｕｌｌ")
@example("<div>上海市绿色金融改革。3.5 <div>http://example.com/a.b <div>&amp;")
@example("&nbsp;â€œquotedâ€\x9d ")
@example("<div>\u200b<div>&amp;责任编辑：李墨轩<div>&amp;")
@example("Share this article\u200b")
# A C1 control and a CR beside CJK text: the quote it becomes was on a CJK line, then alone.
@example("\x82\r\u3400")
# Curly quotes on the line of a credit that boilerplate takes away (issue 19).
@example("â€œquotedâ€\x9d \x0c责任编辑：李墨轩")
# Terminal codes and what is left of them, bidirectional overrides.
@example("\x1b[1mShare this article\x1b[0m \u202eThe council met on Tuesday.\u202c [3[31mm")
def test_cleaning_is_idempotent(text):
    once = clean(text.encode("utf-8", "surrogatepass"))
    # Cleaned text holding literal tags is read as markup the second time: see below.
    assume(not isinstance(once, Drop) and not TAG.search(once.text))
    twice = clean_again(once)
    assert not isinstance(twice, Drop), (once.text, twice)
    assert twice.text == once.text


@pytest.mark.xfail(strict=True, reason="decode: cleaned text with literal tags (from &lt;p&gt; "
                   "or after a line is removed) is read as HTML when cleaned again")
@pytest.mark.parametrize("text", ["&lt;p&gt;The council met on Tuesday.",
                                  "a <b> c\n\n<p>The council met on Tuesday."])
def test_cleaning_text_with_literal_tags_is_idempotent(text):
    once = clean(text.encode())
    assert clean_again(once).text == once.text


def _tags(text: str) -> set[str]:
    return {" ".join(tag.lower().split()) for tag in TAG.findall(text)}


def _shown(text: str) -> str:
    """What a page shows its readers, in the form cleaning gives it: entities (also escaped
    twice) as characters, full-width letters as plain ones ("&lt;ｐ&gt;" shows "<p>")."""
    return unicodedata.normalize("NFKC", html.unescape(html.unescape(text)))


def _tags_shown(page: str) -> set[str]:
    """Tags a page shows, read as text or as markup (where its own tags are gone and its
    blocks are lines: "<div>&lt;a b<div>&gt;" shows "<a b" and ">" on two lines)."""
    return _tags(_shown(page)) | _tags(_shown(markup_text(page)))


@SETTINGS
@given(st.one_of(PAGES, PROSE), st.sampled_from(["", "html"]))
@example("&lt;ｆｕｌｌ&gt;", "")
@example("<div>&lt;Green bonds rose sharply this year. <div>&gt;", "")
@example("<script>var a = 1;</script>&amp;<noscript>enable js</noscript>&amp;amp;", "html")
def test_cleaning_never_adds_markup(text, content_type):
    result = clean(text.encode("utf-8"), content_type)
    if isinstance(result, Drop):
        return
    # A tag may only be in the text if the page showed it to its readers (as text, or
    # escaped: &lt;p&gt;); cleaning never makes one up.
    assert _tags(result.text) <= _tags_shown(text), result.text
    if content_type == "html":  # read as markup: script and style text never gets through
        assert "var a = 1" not in result.text and "color: red" not in result.text
        assert "enable js" not in result.text
