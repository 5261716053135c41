"""Tests for cleaner.stages.extract.step: trafilatura extraction, fragment fallback, metadata."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cleaner.document import Document
from cleaner.pipeline import StepStats
from cleaner.stages.boilerplate.rules import CreditLines
from cleaner.stages.extract.step import (
    ExtractConfig,
    ExtractStep,
    is_fragment,
    markup_text,
    paragraph_text,
    restore_split_body,
    strip_site_name,
)
from cleaner.text.dates import parse_date

# Shaped like the blog-export seeds: a tiny fragment, full-width indents, a QR promo with
# double-escaped CSS braces, and an editor credit.
FRAGMENT = """<div>
<p class="ori_titlesource">\u3000\u3000原标题：绿色金融中心建设提速</p>
<p>\u3000\u3000市政府今天召开常务会议，强调加快打造国际绿色金融枢纽。</p>
<p>\u3000\u3000会议指出，要坚定不移推进绿色发展，守牢生态底线。</p>
<p>\u3000\u3000会议还研究了其他事项。</p><!-- comment -->
<style>.appendQr_wrap&#123;border:1px solid #E6E6E6;&#125;</style>
<script>var appendQr = 1;</script>
<div class="appendQr_wrap">
<div class="appendQr_normal_txt">海量资讯、精准解读，尽在新浪财经APP</div></div>
<p class="article-editor">责任编辑：张三 </p>
</div>"""

PAGE = """<html><head><title>Big River Floods Town | Example News</title>
<meta property="og:site_name" content="Example News">
<meta name="author" content="Jane Doe">
<meta property="article:published_time" content="2023-04-05T10:00:00Z">
<link rel="canonical" href="https://news.example.com/2023/04/floods">
<style>body{color:red}</style><script>var tracking = "SECRET_SCRIPT_TEXT";</script>
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>Big River Floods Town</h1>
<p>The big river burst its banks on Tuesday night, flooding hundreds of homes in the town.</p>
<p>Residents were evacuated to the school gym, where volunteers handed out blankets and food.</p>
<p>"We have never seen water this high," said the mayor, who asked for federal help.</p>
<p>Forecasters expect the water to recede slowly over the coming week as rain eases.</p>
</article>
<footer>Copyright 2023 Example News. All rights reserved.</footer>
</body></html>"""


def run(doc: Document, config: ExtractConfig | None = None) -> Document:
    step = ExtractStep(config or ExtractConfig(), is_credit_line=CreditLines())
    return step.process(doc, StepStats("extract"))


def test_fragment_keeps_every_paragraph_and_no_css_or_script():
    doc = run(Document(source="a.txt", html=FRAGMENT))
    assert doc.html is None
    for sentence in ("市政府今天召开常务会议", "守牢生态底线", "会议还研究了其他事项"):
        assert sentence in doc.text
    for junk in ("appendQr", "&#123;", "{", "var ", "<p", "border:"):
        assert junk not in doc.text


def test_page_text_and_metadata():
    doc = run(Document(source="b.html", html=PAGE))
    assert "burst its banks" in doc.text
    assert "recede slowly" in doc.text
    assert "SECRET_SCRIPT_TEXT" not in doc.text
    assert "color:red" not in doc.text
    assert doc.title and "Big River Floods Town" in doc.title
    assert doc.published == dt.date(2023, 4, 5)
    assert doc.author == "Jane Doe"
    assert doc.meta["site_name"] == "Example News"
    assert doc.url == "https://news.example.com/2023/04/floods"


def test_existing_metadata_is_not_overwritten():
    doc = Document(source="b.html", html=PAGE, title="Given", url="https://x.org/1",
                   published=dt.date(2020, 1, 1), author="Someone")
    doc = run(doc)
    assert (doc.title, doc.url, doc.published, doc.author) == (
        "Given", "https://x.org/1", dt.date(2020, 1, 1), "Someone")


def test_double_escaped_entities_are_repaired():
    doc = run(Document(source="d.txt", html="<div><p>Price &amp;lt; 5 &amp;amp; rising, "
                       "said the fund manager on Monday in a note.</p></div>"))
    assert "Price < 5 & rising" in doc.text
    assert doc.repairs


def test_broken_markup_does_not_crash():
    doc = run(Document(source="e.html", html="<<<>>>\x00</p></div>"))
    assert doc.html is None
    assert isinstance(doc.text, str)


def test_paragraph_text_and_fragment_detection():
    assert paragraph_text("<div><p>a <i>b</i></p><script>x()</script><p>c</p></div>") == "a b\nc"
    assert paragraph_text("") == ""
    assert is_fragment("<div>x</div>") and not is_fragment("<HTML><body>x</body></HTML>")
    assert parse_date("2021-09-13T08:46:47") == dt.date(2021, 9, 13)
    assert parse_date(None) is None


def test_config_check():
    ExtractConfig().check()
    with pytest.raises(ValueError):
        ExtractConfig(favor_precision=True, favor_recall=True).check()
    with pytest.raises(ValueError):
        ExtractConfig(min_coverage=2.0).check()


SPLIT = """<html><head><title>Split story</title></head><body>
<div class="chunks">
 <div class="body container"><p>First part of the story, which is long enough to keep.</p>
  <p>Second paragraph of the first part, also long enough here.</p></div>
 <aside class="ad"><p>Buy our shoes today, the best shoes in the whole wide world.</p></aside>
 <div class="body container"><p>Third paragraph, in a second copy of the body container.</p>
  <p>Fourth paragraph, still in the second copy of the body container.</p></div>
