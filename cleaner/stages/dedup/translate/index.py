"""Candidate pairs: nearest neighbours in the other languages, never all pairs scored.

Two views of every profiled document are compared with the documents of other languages:

* its *meaning*: the length-weighted mean of its segment vectors (the sentence encoder), as
  int8, so that dot products are exact integers and every ranking is the same on any machine;
* its *spelling*: its transliterated character 4-grams, weighted by inverse document frequency
  over the corpus and hashed into :data:`HASH_DIM` dimensions (cognates and names, for the
  languages the encoder knows less well).

For each document the :data:`NEIGHBOURS` most similar documents in any other language (of a
pair of languages searched) in each view are candidates, within the date window; a pair found
from either side is scored, so each side of a pair sees its rivals. The number of candidates
per document is bounded however large the corpus and however many languages it holds. A true
pair stays among the nearest neighbours however many other documents there are (they can only
push it down the list, and a translation is almost always the nearest), so recall does not fall
as the corpus grows, unlike a capped inverted index. The similarity matrices are computed block
by block (:data:`BLOCK_CELLS` similarities at a time), so memory is bounded; the work is one
matrix product per pair of blocks, which is what a cluster would shard: map each document to
(language, block), then for each pair of blocks keep the local top k, then merge the top k of
each document.

What the scores need besides the pair itself is kept too: the mean similarity of each document
to its k nearest neighbours (the *hubness* correction of CSLS, Conneau et al. 2018) and the
rank of each candidate in each side's list.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cleaner.stages.dedup.translate.encoder import DIM
from cleaner.stages.dedup.translate.profile import Profile, density

if TYPE_CHECKING:
    import numpy as np

NEIGHBOURS = 20
HASH_DIM = 4096
# Similarities held at once while ranking (rows x columns, float64): about 32 MB.
BLOCK_CELLS = 4_000_000
# Similarities are rounded to this many decimals before ranking (the spelling view is float32;
# rounding keeps rankings identical whatever the BLAS kernel sums first).
DECIMALS = 5


def meaning_vectors(profiles: list[Profile]) -> np.ndarray:
    """Per profile, the mean of its segment vectors weighted by the square root of their
    length (a long sentence says more, but not proportionally more), as int8 rows.

    Rows of profiles without segments are zero.
    """
    import numpy as np

    from cleaner.stages.dedup.translate.encoder import dequantize, quantize

    out = np.zeros((len(profiles), DIM), dtype=np.float32)
    for row, profile in enumerate(profiles):
        if not profile.segments:
            continue
        vectors = dequantize(np.frombuffer(profile.vectors, dtype=np.int8).reshape(-1, DIM))
        weights = np.sqrt(np.asarray(profile.seg_chars, dtype=np.float32) + 1.0)
        out[row] = weights @ vectors
    return quantize(out)


def gram_weights(profiles: list[Profile]) -> dict[int, float]:
    """Inverse document frequency of each 4-gram hash over the profiles: ``log(n / df)``."""
    import numpy as np

    df: Counter[int] = Counter()
    for profile in profiles:
        df.update(np.frombuffer(profile.grams, dtype="<u4").tolist())
    total = len(profiles)
    return {gram: math.log(total / count) for gram, count in df.items()}


def spelling_vectors(profiles: list[Profile], idf: dict[int, float]) -> np.ndarray:
    """Per profile, its 4-grams weighted by ``idf`` and hashed (with a sign bit, so that
    collisions cancel out on average) into :data:`HASH_DIM` dimensions, unit length, float32."""
    import numpy as np

    out = np.zeros((len(profiles), HASH_DIM), dtype=np.float32)
    for row, profile in enumerate(profiles):
        grams = np.frombuffer(profile.grams, dtype="<u4")
        if not len(grams):
            continue
        weights = np.array([idf.get(g, 0.0) for g in grams.tolist()], dtype=np.float32)
        signs = np.where((grams >> 20) & 1, 1.0, -1.0).astype(np.float32)
        np.add.at(out[row], (grams % HASH_DIM).astype(np.int64), weights * signs)
        norm = float(np.linalg.norm(out[row]))
        if norm:
            out[row] /= norm
    return out


@dataclass
class Neighbours:
    """The k nearest documents of the other language, for each document of one language."""

    # (rows, k) positions in the other language's list, best first; -1 where there are fewer.
    index: np.ndarray
    # (rows, k) their similarities (same order).
    similarity: np.ndarray

    def mean(self) -> np.ndarray:
        """Mean similarity of each row to its neighbours (0 when it has none)."""
        import numpy as np

        valid = self.index >= 0
        total = np.where(valid, self.similarity, 0.0).sum(axis=1)
        return total / np.maximum(valid.sum(axis=1), 1)


def nearest(left: np.ndarray, right: np.ndarray, k: int, scale: np.ndarray | None = None,
            right_scale: np.ndarray | None = None, allowed=None) -> Neighbours:
    """The ``k`` rows of ``right`` most similar to each row of ``left`` (dot product, times
    ``scale[i] * right_scale[j]`` when given: inverse norms of int8 rows), block by block.

    Ties are broken by position (the smaller first). ``allowed(i_rows, j_rows)``, when given,
    returns a boolean mask of the pairs that may be neighbours (the date window).

    >>> import numpy as np
    >>> a = np.array([[1, 0], [0, 1]], dtype=np.float32)
    >>> b = np.array([[0, 1], [1, 0], [1, 1]], dtype=np.float32)
    >>> nearest(a, b, 2).index.tolist()
    [[1, 2], [0, 2]]
    """
    import numpy as np

    rows, cols = len(left), len(right)
    k = min(k, cols)
    index = np.full((rows, k), -1, dtype=np.int64)
    similarity = np.full((rows, k), -np.inf, dtype=np.float64)
    if not rows or not k:
        return Neighbours(index, similarity)
    right_f = right.astype(np.float32)
    block_rows = max(1, BLOCK_CELLS // max(1, cols))
    for start in range(0, rows, block_rows):
        stop = min(rows, start + block_rows)
        block = left[start:stop].astype(np.float32) @ right_f.T
        sims = block.astype(np.float64)
        if scale is not None:
            sims *= scale[start:stop, None]
        if right_scale is not None:
            sims *= right_scale[None, :]
        sims = np.round(sims, DECIMALS)
        if allowed is not None:
            sims[~allowed(np.arange(start, stop), np.arange(cols))] = -np.inf
        # Best k by similarity, ties by position: a stable sort of the negated values.
        order = np.argsort(-sims, axis=1, kind="stable")[:, :k]
        chosen = np.take_along_axis(sims, order, axis=1)
        index[start:stop] = np.where(np.isfinite(chosen), order, -1)
        similarity[start:stop] = chosen
    return Neighbours(index, similarity)


@dataclass
class CorpusIndex:
    """Candidates among all profiled documents, with what their scores need.

    Each document's neighbours are the most similar documents *in any other language* whose
    pair of languages is searched: the number of candidates per document is bounded by
    ``2 x k`` (two views) however many languages the corpus holds.
    """

    langs: list[str]
    # Per view ("meaning", "spelling"): each row's neighbours.
    neighbours: dict[str, Neighbours] = field(default_factory=dict)
    # Per view: the similarity of each candidate (row, row), row < row.
    similarity: dict[str, dict[tuple[int, int], float]] = field(default_factory=dict)
    # Per view, per row: its neighbours' ranks within their language (see rank()).
    _ranks: dict[str, list] = field(default_factory=dict, repr=False)

    def candidates(self) -> list[tuple[int, int]]:
        """(row, row) pairs, the smaller row first, found by either view from either side,
        sorted."""
        found: set[tuple[int, int]] = set()
        for view in sorted(self.neighbours):
            for i, row in enumerate(self.neighbours[view].index.tolist()):
                found.update((min(i, j), max(i, j)) for j in row if j >= 0)
        return sorted(found)

    def rank(self, view: str, i: int, j: int) -> tuple[int, int]:
        """Rank (0 = nearest) of j among i's neighbours of j's language, and of i among j's
        neighbours of i's language (the number of such neighbours when absent)."""
        table = self._ranks.get(view)
        if table is None:
            table = self._ranks[view] = [self._row_ranks(row) for row in
                                         self.neighbours[view].index.tolist()]
        out = []
        for a, b in ((i, j), (j, i)):
            ranks, sizes = table[a]
            out.append(ranks.get(b, sizes.get(self.langs[b], 0)))
        return out[0], out[1]

    def _row_ranks(self, row: list[int]) -> tuple[dict[int, int], dict[str, int]]:
        """A row's neighbours -> their rank within their language, and neighbours per
        language (computed once per row: a row is in many candidates)."""
        ranks: dict[int, int] = {}
        sizes: dict[str, int] = {}
        for n in row:
            if n >= 0:
                lang = self.langs[n]
                ranks[n] = sizes.get(lang, 0)
                sizes[lang] = ranks[n] + 1
        return ranks, sizes

    def mean(self, view: str) -> np.ndarray:
        """Each row's mean similarity to its neighbours (the hubness of CSLS)."""
        return self.neighbours[view].mean()


