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
