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

The corpus part aligns a hundred thousand candidate pairs, so :func:`align_many` runs the
dynamic programme for many pairs at once: the pairs are padded to a common size and each cell
of the table is one numpy operation over all of them (a Python loop per pair cost 1.4 ms).
What the walk back along the best path would measure (covered shares, weighted similarity,
last aligned segments) is carried forward with each cell's best move instead, so no table of
moves is kept. The arithmetic is elementwise IEEE float64, the same on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

# Similarity that an aligned step must exceed to gain anything (unrelated sentences of the
# encoder's languages score 0.1-0.4, translations 0.5-0.9).
FLOOR = 0.3
# Pairs aligned at once by align_many (memory: about 5 x 625 x 8 bytes per pair at 24 x 24).
CHUNK = 1024
# Moves, in the order of preference among equal gains: skip left, skip right, 1-1, 2-1, 1-2.
MOVES = ((1, 0), (0, 1), (1, 1), (2, 1), (1, 2))


@dataclass(frozen=True)
class Alignment:
    """What the best in-order alignment of two documents shows."""

    # Sum of the steps' gains, in [-FLOOR * 2, (1 - FLOOR) * 2].
    gain: float
    # Share of the less covered side's (comparable) length that is aligned, in [0, 1].
    coverage: float
    # Length-weighted mean similarity of the aligned steps (0 when none).
    quality: float


@dataclass(frozen=True)
class Task:
    """One pair to align: unit segment vectors (m, d) and (n, d), segment lengths in a common
    unit, and whether each side is the whole document."""

    left: np.ndarray
    right: np.ndarray
    left_weights: list[float]
    right_weights: list[float]
    left_complete: bool = True
    right_complete: bool = True
    # Unit vectors of each two consecutive segments (see merged()); computed when None.
    left_merged: np.ndarray | None = None
    right_merged: np.ndarray | None = None


def _unit(rows: np.ndarray) -> np.ndarray:
    import numpy as np

    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.where(norms > 0, norms, 1.0)


def merged(rows: np.ndarray) -> np.ndarray:
    """Unit vectors of each two consecutive rows summed: the side of a 2-1 or 1-2 step
    (once per document when given to :class:`Task`, not once per candidate).

    >>> import numpy as np
    >>> [round(x, 3) for x in merged(np.eye(2, dtype=np.float32))[0].tolist()]
    [0.707, 0.707]
    """
    return _unit(rows[:-1] + rows[1:])


def _shares(weights: list[float]) -> np.ndarray:
    import numpy as np

    w = np.asarray(weights, dtype=np.float64)
    return w / w.sum() if w.sum() > 0 else np.full(len(w), 1.0 / len(w))


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
    return align_many([Task(left, right, left_weights, right_weights, left_complete,
                            right_complete)])[0]


def align_many(tasks: list[Task]) -> list[Alignment]:
    """:func:`align` of every task, :data:`CHUNK` tasks at a time (see the module docstring).

    >>> import numpy as np
    >>> a = np.eye(4, dtype=np.float32)
    >>> merged = _unit(a[[0]] + a[[1]])
    >>> out = align_many([Task(a, a, [1] * 4, [1] * 4), Task(a[:2], merged, [1, 1], [2])])
    >>> [round(x.coverage, 3) for x in out], round(out[1].quality, 3)
    ([1.0, 1.0], 1.0)
    """
    # Pairs of like sizes share a chunk, so little of the padded table is wasted.
    order = sorted(range(len(tasks)), key=lambda k: (max(len(tasks[k].left),
                                                         len(tasks[k].right)),
                                                     len(tasks[k].left), k))
    out: list[Alignment | None] = [None] * len(tasks)
    for start in range(0, len(order), CHUNK):
        part = order[start:start + CHUNK]
        for k, result in zip(part, _align_chunk([tasks[k] for k in part]), strict=True):
            out[k] = result
    return out  # type: ignore[return-value]


def _step_share(wl, wr, i, j, di: int, dj: int):
    """Length share of both sides' segments in the step (di, dj) ending at cells (i, j)."""
    left = wl[:, i] + wl[:, i - 1] if di == 2 else wl[:, i]
    right = wr[:, j] + wr[:, j - 1] if dj == 2 else wr[:, j]
    return left + right


