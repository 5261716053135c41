"""Near duplicates as stages over files: LSH bands routed to buckets, candidate pairs routed to
pair buckets and confirmed on the signatures (memory-mapped, or read by ranges from an object
store), then connected components.

The same pairs as :meth:`~cleaner.stages.dedup.near.NearDedupStep.family_edges` (datasketch's
bands and rows for the threshold, rows equal on a band are candidates, the estimated Jaccard
confirms them), so the same clusters; no task holds the corpus's signatures: a band bucket
holds its band keys, a pair bucket its pairs and the pages of the signature files it reads.

A giant band group (more than ``TILE`` documents equal on one band, such as thousands of
copies of one boilerplate page: n members make n²/2 pairs) is not expanded into pairs: tile
tasks compare blocks of ``TILE`` members against each other on the signatures, and write one
spanning edge per linked member instead of every confirmed pair. A pair equal on several
bands belongs to the first of them (:func:`first_band`), so each candidate is counted once,
as the in-memory step counts it, whichever groups are tiled.
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import TYPE_CHECKING

from cleaner.pipeline import StepStats
from cleaner.pipeline.shards import WorkDir, bucket_of, stable_key
from cleaner.sharded.recipe import Recipe, stats_dicts
from cleaner.stages.dedup.keep import UnionFind, paused_gc

if TYPE_CHECKING:
    import numpy as np

# Band groups of more members than this are giants, compared in tiles of this many members
# (a tile task makes at most TILE² comparisons, ~0.3 s and ~10 MB for 1,000 members of 128
# values); smaller groups are expanded into their pairs in the band task.
TILE = 1_000
# Rows of a tile's first block compared with the whole second block in one numpy operation
# (TILE_ROWS * TILE * num_perm bytes: 8 MB for 64 * 1,000 * 128).
TILE_ROWS = 64
# Candidate pairs confirmed in one numpy operation (two gathered signature matrices of
# PAIR_CHUNK * num_perm values).
PAIR_CHUNK = 20_000


def lsh_shape(recipe: Recipe) -> tuple[int, int]:
    """Bands and rows per band, as datasketch chooses them for the threshold."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=recipe.dedup.near_threshold, num_perm=recipe.dedup.num_perm)
    return lsh.b, lsh.r


def write_bands(work: WorkDir, recipe: Recipe, build: str, index: int, rows: list[tuple],
                buckets: int) -> None:
    """A shard's signatures (one ``.npy`` matrix, memory-mapped by the readers), what names
    each row, and its band keys routed to band buckets."""
    import numpy as np

    matrix = (np.stack([row[2] for row in rows]) if rows
              else np.empty((0, recipe.dedup.num_perm), dtype=np.uint32))

    def save(temp):
        with temp.open("wb") as handle:
            np.save(handle, matrix)

    work._atomic(f"builds/{build}/signatures/s{index:05d}.npy", save)
    work.dump(f"builds/{build}/signatures/s{index:05d}.pkl",
              [(ordinal, order, doc_id) for ordinal, _, _, order, doc_id in rows])
    bands, width = lsh_shape(recipe)
    out: list[list] = [[] for _ in range(buckets)]
    for row, (ordinal, family, _, _, _) in enumerate(rows):
        for band in range(bands):
            key = (bytes([family, band])
                   + matrix[row, band * width:(band + 1) * width].tobytes())
            out[bucket_of(key, buckets)].append((key, band, ordinal, row))
    for bucket, records in enumerate(out):
        work.dump(f"builds/{build}/bands/m{index:05d}/b{bucket:05d}.pkl", records)


def exact_dropped(work: WorkDir, build: str, buckets: int) -> dict[tuple, str]:
    """Ordinal -> kept id of every exact duplicate (the exact stage's decisions)."""
    return {ordinal: kept for bucket in range(buckets)
            for ordinal, kept in work.load(f"builds/{build}/exact/d{bucket:05d}.pkl")}


