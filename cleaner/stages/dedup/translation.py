"""Translated documents: find pairs of documents that translate each other, offline.

No neural model: a bilingual lexicon (:mod:`~cleaner.stages.dedup.lexicon`, CC-CEDICT for
zh-en) maps the words of one side onto the terms of the other, and language-independent
anchors confirm it: numbers (with 万/亿 and million/billion scaled), months, Latin-script
words, and the pinyin of Chinese names against capitalised names in English. For each
language pair ``a-b``:

1. every document is *profiled* once: its words per slice of the text (8 slices, so that
   word order can be checked), its numbers and names, its length;
2. *candidates* for a source document come from an inverted index of the target documents
   (its rarest words and its anchors, within a date window), never from all pairs;
3. each candidate pair gets a *score* in [0, 1]: the IDF-weighted share of each side's words
   translated near the same relative position in the other, mixed with anchor agreement,
   times a length-ratio factor;
4. pairs are accepted greedily, best first, *one-to-one*, when the score passes
   ``translation_threshold`` and beats every rival of either document by ``translation_margin``
   (a rival that is another version of the same text, such as a second translation, is none).

Of each pair the original is kept (see :func:`choose_original`) and the translation goes to the
audit with reason ``translation``; the pair goes to the run's pairs. Other versions of the
translation (alike, scoring close to it) are translations of the original too.
"""
from __future__ import annotations

import heapq
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fnmatch import fnmatch
from itertools import groupby

from cleaner.document import Document, Pair
from cleaner.pipeline import CorpusContext, CorpusStep, StepStats
from cleaner.stages.dedup.config import DedupConfig
from cleaner.stages.dedup.keep import has_origin_credit, language_rank, paused_gc
from cleaner.stages.dedup.lexicon import LEXICONS
from cleaner.stages.dedup.lexicon_profile import (
    LEXICAL_WEIGHT,
    MAX_POSTINGS,
    POSTINGS_BUDGET,
    QUERY_TERMS,
    SAME_CONTENT,
    VERSION_GAP,
    Profile,
    length_factor,
    matching_text,
    number_anchors,
    source_profile,
    target_profile,
    visible_length,
)
from cleaner.text.langcodes import primary_subtag

__all__ = ["TranslationStep", "match_one_to_one", "number_anchors"]


def idf_weights(profiles: list[Profile]) -> dict[str, float]:
    """Smoothed inverse document frequency of each unit over one side's documents."""
    df: Counter[str] = Counter()
    for profile in profiles:
        df.update(set().union(*profile.bins))
    total = len(profiles)
    return {unit: math.log((1 + total) / (1 + count)) + 1.0 for unit, count in df.items()}


def facing(position: int, count: int, other_count: int) -> int:
    """The slice of a text cut into ``other_count`` slices at the same relative position as
    slice ``position`` of ``count``.

    >>> facing(0, 8, 4), facing(7, 8, 4), facing(1, 2, 8)
    (0, 3, 6)
    """
    return min(other_count - 1, int((position + 0.5) * other_count / count))


def near_terms(bin_terms: list[frozenset[str]], position: int, count: int
               ) -> frozenset[str]:
    """The terms of the slice facing ``position`` of ``count`` and of its two neighbours.

    >>> sorted(near_terms([frozenset("a"), frozenset("b"), frozenset("c")], 0, 1))
    ['a', 'b', 'c']
    """
    middle = facing(position, count, len(bin_terms))
    return frozenset().union(*bin_terms[max(0, middle - 1):middle + 2])


def source_coverage(source: Profile, target: Profile,
                    target_terms: list[frozenset[str]] | None = None) -> float:
    """IDF-weighted share of the source's words with a translation near the same relative
    position in the target (the same slice or a neighbour, see :class:`Profile`);
    ``target_terms``: ``target.bin_terms()`` when the caller has it."""
    terms = target.bin_terms() if target_terms is None else target_terms
    total = covered = 0.0
    weights = source.weights
    lookup = source.lookup
    for b, units in enumerate(source.bins):
        near = near_terms(terms, b, len(source.bins))
        for unit in units:
            weight = weights.get(unit, 1.0)
            total += weight
            # A target-side unit is a term and translates to itself.
            if (unit in near) if lookup is None else not lookup[unit].isdisjoint(near):
                covered += weight
    return covered / total if total else 0.0


