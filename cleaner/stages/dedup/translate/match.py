"""Deciding pairs: one-to-one per language pair, with a margin and an absolute floor.

Within one language pair, scored candidates are accepted greedily, best first (ties by
position), each document at most once, when

* the score passes the absolute *floor*: the evidence itself must say "translation", whatever
  the rivals (a distractor's best match can stand out among other distractors);
* it beats every *rival* of either document by the *margin* (a rival is another scored pair
  sharing one of its documents; another version of the same text, e.g. a second translation
  of the story, is no rival: ``alike``).

Then a story published in several languages forms a *component* of accepted pairs (German
and English, English and French...). Two of its documents in different languages translate
each other too (through the story's original, a *pivot*); such a pair is accepted when its own
score, though below the floor, passes the lower :data:`PIVOT` floor and neither document has a
partner in that language pair yet.

A short message carries little evidence, so its true translation can score below the floor
while standing far above anything else either document could pair with. Such a *mutual best*
pair (each is the other's best candidate in the other's language, by the margin
:data:`MUTUAL_MARGIN`) is accepted down to the :data:`MUTUAL` floor when independent
evidence agrees (``eligible``: see :func:`~.score.short_and_consistent`); a plain lower floor
adds false pairs (round 2 of issue 16).

Outside the encoder's languages a long story and its translation can score below the floor
too (the evidence is spelling, anchors and length only). There the mutual best is accepted
down to :data:`BILINGUAL` only in a language pair where at least :data:`BILINGUAL_SHARE` of the
smaller language's documents already found a partner by the floor: a corpus (a site) that
publishes in both languages, rather than two unrelated languages whose best matches are
whatever is least unlike.

Rivals are only pairs that share a document, so the result of the greedy pass on the whole
graph is the union of its results on each connected component of scored pairs
(:func:`components`): the corpus can be cut into components and matched in parallel.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

# Default absolute floor and margin, in log-odds (0: even odds; 1: e times likelier).
FLOOR = 0.0
MARGIN = 1.0
# Floor of a pair implied by a story's other translations (tuned on half 0 of WMT22: at -3 a
# de-ru pivot between two different stories of one component passed, P 0.909; at -2 the
# worst pair of the encoder's languages has P 0.977, for 1-2 % of cs-en recall).
PIVOT = -2.0
# Floor and margin of a mutual best pair backed by independent evidence (tuned on half 0 of
# WMT22: no false pair down to -8 with a margin of 4; -6 and 6 keep slack on both).
MUTUAL = -6.0
MUTUAL_MARGIN = 6.0
# Floor, margin and the share of paired documents of a language pair for a long mutual best
# outside the encoder's languages (tuned on half 0 of WMT22: cs-en has 0.14 of its Czech
# documents paired, pairs of languages with no gold pair under 0.03).
BILINGUAL = -3.0
BILINGUAL_MARGIN = 4.0
BILINGUAL_SHARE = 0.1


@dataclass(frozen=True, order=True)
class Scored:
    """A scored candidate: positions of its two documents (``left`` < ``right`` is not
    required) and the log-odds that they translate each other."""

    left: int
    right: int
    score: float


def match_one_to_one(scored: list[Scored], floor: float = FLOOR, margin: float = MARGIN,
                     alike: Callable[[int, int], bool] | None = None) -> list[Scored]:
    """Greedy one-to-one matching with an absolute floor and a margin over rivals.

    >>> pairs = [Scored(0, 10, 3.0), Scored(0, 11, 1.0), Scored(1, 11, 2.5)]
    >>> [(p.left, p.right) for p in match_one_to_one(pairs, floor=0.0, margin=1.0)]
    [(0, 10), (1, 11)]
    >>> match_one_to_one([Scored(0, 10, 3.0), Scored(0, 11, 2.5)], 0.0, 1.0)
    []
    >>> [p.right for p in match_one_to_one([Scored(0, 10, 3.0), Scored(0, 11, 2.5)], 0.0, 1.0,
    ...                                     alike=lambda a, b: True)]
    [10]
    """
    by_doc: dict[int, list[Scored]] = defaultdict(list)
    for pair in scored:
        by_doc[pair.left].append(pair)
        by_doc[pair.right].append(pair)
    for ranked in by_doc.values():
        ranked.sort(key=lambda p: (-p.score, p.left, p.right))

    def best_rival(doc: int, pair: Scored) -> float:
        own = pair.right if doc == pair.left else pair.left
        for other in by_doc[doc]:
            if other is pair:
                continue
            partner = other.right if doc == other.left else other.left
            if alike is not None and alike(own, partner):
                continue
            return other.score
        return float("-inf")

    accepted: list[Scored] = []
    used: set[int] = set()
    for pair in sorted(scored, key=lambda p: (-p.score, p.left, p.right)):
        if pair.score < floor:
            break
        if pair.left in used or pair.right in used:
            continue
        rival = max(best_rival(pair.left, pair), best_rival(pair.right, pair))
        if pair.score - rival < margin:
            continue
        accepted.append(pair)
        used.update((pair.left, pair.right))
    return accepted


class UnionFind:
    """Disjoint sets of document positions (the smallest position names a set)."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, item: int) -> int:
        parent = self.parent.setdefault(item, item)
        while parent != item:
            grand = self.parent[parent]
            self.parent[item] = grand
            item, parent = parent, grand
        return item

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def components(edges: list[tuple[int, int]]) -> list[list[int]]:
    """Connected components of a graph given by its edges, each sorted, ordered by their
    smallest member.

    >>> components([(3, 4), (1, 2), (2, 5)])
    [[1, 2, 5], [3, 4]]
    """
    union = UnionFind()
    for a, b in edges:
        union.union(a, b)
    groups: dict[int, list[int]] = defaultdict(list)
    for item in sorted(union.parent):
        groups[union.find(item)].append(item)
    return [groups[root] for root in sorted(groups)]