def _align_chunk(tasks: list[Task]) -> list[Alignment]:
    import numpy as np

    count = len(tasks)
    if not count:
        return []
    sizes = np.array([(len(t.left), len(t.right)) for t in tasks], dtype=np.int64)
    m_max, n_max = int(sizes[:, 0].max()), int(sizes[:, 1].max())
    # Similarities of the three kinds of step and the length shares, padded with zeros.
    s11 = np.zeros((count, m_max + 1, n_max + 1))
    s21 = np.zeros((count, m_max + 1, n_max + 1))
    s12 = np.zeros((count, m_max + 1, n_max + 1))
    wl = np.zeros((count, m_max + 1))
    wr = np.zeros((count, n_max + 1))
    for k, t in enumerate(tasks):
        m, n = len(t.left), len(t.right)
        if not m or not n:
            continue
        wl[k, 1:m + 1] = _shares(t.left_weights)
        wr[k, 1:n + 1] = _shares(t.right_weights)
        # Indexed by the cell the step ends in: s11[i, j] pairs left i-1 with right j-1.
        s11[k, 1:m + 1, 1:n + 1] = t.left @ t.right.T
        if m > 1:
            pairs = t.left_merged if t.left_merged is not None else merged(t.left)
            s21[k, 2:m + 1, 1:n + 1] = pairs @ t.right.T
        if n > 1:
            pairs = t.right_merged if t.right_merged is not None else merged(t.right)
            s12[k, 1:m + 1, 2:n + 1] = t.left @ pairs.T
    shape = (count, m_max + 1, n_max + 1)
    score = np.zeros(shape)
    choice = np.zeros(shape, dtype=np.int8)
    sims = {(1, 1): s11, (2, 1): s21, (1, 2): s12}
    # Cells of one anti-diagonal (i + j = d) depend only on earlier ones: one numpy
    # operation per diagonal and move covers every cell of it in every pair.
    for d in range(1, m_max + n_max + 1):
        rows = np.arange(max(0, d - n_max), min(d, m_max) + 1)
        cols = d - rows
        gains = np.full((len(MOVES), count, len(rows)), -np.inf)
        for move, (di, dj) in enumerate(MOVES):
            ok = (rows >= di) & (cols >= dj)
            if not ok.any():
                continue
            i, j = rows[ok], cols[ok]
            gain = score[:, i - di, j - dj]
            if di and dj:
                share = _step_share(wl, wr, i, j, di, dj)
                gain = gain + (sims[(di, dj)][:, i, j] - FLOOR) * share
            gains[move][:, ok] = gain
        # The first move of MOVES with the highest gain (the order of preference on ties).
        chosen = np.argmax(gains, axis=0)
        score[:, rows, cols] = np.take_along_axis(gains, chosen[None], axis=0)[0]
        choice[:, rows, cols] = chosen
    # Walk back along every pair's best path at once.
    cov_l, cov_r, weighted = np.zeros(count), np.zeros(count), np.zeros(count)
    last_l, last_r = np.zeros(count, dtype=np.int64), np.zeros(count, dtype=np.int64)
    i, j = sizes[:, 0].copy(), sizes[:, 1].copy()
    step_di = np.array([di for di, _ in MOVES])
    step_dj = np.array([dj for _, dj in MOVES])
    pick = np.arange(count)
    while True:
        active = (i > 0) | (j > 0)
        if not active.any():
            break
        move = choice[pick, i, j]
        di, dj = np.where(active, step_di[move], 0), np.where(active, step_dj[move], 0)
        for (a, b), sim in sims.items():
            hit = (di == a) & (dj == b)
            if not hit.any():
                continue
            k, ii, jj = pick[hit], i[hit], j[hit]
            add_l = wl[k, ii] + (wl[k, ii - 1] if a == 2 else 0.0)
            add_r = wr[k, jj] + (wr[k, jj - 1] if b == 2 else 0.0)
            cov_l[hit] += add_l
            cov_r[hit] += add_r
            weighted[hit] += sim[k, ii, jj] * (add_l + add_r)
            last_l[hit] = np.maximum(last_l[hit], ii)
            last_r[hit] = np.maximum(last_r[hit], jj)
        i, j = i - di, j - dj
    out = []
    cum_l, cum_r = np.cumsum(wl, axis=1), np.cumsum(wr, axis=1)
    for k, t in enumerate(tasks):
        m, n = int(sizes[k, 0]), int(sizes[k, 1])
        if not m or not n:
            out.append(Alignment(0.0, 0.0, 0.0))
            continue
        covered_left, covered_right = float(cov_l[k]), float(cov_r[k])
        ll, lr = int(last_l[k]), int(last_r[k])
        # A side's tail after its last aligned segment may be beyond the other side's cut.
        total_left = float(cum_l[k, ll]) if not t.right_complete and ll > 0 else 1.0
        total_right = float(cum_r[k, lr]) if not t.left_complete and lr > 0 else 1.0
        coverage = min(covered_left / total_left if total_left else 0.0,
                       covered_right / total_right if total_right else 0.0)
        both = covered_left + covered_right
        out.append(Alignment(float(score[k, m, n]), min(1.0, coverage),
                             float(weighted[k]) / both if both else 0.0))
    return out