def target_coverage(target: Profile, source: Profile,
                    source_terms: list[frozenset[str]] | None = None) -> float:
    """IDF-weighted share of the target's terms that a word near the same relative position in
    the source may translate to (``source_terms``: ``source.bin_terms()``)."""
    source_terms = source.bin_terms() if source_terms is None else source_terms
    total = covered = 0.0
    weights = target.weights
    for b, terms in enumerate(target.bin_terms()):
        # fsum: exact, so the result does not depend on the (hash) order of a set.
        total += math.fsum(weights.get(t, 1.0) for t in terms)
        matched = terms & near_terms(source_terms, b, len(target.bins))
        covered += math.fsum(weights.get(t, 1.0) for t in matched)
    return covered / total if total else 0.0


def same_language_similarity(first: Profile, second: Profile) -> float:
    """How much two documents of one language share the same words at the same places.

    Harmonic mean of the IDF-weighted share of each one's words found in the same or a
    neighbouring slice of the other. Two independent translations of one story score high
    (0.6 and more on WMT news), different stories on one topic low (under 0.2).
    """
    def share(a: Profile, b: Profile) -> float:
        keys = [frozenset(units) for units in b.bins]
        total = found = 0.0
        for position, units in enumerate(a.bins):
            middle = facing(position, len(a.bins), len(b.bins))
            near = frozenset().union(*keys[max(0, middle - 1):middle + 2])
            for unit in units:
                weight = a.weights.get(unit, 1.0)
                total += weight
                found += weight if unit in near else 0.0
        return found / total if total else 0.0

    x, y = share(first, second), share(second, first)
    return 2 * x * y / (x + y) if x + y else 0.0


def anchor_agreement(source: Profile, target: Profile) -> float | None:
    """Share of anchors the two sides have in common (None when neither has any).

    Target names are checked against the source's name keys; the source's over-generated
    name keys (every neighbouring character pair) are not counted as misses.
    """
    target_names = frozenset(target.names)
    target_keys = target.numbers | target_names
    if not target_keys and not source.numbers:
        return None
    shared_numbers = len(source.numbers & target.numbers)
    shared_names = sum(1 for key in source.names if key in target_names)
    recall_target = (shared_numbers + shared_names) / len(target_keys) if target_keys else 0.0
    recall_source = shared_numbers / len(source.numbers) if source.numbers else recall_target
    return (recall_target + recall_source) / 2


def pair_score(source: Profile, target: Profile, expected_ratio: float,
               source_terms: list[frozenset[str]] | None = None) -> float:
    """Translation score of two profiles in [0, 1].

    Lexical part: harmonic mean of how much of each side the other covers. Anchor part:
    :func:`anchor_agreement`. Both are multiplied by :func:`length_factor`. ``source_terms``:
    ``source.bin_terms()``, when the caller scores one source against several targets.
    """
    source_terms = source.bin_terms() if source_terms is None else source_terms
    cover_source = source_coverage(source, target, target.bin_terms())
    cover_target = target_coverage(target, source, source_terms)
    lexical = (2 * cover_source * cover_target / (cover_source + cover_target)
               if cover_source + cover_target else 0.0)
    anchors = anchor_agreement(source, target)
    mixed = lexical if anchors is None else (
        LEXICAL_WEIGHT * lexical + (1 - LEXICAL_WEIGHT) * anchors)
    ratio = target.length / source.length if source.length else 0.0
    return mixed * length_factor(ratio, expected_ratio)


# --- candidates and matching -----------------------------------------------------------------