def band_reduce(work: WorkDir, recipe: Recipe, build: str, bucket: int, shards: int,
                buckets: int, tile: int = TILE) -> dict:
    """Candidate pairs of one band bucket: every two documents exact dedup kept that are
    equal on a band, routed to the pair bucket of the pair (so each pair counts once), with
    the band that made them. A group of more than ``tile`` members (a giant: n members make
    n²/2 pairs) is not expanded here: its sorted members go to a file for :func:`tile_edges`.
    """
    started = time.perf_counter()
    dropped = exact_dropped(work, build, buckets)
    groups: dict[bytes, list[tuple]] = defaultdict(list)
    signed = 0
    for index in range(shards):
        for key, band, ordinal, row in work.load(
                f"builds/{build}/bands/m{index:05d}/b{bucket:05d}.pkl"):
            if ordinal in dropped:
                continue
            signed += band == 0
            groups[key].append((ordinal, row))
    out: list[dict] = [{} for _ in range(buckets)]
    largest = 0
    giants = []
    for key, members in groups.items():
        if len(members) < 2:
            continue
        largest = max(largest, len(members))
        members.sort()
        band = key[1]
        if len(members) > tile:
            giants.append((key, members))
            continue
        for i, first in enumerate(members):
            for second in members[i + 1:]:
                pairs = out[bucket_of(repr((first[0], second[0])), buckets)]
                pair = (first, second)
                pairs[pair] = min(band, pairs.get(pair, band))
    for target, pairs in enumerate(out):
        work.dump(f"builds/{build}/pairs/m{bucket:05d}/b{target:05d}.pkl",
                  sorted((*pair, band) for pair, band in pairs.items()))
    giant_groups = []
    for number, (key, members) in enumerate(sorted(giants)):
        name = f"builds/{build}/giants/r{bucket:05d}-{number:05d}.pkl"
        work.dump(name, members)
        giant_groups.append({"file": name, "band": key[1], "size": len(members),
                             "digest": stable_key(members)})
    # Seconds (in every near task's summary): what benchmarks/bench_tiles.py reads.
    return {"signed": signed, "largest_band_group": largest, "giants": giant_groups,
            "seconds": time.perf_counter() - started}


def _gather(work: WorkDir, build: str, members: list[tuple], num_perm: int,
            matrices: dict) -> np.ndarray:
    """The signatures of ``(ordinal, row)`` members, one matrix row each, read from the
    memory-mapped shard matrices (only the rows asked for are paged in)."""
    import numpy as np

    out = np.empty((len(members), num_perm), dtype=np.uint32)
    if not members:
        return out
    shards = np.fromiter((ordinal[0] for ordinal, _ in members), dtype=np.int64,
                         count=len(members))
    rows = np.fromiter((row for _, row in members), dtype=np.int64, count=len(members))
    for shard in np.unique(shards).tolist():
        if shard not in matrices:
            matrices[shard] = work.matrix(f"builds/{build}/signatures/s{shard:05d}.npy")
        where = shards == shard
        out[where] = matrices[shard][rows[where]]
    return out


def first_band(equal: np.ndarray, bands: int, width: int) -> np.ndarray:
    """The first band on which two signatures are equal (``bands`` when none is), from their
    elementwise equality (last axis: the ``num_perm`` values). A pair equal on several bands
    belongs to the first: that band's group counts and confirms it, the others skip it.

    >>> import numpy as np
    >>> equal = np.array([[1, 1, 0, 1], [0, 1, 1, 1], [0, 1, 1, 0]], dtype=bool)
    >>> first_band(equal, bands=2, width=2).tolist()
    [0, 1, 2]
    """
    banded = equal[..., :bands * width].reshape(*equal.shape[:-1], bands, width).all(axis=-1)
    return banded.argmax(axis=-1) + bands * ~banded.any(axis=-1)


