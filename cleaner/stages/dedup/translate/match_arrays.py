"""The decisions of :func:`~.pairing.decide_first` and :func:`~.pairing.decide_rest` over
edges held as numpy arrays (the sharded build's match tasks).

A multilingual corpus is nearly one connected component of scored pairs, so one match task
holds almost every edge: as :class:`~.pairing.Edge` objects that is ~0.6 KB an edge, as
arrays a few dozen bytes. The passes of :mod:`~.match` only need, per document and language
pair, its best and second best edge in the order (-score, left, right): the rivals and the
mutual bests are fixed before any pair is accepted, so they are computed for every edge at
once; only the "each document at most once" walk stays a loop, over the few edges that pass.
Edges must be distinct (left, right) pairs, as the candidates are, with scores that are not
NaN (the order of NaN differs between Python's sort and numpy's).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from cleaner.stages.dedup.translate.match import BILINGUAL_MARGIN, MUTUAL_MARGIN, Scored


class EdgeTable:
    """Edges as arrays: positions, scores, language pair codes (``keys[code]`` names a
    code's pair; codes need not be sorted), and the rank of each edge in the order
    (-score, left, right) of :mod:`~.match`, with each (pair, document)'s best two edges.

    >>> table = EdgeTable([0, 0, 1], [10, 11, 11], [3.0, 1.0, 2.5], [0, 0, 0], [("de", "en")])
    >>> table.order.tolist(), table.top1[table.node_left].tolist()
    ([0, 2, 1], [0, 0, 2])
    >>> table.scored(table.one_to_one(floor=0.0, margin=1.0))
    [Scored(left=0, right=10, score=3.0), Scored(left=1, right=11, score=2.5)]
    """

    def __init__(self, left, right, score, code, keys: Sequence[tuple[str, str]]) -> None:
        import numpy as np

        self.left = np.asarray(left, dtype=np.int64)
        self.right = np.asarray(right, dtype=np.int64)
        self.score = np.asarray(score, dtype=np.float64)
        # Codes renumbered so that their order is the sorted order of the pairs they name.
        by_name = sorted(range(len(keys)), key=lambda c: keys[c])
        renumber = np.zeros(max(len(keys), 1), dtype=np.int32)
        renumber[by_name] = np.arange(len(keys))
        self.keys = [tuple(keys[c]) for c in by_name]
        code = np.asarray(code)
        self.code = renumber[code if code.dtype.kind in "iu" else code.astype(np.int64)]
        n = len(self.left)
        # Edge and node indices in 32 bits when they fit: a giant component holds millions
        # of edges, and each array is paid for per edge.
        index = np.int32 if 2 * n < 2 ** 31 else np.int64
        self.order = np.lexsort((self.right, self.left, -self.score)).astype(index)
        # A (pair, document) node; rivals are only edges of one language pair.
        span = int(max(self.left.max(initial=-1), self.right.max(initial=-1))) + 1
        if max(len(self.keys), span) * span >= 2 ** 62:
            raise ValueError("positions too large for the edge table")
        self.span = span
        wide = np.int32 if max(len(self.keys), 1) * span < 2 ** 31 else np.int64
        ends = np.empty((n, 2), dtype=wide)
        for column, side in enumerate((self.left, self.right)):
            ends[:, column] = self.code[self.order].astype(wide) * span + side[self.order]
        ends = ends.ravel()
        # Ends grouped by node, each group in rank order (a stable sort of ends in rank order).
        by = np.argsort(ends, kind="stable")
        starts = np.ones(2 * n, dtype=bool)
        grouped = ends[by]
        del ends
        starts[1:] = grouped[1:] != grouped[:-1]
        del grouped
        first = np.flatnonzero(starts).astype(index)
        node = np.empty(2 * n, dtype=index)
        node[by] = np.cumsum(starts, dtype=index) - 1
        del starts
        by //= 2
        edge_at = self.order[by]
        del by
        # Node of each edge's left and right end (ends were laid out in rank order).
        self.node_left = np.empty(n, dtype=index)
        self.node_right = np.empty(n, dtype=index)
        self.node_left[self.order] = node[0::2]
        self.node_right[self.order] = node[1::2]
        del node
        # Each node's best edge and second best (-1: none).
        self.top1 = edge_at[first]
        after = first + 1
        has_two = np.ones(len(first), dtype=bool)
        if len(first):
            has_two[:-1] = after[:-1] < first[1:]
            has_two[-1] = after[-1] < 2 * n
        after[~has_two] = 0
        self.top2 = np.where(has_two, edge_at[after], -1).astype(index)
        del edge_at

    def score2(self):
        """Each node's second best score (-inf: no second edge)."""
        import numpy as np

        out = np.full(len(self.top2), -np.inf)
        has = self.top2 >= 0
        out[has] = self.score[self.top2[has]]
        return out

    def _in_order(self, mask):
        """Indices of the edges in ``mask``, by language pair then rank."""
        import numpy as np

        picked = self.order[mask[self.order]]
        return picked[np.argsort(self.code[picked], kind="stable")]

    def _greedy(self, candidates, used: set[tuple[int, int]]) -> list[int]:
        """The walk of :mod:`~.match`: each candidate (in order) accepted unless one of its
        documents already is in its language pair; ``used`` ((code, document)) is updated."""
        out = []
        for e, code, a, b in zip(candidates.tolist(), self.code[candidates].tolist(),
                                 self.left[candidates].tolist(),
                                 self.right[candidates].tolist(), strict=True):
            if (code, a) in used or (code, b) in used:
                continue
            out.append(e)
            used.update(((code, a), (code, b)))
        return out

    def one_to_one(self, floor: float, margin: float) -> list[int]:
        """:func:`~.match.match_one_to_one` (no ``alike``) on every language pair: edges by
        language pair then rank."""
        import numpy as np

        # An edge's best rival at a node is the node's best edge, or its second when the
        # edge is the best (the same score as the reference's first other edge in rank order).
        second = self.score2()
        nodes = np.arange(len(self.top1))
        rival = self.score[self.top1[self.node_left]]
        best = self.node_left[self.top1] == nodes
        rival[self.top1[best]] = second[best]
        right = self.score[self.top1[self.node_right]]
        best = self.node_right[self.top1] == nodes
        right[self.top1[best]] = second[best]
        np.maximum(rival, right, out=rival)
        del right
        passing = (self.score >= floor) & ~(self.score - rival < margin)
        return self._greedy(self._in_order(passing), set())

    def used(self, edges: list[int]) -> set[tuple[int, int]]:
        """The (code, document) of both documents of the ``edges``."""
        return {(int(self.code[e]), int(doc)) for e in edges
                for doc in (self.left[e], self.right[e])}

    def mutual_best(self, used: set[tuple[int, int]], eligible, floor: float, margin: float,
                    within=None) -> list[int]:
        """:func:`~.match.add_mutual_best` on every language pair (``within``: a mask of the
        edges of the pairs to run it on), given the documents already accepted in each
        language pair, ``used`` ((code, document))."""
        import numpy as np

        lft, rgt = self.node_left, self.node_right
        # The nodes' best edges that are the best at both their nodes.
        nodes = np.arange(len(self.top1))
        tops = self.top1[(lft[self.top1] == nodes) & (self.top1[rgt[self.top1]] == self.top1)]
        tops = tops[(self.score[tops] >= floor) & np.asarray(eligible, dtype=bool)[tops]]
        if within is not None:
            tops = tops[within[tops]]
        second = self.score2()
        rival = np.maximum(second[lft[tops]], second[rgt[tops]])
        passing = np.zeros(len(self.left), dtype=bool)
        passing[tops[~(self.score[tops] - rival < margin)]] = True
        return self._greedy(self._in_order(passing), set(used))

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

        counts = np.bincount(self.code, minlength=len(self.keys))
        return [self.keys[c] for c in np.flatnonzero(counts).tolist()]


def decide_first_arrays(table: EdgeTable, short, config) -> dict:
    """:func:`~.pairing.decide_first` over ``table`` (``short``: each edge's short mutual
    best test): per language pair, the one-to-one matches and the short mutual bests."""
    direct = table.one_to_one(config.floor, config.margin)
    found = table.mutual_best(table.used(direct), short, config.mutual_floor, MUTUAL_MARGIN)
    direct_by, found_by = table.by_key(direct), table.by_key(found)
    return {key: (table.scored(direct_by[key]), table.scored(found_by[key]))
            for key in sorted(direct_by)}


def decide_rest_arrays(table: EdgeTable, long, first: dict, bilingual: set[tuple[str, str]],
                       language: Callable[[int], str], config) -> list[tuple[str, Scored]]:
    """:func:`~.pairing.decide_rest` over ``table`` (``long``: each edge's long mutual best
    test; ``first``: what :func:`decide_first_arrays` found)."""
    import numpy as np

    index = {k: c for c, k in enumerate(table.keys)}
    used = {(index[key], doc) for key, (direct, found) in first.items() for p in direct + found
            for doc in (p.left, p.right)}
    pairs = np.zeros(len(table.keys) + 1, dtype=bool)
    pairs[[index[key] for key in bilingual if key in index]] = True
    within = pairs[table.code]
    more = table.mutual_best(used, long, config.bilingual_floor, BILINGUAL_MARGIN, within)
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

    from cleaner.stages.dedup.translate.match import story_state

    union, partners, done = story_state(accepted, language)
    if not union.parent:
        return []
    docs = np.array(sorted(union.parent), dtype=np.int64)
    roots = np.array([union.find(d) for d in docs.tolist()], dtype=np.int64)
    # Only edges above the floor with both documents in one component (few) are walked.
    near = np.flatnonzero(table.score >= floor)
    at = []
    for side in (table.left[near], table.right[near]):
        where = np.minimum(np.searchsorted(docs, side), len(docs) - 1)
        at.append(np.where(docs[where] == side, roots[where], -1))
    inside = np.zeros(len(table.left), dtype=bool)
    inside[near[(at[0] >= 0) & (at[0] == at[1])]] = True
    del near, at
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
