"""The decode stage: bytes to text, front matter, repairs."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.document import Document, Drop
from cleaner.pipeline import StepStats
from cleaner.stages.decode.evidence import decode_bytes
from cleaner.stages.decode.front_matter import split_front_matter
from cleaner.stages.decode.markup import looks_like_html
from cleaner.stages.decode.step import DecodeStep
from cleaner.text.repair import _without_ftfy, repair_text

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
    return DecodeStep(**config).process(doc, StepStats("decode"))


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
    if "python" in block:
        assert "unsafe tag" in doc.meta["front_matter_error"]
    if "*c" in block:
        assert "alias" in doc.meta["front_matter_error"]


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
    ("Lietuvi\u00c3\u0085\u00c2\u00b3", "Lietuvių", "fix_encoding"),  # twice, with U+0085
    ("a\r\nb", "a\nb", "fix_line_breaks"),
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


@pytest.mark.parametrize(("real", "declared"), [
    ("gbk", "iso-8859-1"), ("gb18030", "windows-1252"), ("big5", "gbk"), ("gbk", "big5"),
])
def test_lying_legacy_declaration_gives_way_to_a_far_better_reading(real, declared):
    text = NEWS_TW if real == "big5" else NEWS_ZH
    page = f'<html><head><meta charset="{declared}"></head><body><p>{text}</p></body></html>'
    result = run(page.encode(real), "html")
    assert text in result.html
    assert any(r.startswith("declared_charset_wrong") for r in result.repairs)


def test_a_true_legacy_declaration_is_kept():
    page = f'<meta charset="windows-1251"><p>{NEWS_RU}</p>'
    result = run(page.encode("cp1251"), "html")
    assert NEWS_RU in result.html and result.meta["charset"] == "cp1251"
    assert not result.repairs


def test_utf8_with_one_cut_character_stays_utf8():
    data = (NEWS_ZH * 3).encode("utf-8")[:-1]  # the last character cut in half
    result = run(data)
    assert result.text.startswith(NEWS_ZH) and "replaced_invalid_bytes" in result.repairs


def test_invalid_utf8_and_nul_bytes_never_crash():
    for data in (b"\xff\xfe\xfd" * 50, b"\xc3" * 100, b"abc\x00" * 10, b"\x00" * 100,
                 b"text \x00 with one NUL" + b" more words" * 200):
        result = run(data)
        assert isinstance(result, (Document, Drop))


def test_a_stray_nul_in_a_long_page_is_removed_not_fatal():
    data = ("A long page of words. " * 100).encode() + b"\x00" + b" The end."
    result = run(data)
    assert isinstance(result, Document) and "\x00" not in result.text


def test_very_long_single_line_is_repaired():
    text = ("CafÃ© " * 50_000).strip()
    result = run(text.encode("utf-8"))
    assert result.text.startswith("Café Café") and "fix_encoding" in result.repairs


def test_front_matter_too_large_is_recorded():
    block = "title: x\n" + "k: " + "v" * 200 + "\n"
    doc = run(f"---\n{block}---\nBody.\n".encode(), max_front_matter_bytes=100)
    assert doc.text.strip() == "Body." and "larger" in doc.meta["front_matter_error"]


def test_front_matter_metadata_types():
    page = ("---\ntitle: T\ndate: 2021-09-13 08:46:47\nurl: https://a.example/p\n"
            "source: 上观新闻\ntags: a, b\nauthors: [Ann, Bob]\ndescription: Short.\n"
            "comments: false\n---\nBody.\n")
    doc = run(page.encode())
    assert doc.published == dt.date(2021, 9, 13) and doc.url == "https://a.example/p"
    assert doc.meta["tags"] == ["a", "b"] and doc.author == "Ann, Bob"
    assert doc.meta["credit_source"] == "上观新闻" and doc.meta["description"] == "Short."
    assert all(isinstance(v, (str, list)) for v in doc.meta.values())


def test_markup_is_left_as_decoded_and_its_text_is_repaired_after_extraction():
    page = "<p>Caf\u00c3\u00a9 \u00e2\u20ac\u201c ok</p>"
    doc = run(page.encode(), "html")
    assert doc.html == page and doc.repairs == []
    assert repair_text("Caf\u00c3\u00a9 \u00e2\u20ac\u201c ok")[0] == "Café – ok"


def test_markup_with_c1_mojibake_is_fixed_before_the_parser_can_drop_the_controls():
    page = "<p>Caf\u00c3\u00a9 \u00e2\u0080\u0094 ok</p>"
    doc = run(page.encode(), "html")
    assert doc.html == "<p>Café — ok</p>" and doc.repairs == ["fix_encoding_markup"]


def test_decoded_text_is_independent_of_the_worker():
    data = NEWS_RU.encode("koi8_r")
    first, second = run(data), run(data)
    assert first.text == second.text == NEWS_RU


try:
    from hypothesis import given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover
    pass
else:
    @settings(max_examples=150, deadline=None)
    @given(st.binary(max_size=400), st.sampled_from(["", "html", "text"]),
           st.sampled_from([None, "utf-8", "gbk", "bogus", "utf-16"]))
    def test_any_bytes_give_a_document_or_a_drop(data, content_type, charset):
        result = run(data, content_type, charset)
        assert isinstance(result, (Document, Drop))
        if isinstance(result, Document):
            assert result.data == b""
            assert (result.html is not None) == (result.content_type == "html")

    @settings(max_examples=150, deadline=None)
    @given(st.text(max_size=300))
    def test_repair_text_is_stable(text):
        once, _ = repair_text(text)
        assert isinstance(once, str)
        assert "\x00" not in once


@pytest.mark.parametrize("data", [
    b"\xff\xfe" + bytes(range(0x80, 0x100)) * 4,  # a UTF-16 BOM before bytes that are no text
    "\ue000\ue001\ue002 private use only \ue003".encode() * 5,
])
def test_unreadable_after_decoding_is_undecodable(data):
    result = run(data)
    assert isinstance(result, Drop) and result.reason == "undecodable"


@pytest.mark.parametrize("text", [
    "मगर वह सब बाद में। जिंदगी चलती है विश्वास के सहारे।",
    "東京都は本日、新しい計画を発表した。😀",
])
def test_utf16_text_of_any_script_is_kept(text):
    result = run(text.encode("utf-16"))
    assert isinstance(result, Document) and result.text == text


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_recognised_not_called_binary(codec):
    result = run(NEWS_ZH.encode(codec))
    assert isinstance(result, Document) and result.text == NEWS_ZH


def test_utf16_declared_by_the_header_is_not_called_binary():
    result = run(NEWS_RU.encode("utf-16-le"), charset="utf-16le")
    assert result.text == NEWS_RU


def test_iso_2022_jp_seven_bit_japanese():
    assert run(NEWS_JA.encode("iso2022_jp")).text == NEWS_JA


def test_random_bytes_are_binary():
    import random

    rng = random.Random(0)
    data = bytes(rng.randrange(256) for _ in range(4096))
    result = run(data, "html", source="x.html")
    assert isinstance(result, Drop) and result.reason == "binary"


def test_quotes_are_kept_as_written_unless_asked_and_width_fixes_can_be_turned_off():
    text = "He said “yes” at ＮＯＯＮ."
    assert run(text.encode(), uncurl_quotes=False, fix_width=False).text == text
    assert run(text.encode()).text == "He said “yes” at NOON."
    assert run(text.encode(), uncurl_quotes=True).text == 'He said "yes" at NOON.'
    german = "Er sagte: „Das ist gut.“ Sie fragte: ‚Wirklich?‘"
    assert run(german.encode()).text == german


# Pieces of real lines: quotes, mojibake, CJK, full-width forms, ligatures, controls.
LINE_PIECES = ["“", "”", "‘", "’", "Ã©", "â€™", "â€œ", "é", "中文", "ｆｕｌｌ", "\u3000", "ﬁ",
               "\x85", "\x9d", "a", " ", "The ", "caf", "e\u0301", "«", "„", "\u2028",
               "Ð¿Ñ€Ð¸", "ĳ", "\u200b", "\ufeff", "™", "€", "Â", "\xa0", "\r", "\x1b[1m"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(LINE_PIECES), min_size=1, max_size=12),
       st.booleans(), st.booleans())
def test_lines_that_skip_ftfy_come_out_as_ftfy_would_make_them(pieces, uncurl, width):
    import ftfy

    line = "".join(pieces)
    quick = _without_ftfy(line, uncurl, width)
    if quick is not None:
        config = ftfy.TextFixerConfig(unescape_html=False, uncurl_quotes=uncurl,
                                      fix_character_width=width)
        assert quick == ftfy.fix_and_explain(line, config).text


def test_most_lines_of_real_text_skip_ftfy():
    assert _without_ftfy("The mayor’s “plan” passed, 5–4, in Zürich.", True, True) == (
        "The mayor's \"plan\" passed, 5–4, in Zürich.")
    assert _without_ftfy("市政府今天召开常务会议。", False, False) == "市政府今天召开常务会议。"
    assert _without_ftfy("The mayorâ€™s plan", True, True) is None  # mojibake: ftfy's job
    assert _without_ftfy("ﬁnal", True, True) is None  # a ligature: ftfy's job


def test_the_utf8_patterns_match_exactly_the_characters_they_stand_for():
    import re

    from cleaner.stages.decode.binary import control_ratio
    from cleaner.stages.decode.charsets import C1_CONTROL_UTF8, utf8
    from cleaner.stages.decode.detect import UNREADABLE_UTF8

    unreadable = re.compile("[\ufffd\ue000-\uf8ff\U000f0000-\U0010ffff\ud800-\udfff]")
    control = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
    for code in range(0x110000):  # every code point, surrogates included
        char = chr(code)
        data = utf8(f"a{char}b")
        assert bool(UNREADABLE_UTF8.search(data)) == bool(unreadable.search(char)), hex(code)
        assert bool(C1_CONTROL_UTF8.search(data)) == (0x80 <= code <= 0x9F), hex(code)
        assert (control_ratio(char) == 1.0) == bool(control.match(char)), hex(code)


@pytest.mark.parametrize("text, unreadable", [
    ("\ufffd" * 20 + "abc", True), ("\ue000" * 3, True), ("ok \ufffd text", False),
    ("中文，标点：" * 100, False), ("\U000f0001" * 11 + "a" * 90, True), ("\U000f0001" * 9, True),
    ("\U000f0001" * 9 + "a" * 90, False),
])
def test_unreadable_characters_are_counted_exactly(text, unreadable):
    from cleaner.stages.decode.detect import undecodable_reason

    assert (undecodable_reason(text, "utf-8") is not None) == unreadable


def test_a_stray_byte_in_a_mostly_ascii_utf8_page_keeps_it_utf8():
    # 25 non-ASCII characters and one broken byte: a legacy decoding would garble them all.
    page = ("<html><head><meta charset='utf-8'><title>News</title></head><body><p>"
            + "Plain English text about the market. " * 200 + "Café résumé naïve — “quoted” "
            * 5 + "</p></body></html>").encode()
    broken = page[:500] + b"\xa5" + page[500:]
    decoded = decode_bytes(broken)
    assert decoded.codec == "utf-8" and "replaced_invalid_bytes" in decoded.repairs
    assert "Café résumé naïve — “quoted”" in decoded.text


# English news with a few Latin-1 signs and names (written for these tests): a handful of
# non-ASCII bytes in a long ASCII text, the hardest case for detection.
NEWS_GB = ("The Treasury said on Monday that the scheme would cost over £9 billion in its first "
           "year, and that a further £2.5bn had been set aside for repairs.\n"
           "Temperatures reached 31°C in London, and the Met Office said readings of 245 ± 12 "
           "were expected at the coast.\n"
           "Shares in Motorola® rose 3%, said analyst Hélène Schröder in Zürich.\n")


@pytest.mark.parametrize("codec", ["cp1252", "latin-1"])
@pytest.mark.parametrize("text", [
    NEWS_GB,
    "The council spent £9 billion on roads last year, officials said on Monday afternoon.",
    "The patients were given 5 µg of biotin a day for a week, the study published today says.",
    "Ça me rappelle la version 3.0 du logiciel, que nous avions installée l'été dernier.",
    "Die Löhne wurden höher, aber die Preise sind gestiegen, sagte Gerhard Schröder gestern.",
])
def test_latin1_signs_and_letters_are_not_read_in_another_code_page(text, codec):
    # Signs next to numbers (£9, 31°C, 245 ± 12, 5 µg) used to score as rare symbols, so a
    # code page that made a lone Cyrillic or Thai letter of the byte read "better" ("Ј9
    # billion"), and a Thai or Arabic mark or letter on a Latin word ("Schrِder", "اa me")
    # was hidden among the characters both readings share.
    for data, kind in [(text.encode(codec), "text"),
                       (f"<html><body><p>{text}</p></body></html>".encode(codec), "html"),
                       (f'<html><head><meta charset="{codec}"></head><body><p>{text}</p>'
                        "</body></html>".encode(codec), "html")]:
        result = run(data, kind)
        assert isinstance(result, Document)
        assert (result.text if kind == "text" else result.html).count(text.strip()) == 1


def test_signs_among_other_non_ascii_characters_still_read_as_a_wrong_decoding():
    from cleaner.stages.decode.detect import plausibility

    # GBK bytes read as cp1252: signs among accented letters, no digits around them.
    assert plausibility(NEWS_ZH.encode("gbk").decode("cp1252", "replace")) < 0
    assert plausibility("Ј9 billion and ฑ 12", "cp1251") < plausibility("£9 billion and ± 12")