def confirm_pairs(work: WorkDir, recipe: Recipe, build: str, bucket: int, buckets: int) -> dict:
    """The candidate pairs of one pair bucket whose estimated Jaccard passes the threshold.

    A pair is this bucket's candidate when the first band it is equal on made it here; when
    that band's group was a giant, the tile tasks count and confirm it instead."""
    import numpy as np

    started = time.perf_counter()
    best: dict[tuple, int] = {}
    for source in range(buckets):
        for first, second, band in work.load(
                f"builds/{build}/pairs/m{source:05d}/b{bucket:05d}.pkl"):
            pair = (first, second)
            best[pair] = min(band, best.get(pair, band))
    pairs = sorted(best.items())
    del best
    bands, width = lsh_shape(recipe)
    matrices: dict[int, np.ndarray] = {}
    edges = []
    candidates = deferred = 0  # deferred: pairs whose first shared band's group is tiled
    need, perms = recipe.dedup.near_threshold, recipe.dedup.num_perm
    for start in range(0, len(pairs), PAIR_CHUNK):
        chunk = pairs[start:start + PAIR_CHUNK]
        equal = (_gather(work, build, [pair[0] for pair, _ in chunk], perms, matrices)
                 == _gather(work, build, [pair[1] for pair, _ in chunk], perms, matrices))
        made = np.fromiter((band for _, band in chunk), dtype=np.int64, count=len(chunk))
        mine = first_band(equal, bands, width) == made
        same = np.count_nonzero(equal, axis=1)
        confirmed = mine & (same / float(perms) >= need)
        candidates += int(np.count_nonzero(mine))
        deferred += len(chunk) - int(np.count_nonzero(mine))
        edges += [(chunk[i][0][0][0], chunk[i][0][1][0]) for i in np.flatnonzero(confirmed)]
    work.dump(f"builds/{build}/edges/b{bucket:05d}.pkl", edges)
    return {"candidates": candidates, "deferred": deferred, "edges": len(edges),
            "seconds": time.perf_counter() - started}


