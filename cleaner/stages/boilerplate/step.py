"""Boilerplate removal: site chrome out of ``doc.text``, credits into ``doc.meta``.

Two steps live here:

* :class:`BoilerplateStep` (per document) applies *phrase rules* kept as data in
  ``cleaner/stages/boilerplate/rules/*.txt`` (one file per language, format described at the top of
  ``rules/common.txt``). A rule removes a line only when the whole line is chrome ("Leave a
  Comment", "分享到：微信"), or cuts chrome glued to the end of a line ("… other matters.
  (Editor: Yan Yuan) Sharing let more people see."). Credits ("责任编辑：…", "(Reporter …)",
  "Source: …", "原标题：…") become ``doc.meta`` values instead of text. It works the same on
  text extracted from HTML and on plain-text pages.
* :class:`RepeatedBlocksStep` (corpus) removes lines that recur across many different
  documents of one site (the cc_net paragraph-dedup idea): chrome in any language, without a
  rule for it.

The headline (what a user expects: the headline in ``doc.title``, the body in ``doc.text``,
as extraction of an HTML page gives them):

* a first line that repeats the title (exactly, without the site name, or as a close variant
  sharing most of its words) is removed from the text;
* when the document has no title, a breadcrumb's last step or a headline-like first line
  (short, two words or more, no sentence-final full stop, more text after it) becomes it.

Audit: every removal is counted in the step's stats as ``rule:<name>`` (credits as
``rule:credit:<meta key>``) with a few removed lines kept as samples; headline moves are
counted as ``headline:repeated_title`` and ``headline:to_title``.
"""

from __future__ import annotations

import re
import unicodedata

from cleaner.document import Document, Drop
from cleaner.pipeline import DocumentStep, StepStats
from cleaner.stages.boilerplate.config import BoilerplateConfig
from cleaner.stages.boilerplate.rules import (
    QuickCheck,
    Rule,
    add_meta,
    clean_line,
    load_rules,
)
from cleaner.text.chars import INVISIBLE, WORD_CHARACTER, WORD_CHARACTER_RE

BREADCRUMB_SEPARATOR = re.compile(r"\s*[»›>|/]\s*")


def breadcrumb_title(line: str) -> str | None:
    """The page title a breadcrumb ends with, when its last step reads like one.

    >>> breadcrumb_title("Home » today » News » Jinan holds a study meeting on green growth")
    'Jinan holds a study meeting on green growth'
    >>> breadcrumb_title("Home » News » World") is None
    True
    """
    last = BREADCRUMB_SEPARATOR.split(line.strip())[-1].strip()
    long_enough = len(last.split()) >= 4 or len(WORD_CHARACTER_RE.findall(last)) >= 8
    return last if long_enough and looks_like_headline(last) else None


def looks_like_headline(line: str) -> bool:
    """Whether ``line`` reads like a headline: short and not ended by a full stop (a closing
    quote or bracket after the stop does not hide it).

    >>> looks_like_headline("Accelerate the building of international green financial hub")
    True
    >>> looks_like_headline('He was eliminated from "Dancing with the Stars."')
    False
    """
    line = line.strip()
    end = line.rstrip("\"'”’»)]）】」』")
    return 0 < len(line) <= 300 and not end.endswith((".", "。", ",", "，", ":", "：", ";", "；"))


# A name as bylines write it: capitalised words, with the particles of names between them.
_NAME = (r"(?:(?-i:[A-ZÀ-ÖØ-ÞĀ-ſА-ЯЁ])[\w'’.-]*"
         r"(?:\s+(?:(?:de|van|von|der|den|da|di|del|la|le|du|dos|das)\s+)*"
         r"(?-i:[A-ZÀ-ÖØ-ÞĀ-ſА-ЯЁ])[\w'’.-]*){0,3})")
BYLINE = re.compile(
    # "By Jane Doe", "Par Marie Dupont et Luc Martin", "Von Hans Müller | 3. Mai 2021"...
    rf"(?:by|par|von|por|door|av|af|przez|od|автор|авторы)\s*[:：]?\s+{_NAME}"
    rf"(?:\s*(?:,|&|\band\b|\bet\b|\bund\b|\by\b|\be\b|\ben\b|\bi\b|\bи\b)\s*{_NAME})*"
    r"(?:\s*[,|–—-]\s*[^.!?|]{1,60}){0,2}"
    # "Jane Doe, Staff Writer"
    rf"|{_NAME}\s*,\s*(?:staff\s+writer|senior\s+writer|correspondent|reporter|contributor"
    r"|special\s+to\s+.{1,40}|(?:associated\s+)?press|reuters|afp)"
    # "作者：张三", "文/记者 张三", "记者 李四"
    r"|(?:作者|撰文|记者|記者|编辑|編輯)\s*[:：/／\s]\s*\S.{0,28}|文\s*[/／]\s*\S.{0,28}",
    re.IGNORECASE)


def looks_like_byline(line: str) -> bool:
    """Whether ``line`` names who wrote the story (never a title), in several languages.

    >>> [looks_like_byline(x) for x in ("Par Marie Dupont", "Von der Leyen besucht Kiew",
    ...                                 "Por qué sube el pan", "文/记者 张三")]
    [True, False, False, True]
    """
    return len(line) <= 200 and BYLINE.fullmatch(line.strip()) is not None


