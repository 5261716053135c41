"""The dedup tasks of a sharded build: exact duplicates by digest buckets (near duplicates:
:mod:`cleaner.sharded.near`), translations over the documents that survive both.

A document is named by its ordinal ``(shard index, position)``: the input order, which the
in-memory build follows, so every decision (the member a cluster keeps is the smallest
``keep_order``, ties impossible: it ends with the id) is the same whatever the shard size,
bucket count or arrival order.
"""

from __future__ import annotations

import time
from collections import defaultdict

from cleaner.document import Document
from cleaner.pipeline import CorpusContext, StepStats
from cleaner.pipeline.shards import WorkDir, bucket_of
from cleaner.publish.splits import split_keys
from cleaner.sharded.near import exact_dropped, write_bands
from cleaner.sharded.recipe import Recipe, stats_dicts
from cleaner.stages.dedup.exact import text_digest
from cleaner.stages.dedup.keep import keep_order
from cleaner.stages.dedup.near import uses_characters


def dedup_map(work: WorkDir, recipe: Recipe, build: str, index: int, prep: str,
              buckets: int) -> dict:
    """Route a shard's exact-duplicate keys to digest buckets; write its signatures."""
    docs: list[Document] = work.load(prep + ".pkl")["docs"]
    out: list[list] = [[] for _ in range(buckets)]
    rows: list[tuple] = []
    for position, doc in enumerate(docs):
        ordinal = (index, position)
        order = keep_order(doc, recipe.dedup)
        if recipe.dedup.exact and doc.text.strip():
            digest = text_digest(doc.text)
            out[bucket_of(digest, buckets)].append((digest, ordinal, order, doc.id))
        if recipe.dedup.near:
            sig = recipe.near.signature(doc)
            if sig is not None:
                rows.append((ordinal, uses_characters(doc.lang), sig, order, doc.id))
    for bucket, keys in enumerate(out):
        work.dump(f"builds/{build}/exact/m{index:05d}/b{bucket:05d}.pkl", keys)
    if recipe.dedup.near:
        write_bands(work, recipe, build, index, rows, buckets)
    return {"docs": len(docs), "signatures": len(rows)}


def exact_reduce(work: WorkDir, recipe: Recipe, build: str, bucket: int, shards: int) -> dict:
    """Groups of equal digests in one bucket; each keeps its smallest ``keep_order``."""
    groups: dict[bytes, list[tuple]] = defaultdict(list)
    for index in range(shards):
        for digest, ordinal, order, doc_id in work.load(
                f"builds/{build}/exact/m{index:05d}/b{bucket:05d}.pkl"):
            groups[digest].append((ordinal, order, doc_id))
    dropped = []
    clusters = largest = 0
    for members in groups.values():
        if len(members) < 2:
            continue
        clusters += 1
        largest = max(largest, len(members))
        kept = min(members, key=lambda m: m[1])
        dropped += [(ordinal, kept[2]) for ordinal, _, _ in members if ordinal != kept[0]]
    work.dump(f"builds/{build}/exact/d{bucket:05d}.pkl", sorted(dropped))
    return {"clusters": clusters, "dropped": len(dropped), "largest": largest}


def survivors(work: WorkDir, build: str, preps: list[str], buckets: int) -> list[Document]:
    """The documents exact and near dedup kept, in input order."""
    gone = set(exact_dropped(work, build, buckets))
    gone.update(ordinal for ordinal, _ in work.load(f"builds/{build}/near.pkl"))
    docs = []
    for index, prep in enumerate(preps):
        for position, doc in enumerate(work.load(prep + ".pkl")["docs"]):
            if (index, position) not in gone:
                doc.signature = None
                docs.append(doc)
    return docs


def translation_task(work: WorkDir, recipe: Recipe, build: str, preps: list[str], buckets: int,
                     survivors_count: int) -> dict:
    """The translation step over the documents that survive exact and near dedup, as one
    task (the zh-en lexicon method, or translation off; the encoder's pairing runs as the
    tasks of :mod:`cleaner.sharded.translation`): its removals, pairs, and the clusters and
    split keys it changes."""
    stats = StepStats(recipe.translation.name, docs_in=survivors_count)
    started, cpu = time.perf_counter(), time.process_time()
    out: dict = {"removals": [], "pairs": [], "clusters": {}, "split_keys": {}}
    if recipe.dedup.translation:
        docs = survivors(work, build, preps, buckets)
        context = CorpusContext(stats)
        kept = list(recipe.translation.run(docs, context))
        del docs
        out = translation_outcome(kept, context)
    stats.docs_out = stats.docs_in - len(out["removals"])
    stats.cpu_seconds = time.process_time() - cpu
    stats.seconds = time.perf_counter() - started
    work.dump(f"builds/{build}/translation.pkl", out)
    return {"stats": stats_dicts({stats.name: stats}), "removed": len(out["removals"]),
            "pairs": len(out["pairs"])}


def translation_outcome(kept: list[Document], context: CorpusContext) -> dict:
    """What the rows stage needs of translation dedup: its removals and pairs, the clusters
    it changed and the split keys they change (only for the documents that moved)."""
    pair_ids = {doc_id for pair in context.pairs for doc_id in (pair.id_a, pair.id_b)}
    keys = split_keys([doc for doc in kept if doc.cluster != doc.id or doc.id in pair_ids],
                      context.pairs)
    return {"removals": context.removals, "pairs": context.pairs,
            "clusters": {doc.id: doc.cluster for doc in kept if doc.cluster != doc.id},
            "split_keys": {doc_id: key for doc_id, key in keys.items() if key != doc_id}}


__all__ = ["dedup_map", "exact_reduce", "survivors", "translation_outcome", "translation_task"]