def build_index(profiles: list[Profile], meaning, spelling, searched, window: int | None,
                k: int = NEIGHBOURS, family: list[int] | None = None) -> CorpusIndex:
    """Nearest neighbours of every profile in both views among the profiles of other
    languages (``searched(lang_a, lang_b)``: whether that pair of languages is searched),
    within the date ``window`` in days (None: no limit), never of its own spelling
    ``family`` (:mod:`~.samelang`; None: no families)."""
    import numpy as np

    langs = [p.lang for p in profiles]
    names = sorted(set(langs))
    code = np.array([names.index(lang) for lang in langs])
    pair_ok = np.array([[searched(a, b) for b in names] for a in names], dtype=bool)
    dates = np.array([p.published if p.published is not None else -1 for p in profiles])
    families = None if family is None else np.asarray(family)

    def allowed(rows, cols):
        mask = pair_ok[code[rows][:, None], code[cols][None, :]]
        if families is not None:
            mask &= families[rows][:, None] != families[cols][None, :]
        if window is not None:
            a, b = dates[rows][:, None], dates[cols][None, :]
            mask &= (a < 0) | (b < 0) | (np.abs(a - b) <= window)
        return mask

    norms = np.linalg.norm(meaning.astype(np.float64), axis=1)
    inverse = np.where(norms > 0, 1.0 / np.maximum(norms, 1e-12), 0.0)
    index = CorpusIndex(langs)
    views = {"meaning": (meaning, inverse), "spelling": (spelling, None)}
    for view, (rows, scale) in views.items():
        index.neighbours[view] = nearest(rows, rows, k, scale, scale, allowed)
    candidates = index.candidates()
    for view, (rows, scale) in views.items():
        sims: dict[tuple[int, int], float] = {}
        for i, j in candidates:
            value = float(rows[i].astype(np.float64) @ rows[j].astype(np.float64))
            if scale is not None:
                value *= scale[i] * scale[j]
            sims[(i, j)] = round(value, DECIMALS)
        index.similarity[view] = sims
    return index


def expected_ratio(lang_a: str, lang_b: str) -> float:
    """Visible characters of ``lang_b`` per character of ``lang_a`` in a translation.

    >>> round(expected_ratio("zh", "en"), 2)
    3.03
    """
    return density(lang_b) / density(lang_a)