</div></body></html>"""


def test_restore_split_body_adds_later_chunks_in_order():
    text = ("First part of the story, which is long enough to keep.\n"
            "Second paragraph of the first part, also long enough here.")
    restored, count = restore_split_body(SPLIT, text)
    assert count == 2
    assert restored.split("\n") == [
        "First part of the story, which is long enough to keep.",
        "Second paragraph of the first part, also long enough here.",
        "Third paragraph, in a second copy of the body container.",
        "Fourth paragraph, still in the second copy of the body container."]
    assert "shoes" not in restored


def test_restore_split_body_leaves_single_container_pages_alone():
    text = "First part of the story, which is long enough to keep."
    assert restore_split_body(SPLIT, text) == (text, 0)  # one kept paragraph: no evidence
    assert restore_split_body(SPLIT, "") == ("", 0)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(["<div>", "</div>", "<p>", "</p>", "<script>x=1</script>",
                                 "<style>a{}</style>", "text ", "&amp;", "&#123;", "<br>",
                                 "<html>", "<body>", "\u3000", "中文。", "<!--c-->", "<"]),
                max_size=40))
@example(["<body>", "<script>x=1</script>", "<html>"])  # htmldate's cleaning failed on it
@example(["<body>", "<!--c-->"])  # the parsed fragment was a comment, not an element
def test_any_markup_gives_text_without_script_or_style(parts):
    doc = run(Document(source="f.html", html="".join(parts)))
    assert doc.html is None
    assert "x=1" not in doc.text and "a{}" not in doc.text


def test_fragment_credit_dropped_by_trafilatura_is_kept_for_the_boilerplate_step():
    body = ("<p>The city council met on Tuesday to discuss the new budget for the coming year "
            "and approved it.</p><p>Members argued for hours about the cost of the new bridge "
            "over the river before voting.</p><p>The mayor said the decision was a good one for "
            "the people of the city and its future.</p>")
    stats = StepStats("extract")
    doc = ExtractStep(ExtractConfig(), is_credit_line=CreditLines()).process(
        Document(source="f.txt", html=f"<div>{body}<footer><p>责任编辑：李墨轩</p></footer></div>"),
        stats)
    assert doc.text.endswith("责任编辑：李墨轩")
    assert stats.counters["credit_lines_kept"] == 1


class _PrecisionFindsNothing(ExtractStep):
    """trafilatura's precision pass coming back empty, as it does on some odd pages."""

    def _trafilatura(self, markup, url, **overrides):
        if overrides.get("favor_recall"):
            return super()._trafilatura(markup, url, **overrides)
        return None