def plan_tiles(giants: list[dict], tile: int) -> list[tuple[str, int, int, int]]:
    """The tile tasks of the giant band groups: ``(file, band, i, j)`` for every block pair
    ``i <= j`` of ``tile`` members. A group whose members equal those of a group on an
    earlier band is left out: all its pairs belong to that band (:func:`first_band`).

    >>> plan_tiles([{"file": "g", "band": 1, "size": 5, "digest": "d"},
    ...             {"file": "h", "band": 0, "size": 5, "digest": "d"}], tile=3)
    [('h', 0, 0, 0), ('h', 0, 0, 1), ('h', 0, 1, 1)]
    """
    seen: set[str] = set()
    out = []
    for group in sorted(giants, key=lambda g: (g["band"], g["file"])):
        if group["digest"] in seen:
            continue
        seen.add(group["digest"])
        blocks = -(-group["size"] // tile)
        out += [(group["file"], group["band"], i, j)
                for i in range(blocks) for j in range(i, blocks)]
    return out


def tile_edges(work: WorkDir, recipe: Recipe, build: str, number: int, group: str, band: int,
               first: int, second: int, tile: int) -> dict:
    """One tile of a giant band group: members of block ``first`` against block ``second``
    (``tile`` each), compared at once on the memory-mapped signatures, ``TILE_ROWS`` rows
    of the first block at a time (memory bounded by ``TILE_ROWS * tile * num_perm``
    bytes). Counts the pairs that belong to ``band`` (:func:`first_band`) and writes,
    instead of all confirmed pairs (up to ``tile``² of them), one edge from the first
    member of each connected component of the tile to every other member: the same
    components with fewer than ``2 * tile`` edges."""
    import numpy as np
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    started = time.perf_counter()
    members = work.load(group)
    left = members[first * tile:(first + 1) * tile]
    right = left if first == second else members[second * tile:(second + 1) * tile]
    del members
    perms, need = recipe.dedup.num_perm, recipe.dedup.near_threshold
    bands, width = lsh_shape(recipe)
    matrices: dict[int, np.ndarray] = {}
    a_sig = _gather(work, build, left, perms, matrices)
    b_sig = a_sig if first == second else _gather(work, build, right, perms, matrices)
    offset = 0 if first == second else len(left)
    rows, cols = [], []
    candidates = 0
    for start in range(0, len(left), TILE_ROWS):
        equal = a_sig[start:start + TILE_ROWS, None, :] == b_sig[None, :, :]
        mine = first_band(equal, bands, width) == band
        if first == second:  # each pair once: the second member after the first
            mine &= np.arange(len(right))[None, :] > np.arange(start, start + len(equal))[:, None]
        confirmed = mine & (np.count_nonzero(equal, axis=2) / float(perms) >= need)
        candidates += int(np.count_nonzero(mine))
        row, col = np.nonzero(confirmed)
        rows.append(row + start)
        cols.append(col + offset)
    nodes = left if first == second else left + right
    row, col = np.concatenate(rows), np.concatenate(cols)
    confirmed_count = len(row)
    edges = []
    if confirmed_count:
        graph = coo_matrix((np.ones(len(row), dtype=np.int8), (row, col)),
                           shape=(len(nodes), len(nodes)))
        _, labels = connected_components(graph, directed=False)
        linked = np.zeros(len(nodes), dtype=bool)
        linked[row] = linked[col] = True
        head: dict[int, int] = {}
        for node in np.flatnonzero(linked).tolist():  # nodes in sorted order: the first heads
            label = int(labels[node])
            if label in head:
                edges.append((nodes[head[label]][0], nodes[node][0]))
            else:
                head[label] = node
    work.dump(f"builds/{build}/tiles/t{number:06d}.pkl", edges)
    return {"candidates": candidates, "confirmed": confirmed_count, "edges": len(edges),
            "seconds": time.perf_counter() - started}


def near_components(work: WorkDir, recipe: Recipe, build: str, buckets: int, signed: int,
                    candidates: int, tiles: int = 0) -> dict:
    """Connected components of the confirmed pairs (union-find over the documents that have
    an edge; the pair buckets' edges and the tiles' spanning edges), and the member each
    keeps: the smallest ``keep_order``. The edge files are read twice, one at a time (the
    documents, then the unions), so no list of all edges is held."""
    stats = StepStats(recipe.near.name)
    if not recipe.dedup.near:
        work.dump(f"builds/{build}/near.pkl", [])
        return {"stats": stats_dicts({stats.name: stats}), "dropped": 0, "largest_cluster": 0,
                "signatures": 0, "nodes": 0}
    started, cpu = time.perf_counter(), time.process_time()
    files = ([f"builds/{build}/edges/b{bucket:05d}.pkl" for bucket in range(buckets)]
             + [f"builds/{build}/tiles/t{number:06d}.pkl" for number in range(tiles)])
    linked: set[tuple] = set()
    for name in files:
        linked.update(ordinal for edge in work.load(name) for ordinal in edge)
    nodes = sorted(linked)
    del linked
    position = {ordinal: i for i, ordinal in enumerate(nodes)}
    union = UnionFind(len(nodes))
    with paused_gc():
        for name in files:
            for a, b in work.load(name):
                union.union(position[a], position[b])
    facts: dict[tuple, tuple] = {}
    for shard in sorted({ordinal[0] for ordinal in nodes}):
        for ordinal, order, doc_id in work.load(f"builds/{build}/signatures/s{shard:05d}.pkl"):
            if ordinal in position:
                facts[ordinal] = (order, doc_id)
    groups = union.groups()
    dropped = []
    for group in groups:
        members = [nodes[i] for i in group]
        kept = min(members, key=lambda ordinal: facts[ordinal][0])
        dropped += [(ordinal, facts[kept][1]) for ordinal in members if ordinal != kept]
    work.dump(f"builds/{build}/near.pkl", sorted(dropped))
    if signed:  # as the in-memory step: candidates counted when a document has a signature
        stats.counters["candidates"] += candidates
    stats.counters["clusters"] += len(groups)
    stats.dropped["near_duplicate"] += len(dropped)
    stats.cpu_seconds = time.process_time() - cpu
    stats.seconds = time.perf_counter() - started
    return {"stats": stats_dicts({stats.name: stats}), "dropped": len(dropped),
            "largest_cluster": max((len(g) for g in groups), default=0),
            "signatures": signed, "nodes": len(nodes)}


__all__ = ["TILE", "band_reduce", "confirm_pairs", "exact_dropped", "first_band", "lsh_shape",
           "near_components", "plan_tiles", "tile_edges", "write_bands"]
