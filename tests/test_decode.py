"""Tests for cleaner.decode: bytes to text, front matter, repairs."""

from __future__ import annotations

import datetime as dt

import pytest

from cleaner.decode import (
    DecodeStep,
    decode_bytes,
    looks_like_html,
    repair_text,
    split_front_matter,
)
from cleaner.document import Document, Drop
from cleaner.ingest import IngestConfig
from cleaner.pipeline import StepStats

NEWS_ZH = ("上海市委副书记、市长龚正今天主持召开市政府常务会议，强调按照市委部署，"
           "持续推动上海绿色低碳循环经济发展，加快打造国际绿色金融枢纽，深入推进统计现代化改革。")
NEWS_TW = "臺北市政府今天舉行記者會，說明綠色經濟發展計畫，並宣布將擴大再生能源的使用。"
NEWS_RU = "Правительство Москвы обсудило развитие зелёной экономики и новые меры поддержки."
NEWS_JA = ("東京都は本日、脱炭素に向けた新しい計画を発表し、"
           "再生可能エネルギーの導入を進めると述べた。")
NEWS_FR = "Le maire a présenté aujourd'hui un plan ambitieux pour l'économie verte à Marseille."


def run(data: bytes, content_type: str = "", charset: str | None = None,
        source: str = "doc.txt", **config: object) -> Document | Drop:
    doc = Document(source=source, data=data, content_type=content_type, charset_hint=charset)
    return DecodeStep(IngestConfig(**config)).process(doc, StepStats("decode"))


@pytest.mark.parametrize(("text", "codec"), [
    (NEWS_ZH, "gb18030"), (NEWS_ZH, "gbk"), (NEWS_ZH, "gb2312"), (NEWS_TW, "big5"),
    (NEWS_JA, "shift_jis"), (NEWS_JA, "euc_jp"), (NEWS_RU, "cp1251"), (NEWS_RU, "koi8_r"),
    (NEWS_FR, "cp1252"), (NEWS_FR, "latin-1"), (NEWS_ZH, "utf-16"), (NEWS_ZH, "utf-8-sig"),
])
def test_undeclared_legacy_encodings_decode(text, codec):
    result = run(text.encode(codec))
    assert isinstance(result, Document)
    assert result.text == text


def test_lying_meta_charset_is_not_trusted():
    page = f'<html><head><meta charset="utf-8"></head><body><p>{NEWS_ZH}</p></body></html>'
    result = run(page.encode("gbk"), "html")
    assert NEWS_ZH in result.html


def test_meta_charset_and_http_header_are_used():
    page = f'<meta http-equiv="Content-Type" content="text/html; charset=koi8-r"><p>{NEWS_RU}</p>'
    assert NEWS_RU in run(page.encode("koi8_r"), "html").html
    assert NEWS_RU in run(f"<p>{NEWS_RU}</p>".encode("cp1251"), "html", charset="cp1251").html


def test_valid_utf8_wins_over_a_declared_single_byte_charset():
    page = f'<meta charset="iso-8859-1"><p>{NEWS_FR}</p>'
    decoded = decode_bytes(page.encode("utf-8"))
    assert NEWS_FR in decoded.text and decoded.codec == "utf-8"


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
    b"hello\x00world\x00\x01\x02\x03",
    bytes(range(256)) * 8,
])
def test_binary_content_is_dropped_whatever_its_name(data):
    result = run(data, "html", source="page.html")
    assert isinstance(result, Drop) and result.reason == "binary"


@pytest.mark.parametrize("data", [b"", b"   \n\n ", b"<html><body>  </body></html>"])
def test_empty_documents_are_dropped(data):
    result = run(data)
    assert isinstance(result, Drop) and result.reason == "empty"


def test_seed_like_front_matter_after_a_blank_line():
    page = ("\n---\ntitle: '上海部署推动绿色低碳循环经济发展'\ncategories: \n - 金融\n - 新浪财经\n"
            "author: 新浪财经\ncomments: false\ndate: Mon, 13 Sep 2021 08:46:47 GMT\n---\n\n"
            f"<div>\n<p>{NEWS_ZH}</p>\n</div>\n")
    doc = run(page.encode("utf-8"))
    assert doc.title == "上海部署推动绿色低碳循环经济发展"
    assert doc.published == dt.date(2021, 9, 13)
    assert doc.author == "新浪财经"
    assert doc.meta["categories"] == ["金融", "新浪财经"]
    assert doc.content_type == "html" and doc.html.lstrip().startswith("<div>")
    assert doc.text == "" and doc.data == b""


def test_toml_front_matter():
    page = ('+++\ntitle = "Green"\ndate = 2021-09-13\ntags = ["a", "b"]\n'
            'url = "https://a.example/x"\n+++\nBody text.\n')
    doc = run(page.encode("utf-8"))
    assert (doc.title, doc.published, doc.url) == ("Green", dt.date(2021, 9, 13),
                                                   "https://a.example/x")
    assert doc.meta["tags"] == ["a", "b"] and doc.text.strip() == "Body text."


@pytest.mark.parametrize("block", [
    "title: [unclosed",
    "a: !!python/object/apply:os.system ['echo hi']",
    "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]",
])
def test_broken_or_hostile_front_matter_keeps_the_body(block):
    doc = run(f"---\n{block}\n---\nThe body stays.\n".encode())
    assert isinstance(doc, Document)
    assert doc.text.strip() == "The body stays."
    assert doc.meta["front_matter_error"]


def test_markdown_rule_is_not_front_matter():
    text = "---\nJust a line of prose between rules.\n---\nMore.\n"
    assert split_front_matter(text).body == text


def test_html_or_text_by_content():
    assert looks_like_html("<!DOCTYPE html><html><body>x</body></html>", "text")
    assert not looks_like_html("Just words, no tags.", "html")
    doc = run(b"Plain words in an .html file.", "html", source="x.html")
    assert doc.content_type == "text" and doc.text.startswith("Plain")


@pytest.mark.parametrize(("broken", "fixed", "repair"), [
    ("CafÃ© au lait", "Café au lait", "fix_encoding"),
    ("Tom &amp; Jerry", "Tom & Jerry", "unescape_html"),
    ("a &amp;#123; b", "a { b", "unescape_html_twice"),
    ("price \x80 5", "price € 5", "fix_c1_controls"),
    ("e\u0301te\u0301", "été", "nfc"),
])
def test_repair_text(broken, fixed, repair):
    text, repairs = repair_text(broken)
    assert text == fixed
    assert repair in repairs


@pytest.mark.parametrize("text", [
    "AT&T and R&D are fine; so is &copy 2020 without a semicolon.",
    "上海，“绿水青山”　全角标点不变。",
    "Plain ASCII text.",
])
def test_repair_text_leaves_good_text_alone(text):
    assert repair_text(text) == (text, [])


def test_html_entities_in_markup_are_left_to_the_parser():
    doc = run(b"<p>Use &lt;p&gt; for paragraphs &amp; more</p>", "html")
    assert "&lt;p&gt;" in doc.html
