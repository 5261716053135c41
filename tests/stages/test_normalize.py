"""Tests for cleaner.stages.normalize: spaces, paragraphs, glued sentences."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cleaner.stages.normalize import (
    normalize_paragraphs,
    normalize_spaces,
    normalize_text,
    split_glued_sentences,
)


def test_full_width_spaces_and_indentation_go():
    text = normalize_text("\u3000\u3000上海市委副书记今天主持会议。\n"
                          "\u3000\u3000会议还研究了其他事项。")
    assert "\u3000" not in text
    assert text == "上海市委副书记今天主持会议。\n\n会议还研究了其他事项。"


def test_paragraphs_one_blank_line_no_trailing_spaces():
    assert normalize_text("  A line.   \n\n\n\n\tB line.\t\n") == "A line.\n\nB line."
    assert normalize_paragraphs("one\ntwo") == "one\n\ntwo"
    assert normalize_spaces("a\u00a0\u00a0b\u200b c") == "a b c"


@pytest.mark.parametrize(("glued", "fixed"), [
    ("reality of Shanghai.We must continue", "reality of Shanghai. We must continue"),
    ("supply chain.wantContinue to deepen", "supply chain. want Continue to deepen"),
    ("livelihood security,Provide employment", "livelihood security, Provide employment"),
    ('he said."Then we left.', 'he said." Then we left.'),
    ("the market!Prices rose", "the market! Prices rose"),
])
def test_glued_sentences_are_split(glued, fixed):
    assert split_glued_sentences(glued) == fixed


@pytest.mark.parametrize("text", [
    "The U.S. economy grew 3.5% in Q.3, e.g. in the U.K.",
    "Visit https://www.Example.com/Path.Html or www.Sina.com.cn today.",
    "Mail jane.Doe@Example.org now.",
    "Mr.Smith met Dr.Jones.",
    "See Amazon.Com and Node.js and iPhone and eBay users.",
    "版本3.5.1发布了。上海.中国",
    "Its site is www.libertas.sm and Libertas.smSan Marino.",
])
def test_legitimate_dots_stay(text):
    assert split_glued_sentences(text) == text


@given(st.text())
def test_normalize_is_idempotent_and_clean(text):
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert "\u3000" not in once and "\n\n\n" not in once
    assert all(line == line.strip() for line in once.split("\n"))


# --- terminal codes and final-line quotes (issue 19) ---------------------------------------

def test_terminal_codes_and_bidi_overrides_leave_text_and_title():
    from cleaner.document import Document
    from cleaner.pipeline import StepStats
    from cleaner.stages.normalize import NormalizeStep

    doc = Document("a.txt", text="The \x1b[1mcouncil\x1b[0m met [31mon Tuesday[0m "
                   "\u202eand approved\u202c the \u2066plan\u2069.",
                   title="\x1b]0;pwned\x07Big [1mnews[0m\u202e")
    doc = NormalizeStep().process(doc, StepStats("normalize"))
    assert doc.text == "The council met on Tuesday and approved the plan."
    assert doc.title == "Big news"


def test_a_text_with_nothing_that_shows_is_empty():
    from cleaner.document import Document, Drop
    from cleaner.pipeline import StepStats
    from cleaner.stages.normalize import NormalizeStep

    for text in ("\u3000\u00a0\u200b", "\u2061\u180e\n\u2066", "\x1b[2J"):
        result = NormalizeStep().process(Document("a.txt", text=text), StepStats("normalize"))
        assert isinstance(result, Drop) and result.reason == "empty", repr(text)


def test_quotes_follow_the_final_lines():
    from cleaner.document import Document
    from cleaner.pipeline import StepStats
    from cleaner.stages.normalize import NormalizeStep

    doc = Document("a.txt", text="“quoted” \x0c上海“引号”\r‚alone")
    doc = NormalizeStep().process(doc, StepStats("normalize"))
    assert doc.text == '"quoted"\n\n上海“引号”\n\n\'alone'
    kept = NormalizeStep(uncurl_quotes=False, fix_width=False).process(
        Document("a.txt", text="“quoted”"), StepStats("normalize"))
    assert kept.text == "“quoted”"
