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
as the corpus grows, unlike a capped inverted index. The similarity matrices are computed tile
by tile (:data:`TILE` positions by :data:`TILE`), so memory is bounded; the work is one
matrix product per pair of tiles, which is what the sharded build shards: a task per tile of
query documents streams the tiles of the others and keeps the top k of each
(:class:`TopK`), the same as one stable sort of the whole row.

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
# Rows and columns of a tile of similarities computed at once (float64: 32 MB); the sharded
# build cuts positions into the same tiles (see tile_similarities()).
TILE = 2048
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


def gram_counts(grams: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """The distinct 4-gram hashes of profiles (their ``grams``), sorted, and how many profiles
    hold each: what :func:`gram_weights` counts, as arrays that add up over shards
    (:func:`add_counts`).

    >>> import numpy as np
    >>> keys, counts = gram_counts([np.array([5, 7], dtype="<u4").tobytes(),
    ...                             np.array([7], dtype="<u4").tobytes()])
    >>> keys.tolist(), counts.tolist()
    ([5, 7], [1, 2])
    """
    import numpy as np

    parts = [np.frombuffer(g, dtype="<u4") for g in grams]
    if not parts:
        return np.zeros(0, dtype=np.uint32), np.zeros(0, dtype=np.int64)
    keys, counts = np.unique(np.concatenate(parts).astype(np.uint32), return_counts=True)
    return keys, counts.astype(np.int64)


def add_counts(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """The sum of several :func:`gram_counts`.

    >>> import numpy as np
    >>> keys, counts = add_counts([(np.array([5, 7]), np.array([1, 2])),
    ...                            (np.array([7, 9]), np.array([1, 1]))])
    >>> keys.tolist(), counts.tolist()
    ([5, 7, 9], [1, 3, 1])
    """
    import numpy as np

    if not parts:
        return np.zeros(0, dtype=np.uint32), np.zeros(0, dtype=np.int64)
    keys, inverse = np.unique(np.concatenate([k for k, _ in parts]), return_inverse=True)
    counts = np.zeros(len(keys), dtype=np.int64)
    np.add.at(counts, inverse.ravel(), np.concatenate([c for _, c in parts]).astype(np.int64))
    return keys.astype(np.uint32), counts


def counted_weights(grams: np.ndarray, keys: np.ndarray, counts: np.ndarray,
                    total: int) -> np.ndarray:
    """The weights :func:`gram_weights` gives ``grams``, from the corpus's counts
    (:func:`gram_counts`): the same ``log(total / count)`` per gram, float32."""
    import numpy as np

    found = counts[np.searchsorted(keys, grams)].tolist()
    logs = {count: math.log(total / count) for count in set(found)}
    return np.array([logs[count] for count in found], dtype=np.float32)


def spelling_row(grams: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """One profile's spelling vector: its 4-grams (``grams``, uint32) with their ``weights``
    hashed with a sign bit into :data:`HASH_DIM` dimensions, unit length, float32."""
    import numpy as np

    out = np.zeros(HASH_DIM, dtype=np.float32)
    if not len(grams):
        return out
    signs = np.where((grams >> 20) & 1, 1.0, -1.0).astype(np.float32)
    np.add.at(out, (grams % HASH_DIM).astype(np.int64), weights * signs)
    norm = float(np.linalg.norm(out))
    if norm:
        out /= norm
    return out


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
        out[row] = spelling_row(grams, weights)
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


def tile_similarities(left: np.ndarray, right: np.ndarray, scale: np.ndarray | None = None,
                      right_scale: np.ndarray | None = None) -> np.ndarray:
    """Rounded similarities of one tile: rows of ``left`` against rows of ``right`` (at most
    :data:`TILE` each), float64.

    Every tile is a product of the same shape whichever task computes it (the in-memory
    :func:`nearest` and the sharded build cut the positions into the same tiles), so the
    float32 sums are the same bits everywhere.
    """
    import numpy as np

    block = left.astype(np.float32) @ right.astype(np.float32).T
    sims = block.astype(np.float64)
    if scale is not None:
        sims *= scale[:, None]
    if right_scale is not None:
        sims *= right_scale[None, :]
    return np.round(sims, DECIMALS)


class TopK:
    """The running ``k`` best columns of each row, by similarity then position (the smaller
    first), over tiles of columns given in any order: the same as one stable sort of the
    whole row, without holding it."""

    def __init__(self, rows: int, k: int) -> None:
        import numpy as np

        self.k = k
        self.position = np.full((rows, k), np.iinfo(np.int64).max, dtype=np.int64)
        self.similarity = np.full((rows, k), -np.inf, dtype=np.float64)

    def add(self, sims: np.ndarray, offset: int) -> None:
        """Merge a tile of similarities whose first column is position ``offset``."""
        import numpy as np

        order = np.argsort(-sims, axis=1, kind="stable")[:, :self.k]
        chosen = np.take_along_axis(sims, order, axis=1)
        position = np.concatenate([self.position, order + offset], axis=1)
        similarity = np.concatenate([self.similarity, chosen], axis=1)
        best = np.lexsort((position, -similarity), axis=-1)[:, :self.k]
        self.position = np.take_along_axis(position, best, axis=1)
        self.similarity = np.take_along_axis(similarity, best, axis=1)

    def result(self) -> Neighbours:
        """The neighbours found (-1 and -inf where a row has fewer than ``k``)."""
        import numpy as np

        finite = np.isfinite(self.similarity)
        return Neighbours(np.where(finite, self.position, -1), self.similarity)


def nearest(left: np.ndarray, right: np.ndarray, k: int, scale: np.ndarray | None = None,
            right_scale: np.ndarray | None = None, allowed=None) -> Neighbours:
    """The ``k`` rows of ``right`` most similar to each row of ``left`` (dot product, times
    ``scale[i] * right_scale[j]`` when given: inverse norms of int8 rows), tile by tile
    (:data:`TILE` rows and columns, :func:`tile_similarities`).

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
    if not rows or not k:
        return Neighbours(np.full((rows, k), -1, dtype=np.int64),
                          np.full((rows, k), -np.inf, dtype=np.float64))
    parts = []
    for start in range(0, rows, TILE):
        stop = min(rows, start + TILE)
        top = TopK(stop - start, k)
        for first in range(0, cols, TILE):
            last = min(cols, first + TILE)
            sims = tile_similarities(
                left[start:stop], right[first:last],
                None if scale is None else scale[start:stop],
                None if right_scale is None else right_scale[first:last])
            if allowed is not None:
                sims[~allowed(np.arange(start, stop), np.arange(first, last))] = -np.inf
            top.add(sims, first)
        parts.append(top.result())
    return Neighbours(np.concatenate([p.index for p in parts]),
                      np.concatenate([p.similarity for p in parts]))


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


def allowed_pairs(code, pair_ok, families, dates, window: int | None):
    """The mask function of :func:`nearest` (``allowed(rows, cols)``) over positions whose
    language ``code``, spelling ``families`` (None: none) and ``dates`` (-1: unknown) are
    given: the language pair is searched (``pair_ok[code_a, code_b]``), the families differ
    and the dates lie within ``window`` days (None: no limit)."""
    import numpy as np

    def allowed(rows, cols):
        mask = pair_ok[code[rows][:, None], code[cols][None, :]]
        if families is not None:
            mask &= families[rows][:, None] != families[cols][None, :]
        if window is not None:
            a, b = dates[rows][:, None], dates[cols][None, :]
            mask &= (a < 0) | (b < 0) | (np.abs(a - b) <= window)
        return mask

    return allowed


def inverse_norms(meaning: np.ndarray) -> np.ndarray:
    """Per int8 meaning row, the inverse of its length (0 for a zero row); row by row the
    same whatever the rows around it."""
    import numpy as np

    norms = np.linalg.norm(meaning.astype(np.float64), axis=1)
    return np.where(norms > 0, 1.0 / np.maximum(norms, 1e-12), 0.0)


def pair_similarity(a: np.ndarray, b: np.ndarray, scale_a: float | None = None,
                    scale_b: float | None = None) -> float:
    """The similarity of a candidate in one view, from its two rows (float64, rounded), as
    the scores read it.

    >>> import numpy as np
    >>> float(pair_similarity(np.array([3, 4], dtype=np.int8),
    ...                       np.array([3, 4], dtype=np.int8), 0.2, 0.2))
    1.0
    """
    import numpy as np

    value = float(a.astype(np.float64) @ b.astype(np.float64))
    if scale_a is None or scale_b is None:
        return round(value, DECIMALS)
    # numpy's product and rounding (not Python's), as the scores were fitted with.
    return round(np.float64(value) * (np.float64(scale_a) * np.float64(scale_b)), DECIMALS)


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
    allowed = allowed_pairs(code, pair_ok, families, dates, window)
    inverse = inverse_norms(meaning)
    index = CorpusIndex(langs)
    views = {"meaning": (meaning, inverse), "spelling": (spelling, None)}
    for view, (rows, scale) in views.items():
        index.neighbours[view] = nearest(rows, rows, k, scale, scale, allowed)
    candidates = index.candidates()
    for view, (rows, scale) in views.items():
        index.similarity[view] = {
            (i, j): pair_similarity(rows[i], rows[j], None if scale is None else scale[i],
                                    None if scale is None else scale[j])
            for i, j in candidates}
    return index


def expected_ratio(lang_a: str, lang_b: str) -> float:
    """Visible characters of ``lang_b`` per character of ``lang_a`` in a translation.

    >>> round(expected_ratio("zh", "en"), 2)
    3.03
    """
    return density(lang_b) / density(lang_a)