def story_state(accepted: list[Scored], language: Callable[[int], str]
                ) -> tuple[UnionFind, set[tuple[int, str]], set[tuple[int, int]]]:
    """What pivots are checked against: the stories (components) of the accepted pairs, the
    (document, other language) partners already taken, and the accepted pairs themselves.

    >>> union, partners, done = story_state([Scored(0, 1, 4.0)], {0: "de", 1: "en"}.get)
    >>> union.find(1) == union.find(0), sorted(partners), done
    (True, [(0, 'en'), (1, 'de')], {(0, 1)})
    """
    union = UnionFind()
    partners: set[tuple[int, str]] = set()
    done = set()
    for pair in accepted:
        union.union(pair.left, pair.right)
        partners.add((pair.left, language(pair.right)))
        partners.add((pair.right, language(pair.left)))
        done.add((pair.left, pair.right))
    return union, partners, done


def add_pivots(accepted: list[Scored], scored: list[Scored], language: Callable[[int], str],
               floor: float = PIVOT) -> list[Scored]:
    """Pairs implied by a story's other translations (see the module docstring): scored pairs
    inside one component of ``accepted``, not yet accepted, whose score passes ``floor``,
    neither document having a partner in that language pair yet. Returned best first.

    >>> lang = {0: "de", 1: "en", 2: "fr"}.get
    >>> accepted = [Scored(0, 1, 4.0), Scored(1, 2, 4.0)]
    >>> add_pivots(accepted, accepted + [Scored(0, 2, -1.0)], lang)
    [Scored(left=0, right=2, score=-1.0)]
    """
    union, partners, done = story_state(accepted, language)
    out = []
    for pair in sorted(scored, key=lambda p: (-p.score, p.left, p.right)):
        if pair.score < floor:
            break
        a, b = pair.left, pair.right
        if (a, b) in done or a not in union.parent or b not in union.parent:
            continue
        if union.find(a) != union.find(b):
            continue
        if (a, language(b)) in partners or (b, language(a)) in partners:
            continue
        out.append(pair)
        partners.add((a, language(b)))
        partners.add((b, language(a)))
        done.add((a, b))
    return out


def add_mutual_best(accepted: list[Scored], scored: list[Scored],
                    eligible: Callable[[Scored], bool], floor: float = MUTUAL,
                    margin: float = MUTUAL_MARGIN) -> list[Scored]:
    """Pairs of one language pair below the floor accepted as *mutual best* (see the module
    docstring): neither document is in ``accepted``, each is the other's best candidate by
    ``margin`` over every other, the score passes ``floor`` and ``eligible`` says the
    independent evidence agrees. Returned best first.

    >>> pairs = [Scored(0, 10, -2.0), Scored(0, 11, -12.0), Scored(1, 11, -3.0),
    ...          Scored(1, 12, -4.0), Scored(2, 13, 5.0)]
    >>> add_mutual_best([Scored(2, 13, 5.0)], pairs, lambda p: True)
    [Scored(left=0, right=10, score=-2.0)]
    >>> add_mutual_best([], pairs, lambda p: p.left != 0)
    [Scored(left=2, right=13, score=5.0)]
    """
    best: dict[int, list[Scored]] = defaultdict(list)
    for pair in scored:
        for doc in (pair.left, pair.right):
            ranked = best[doc]
            ranked.append(pair)
            ranked.sort(key=lambda p: (-p.score, p.left, p.right))
            del ranked[2:]
    used = {doc for pair in accepted for doc in (pair.left, pair.right)}
    out = []
    for pair in sorted(scored, key=lambda p: (-p.score, p.left, p.right)):
        if pair.score < floor:
            break
        if pair.left in used or pair.right in used:
            continue
        ranked = [best[pair.left], best[pair.right]]
        if any(r[0] is not pair for r in ranked):
            continue
        rival = max(r[1].score if len(r) > 1 else float("-inf") for r in ranked)
        if pair.score - rival < margin or not eligible(pair):
            continue
        out.append(pair)
        used.update((pair.left, pair.right))
    return out
