"""The per-shard and per-site tasks of a sharded build: clean, repeated blocks, language and
signatures. Each reads and writes files of the work directory and returns only counts and
stats.

A shard's cleaned documents are keyed by the shard's own files and the recipe
(``shards/<shard key>/clean``), and its prepared documents by those and the chrome of its
sites (``shards/<shard key>/prep-<chrome key>``): a later build of a grown corpus reuses
them for every shard whose files, and whose sites' chrome, did not change.
"""

from __future__ import annotations

import time
from collections import defaultdict

from cleaner.document import Document, Removal
from cleaner.pipeline import CorpusContext, StepStats, process_document
from cleaner.pipeline.batch import BATCH_DOCS, process_batch
from cleaner.pipeline.shards import WorkDir, bucket_of, stable_key
from cleaner.sharded.recipe import Recipe, merge_stats, stats_dicts
from cleaner.stages.boilerplate.repeated import site_of
from cleaner.stages.ingest.reader import Reader


def clean_shard(work: WorkDir, recipe: Recipe, shard: str) -> dict:
    """Read a shard's files and run the cleaning steps (decode..normalize) on each document.

    Writes ``shards/<shard>/clean.pkl`` (documents and removals, in input order) and
    ``digests.pkl`` (sha256 of each file, for the manifest).
    """
    reader = Reader(recipe.ingest)
    stats: dict[str, StepStats] = {"ingest": StepStats("ingest")}
    ingest = stats["ingest"]
    items: list[Document | Removal] = []
    for item in reader.read_plan(work.load(f"shards/{shard}/entries.pkl")):
        ingest.docs_in += 1
        if isinstance(item, Removal):
            ingest.dropped[item.reason] += 1
            items.append(item)
            continue
        ingest.docs_out += 1
        items.append(process_document(item, recipe.cleaning, stats, recipe.step_seconds))
    work.dump(f"shards/{shard}/digests.pkl", reader.file_digests)
    work.dump(f"shards/{shard}/clean.pkl", items)
    return {"stats": stats_dicts(stats), "items": len(items)}


def blocks_map(work: WorkDir, recipe: Recipe, build: str, index: int, shard: str,
               buckets: int) -> dict:
    """A shard's distinct block sets per site, routed to site buckets (the shuffle is files)."""
    out: list[dict[str, dict[str, set[str]]]] = [defaultdict(dict) for _ in range(buckets)]
    if recipe.repeated.config.repeated_blocks:
        for item in work.load(f"shards/{shard}/clean.pkl"):
            found = recipe.repeated.text_blocks(item) if isinstance(item, Document) else None
            if found:
                site, key, blocks = found
                out[bucket_of(site, buckets)][site][key] = blocks
    for bucket, sites in enumerate(out):
        work.dump(f"builds/{build}/blocks/m{index:05d}/b{bucket:05d}.pkl", dict(sites))
    return {"sites": sum(len(s) for s in out)}


def blocks_reduce(work: WorkDir, recipe: Recipe, build: str, bucket: int, shards: int) -> dict:
    """The chrome of every site of one bucket, from every shard's block sets (exact copies
    count once, whatever shard they are in)."""
    texts: dict[str, dict[str, set[str]]] = defaultdict(dict)
    for index in range(shards):
        for site, keyed in work.load(f"builds/{build}/blocks/m{index:05d}/b{bucket:05d}.pkl"
                                     ).items():
            texts[site].update(keyed)
    chrome = {}
    largest = 0
    for site, site_texts in sorted(texts.items()):
        largest = max(largest, len(site_texts))
        found = recipe.repeated.site_chrome(list(site_texts.values()))
        if found:
            chrome[site] = found
    work.dump(f"builds/{build}/chrome/b{bucket:05d}.pkl", chrome)
    return {"sites": len(texts), "chrome_sites": len(chrome), "largest_site_texts": largest}


def prepare_shard(work: WorkDir, recipe: Recipe, build: str, shard: str, buckets: int) -> dict:
    """Remove the chrome of the shard's sites, then language, filters, signature (and the
    translation profile): the documents dedup sees. Reused across builds while the shard's
    files and its sites' chrome are the same."""
    items = work.load(f"shards/{shard}/clean.pkl")
    docs = [item for item in items if isinstance(item, Document)]
    sites = sorted({site_of(doc) for doc in docs})
    by_bucket: dict[int, list[str]] = defaultdict(list)
    for site in sites:
        by_bucket[bucket_of(site, buckets)].append(site)
    chrome: dict[str, set[str]] = {}
    for bucket, names in sorted(by_bucket.items()):
        found = work.load(f"builds/{build}/chrome/b{bucket:05d}.pkl")
        chrome.update({site: found[site] for site in names if site in found})
    key = stable_key(shard, [(site, sorted(lines)) for site, lines in sorted(chrome.items())])
    name = f"shards/{shard}/prep-{key}"
    done = work.done(name)
    if done is not None:
        return {**done, "prep": name, "reused": True}
    started, cpu = time.perf_counter(), time.process_time()
    repeated = StepStats(recipe.repeated.name, docs_in=len(docs))
    context = CorpusContext(repeated)
    kept = list(recipe.repeated.apply(docs, chrome, context))
    repeated.docs_out = len(kept)
    repeated.cpu_seconds = time.process_time() - cpu
    repeated.seconds = time.perf_counter() - started
    removals = [item for item in items if isinstance(item, Removal)] + context.removals
    stats: dict[str, StepStats] = {repeated.name: repeated}
    final: list[Document] = []
    # In batches, as the in-memory engines run them: a step may prepare a batch at once
    # (the translation profile encodes a batch's sentences in one call).
    for start in range(0, len(kept), BATCH_DOCS):
        results, batch_stats = process_batch(kept[start:start + BATCH_DOCS],
                                             recipe.per_document, recipe.step_seconds)
        merge_stats(stats, batch_stats)
        for result in results:
            (removals if isinstance(result, Removal) else final).append(result)
    work.dump(name + ".pkl", {"docs": final, "removals": removals})
    summary = {"stats": stats_dicts(stats), "kept": len(final), "removed": len(removals)}
    work.finish(name, summary)
    return {**summary, "prep": name, "reused": False}


__all__ = ["blocks_map", "blocks_reduce", "clean_shard", "prepare_shard"]
