"""The decisions of :func:`~.pairing.decide_first` and :func:`~.pairing.decide_rest` over
edges held as numpy arrays (the sharded build's match tasks).

A multilingual corpus is nearly one connected component of scored pairs, so one match task
holds almost every edge: as :class:`~.pairing.Edge` objects that is ~0.6 KB an edge, as
arrays a few dozen bytes. The passes of :mod:`~.match` only need, per document and language
pair, its best and second best edge in the order (-score, left, right): the rivals and the
mutual bests are fixed before any pair is accepted, so they are computed for every edge at
once; only the "each document at most once" walk stays a loop, over the few edges that pass.
Edges must be distinct (left, right) pairs, as the candidates are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from cleaner.stages.dedup.translate.match import BILINGUAL_MARGIN, MUTUAL_MARGIN, Scored


class EdgeTable:
    """Edges as arrays: positions, scores, language pair codes (``keys[code]`` names a
    code's pair; codes need not be sorted), and the rank of each edge in the order
    (-score, left, right) of :mod:`~.match`, with each (pair, document)'s best two edges."""

    def __init__(self, left, right, score, code, keys: Sequence[tuple[str, str]]) -> None:
        import numpy as np

        self.left = np.asarray(left, dtype=np.int64)
        self.right = np.asarray(right, dtype=np.int64)
        self.score = np.asarray(score, dtype=np.float64)
        # Codes renumbered so that their order is the sorted order of the pairs they name.
        by_name = sorted(range(len(keys)), key=lambda c: keys[c])
        renumber = np.zeros(max(len(keys), 1), dtype=np.int64)
        renumber[by_name] = np.arange(len(keys))
        self.keys = [tuple(keys[c]) for c in by_name]
        self.code = renumber[np.asarray(code, dtype=np.int64)]
        n = len(self.left)
        self.order = np.lexsort((self.right, self.left, -self.score))
        # A (pair, document) node; rivals are only edges of one language pair.
        span = int(max(self.left.max(initial=-1), self.right.max(initial=-1))) + 1
        if max(len(self.keys), span) * span >= 2 ** 62:
            raise ValueError("positions too large for the edge table")
        self.span = span
        ends = np.empty((n, 2), dtype=np.int64)
        ends[:, 0] = self.code[self.order] * span + self.left[self.order]
        ends[:, 1] = self.code[self.order] * span + self.right[self.order]
        ends = ends.ravel()
        # Ends grouped by node, each group in rank order (a stable sort of ends in rank order).
        by = np.argsort(ends, kind="stable")
        grouped = ends[by]
        del ends
        starts = np.ones(2 * n, dtype=bool)
        starts[1:] = grouped[1:] != grouped[:-1]
        del grouped
        first = np.flatnonzero(starts)
        node = np.empty(2 * n, dtype=np.int64)
        node[by] = np.cumsum(starts) - 1
        del starts
        edge_at = self.order[by // 2]
        del by
        # Node of each edge's left and right end (ends were laid out in rank order).
        self.node_left = np.empty(n, dtype=np.int64)
        self.node_right = np.empty(n, dtype=np.int64)
        self.node_left[self.order] = node[0::2]
        self.node_right[self.order] = node[1::2]
        del node
        sizes = np.diff(np.r_[first, 2 * n])
        self.top1 = edge_at[first]
        self.top2 = np.where(sizes > 1, edge_at[np.minimum(first + 1, 2 * n - 1)], -1)
        del edge_at
        self.score1 = self.score[self.top1]
        self.score2 = np.where(self.top2 >= 0, self.score[self.top2], -np.inf)

    def _in_order(self, mask):
        """Indices of the edges in ``mask``, by language pair then rank."""
        import numpy as np

        picked = self.order[mask[self.order]]
        return picked[np.argsort(self.code[picked], kind="stable")]

    def _greedy(self, candidates, used: set[int]) -> list[int]:
        """The walk of :mod:`~.match`: each candidate (in order) accepted unless one of its
        (pair, document) nodes already is; ``used`` is updated."""
        out = []
        for e, a, b in zip(candidates.tolist(), self.node_left[candidates].tolist(),
                           self.node_right[candidates].tolist(), strict=True):
            if a in used or b in used:
                continue
            out.append(e)
            used.update((a, b))
        return out

    def one_to_one(self, floor: float, margin: float) -> list[int]:
        """:func:`~.match.match_one_to_one` (no ``alike``) on every language pair: edges by
        language pair then rank."""
        import numpy as np

        edge = np.arange(len(self.left))
        rivals = []
        for n in (self.node_left, self.node_right):
            rivals.append(np.where(self.top1[n] == edge, self.score2[n], self.score1[n]))
        rival = np.maximum(rivals[0], rivals[1])
        passing = (self.score >= floor) & ~(self.score - rival < margin)
        return self._greedy(self._in_order(passing), set())

    def mutual_best(self, accepted: list[int], eligible, floor: float, margin: float,
                    within=None) -> list[int]:
        """:func:`~.match.add_mutual_best` on every language pair (``within``: a mask of the
        edges of the pairs to run it on), given the edges already ``accepted``."""
        import numpy as np

        edge = np.arange(len(self.left))
        lft, rgt = self.node_left, self.node_right
        rival = np.maximum(self.score2[lft], self.score2[rgt])
        passing = ((self.top1[lft] == edge) & (self.top1[rgt] == edge)
                   & (self.score >= floor) & ~(self.score - rival < margin)
                   & np.asarray(eligible, dtype=bool))
        if within is not None:
            passing &= within
        taken = np.asarray(accepted, dtype=np.int64)
        used = set(lft[taken].tolist()) | set(rgt[taken].tolist())
        return self._greedy(self._in_order(passing), used)

    def scored(self, edges: list[int]) -> list[Scored]:
        """The edges as :class:`~.match.Scored` (Python ints and floats)."""
        return [Scored(int(self.left[e]), int(self.right[e]), float(self.score[e]))
                for e in edges]

    def by_key(self, edges: list[int]) -> dict[tuple[str, str], list[int]]:
        """The edges (in order) split by language pair, every pair present."""
        out: dict[tuple[str, str], list[int]] = {key: [] for key in self._present()}
        for e in edges:
            out[self.keys[int(self.code[e])]].append(e)
        return out

    def _present(self) -> list[tuple[str, str]]:
        import numpy as np

        return [self.keys[c] for c in np.unique(self.code).tolist()]


def decide_first_arrays(table: EdgeTable, short, config) -> dict:
    """:func:`~.pairing.decide_first` over ``table`` (``short``: each edge's short mutual
    best test): per language pair, the one-to-one matches and the short mutual bests."""
    direct = table.one_to_one(config.floor, config.margin)
    found = table.mutual_best(direct, short, config.mutual_floor, MUTUAL_MARGIN)
    direct_by, found_by = table.by_key(direct), table.by_key(found)
    return {key: (table.scored(direct_by[key]), table.scored(found_by[key]))
            for key in sorted(direct_by)}


def decide_rest_arrays(table: EdgeTable, long, first: dict, bilingual: set[tuple[str, str]],
                       language: Callable[[int], str], config) -> list[tuple[str, Scored]]:
    """:func:`~.pairing.decide_rest` over ``table`` (``long``: each edge's long mutual best
    test; ``first``: what :func:`decide_first_arrays` found)."""
    import numpy as np

    # The first decisions back to edge indices (the edges are distinct (left, right) pairs).
    pairs = [table.span * p.left + p.right for d, f in first.values() for p in d + f]
    taken = np.flatnonzero(np.isin(table.left * table.span + table.right, pairs)).tolist()
    index = {k: c for c, k in enumerate(table.keys)}
    within = np.isin(table.code, sorted(index[k] for k in bilingual if k in index))
    more = table.mutual_best(taken, long, config.bilingual_floor, BILINGUAL_MARGIN, within)
    more_by = table.by_key(more)
    accepted: list[Scored] = []
    mutual: list[Scored] = []
    for key in sorted(more_by):
        direct, found = first[key]
        accepted += direct
        mutual += found + table.scored(more_by[key])
    pivots = pivots_arrays(table, accepted + mutual, language, config.pivot_floor)
    return [(kind, p) for kind, group in (("direct", accepted), ("mutual", mutual),
                                          ("pivot", pivots)) for p in group]


def pivots_arrays(table: EdgeTable, accepted: list[Scored], language: Callable[[int], str],
                  floor: float) -> list[Scored]:
    """:func:`~.match.add_pivots` over every edge of ``table``: only edges inside one
    component of ``accepted`` can be pivots, found with arrays; the walk is over those."""
    import numpy as np

    from cleaner.stages.dedup.translate.match import UnionFind

    union = UnionFind()
    partners: set[tuple[int, str]] = set()
    done = set()
    for pair in accepted:
        union.union(pair.left, pair.right)
        partners.add((pair.left, language(pair.right)))
        partners.add((pair.right, language(pair.left)))
        done.add((pair.left, pair.right))
    if not union.parent:
        return []
    docs = np.array(sorted(union.parent), dtype=np.int64)
    roots = np.array([union.find(d) for d in docs.tolist()], dtype=np.int64)
    at = []
    for side in (table.left, table.right):
        where = np.minimum(np.searchsorted(docs, side), len(docs) - 1)
        at.append(np.where(docs[where] == side, roots[where], -1))
    inside = (at[0] >= 0) & (at[0] == at[1]) & (table.score >= floor)
    out = []
    for e in table.order[inside[table.order]].tolist():
        a, b = int(table.left[e]), int(table.right[e])
        if (a, b) in done:
            continue
        if (a, language(b)) in partners or (b, language(a)) in partners:
            continue
        pair = Scored(a, b, float(table.score[e]))
        out.append(pair)
        partners.add((a, language(b)))
        partners.add((b, language(a)))
        done.add((a, b))
    return out


__all__ = ["EdgeTable", "decide_first_arrays", "decide_rest_arrays", "pivots_arrays"]
