"""Near duplicates as stages over files: LSH bands routed to buckets, candidate pairs routed to
pair buckets and confirmed on memory-mapped signatures, then connected components.

The same pairs as :meth:`~cleaner.stages.dedup.near.NearDedupStep.family_edges` (datasketch's
bands and rows for the threshold, rows equal on a band are candidates, the estimated Jaccard
confirms them), so the same clusters; no task holds the corpus's signatures: a band bucket
holds its band keys, a pair bucket its pairs and the pages of the signature files it reads.
"""

from __future__ import annotations

import time
from collections import defaultdict

from cleaner.pipeline import StepStats
from cleaner.pipeline.shards import WorkDir, bucket_of
from cleaner.sharded.recipe import Recipe, stats_dicts
from cleaner.stages.dedup.keep import UnionFind, paused_gc


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
                buckets: int) -> dict:
    """Candidate pairs of one band bucket: every two documents exact dedup kept that are
    equal on a band, routed to the pair bucket of the pair (so each pair counts once)."""
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
    out: list[set] = [set() for _ in range(buckets)]
    largest = 0
    for members in groups.values():
        if len(members) < 2:
            continue
        largest = max(largest, len(members))
        members.sort()
        for i, first in enumerate(members):
            for second in members[i + 1:]:
                out[bucket_of(repr((first[0], second[0])), buckets)].add((first, second))
    for target, pairs in enumerate(out):
        work.dump(f"builds/{build}/pairs/m{bucket:05d}/b{target:05d}.pkl", sorted(pairs))
    return {"signed": signed, "largest_band_bucket": largest}


def confirm_pairs(work: WorkDir, recipe: Recipe, build: str, bucket: int, buckets: int) -> dict:
    """The candidate pairs of one pair bucket whose estimated Jaccard passes the threshold."""
    import numpy as np

    pairs = set()
    for source in range(buckets):
        pairs.update(work.load(f"builds/{build}/pairs/m{source:05d}/b{bucket:05d}.pkl"))
    matrices: dict[int, np.ndarray] = {}

    def signature(ordinal: tuple, row: int) -> np.ndarray:
        shard = ordinal[0]
        if shard not in matrices:
            matrices[shard] = work.matrix(f"builds/{build}/signatures/s{shard:05d}.npy")
        return matrices[shard][row]

    edges = []
    need = recipe.dedup.near_threshold
    for (a, row_a), (b, row_b) in sorted(pairs):
        same = np.count_nonzero(signature(a, row_a) == signature(b, row_b))
        if same / float(recipe.dedup.num_perm) >= need:
            edges.append((a, b))
    work.dump(f"builds/{build}/edges/b{bucket:05d}.pkl", edges)
    return {"candidates": len(pairs), "edges": len(edges)}


def near_components(work: WorkDir, recipe: Recipe, build: str, buckets: int, signed: int,
                    candidates: int) -> dict:
    """Connected components of the confirmed pairs (union-find over the documents that have
    an edge), and the member each keeps: the smallest ``keep_order``."""
    stats = StepStats(recipe.near.name)
    if not recipe.dedup.near:
        work.dump(f"builds/{build}/near.pkl", [])
        return {"stats": stats_dicts({stats.name: stats}), "dropped": 0, "largest_cluster": 0,
                "signatures": 0, "nodes": 0}
    started, cpu = time.perf_counter(), time.process_time()
    edges = [edge for bucket in range(buckets)
             for edge in work.load(f"builds/{build}/edges/b{bucket:05d}.pkl")]
    nodes = sorted({ordinal for edge in edges for ordinal in edge})
    position = {ordinal: i for i, ordinal in enumerate(nodes)}
    union = UnionFind(len(nodes))
    with paused_gc():
        for a, b in edges:
            union.union(position[a], position[b])
    del edges
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


__all__ = ["band_reduce", "confirm_pairs", "exact_dropped", "lsh_shape", "near_components",
           "write_bands"]