def candidate_pairs(sources: list[Profile], targets: list[Profile], config: DedupConfig
                    ) -> set[tuple[int, int]]:
    """(source, target) positions worth scoring, from an inverted index of the targets.

    Each source votes with its rarest words (by its own side's IDF, so a rare word counts
    however common its translations are) and all its numbers and names. A word votes once for
    every target holding one of its translations; lookups skip terms found in more than
    ``MAX_POSTINGS`` targets and stop after ``POSTINGS_BUDGET`` postings, so the cost per
    document does not grow with the corpus (rare keys come first and matter most). The
    ``translation_candidates`` targets with the most votes within the date window are kept.
    A target is then scored against every source that chose it, so both documents of a pair
    have rivals for the margin test.
    """
    postings: dict[str, list[int]] = defaultdict(list)
    for position, target in enumerate(targets):
        for key in frozenset().union(*target.bins, target.numbers, target.names):
            postings[key].append(position)
    total = len(targets)
    window = config.translation_date_window_days
    top = config.translation_candidates
    pairs: set[tuple[int, int]] = set()
    for s_position, source in enumerate(sources):
        votes: Counter[int] = Counter()
        budget = POSTINGS_BUDGET
        anchors = sorted((len(postings[k]), k) for k in source.numbers.union(source.names)
                         if k in postings and len(postings[k]) <= MAX_POSTINGS)
        for size, key in anchors:
            weight = math.log((1 + total) / (1 + size)) + 1.0
            for t_position in postings[key]:
                votes[t_position] += weight
            budget -= size
            if budget <= 0:
                break
        words = {unit for units in source.bins for unit in units}
        rare = sorted(words, key=lambda w: (-source.weights.get(w, 1.0), w))[:QUERY_TERMS]
        for word in rare:
            if budget <= 0:
                break
            hits: set[int] = set()
            for term in sorted(source.translations(word)):
                found = postings.get(term)
                if found and len(found) <= MAX_POSTINGS:
                    hits.update(found)
                    budget -= len(found)
            weight = source.weights.get(word, 1.0)
            for t_position in hits:
                votes[t_position] += weight
        if window is not None and source.published is not None:
            # Outside the date window: never a candidate (unknown dates are never excluded).
            for t_position in list(votes):
                published = targets[t_position].published
                if published is not None and abs(source.published - published) > window:
                    del votes[t_position]
        # The best ``top`` by votes, ties by position: a partial sort, O(n log top).
        best = heapq.nsmallest(top, votes.items(), key=lambda item: (-item[1], item[0]))
        pairs.update((s_position, t_position) for t_position, _ in best)
    return pairs


def match_one_to_one(scores: dict[tuple[int, int], float], threshold: float, margin: float,
                     alike: Callable[[str, int, int], bool] | None = None
                     ) -> list[tuple[int, int, float]]:
    """Accept pairs best first, each document at most once, with a margin over every rival.

    A pair's rivals are the other scored pairs that share either of its documents; the pair is
    accepted only if its score beats the best rival by ``margin``. A rival that is the same
    text in other words (``alike("source" | "target", i, j)``: e.g. a second translation of the
    same story) is no rival. Ties are broken by position.

    >>> match_one_to_one({(0, 0): 0.9, (0, 1): 0.5, (1, 1): 0.8}, 0.3, 0.1)
    [(0, 0, 0.9), (1, 1, 0.8)]
    >>> match_one_to_one({(0, 0): 0.9, (0, 1): 0.85}, 0.3, 0.1)
    []
    >>> match_one_to_one({(0, 0): 0.9, (0, 1): 0.85}, 0.3, 0.1, lambda side, i, j: True)
    [(0, 0, 0.9)]
    """
    by_source: dict[int, list[tuple[float, int]]] = defaultdict(list)
    by_target: dict[int, list[tuple[float, int]]] = defaultdict(list)
    for (s, t), score in scores.items():
        by_source[s].append((score, t))
        by_target[t].append((score, s))
    for ranked in (*by_source.values(), *by_target.values()):
        ranked.sort(key=lambda item: (-item[0], item[1]))

    def best_rival(ranked: list[tuple[float, int]], side: str, own: int) -> float:
        for score, other in ranked:
            if other != own and not (alike and alike(side, own, other)):
                return score
        return 0.0

    accepted: list[tuple[int, int, float]] = []
    used_sources: set[int] = set()
    used_targets: set[int] = set()
    for (s, t), score in sorted(scores.items(), key=lambda item: (-item[1], item[0])):
        if score < threshold or s in used_sources or t in used_targets:
            continue
        rival = max(best_rival(by_source[s], "target", t), best_rival(by_target[t], "source", s))
        if score - rival < margin:
            continue
        accepted.append((s, t, score))
        used_sources.add(s)
        used_targets.add(t)
    return accepted