WORD = re.compile(rf"{WORD_CHARACTER}|(?:(?!{WORD_CHARACTER})[^\W_])+")


def word_tokens(text: str) -> list[str]:
    """Case-folded words (single characters for Chinese/Japanese), punctuation ignored.

    >>> word_tokens("‘He died’: Bolivia's 会议")
    ['he', 'died', 'bolivia', 's', '会', '议']
    """
    return WORD.findall(unicodedata.normalize("NFKC", text).casefold())


# What sites put between a headline and their name in <title>: "Headline | Site", "Headline - Site".
TITLE_SEPARATORS = re.compile(r"\s+[|\-–—:·»]\s+|\s*[|｜_]\s*")
# A headline-like first line sharing this much of its words with the title (and the title with
# it) is a variant of the headline (<h1> and <title> often differ by a few words).
HEADLINE_OVERLAP = 0.5


def repeats_title(line: str, title: str) -> bool:
    """Whether ``line`` is the headline that ``title`` holds: the same words, the title minus
    a site name ("Headline | Site"), or, for a headline-like line, mostly the same words.

    >>> repeats_title("Big River Floods Town", "Big River Floods Town | Example News")
    True
    >>> repeats_title("Julian Assange: Sweden drops rape investigation",
    ...               "Sweden drops Assange rape investigation")
    True
    >>> repeats_title("The river rose.", "Big River Floods Town")
    False
    """
    line_words, title_words = word_tokens(line), word_tokens(title)
    if not line_words:
        return False
    if line_words == title_words:
        return True
    for part in TITLE_SEPARATORS.split(title):
        if word_tokens(part) == line_words and 2 * len(line_words) >= len(title_words):
            return True
    if not looks_like_headline(line) or len(set(line_words)) < 3:
        return False
    shared = len(set(line_words) & set(title_words))
    return (shared >= HEADLINE_OVERLAP * len(set(line_words))
            and shared >= HEADLINE_OVERLAP * len(set(title_words)))


class BoilerplateStep(DocumentStep):
    """Line-level phrase rules (data in ``rules/``), credits to metadata, headline."""

    name = "boilerplate"

    def __init__(self, config: BoilerplateConfig | None = None) -> None:
        self.config = config or BoilerplateConfig()
        self._rules: list[Rule] | None = None
        self._quick: QuickCheck | None = None

    @property
    def rules(self) -> list[Rule]:
        if self._rules is None:
            self._rules = load_rules(self.config.rules, self.config.extra_rule_files)
            self._quick = QuickCheck.of(self._rules)
        return self._rules

    def __getstate__(self) -> dict:
        # Compiled rules are rebuilt in each worker from the (small, plain) config.
        return {"config": self.config, "_rules": None, "_quick": None}

    def process(self, doc: Document, stats: StepStats) -> Document | Drop:
        kept: list[str] = []
        for line in doc.text.splitlines():
            if not line.strip():
                kept.append("")
                continue
            # Rules read the line as a reader sees it: "Share this\u200b" is "Share this".
            result = clean_line(INVISIBLE.sub("", line), self.rules, self._quick)
            for rule, removed in result.removed:
                stats.counters[rule.counter] += 1
                stats.sample(rule.counter, removed)
                if rule.name == "breadcrumb" and doc.title is None \
                        and self.config.headline_to_title:
                    doc.title = breadcrumb_title(removed)
            for key, value in result.credits:
                add_meta(doc.meta, key, value)
            if result.kept:
                # Keep the line's own indentation when nothing was cut (normalize decides).
                kept.append(line if not result.removed else result.kept)
        kept = self._headline(doc, kept, stats)
        doc.text = "\n".join(kept).strip("\n")
        return doc

    def _headline(self, doc: Document, lines: list[str], stats: StepStats) -> list[str]:
        """Remove a first line that repeats the title, or make it the title when there is none."""
        first = next((i for i, line in enumerate(lines) if _shown(line)), None)
        if first is None:
            return lines
        headline = _shown(lines[first])
        rest = any(_shown(line) for line in lines[first + 1:])
        if doc.title and repeats_title(headline, doc.title) and rest:
            stats.counters["headline:repeated_title"] += 1
            return lines[first + 1:]
        # Two words at least: a lone date or section name ("2023-02-24", "Sports") is no title.
        if doc.title is None and self.config.headline_to_title and rest \
                and looks_like_headline(headline) and len(word_tokens(headline)) >= 2 \
                and re.search(r"[^\W\d_]", headline) and not looks_like_byline(headline):
            doc.title = headline
            stats.counters["headline:to_title"] += 1
            return self._headline(doc, lines[first + 1:], stats)
        return lines


def _shown(line: str) -> str:
    """What a reader sees of a line: no surrounding space, no zero-width characters (a line of
    only those is blank, and the headline is the line after it)."""
    return INVISIBLE.sub("", line).strip()



__all__ = ["BoilerplateStep", "breadcrumb_title", "looks_like_byline", "looks_like_headline",
           "repeats_title"]