def test_whole_page_gets_a_recall_pass_when_precision_finds_nothing():
    stats = StepStats("extract")
    doc = _PrecisionFindsNothing(ExtractConfig()).process(Document(source="p", html=PAGE), stats)
    assert "burst its banks" in doc.text
    assert stats.counters["recall_pass"] == 1


def test_site_name_is_stripped_from_the_end_of_the_title():
    assert strip_site_name("Jam Recipe | The Anti-June Cleaver", ["The Anti-June Cleaver"]) == (
        "Jam Recipe")
    assert strip_site_name("Moon landers - SpaceNews.com", ["https://x", "spacenews.com"]) == (
        "Moon landers")
    assert strip_site_name("Opinion | Trump", ["NYTimes"]) == "Opinion | Trump"
    assert strip_site_name("Just a title", ["Site"]) == "Just a title"
    assert strip_site_name(None, ["Site"]) is None


def test_categories_and_tags_declared_by_the_page_become_metadata():
    from cleaner.document import Document
    from cleaner.pipeline import StepStats
    from cleaner.stages.extract.step import ExtractStep

    body = "".join(f"<p>Paragraph {i} of the article has enough words to be the text.</p>"
                   for i in range(8))
    page = ("<html><head><title>T</title>"
            '<meta name="keywords" content="green finance, Shanghai, carbon">'
            '<meta property="article:section" content="Economy">'
            f"</head><body><article>{body}</article></body></html>")
    doc = ExtractStep().process(Document(source="p.html", html=page), StepStats("extract"))
    assert doc.meta["tags"] == ["green finance", "Shanghai", "carbon"]
    assert doc.meta["categories"] == ["Economy"]


def test_bylines_in_the_body_are_searched_unless_switched_off():
    body = "".join(f"<p>Paragraph {i} of the story about the river and the town council.</p>"
                   for i in range(8))
    page = ("<html><head><title>Floods</title></head><body><article>"
            '<div class="byline">By <span class="author">Maria Lopez</span></div>'
            f"{body}</article></body></html>")
    searched = run(Document(source="p.html", html=page))
    not_searched = run(Document(source="p.html", html=page),
                       ExtractConfig(search_body_metadata=False))
    assert searched.author == "Maria Lopez"
    assert not_searched.author is None
    assert not_searched.text == searched.text
    declared = run(Document(source="p.html", html=PAGE))
    assert declared.author == "Jane Doe"  # meta tags are always read


@pytest.mark.parametrize("depth", [300, 20_000])
def test_markup_nested_deeper_than_the_parser_goes_keeps_all_its_text(depth):
    body = "".join(f"<p>Paragraph {i} of the story about the river and the town.</p>"
                   for i in range(6))
    page = ("<html><head><title>Deep</title></head><body>" + "<div>" * depth + body
            + "</div>" * depth + "<p>Written after the deep part.</p><script>x = 1</script>"
            "</body></html>")
    stats = StepStats("extract")
    doc = ExtractStep().process(Document(source="deep.html", html=page), stats)
    assert stats.counters["read_without_parser"] == 1
    assert "Paragraph 5 of the story" in doc.text and "Written after the deep part." in doc.text
    assert "x = 1" not in doc.text and doc.title == "Deep"
    fragment = "<div>" * depth + body + "</div>" * depth
    assert paragraph_text(fragment) == paragraph_text(body)


def test_markup_text_reads_blocks_as_lines_and_drops_what_is_hidden():
    assert markup_text("<p>Wo<b>rd</b> one</p><!-- c --><style>p{}</style><li>two<br>three") == (
        "Word one\ntwo\nthree")