# --- which side is the original --------------------------------------------------------------


def choose_original(source: Document, target: Document, expected_ratio: float,
                    config: DedupConfig) -> tuple[Document, str]:
    """The document of a translation pair to keep, and the evidence that decided it.

    ``keep = "original"`` looks, in order, at: an earlier publication date; metadata that
    credits a source or an original title on one side only; the length ratio (translations
    come out longer than their source, so the side longer than ``expected_ratio`` predicts
    is the translation); then ``preferred_languages``. ``preferred_language`` uses the
    language order alone; ``first`` the smaller id.
    """
    by_language = min((source, target), key=lambda d: (
        language_rank(d.lang, config.preferred_languages), d.id))
    if config.keep == "first":
        return min((source, target), key=lambda d: d.id), "id"
    if config.keep == "preferred_language":
        return by_language, "preferred_language"
    if source.published and target.published and source.published != target.published:
        return min((source, target), key=lambda d: d.published), "date"
    source_credit, target_credit = has_origin_credit(source), has_origin_credit(target)
    if source_credit != target_credit:
        return (source if source_credit else target), "metadata"
    source_length = visible_length(matching_text(source))
    target_length = visible_length(matching_text(target))
    if source_length and target_length:
        drift = math.log(target_length / source_length / expected_ratio)
        if abs(drift) > 0.02:
            return (source if drift > 0 else target), "length"
    return by_language, "preferred_language"


@dataclass(frozen=True)
class Match:
    """An accepted pair (positions in the corpus) and other versions of either side."""

    source: int
    target: int
    score: float
    # (position, score) of same-language alternatives of the source / of the target.
    more_sources: list[tuple[int, float]]
    more_targets: list[tuple[int, float]]


# --- the step --------------------------------------------------------------------------------


