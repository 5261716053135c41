"""In-order alignment of two documents' segments, allowing merged and split sentences.

A translation renders its source sentence by sentence, in order; a translator may merge two
sentences into one or split one into two, and pages cut lines differently. So the segments of
two documents are aligned by dynamic programming over their similarity matrix, as Vecalign
(Thompson & Koehn 2020) does: a step aligns one segment with one (1-1), two with one (2-1) or
one with two (1-2), or leaves one segment unaligned. A 2-1 step compares the sum of the two
vectors with the one (the encoder averages over words, so the sum of two sentences' vectors
points close to the vector of the two sentences together).

Each aligned step gains ``(similarity - FLOOR) x (its share of both documents' length)``;
unaligned segments gain nothing. So the best alignment covers what really corresponds, and a
text on the same topic, whose sentences are only loosely alike and in another order, gains
little. Of the best path :func:`align` reports the gain, the share of the shorter side covered
(:class:`Alignment`) and the mean similarity of the aligned steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

# Similarity that an aligned step must exceed to gain anything (unrelated sentences of the
# encoder's languages score 0.1-0.4, translations 0.5-0.9).
FLOOR = 0.3


@dataclass(frozen=True)
class Alignment:
    """What the best in-order alignment of two documents shows."""

    # Sum of the steps' gains, in [-FLOOR * 2, (1 - FLOOR) * 2].
    gain: float
    # Share of the less covered side's (comparable) length that is aligned, in [0, 1].
    coverage: float
    # Length-weighted mean similarity of the aligned steps (0 when none).
    quality: float


def _unit(rows: np.ndarray) -> np.ndarray:
    import numpy as np

    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.where(norms > 0, norms, 1.0)


def align(left: np.ndarray, right: np.ndarray, left_weights: list[float],
          right_weights: list[float], left_complete: bool = True,
          right_complete: bool = True) -> Alignment:
    """Best in-order alignment of unit segment vectors ``left`` (m, d) and ``right`` (n, d).

    ``*_weights`` are the segments' lengths in a common unit (English-equivalent characters);
    ``*_complete``: whether the rows are the whole document. When one side was cut, the other
    side's segments after its last aligned one may lie beyond the cut, so they do not count
    against coverage.

    >>> import numpy as np
    >>> a = np.eye(3, dtype=np.float32)
    >>> result = align(a, a[[0, 1, 2]], [1, 1, 1], [1, 1, 1])
    >>> round(result.coverage, 3), round(result.quality, 3)
    (1.0, 1.0)
    >>> align(a, a[[2, 1, 0]], [1, 1, 1], [1, 1, 1]).coverage < 0.5   # reversed order
    True
    """
    import numpy as np

    m, n = len(left), len(right)
    if not m or not n:
        return Alignment(0.0, 0.0, 0.0)
    wl = np.asarray(left_weights, dtype=np.float64)
    wr = np.asarray(right_weights, dtype=np.float64)
    wl = wl / wl.sum() if wl.sum() > 0 else np.full(m, 1.0 / m)
    wr = wr / wr.sum() if wr.sum() > 0 else np.full(n, 1.0 / n)
    s11 = (left @ right.T).astype(np.float64).tolist()
    s21 = (_unit(left[:-1] + left[1:]) @ right.T).astype(np.float64).tolist() if m > 1 else []
    s12 = (left @ _unit(right[:-1] + right[1:]).T).astype(np.float64).tolist() if n > 1 else []
    wl_list, wr_list = wl.tolist(), wr.tolist()
    score = [[0.0] * (n + 1) for _ in range(m + 1)]
    back: list[list[tuple[int, int]]] = [[(0, 0)] * (n + 1) for _ in range(m + 1)]
    for i in range(m + 1):
        row, prev = score[i], score[i - 1] if i else None
        for j in range(n + 1):
            if not i and not j:
                continue
            best, move = -1e18, (0, 0)
            if i and prev[j] > best:
                best, move = prev[j], (1, 0)
            if j and row[j - 1] > best:
                best, move = row[j - 1], (0, 1)
            if i and j:
                gain = prev[j - 1] + (s11[i - 1][j - 1] - FLOOR) * (wl_list[i - 1] + wr_list[j - 1])
                if gain > best:
                    best, move = gain, (1, 1)
                if i > 1:
                    gain = score[i - 2][j - 1] + (s21[i - 2][j - 1] - FLOOR) * (
                        wl_list[i - 2] + wl_list[i - 1] + wr_list[j - 1])
                    if gain > best:
                        best, move = gain, (2, 1)
                if j > 1:
                    gain = prev[j - 2] + (s12[i - 1][j - 2] - FLOOR) * (
                        wl_list[i - 1] + wr_list[j - 2] + wr_list[j - 1])
                    if gain > best:
                        best, move = gain, (1, 2)
            row[j] = best
            back[i][j] = move
    # Walk back along the best path.
    i, j = m, n
    covered_left = covered_right = weighted = 0.0
    last_left = last_right = -1
    while i or j:
        di, dj = back[i][j]
        if di and dj:
            share_left = float(wl[i - di:i].sum())
            share_right = float(wr[j - dj:j].sum())
            sim = {(1, 1): s11, (2, 1): s21, (1, 2): s12}[(di, dj)][i - di][j - dj]
            covered_left += share_left
            covered_right += share_right
            weighted += sim * (share_left + share_right)
            last_left = max(last_left, i - 1)
            last_right = max(last_right, j - 1)
        i, j = i - di, j - dj
    # A side's tail after its last aligned segment may be beyond the other side's cut.
    total_left = float(wl[:last_left + 1].sum()) if not right_complete and last_left >= 0 else 1.0
    total_right = float(wr[:last_right + 1].sum()) if not left_complete and last_right >= 0 \
        else 1.0
    coverage = min(covered_left / total_left if total_left else 0.0,
                   covered_right / total_right if total_right else 0.0)
    both = covered_left + covered_right
    return Alignment(float(score[m][n]), min(1.0, coverage), weighted / both if both else 0.0)
