"""Tests for cleaner.stages.filters: what is not prose goes, with its reason; prose stays."""

from __future__ import annotations

import pytest

from cleaner.document import Document, Drop
from cleaner.pipeline import StepStats
from cleaner.stages.filters import FiltersConfig, FiltersStep

ROBOTS = "User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n\n" \
         "Sitemap: https://example.org/sitemap.xml"
CSS_LEFTOVER = ".nav a{color:#333;font-size:12px}\n.footer{display:none}\n" \
               "var _gaq = _gaq || []; _gaq.push(['_setAccount', 'UA-1']);"

# Real prose of every kind must stay with the defaults, however short.
PROSE = [
    "The central bank raised its main rate by a quarter point on Thursday.",   # a news brief
    "Hi, my order hasn't arrived yet. Can you help?",                          # a chat turn
    "Thanks!",                                                                 # a chat turn
    "Merci beaucoup, c'est parfait.",
    "好的，谢谢。",
    "Order 4411-2037 was shipped on 2 May.",
    "Le ministre a parlé de « réforme » puis de « rupture » devant les députés.",
    "The photo shows the mayor at the opening of the new bridge.",
]


def run(text: str, url: str | None = None, **config: object) -> Document | Drop:
    doc = Document("a.txt", text=text, url=url, lang="en", lang_score=0.9)
    return FiltersStep(FiltersConfig(**config)).process(doc, StepStats("filters"))


@pytest.mark.parametrize("text", PROSE)
def test_short_real_prose_is_kept_by_the_defaults(text):
    assert isinstance(run(text), Document)


@pytest.mark.parametrize(("text", "url", "reason"), [
    (ROBOTS, None, "robots_txt"),
    ("User-agent: *\nDisallow:", "https://example.org/robots.txt?x=1", "robots_txt"),
    ("3 14 15 92 65\n35 89 79", None, "no_letters"),
    ("— • — • —", None, "no_letters"),
    ("ID 0012 3345 6678 9901 2234 5567 8890 1123 4456 7789", None, "few_letters"),
    (CSS_LEFTOVER, None, "markup"),
    ('<div class="ad"><a href="/x">Click</a></div>', None, "markup"),
    ("Photo: Jane Doe/Reuters", None, "caption"),
    ("Jane Doe / Getty Images", None, "caption"),
])
def test_what_is_not_prose_is_removed_with_its_reason(text, url, reason):
    result = run(text, url)
    assert isinstance(result, Drop) and result.reason == reason
    assert "[filters]" in result.detail


@pytest.mark.parametrize(("config", "text", "reason"), [
    ({"min_words": 5}, "Thanks a lot!", "too_few_words"),
    ({"max_words": 3}, "one two three four", "too_many_words"),
    ({"min_chars": 20}, "Too short.", "too_short"),
    ({"min_mean_word_length": 3.0}, "a b c d e f", "word_length"),
    ({"max_symbol_word_ratio": 0.1}, "#one #two #three words", "symbols"),
    ({"max_bullet_line_share": 0.5}, "• a\n• b\nc", "bullet_lines"),
    ({"max_ellipsis_line_share": 0.3}, "Read more...\nAnd more…\nEnd.", "ellipsis_lines"),
    ({"max_duplicate_line_share": 0.3}, "Same line.\nSame line.\nOther.", "repeated_lines"),
    ({"min_punctuated_line_share": 0.5}, "Home\nNews\nSport\nDone.", "no_sentences"),
    ({"max_short_line_share": 0.5}, "Home\nNews\nA long line of prose with words.", "short_lines"),
    ({"min_lang_score": 0.95}, "A sentence of English.", "low_lang_score"),
    ({"languages": ["fr"]}, "A sentence of English.", "language"),
])
def test_stricter_filters_are_opt_in(config, text, reason):
    assert isinstance(run(text), Document)  # not with the defaults
    result = run(text, **config)
    assert isinstance(result, Drop) and result.reason == reason, result
    assert next(iter(config)) in result.detail


def test_content_types_keep_only_the_media_types_asked_for():
    doc = Document("c.warc#https://a.example/x", text="Plain words here.",
                   meta={"media_type": "text/plain"})
    step = FiltersStep(FiltersConfig(content_types=["text/html"]))
    result = step.process(doc, StepStats("filters"))
    assert isinstance(result, Drop) and result.reason == "content_type"


def test_filters_can_be_turned_off():
    assert isinstance(run(ROBOTS, enabled=False), Document)


@pytest.mark.parametrize(("key", "value"), [("min_letter_share", 1.5), ("min_words", -1),
                                            ("languages", ["english"]),
                                            ("content_types", ["html"])])
def test_bad_thresholds_are_config_errors(key, value):
    with pytest.raises(ValueError, match=key):
        FiltersConfig(**{key: value}).check()
