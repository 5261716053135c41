"""The corpus part: candidates, scores and decisions over all profiled documents.

Expressed as the map / group / reduce a cluster would shard (issue 17):

1. *map*: each document's profile gives its keys, ``(language, block)``, and its vectors
   (:func:`~.index.meaning_vectors`, spelling vectors after the corpus-wide
   4-gram frequencies: one more group-by, gram -> count);
2. *group by key*: for each pair of languages searched, the nearest neighbours of every
   document among the other language's documents, block by block
   (:mod:`~.index`), never among documents of its own spelling family (:mod:`~.samelang`:
   one more group-by, language -> 4-gram counts);
3. *score* each candidate pair (:mod:`~.score`);
4. *connected components* of scored pairs, then one-to-one matching per language pair inside
   each component (:mod:`~.match`); pivots inside components of accepted pairs.

Every step is deterministic: documents are handled in position order, ties are broken by
position, and no set or dict order reaches a decision.

The sharded build (:mod:`cleaner.sharded.translation`) runs these steps as tasks with the
functions below: nearest neighbours per tile of positions (:class:`~.index.TopK`),
:func:`score_candidates` per tile, and :func:`decide` cut into :func:`decide_first` and
:func:`decide_rest` per bucket of connected components, with the one corpus-wide decision
(:func:`bilingual_keys`) in between; over edges held as arrays, the same decisions
(:mod:`~.match_arrays`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import combinations

from cleaner.stages.dedup.translate.align import Alignment, Task, align_many, merged
from cleaner.stages.dedup.translate.encoder import COVERED, DIM
from cleaner.stages.dedup.translate.index import (
    NEIGHBOURS,
    build_index,
    expected_ratio,
    gram_weights,
    meaning_vectors,
    spelling_vectors,
)
from cleaner.stages.dedup.translate.match import (
    BILINGUAL,
    BILINGUAL_MARGIN,
    BILINGUAL_SHARE,
    FLOOR,
    MARGIN,
    MUTUAL,
    PIVOT,
    Scored,
    add_mutual_best,
    add_pivots,
    match_one_to_one,
)
from cleaner.stages.dedup.translate.profile import Profile, density
from cleaner.stages.dedup.translate.samelang import buckets, families
from cleaner.stages.dedup.translate.score import (
    Evidence,
    anchor_overlap,
    length_drift,
    log_odds,
    long_and_consistent,
    rank_feature,
    short_and_consistent,
)


@dataclass
class PairingConfig:
    """How pairs are searched and decided (``[dedup]`` keys ``translation_*``)."""

    # Language pairs searched, "a-b" (order does not matter); "*" is every pair of languages
    # found in the corpus, "en-*" every pair with English.
    pairs: list[str] = field(default_factory=lambda: ["*"])
    # Absolute floor and margin over rivals, in log-odds (see match.py).
    floor: float = FLOOR
    margin: float = MARGIN
    pivot_floor: float = PIVOT
    # Floor of a short mutual best pair backed by independent evidence (see match.py).
    mutual_floor: float = MUTUAL
    # Floor of a long mutual best outside the encoder's languages, in a language pair where
    # this share of the smaller language's documents is paired (see match.py).
    bilingual_floor: float = BILINGUAL
    bilingual_share: float = BILINGUAL_SHARE
    # Nearest neighbours per document, per view and language pair.
    neighbours: int = NEIGHBOURS
    # Documents with known dates further apart than this are never a pair (None: no limit).
    window_days: int | None = 31

    def searched(self, lang_a: str, lang_b: str) -> bool:
        """Whether the pair of languages is searched.

        >>> config = PairingConfig(pairs=["en-*", "cs-uk"])
        >>> config.searched("de", "en"), config.searched("uk", "cs"), config.searched("de", "fr")
        (True, True, False)
        """
        if lang_a == lang_b:
            return False
        for pattern in self.pairs:
            if pattern == "*":
                return True
            first, _, second = pattern.partition("-")
            for x, y in ((lang_a, lang_b), (lang_b, lang_a)):
                if first in ("*", x) and second in ("*", y):
                    return True
        return False

    def languages(self) -> frozenset[str] | None:
        """Languages that can have a counterpart (None: any). Only their documents are
        profiled.

        >>> sorted(PairingConfig(pairs=["zh-en", "de-en"]).languages())
        ['de', 'en', 'zh']
        >>> PairingConfig(pairs=["en-*"]).languages() is None
        True
        """
        found: set[str] = set()
        for pattern in self.pairs:
            if "*" in pattern:
                return None
            found.update(pattern.split("-"))
        return frozenset(found)


@dataclass(frozen=True)
class Decision:
    """An accepted pair: positions of its documents, score (log-odds), how it was found."""

    left: int
    right: int
    score: float
    # "direct" (matched), "mutual" (a short mutual best below the floor) or "pivot" (implied
    # by the story's other translations).
    kind: str
    evidence: Evidence | None = None

    @property
    def probability(self) -> float:
        """The score as a probability in [0, 1]."""
        import math

        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, self.score))))


def _segments(vectors: bytes):
    """Unit float32 segment vectors of a profile."""
    import numpy as np

    from cleaner.stages.dedup.translate.encoder import dequantize

    return dequantize(np.frombuffer(vectors, dtype=np.int8).reshape(-1, DIM))


def alignments(profiles: list[Profile], candidates: list[tuple[int, int]]
               ) -> list[Alignment]:
    """The in-order alignment of every candidate, all at once (see :mod:`~.align`).

    Each profile's vectors are unpacked once and shared by its candidates (at most
    24 x 2 KiB per document)."""
    vectors: dict[int, object] = {}
    pairs: dict[int, object] = {}
    weights: dict[int, list[float]] = {}
    for row in sorted({r for pair in candidates for r in pair}):
        profile = profiles[row]
        if profile.segments:
            vectors[row] = _segments(profile.vectors)
            pairs[row] = merged(vectors[row])
            weights[row] = [c / density(profile.lang) for c in profile.seg_chars]
    tasks = [Task(vectors[i], vectors[j], weights[i], weights[j], profiles[i].complete,
                  profiles[j].complete, pairs[i], pairs[j])
             if i in vectors and j in vectors else None for i, j in candidates]
    done = iter(align_many([t for t in tasks if t is not None]))
    return [Alignment(0.0, 0.0, 0.0) if t is None else next(done) for t in tasks]


def evidence_for(profiles: list[Profile], i: int, j: int, index, means: dict,
                 result: Alignment) -> Evidence:
    """The measurements of candidate (``i``, ``j``), rows of ``profiles`` and ``index``,
    whose segments align as ``result``."""
    left, right = profiles[i], profiles[j]
    covered = left.lang in COVERED and right.lang in COVERED
    meaning = index.similarity["meaning"][(i, j)]
    spelling = index.similarity["spelling"][(i, j)]
    shared, overlap, any_anchors = anchor_overlap(left.anchors, right.anchors)
    shorter = min(left.chars / density(left.lang), right.chars / density(right.lang))
    return Evidence(
        covered=covered,
        meaning=meaning,
        meaning_csls=2 * meaning - float(means["meaning"][i]) - float(means["meaning"][j]),
        meaning_rank=rank_feature(index.rank("meaning", i, j)),
        gain=result.gain,
        coverage=result.coverage,
        quality=result.quality,
        spelling=spelling,
        spelling_csls=2 * spelling - float(means["spelling"][i]) - float(means["spelling"][j]),
        spelling_rank=rank_feature(index.rank("spelling", i, j)),
        shared_anchors=shared,
        anchor_overlap=overlap,
        any_anchors=any_anchors,
        length_drift=length_drift(left.chars, right.chars,
                                  expected_ratio(left.lang, right.lang)),
        shorter_chars=int(shorter),
    )


@dataclass
class PairingResult:
    """Accepted pairs and what it took to find them."""

    decisions: list[Decision]
    # Every scored candidate: (left, right) -> (evidence, log-odds); for benchmarks and fits.
    scored: dict[tuple[int, int], tuple[Evidence, float]]
    counters: dict[str, int]


def find_pairs(profiles: list[Profile | None], config: PairingConfig,
               keep_scores: bool = False) -> PairingResult:
    """Translation pairs among documents given by their profiles (None: not profiled), by
    position."""
    present = [i for i, p in enumerate(profiles) if p is not None and p.segments]
    usable: list[Profile] = [profiles[i] for i in present]  # type: ignore[misc]
    counters: dict[str, int] = {"profiled": len(present), "candidates": 0}
    by_lang: dict[str, list[int]] = {}
    for row, profile in enumerate(usable):
        by_lang.setdefault(profile.lang, []).append(row)
    if not any(config.searched(a, b) for a, b in combinations(sorted(by_lang), 2)):
        return PairingResult([], {}, counters)
    meaning = meaning_vectors(usable)
    spelling = spelling_vectors(usable, gram_weights(usable))
    family = families([buckets(p.grams) for p in usable], [p.lang for p in usable])
    index = build_index(usable, meaning, spelling, config.searched, config.window_days,
                        config.neighbours, family)
    means = {view: index.mean(view) for view in ("meaning", "spelling")}
    scored_all: dict[tuple[int, int], tuple[Evidence, float]] = {}
    evidence_of: dict[tuple[int, int], Evidence] = {}
    edges: list[Edge] = []
    for i, j, evidence, score in score_candidates(usable, index.candidates(), index, means):
        edges.append(edge_of(i, j, evidence, score, usable[i].lang, usable[j].lang))
        evidence_of[(i, j)] = evidence
        if keep_scores:
            scored_all[(present[i], present[j])] = (evidence, score)
    sizes = {lang: len(rows) for lang, rows in by_lang.items()}
    found, more = decide(edges, sizes, lambda row: usable[row].lang, config)
    counters.update(more)
    decisions = [Decision(present[p.left], present[p.right], p.score, kind,
                          evidence_of[(p.left, p.right)]) for kind, p in found]
    return PairingResult(decisions, scored_all, counters)


def score_candidates(profiles, candidates: list[tuple[int, int]], index, means: dict
                     ) -> list[tuple[int, int, Evidence, float]]:
    """Each candidate (``i``, ``j``) with its evidence and score (log-odds). ``profiles``,
    ``index`` (its similarities, ranks and languages) and ``means`` need only hold the rows
    of these candidates: the sharded build scores candidates block by block."""
    out = []
    for (i, j), aligned in zip(candidates, alignments(profiles, candidates), strict=True):
        evidence = evidence_for(profiles, i, j, index, means, aligned)
        out.append((i, j, evidence, log_odds(evidence)))
    return out


@dataclass(frozen=True)
class Edge:
    """A scored candidate as matching needs it: positions, score, language pair and which
    of the evidence tests for a mutual best it passes (no :class:`Evidence` kept)."""

    left: int
    right: int
    score: float
    key: tuple[str, str]
    short: bool
    long: bool


def edge_of(i: int, j: int, evidence: Evidence, score: float, lang_i: str, lang_j: str
            ) -> Edge:
    """The :class:`Edge` of a scored candidate."""
    key = (lang_i, lang_j) if lang_i <= lang_j else (lang_j, lang_i)
    return Edge(i, j, score, key, short_and_consistent(evidence),
                long_and_consistent(evidence))


def decide(edges: list[Edge], sizes: dict[str, int], language, config: PairingConfig
           ) -> tuple[list[tuple[str, Scored]], dict[str, int]]:
    """The accepted pairs among scored ``edges`` (any order), as (kind, pair), and their
    counters: one-to-one per language pair, mutual bests, pivots (:mod:`~.match`).

    ``sizes``: profiled documents per language (the bilingual share is corpus-wide);
    ``language(position)``: a document's language. The same as :func:`decide_first` on each
    connected component of the edges, :func:`bilingual_keys` over their counts, then
    :func:`decide_rest` on each component (what the sharded build runs)."""
    first = decide_first(edges, config)
    found = decide_rest(edges, first, bilingual_keys(first_counts(first), sizes, config),
                        language, config)
    counters: dict[str, int] = {"candidates": 0}
    for key, count in sorted(Counter(edge.key for edge in edges).items()):
        counters["candidates"] += count
        counters[f"candidates:{key[0]}-{key[1]}"] = count
    counters.update(decision_counts(found))
    return found, counters


def decision_counts(found: list[tuple[str, Scored]]) -> dict[str, int]:
    """The counters of accepted pairs by kind (``mutual`` only when there are some: the
    seeds' card stays as it was)."""
    kinds = Counter(kind for kind, _ in found)
    out = {"direct": kinds["direct"]}
    if kinds["mutual"]:
        out["mutual"] = kinds["mutual"]
    out["pivot"] = kinds["pivot"]
    return out


def _by_pair(edges: list[Edge]) -> dict[tuple[str, str], list[Scored]]:
    by_pair: dict[tuple[str, str], list[Scored]] = {}
    for edge in sorted(edges, key=lambda e: (e.left, e.right)):
        by_pair.setdefault(edge.key, []).append(Scored(edge.left, edge.right, edge.score))
    return by_pair


def decide_first(edges: list[Edge], config: PairingConfig
                 ) -> dict[tuple[str, str], tuple[list[Scored], list[Scored]]]:
    """Per language pair: the one-to-one matches and the short mutual bests (local to each
    connected component of the edges)."""
    short = {(e.left, e.right): e.short for e in edges}
    out = {}
    for key, scored in sorted(_by_pair(edges).items()):
        direct = match_one_to_one(scored, config.floor, config.margin)
        found = add_mutual_best(direct, scored, lambda p: short[(p.left, p.right)],
                                config.mutual_floor)
        out[key] = (direct, found)
    return out


def first_counts(first: dict) -> dict[tuple[str, str], int]:
    """One-to-one matches per language pair (they add up over components)."""
    return {key: len(direct) for key, (direct, _) in first.items()}


def bilingual_keys(direct: dict[tuple[str, str], int], sizes: dict[str, int],
                   config: PairingConfig) -> set[tuple[str, str]]:
    """The language pairs where enough of the smaller language's documents are matched for
    the long mutual best (corpus-wide: ``direct`` counts matches over every component).

    >>> sorted(bilingual_keys({("cs", "en"): 3, ("de", "en"): 1}, {"cs": 20, "de": 20,
    ...                       "en": 40}, PairingConfig()))
    [('cs', 'en')]
    """
    return {key for key, count in direct.items()
            if count >= config.bilingual_share * min(sizes[key[0]], sizes[key[1]])}


def decide_rest(edges: list[Edge], first: dict, bilingual: set[tuple[str, str]], language,
                config: PairingConfig) -> list[tuple[str, Scored]]:
    """The accepted pairs, as (kind, pair): ``first``'s, the long mutual bests of the
    ``bilingual`` language pairs, and the pivots."""
    long = {(e.left, e.right): e.long for e in edges}
    by_pair = _by_pair(edges)
    accepted: list[Scored] = []
    mutual: list[Scored] = []
    scored_lists: list[Scored] = []
    for key in sorted(by_pair):
        direct, found = first[key]
        accepted += direct
        mutual += found
        if key in bilingual:
            mutual += add_mutual_best(direct + found, by_pair[key],
                                      lambda p: long[(p.left, p.right)],
                                      config.bilingual_floor, BILINGUAL_MARGIN)
        scored_lists += by_pair[key]
    pivots = add_pivots(accepted + mutual, scored_lists, language, config.pivot_floor)
    return [(kind, p) for kind, group in (("direct", accepted), ("mutual", mutual),
                                          ("pivot", pivots)) for p in group]