def test_fallbacks_are_compared_only_where_the_fast_pass_looks_weak():
    long_article = "".join(
        f"<p>Paragraph {i}: the council debated the river, the bridge and the budget for "
        f"the coming years, and residents spoke about floods and the cost of repairs.</p>"
        for i in range(12))
    strong = f"<html><body><nav>Home News</nav><article>{long_article}</article></body></html>"
    weak = ("<html><body><nav>" + " ".join(f"<a href='/s{i}'>Section {i}</a>" for i in range(80))
            + "</nav><article><p>Short note on the river.</p></article></body></html>")
    stats = StepStats("extract")
    step = ExtractStep()
    step.process(Document(source="strong.html", html=strong), stats)
    assert stats.counters["fallback_compared"] == 0
    step.process(Document(source="weak.html", html=weak), stats)
    assert stats.counters["fallback_compared"] == 1
    never = StepStats("extract")
    ExtractStep(ExtractConfig(fallback_below_chars=0, fallback_below_share=0.0)).process(
        Document(source="weak.html", html=weak), never)
    assert never.counters["fallback_compared"] == 0
    with pytest.raises(ValueError, match="fallback_below_share"):
        ExtractConfig(fallback_below_share=1.5).check()


def test_a_thin_precision_result_gives_way_to_the_balanced_pass(monkeypatch):
    # Precision mode sometimes keeps a date or a browser notice and drops the article; the
    # balanced pass, with at least twice the text, is taken then, and only then.
    from types import SimpleNamespace

    article = "A long paragraph of the article itself, as a reader sees it. " * 30
    page = f"<html><body><p>May 19, 2020</p><div><p>{article}</p></div></body></html>"

    def fake(self, tree, url, **overrides):
        precise = overrides.get("favor_precision", self.config.favor_precision)
        return SimpleNamespace(text="May 19, 2020" if precise else article, body=None)

    monkeypatch.setattr(ExtractStep, "_trafilatura", fake)
    stats = StepStats("extract")
    doc = ExtractStep().process(Document(source="p.html", html=page), stats)
    assert "article itself" in doc.text and stats.counters["balanced_pass"] == 1

    def fake_short(self, tree, url, **overrides):
        return SimpleNamespace(text="May 19, 2020", body=None)

    monkeypatch.setattr(ExtractStep, "_trafilatura", fake_short)
    stats = StepStats("extract")
    doc = ExtractStep().process(Document(source="p.html", html=page), stats)
    assert stats.counters["balanced_pass"] == 0


def test_the_declared_language_of_a_page_is_kept_as_a_hint():
    page = ("<html lang='bs-BA'><head><title>Vijesti</title></head><body><article>"
            + "<p>Ovo je dugačak paragraf članka koji čitalac vidi na stranici.</p>" * 12
            + "</article></body></html>")
    doc = ExtractStep().process(Document(source="p.html", html=page), StepStats("extract"))
    assert doc.meta["language"] == "bs-BA"


# --- a page's date is a function of the page (issue 19) ------------------------------------

@pytest.mark.parametrize("days", [0, 1, 400])
def test_a_page_date_does_not_depend_on_the_build_clock_or_time_zone(monkeypatch, days):
    import time

    day = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=days)
    body = "".join(f"<p>The council met on day {n} and approved the plan for the new bridge "
                   "across the river, after a long debate about its cost.</p>" for n in range(6))
    page = (f"<html><head><title>Bridge</title><meta property='article:published_time' "
            f"content='{day.isoformat()}T10:00:00+00:00'></head><body><article>{body}"
            "</article></body></html>")
    step = ExtractStep(ExtractConfig())
    seen = {}
    try:
        # 25 hours apart: their "today" always differs, whatever the time of the run.
        for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago", "UTC", "America/Los_Angeles"):
            monkeypatch.setenv("TZ", zone)
            time.tzset()
            doc = step.process(Document("page.html", html=page, content_type="html"),
                               StepStats("extract"))
            seen[zone] = doc.published
    finally:
        monkeypatch.undo()
        time.tzset()
    assert set(seen.values()) == {day}, seen