class TranslationStep(CorpusStep):
    """Pair documents that translate each other; keep the original, audit the translation."""

    name = "translation"

    def __init__(self, config: DedupConfig) -> None:
        self.config = config

    def find_pairs(self, docs: list[Document], source_lang: str, target_lang: str,
                   taken: set[int], stats: StepStats | None = None) -> list[Match]:
        """Accepted matches for one language pair (positions are indexes into ``docs``)."""
        lexicon = LEXICONS[(source_lang, target_lang)]()
        lookup: dict[str, frozenset[str]] = {}
        sources = [source_profile(i, d, lexicon, lookup) for i, d in enumerate(docs)
                   if i not in taken and primary_subtag(d.lang) == source_lang and d.text.strip()]
        expected = self.expected_ratio(source_lang, target_lang)
        targets = [target_profile(i, d, lexicon, expected) for i, d in enumerate(docs)
                   if i not in taken and primary_subtag(d.lang) == target_lang and d.text.strip()]
        if not sources or not targets:
            return []
        for side in (sources, targets):
            weights = idf_weights(side)
            for profile in side:
                profile.weights = weights
        scores: dict[tuple[int, int], float] = {}
        # By source, so that each source's slice terms are built once (the order of the
        # scores does not matter: matching sorts them).
        for s, group in groupby(sorted(candidate_pairs(sources, targets, self.config)),
                                key=lambda pair: pair[0]):
            source_terms = sources[s].bin_terms()
            for _, t in group:
                scores[(s, t)] = pair_score(sources[s], targets[t], expected, source_terms)
        if stats is not None:
            stats.counters["pairs_scored"] += len(scores)
        similar: dict[tuple[str, int, int], bool] = {}

        def alike(side: str, i: int, j: int) -> bool:
            key = (side, min(i, j), max(i, j))
            if key not in similar:
                profiles = sources if side == "source" else targets
                similar[key] = same_language_similarity(profiles[i], profiles[j]) >= SAME_CONTENT
            return similar[key]

        threshold = self.config.translation_threshold
        matches = []
        for s, t, score in match_one_to_one(scores, threshold, self.config.translation_margin,
                                            alike):
            # Other versions of either side (a second translation of the same story...).
            floor = max(threshold, score - VERSION_GAP)
            more_targets = sorted(
                (targets[o].index, value) for (a, o), value in scores.items()
                if a == s and o != t and value >= floor and alike("target", t, o))
            more_sources = sorted(
                (sources[o].index, value) for (o, b), value in scores.items()
                if b == t and o != s and value >= floor and alike("source", s, o))
            matches.append(Match(sources[s].index, targets[t].index, score,
                                 more_sources, more_targets))
        return matches

    def expected_ratio(self, source_lang: str, target_lang: str) -> float:
        """Expected characters of the target per character of the source (1 if unknown)."""
        ratios = self.config.length_ratios
        if f"{target_lang}/{source_lang}" in ratios:
            return ratios[f"{target_lang}/{source_lang}"]
        if f"{source_lang}/{target_lang}" in ratios:
            return 1.0 / ratios[f"{source_lang}/{target_lang}"]
        return 1.0

    def run(self, docs: list[Document], context: CorpusContext) -> Iterator[Document]:
        if not self.config.translation:
            yield from docs
            return
        stats = context.stats
        taken: set[int] = set()
        # Dropped translations by object id (positions would do, but docs may repeat ids).
        dropped: dict[int, Document] = {}
        # A pattern with "*" (the default searches every pair) means every lexicon it matches.
        searched = [pair for pattern in self.config.translation_pairs
                    for pair in (sorted(f"{s}-{t}" for s, t in LEXICONS
                                        if fnmatch(f"{s}-{t}", pattern)
                                        or fnmatch(f"{t}-{s}", pattern))
                                 if "*" in pattern else [pattern])]
        for pair in dict.fromkeys(searched):
            lang_a, lang_b = pair.split("-")
            if (lang_a, lang_b) in LEXICONS:
                source_lang, target_lang = lang_a, lang_b
            elif (lang_b, lang_a) in LEXICONS:
                source_lang, target_lang = lang_b, lang_a
            else:
                stats.counters[f"no_lexicon:{pair}"] += 1
                continue
            expected = self.expected_ratio(source_lang, target_lang)
            with paused_gc():
                matches = self.find_pairs(docs, source_lang, target_lang, taken, stats)
            for match in matches:
                source, target = docs[match.source], docs[match.target]
                kept, evidence = choose_original(source, target, expected, self.config)
                stats.counters[f"kept_by_{evidence}"] += 1
                translated = [(target, match.score)] if kept is source else [(source, match.score)]
                # Other versions on the translation's side are translations of the kept
                # document too; on the kept side they are the same story: cluster only.
                same_side, other_side = ((match.more_sources, match.more_targets)
                                         if kept is source else
                                         (match.more_targets, match.more_sources))
                translated += [(docs[i], score) for i, score in other_side if i not in taken]
                for i, _ in same_side:
                    if i not in taken:
                        docs[i].cluster = kept.cluster
                        stats.counters["same_story_same_language"] += 1
                taken.update([match.source, match.target, *(i for i, _ in same_side),
                              *(i for i, _ in other_side)])
                stats.counters["alternative_translations"] += len(translated) - 1
                for doc, score in translated:
                    doc.cluster = kept.cluster
                    dropped[id(doc)] = kept
                    context.pair(Pair(
                        id_a=kept.id, id_b=doc.id, source_a=kept.source, source_b=doc.source,
                        lang_a=kept.lang, lang_b=doc.lang, text_a=kept.text, text_b=doc.text,
                        score=round(min(1.0, max(0.0, score)), 6)))
        for doc in docs:
            if id(doc) in dropped:
                context.drop(doc, "translation", duplicate_of=dropped[id(doc)].id)
            else:
                yield doc
