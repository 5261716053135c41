"""Profiles of the lexicon method (:mod:`~cleaner.stages.dedup.translation`, zh-en).

A document's words per slice of its text, mapped through the bilingual lexicon
(:mod:`~cleaner.stages.dedup.lexicon`), its number and name anchors, and its length: what
the lexicon method's candidates and scores read (kept apart from the scoring and matching so
that both modules stay small).
"""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass, field

from cleaner.document import Document
from cleaner.stages.dedup.translate.step import matching_text

# Weight of lexical coverage against anchors in a pair's score.
LEXICAL_WEIGHT = 0.7
# Lengths within this factor of the expected ratio are not penalised at all.
LENGTH_TOLERANCE = 1.6
# A term that occurs in more target documents than this is too common to find candidates.
MAX_POSTINGS = 100
# Same-language similarity above which two documents are versions of one text.
SAME_CONTENT = 0.4
# Another version of a translation scores within this much of the best one (independent human
# translations of one news story differ by up to ~0.1); a text that only partly matches is
# further below and is left alone.
VERSION_GAP = 0.15
# Slices per document for the positional comparison (see Profile): at most BINS, each of
# about BIN_CHARS characters of the source language (a sentence or two), or the equivalent
# length in the target language, so short texts are not cut finer than their word order
# can be trusted.
BINS = 8
BIN_CHARS = 60
# At most this many postings are read to find one document's candidates.
POSTINGS_BUDGET = 4000
# At most this many of a document's rarest terms are used to look up candidates.
QUERY_TERMS = 64

NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
EN_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
ZH_SCALES = {"千": 1e3, "万": 1e4, "亿": 1e8, "萬": 1e4, "億": 1e8}
_MONTH_NAMES = ("january february march april may june july august september october november "
                "december")
EN_MONTHS = {m: i + 1 for i, m in enumerate(_MONTH_NAMES.split())}
ZH_MONTH = re.compile(r"(\d{1,2})\s*月")
EN_MONTH = re.compile(r"\b(" + "|".join(m.capitalize() for m in EN_MONTHS) + r")\b")
EN_SCALE = re.compile(r"\s*(" + "|".join(EN_SCALES) + r")\b")


# --- anchors ---------------------------------------------------------------------------------


def number_anchors(text: str) -> set[str]:
    """Numbers of at least 10 (smaller ones are often spelled out), scaled and canonical.

    "3.5万" and "35,000", "12亿" and "1.2 billion" give the same key; months are added as
    ``m9`` for "9月" and "September".

    >>> sorted(number_anchors("9月13日，3.5万人"))
    ['#13', '#3.5e+04', 'm9']
    >>> sorted(number_anchors("On September 13, 35,000 people"))
    ['#13', '#3.5e+04', 'm9']
    """
    keys: set[str] = set()
    for match in NUMBER.finditer(text):
        raw = match.group()
        # "1,234" is a thousands separator in both languages; "3.5" is a decimal point.
        digits = raw.replace(",", "")
        try:
            value = float(digits)
        except ValueError:
            continue
        after = text[match.end():match.end() + 12]
        if after[:1] in ZH_SCALES:
            value *= ZH_SCALES[after[0]]
        elif scale := EN_SCALE.match(after):
            value *= EN_SCALES[scale.group(1)]
        if value >= 10:
            keys.add(f"#{value:.4g}")
    keys.update(f"m{int(m)}" for m in ZH_MONTH.findall(text) if 1 <= int(m) <= 12)
    keys.update(f"m{EN_MONTHS[m.lower()]}" for m in EN_MONTH.findall(text))
    return keys


def length_factor(observed: float, expected: float) -> float:
    """1 when a length ratio is within ``LENGTH_TOLERANCE`` of the expected one, less beyond.

    >>> length_factor(3.6, 3.6), round(length_factor(3.6 * 4, 3.6), 2)
    (1.0, 0.01)
    """
    if observed <= 0 or expected <= 0:
        return 0.0
    excess = max(0.0, abs(math.log(observed / expected)) - math.log(LENGTH_TOLERANCE))
    return math.exp(-0.5 * (excess / 0.3) ** 2)


def visible_length(text: str) -> int:
    """Characters that are not whitespace (spacing differs by language and by page).

    >>> visible_length(" 上海 Shanghai  2024 ")
    14
    """
    # str.split() cuts at exactly the characters str.isspace() accepts, in C.
    return sum(map(len, text.split()))


# --- profiles and scores ---------------------------------------------------------------------


@dataclass(slots=True)
class Profile:
    """What pair scoring needs of one document, compactly: it is held for every document of
    a language pair until the pairs are scored.

    The text is cut into up to ``BINS`` slices of equal length (see :func:`bin_count`); slices
    of two documents are matched by relative position, and a word counts as translated only when
    a translation of it occurs in the slice at the same relative position or a neighbouring
    one, since a translation keeps the order of its source and a story on the same topic
    does not. Each slice keeps its units only (a tuple of shared strings, 8 bytes a unit); the
    terms they may translate to come from ``lookup``, one dict for the whole side, and the
    per-slice term sets are rebuilt when a pair is scored (:meth:`bin_terms`).
    """

    index: int
    length: int
    # Per slice: its units (source: words; target: terms), each once, in text order.
    bins: list[tuple[str, ...]]
    # Numbers and months.
    numbers: frozenset[str]
    # Romanised name keys, sorted, each once (a tuple: a Chinese text has ~100, being every
    # pair and triple of neighbouring characters outside words, and a set costs 5x more).
    names: tuple[str, ...]
    published: int | None = None
    weights: dict[str, float] = field(default_factory=dict)
    # Source side: unit -> the target terms it may be, shared by the side's profiles.
    # None on the target side, where a unit is a target term and translates to itself.
    lookup: dict[str, frozenset[str]] | None = None

    def translations(self, unit: str) -> frozenset[str]:
        """The target terms a unit of this document may translate to."""
        return self.lookup[unit] if self.lookup is not None else frozenset([unit])

    def bin_terms(self) -> list[frozenset[str]]:
        """Per slice: the target terms the slice contains or may translate to."""
        if self.lookup is None:
            return [frozenset(units) for units in self.bins]
        lookup = self.lookup
        return [frozenset().union(*(lookup[unit] for unit in units)) for units in self.bins]


def slices(text: str, count: int) -> list[str]:
    """``text`` cut into ``count`` pieces of (nearly) equal length, at spaces when close by.

    >>> slices("aa bb cc dd", 2)
    ['aa bb ', 'cc dd']
    """
    cuts = [0]
    for k in range(1, count):
        cut = len(text) * k // count
        space = text.rfind(" ", max(cuts[-1], cut - 20), cut + 1)
        cuts.append(space + 1 if space >= 0 else cut)
    cuts.append(len(text))
    return [text[a:b] for a, b in zip(cuts, cuts[1:], strict=False)]


def build_profile(index: int, doc: Document, pieces: list[tuple[dict[str, frozenset[str]],
                  set[str]]], lookup: dict[str, frozenset[str]] | None) -> Profile:
    """A profile from the analysed slices of ``doc`` (see :func:`slices`); on the source side
    the translations of its units go into the side's shared ``lookup``."""
    if lookup is not None:
        for units, _ in pieces:
            # A unit translates the same way wherever it occurs: the first entry serves all.
            for unit, terms in units.items():
                lookup.setdefault(unit, terms)
    # Interned: the same keys recur in many documents.
    names = tuple(sorted(sys.intern(key) for key in set().union(*(found for _, found in pieces))))
    text = matching_text(doc)
    return Profile(index, visible_length(text), [tuple(units) for units, _ in pieces],
                   frozenset(number_anchors(text)), names,
                   doc.published.toordinal() if doc.published else None, lookup=lookup)


def bin_count(text: str, chars_per_bin: float) -> int:
    """How many slices a text is cut into: one per ``chars_per_bin`` visible characters,
    between 1 and ``BINS``.

    >>> bin_count("字" * 100, 60), bin_count("字" * 5000, 60), bin_count("", 60)
    (2, 8, 1)
    """
    return max(1, min(BINS, round(visible_length(text) / chars_per_bin)))


def source_profile(index: int, doc: Document, lexicon,
                   lookup: dict[str, frozenset[str]] | None = None) -> Profile:
    """Profile of a document in the lexicon's source language (``lookup``: the translations
    of the side's units, shared by its profiles and filled in here)."""
    text = matching_text(doc)
    return build_profile(index, doc, [lexicon.analyse_source(piece)
                                      for piece in slices(text, bin_count(text, BIN_CHARS))],
                         {} if lookup is None else lookup)


def target_profile(index: int, doc: Document, lexicon, expected_ratio: float = 1.0) -> Profile:
    """Profile of a document in the lexicon's target language (``expected_ratio``: target
    characters per source character, to size the slices alike)."""
    text = matching_text(doc)
    pieces = []
    for piece in slices(text, bin_count(text, BIN_CHARS * expected_ratio)):
        terms, names = lexicon.analyse_target(piece)
        pieces.append((dict.fromkeys(terms), names))
    return build_profile(index, doc, pieces, None)

