"""The driver of a sharded build: it plans shards, places each stage's tasks on an executor
and keeps only bookkeeping (shard keys, task summaries: counts and stats). Documents, rows
and signatures stay in the work directory's files and the tasks.

Stages, in order (each a barrier; a stage's tasks are independent)::

    clean (per shard) → blocks map (per shard) → chrome (per site bucket)
    → prepare: chrome removed, language, filters, signature (per shard)
    → dedup map (per shard) → exact (per digest bucket)
    → near: band buckets → pair buckets (confirmed) and tiles of giant band groups
      (confirmed, spanning edges) → components (one task over the edges)
    → translation: scan (per shard) → counts → vectors (per shard) → families
      → candidates (per tile of documents) → scores (per tile) → components (one task over
      the scored edges that can change a decision) → match, match 2 (per bucket of
      components) → stories (one task) → rows (per shard)
    → Parquet (per split, pairs, audit)
    → finish (charts, card, croissant, manifest, validation, rename)
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cleaner.document import Removal
from cleaner.errors import BuildError, PublishError
from cleaner.pipeline import StepStats
from cleaner.pipeline.progress import Progress
from cleaner.pipeline.shards import Executor, Task, WorkDir, stable_key
from cleaner.publish import schema
from cleaner.publish.version import _temp_dir, clean_stale_temps, place_version
from cleaner.sharded.dedup import dedup_map, exact_reduce, translation_task
from cleaner.sharded.docs import blocks_map, blocks_reduce, clean_shard, prepare_shard
from cleaner.sharded.finish import finish_task
from cleaner.sharded.matching import (
    translation_components,
    translation_match_first,
    translation_match_rest,
    translation_stories,
)
from cleaner.sharded.near import (
    TILE,
    band_reduce,
    confirm_pairs,
    near_components,
    plan_tiles,
    tile_edges,
)
from cleaner.sharded.plan import WholeListing, cut_shards, joined_names
from cleaner.sharded.recipe import Recipe, merge_stats, stats_dict, stats_from
from cleaner.sharded.rows import final_shard, write_audit, write_pairs, write_split
from cleaner.sharded.translation import (
    tiles_of,
    translation_candidates,
    translation_families,
    translation_globals,
    translation_scan,
    translation_scores,
    translation_vectors,
)
from cleaner.stages.dedup.translate.pairing import bilingual_keys
from cleaner.stages.dedup.translate.step import TranslationPairStep
from cleaner.stages.ingest.names import Entry
from cleaner.stages.ingest.reader import Reader, UnsortedWalk

# Input files per shard and buckets per shuffle, by default.
SHARD_FILES = 500
BUCKETS = 16


@dataclass
class ShardedResult:
    """What a sharded build did, for the build summary."""

    status: str
    rows: dict[str, int]
    stats: dict[str, StepStats]
    kept: int
    inputs: int
    languages: Counter[str]
    removed: Counter[str]
    skipped: list[str]
    previous: str | None = None
    suggested_version: str | None = None
    changelog: object = None
    # Sizes worth watching (largest buckets, clusters, tasks per stage, reused shards).
    sizes: dict[str, int] = field(default_factory=dict)


def entry_facts(entry: Entry | object) -> list:
    """What a shard's key says of one planned entry: its name, path, size and mtime (a
    changed file makes a new shard key)."""
    if isinstance(entry, Entry):
        try:
            info = entry.path.stat()
            return [entry.source, os.path.abspath(entry.path), info.st_size, info.st_mtime_ns]
        except OSError:
            return [entry.source, os.path.abspath(entry.path), None, None]
    return [repr(entry)]


def plan_shards(work: WorkDir, recipe: Recipe, paths: list[str], root: str,
                shard_files: int) -> dict:
    """List the inputs in the reader's sorted order and cut them into shards of about
    ``shard_files`` files at content-defined boundaries (:mod:`cleaner.sharded.plan`: a file
    inserted among the old ones changes only its own shard's key), each keyed by the recipe
    and its own files; write each shard's entries (``shards/<key>/entries.pkl``) as it is
    cut, so the listing is never held whole. Returns the keys and what was not read."""
    reader = Reader(recipe.ingest, exclude=(Path(root),))
    inputs = [Path(p) for p in paths]
    try:
        keys = _write_shards(work, recipe, reader.plan_stream(inputs), shard_files)
    except (UnsortedWalk, WholeListing):  # rare trees: the listing held whole, same order
        reader = Reader(recipe.ingest, exclude=(Path(root),))
        entries = reader.plan(inputs)
        joined = joined_names([entry.source for entry in entries])
        keys = _write_shards(work, recipe, iter(entries), shard_files, joined)
    return {"keys": keys, "skipped": list(reader.skipped)}


def _write_shards(work: WorkDir, recipe: Recipe, entries: Iterator[Entry | Removal],
                  shard_files: int, joined: list[bool] | None = None) -> list[str]:
    keys = []
    for chunk in cut_shards(entries, lambda entry: entry.source, shard_files, joined):
        key = stable_key(recipe.key, [entry_facts(e) for e in chunk])
        work.dump(f"shards/{key}/entries.pkl", chunk)
        keys.append(key)
    return keys


@dataclass
class _Run:
    executor: Executor
    work: WorkDir
    progress: Progress
    sizes: dict[str, int]

    def stage(self, label: str, tasks: list[Task]) -> list[dict]:
        """Run one stage's tasks; their summaries in task order."""
        reused = sum(self.work.done(task.name) is not None for task in tasks)
        if reused:
            self.sizes[f"reused:{label}"] = reused
        done = dict(self.progress.track(self.executor.each(self.work, tasks), label,
                                        total=len(tasks), unit="tasks"))
        self.sizes[f"tasks:{label}"] = len(tasks)
        return [done[task.name] for task in tasks]


def _tasks(prefix: str, fn: Callable, args: list[tuple]) -> list[Task]:
    return [Task(f"{prefix}{i:05d}", fn, a) for i, a in enumerate(args)]


def build_sharded(recipe: Recipe, paths: list[Path], root: Path, out_dir: Path,
                  executor: Executor, work_root: str | Path, keep_work: bool = False,
                  shard_files: int = SHARD_FILES, buckets: int = BUCKETS,
                  progress: Progress | None = None, tile: int = TILE) -> ShardedResult:
    """Build the version ``out_dir`` as stages of tasks over files in ``work_root`` (a
    local folder or a URI pyarrow opens, :class:`~cleaner.pipeline.shards.WorkDir`); the
    caller holds the version's lock (:class:`~cleaner.publish.lock.VersionLock`).

    Rerunning after a crash reuses every finished task; the output bytes equal the
    in-memory build's whatever ``shard_files``, ``buckets``, ``tile`` (band groups of more
    members are compared in tiles of ``tile`` by ``tile`` documents) or the executor.
    """
    if shard_files < 1 or buckets < 1 or tile < 1:
        raise BuildError("--shard-files, --buckets and the tile size must be at least 1")
    progress = progress or Progress("off")
    work = WorkDir.at(work_root)
    work.check()  # an unreachable URI: one line now, not a failure in every task
    # The listing is a task too (its files, not the driver, hold the entries); it always
    # runs: the inputs may have changed since a stopped run.
    plan = _Run(executor, work, progress, {}).stage("plan", [Task(
        f"plans/{secrets.token_hex(8)}", plan_shards,
        # Absolute: a worker (a Ray node) may run in another folder.
        (recipe, [os.path.abspath(p) for p in paths], os.path.abspath(root), shard_files))])[0]
    keys, skipped = plan["keys"], plan["skipped"]
    build = stable_key(recipe.key, recipe.settings.config, keys, buckets, tile)
    run = _Run(executor, work, progress, {"shards": len(keys), "buckets": buckets})
    count = len(keys)
    prefix = f"builds/{build}/"
    cleaned = run.stage("clean", [Task(f"shards/{key}/clean", clean_shard, (recipe, key))
                                  for key in keys])
    run.stage("blocks", _tasks(prefix + "blocks/m", blocks_map,
                               [(recipe, build, i, key, buckets) for i, key in enumerate(keys)]))
    chrome = run.stage("chrome", _tasks(prefix + "chrome/b", blocks_reduce,
                                        [(recipe, build, p, count) for p in range(buckets)]))
    prepared = run.stage("prepare", _tasks(prefix + "prep/s", prepare_shard,
                                           [(recipe, build, key, buckets) for key in keys]))
    preps = [p["prep"] for p in prepared]
    run.sizes["reused_prepared_shards"] = sum(bool(p.get("reused")) for p in prepared)
    run.sizes["largest_site_texts"] = max((c["largest_site_texts"] for c in chrome), default=0)
    run.stage("dedup map", _tasks(prefix + "dedup/m", dedup_map,
                                  [(recipe, build, i, prep, buckets)
                                   for i, prep in enumerate(preps)]))
    exact = run.stage("exact", _tasks(prefix + "exact/d", exact_reduce,
                                      [(recipe, build, p, count) for p in range(buckets)]))
    signed = candidates = tiles = 0
    if recipe.dedup.near:
        signed, candidates, tiles = _near_pairs(run, recipe, build, count, buckets, tile)
    near = run.stage("near", [Task(prefix + "near", near_components,
                                   (recipe, build, buckets, signed, candidates, tiles))])
    stats = _stats(recipe, cleaned, prepared, exact, near[0])
    survivors = stats[recipe.near.name].docs_out
    translation = _translation(run, recipe, build, preps, buckets, survivors)
    merge_stats(stats, {s["name"]: stats_from(s) for s in translation["stats"]})
    run.sizes.update({"largest_exact_cluster": max((e["largest"] for e in exact), default=0),
                      "largest_near_cluster": near[0]["largest_cluster"],
                      "near_signatures": near[0]["signatures"]})
    finals = run.stage("rows", _tasks(prefix + "rows/s", final_shard,
                                      [(recipe, build, i, prep, buckets)
                                       for i, prep in enumerate(preps)]))
    writes = run.stage("write", [
        *(Task(f"{prefix}write/{split}", write_split, (recipe, build, split, count, buckets))
          for split in schema.SPLITS),
        Task(prefix + "write/pairs", write_pairs, (recipe, build)),
        Task(prefix + "write/audit", write_audit, (recipe, build, count, buckets))])
    documents = dict(zip(schema.SPLITS, writes, strict=False))
    pairs, audit = writes[-2], writes[-1]
    inputs = stats["ingest"].docs_in
    kept = sum(f["kept"] for f in finals)
    if kept + audit["rows"] != inputs:
        raise BuildError(f"accounting failed: {inputs} input documents, {kept} kept + "
                         f"{audit['rows']} removed")
    if not kept:
        raise PublishError("no document was kept: nothing to publish "
                           f"({audit['rows']} removed; see the build summary)")
    facts = {"documents": documents, "pairs": pairs, "audit": audit,
             "counts": {"inputs": inputs, "documents": kept, "removed": audit["rows"],
                        "pairs": sum(pairs["rows"].values())},
             "newest": max((f["newest"] for f in finals), default=""),
             "stats": [stats_dict(s) for s in stats.values()]}
    # The caller holds the version's lock (the whole build: the work directory is shared).
    clean_stale_temps(out_dir)
    temp = _temp_dir(out_dir)
    try:
        temp.mkdir()
        done = run.stage("finish", [Task(f"{prefix}finish-{temp.name}", finish_task,
                                         (recipe, build, str(out_dir), str(temp), facts,
                                          keys))])[0]
        if done["status"] == "written":
            place_version(temp, out_dir)  # here: a build stopped before never publishes
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    changelog = work.load(f"{prefix}changelog-{temp.name}.pkl")
    nodes = getattr(executor, "nodes", None)
    if nodes:  # Ray: on how many nodes tasks ran
        run.sizes["ray_nodes"] = len(nodes)
    languages: Counter[str] = Counter()
    for final in finals:
        languages.update(final["languages"])
    if not keep_work:
        work.remove()
    return ShardedResult(done["status"], done["rows"], stats, kept, inputs, languages,
                         Counter(audit["reasons"]), skipped, done["previous"],
                         done["suggested_version"], changelog, run.sizes)


def _near_pairs(run: _Run, recipe: Recipe, build: str, count: int, buckets: int,
                tile: int) -> tuple[int, int, int]:
    """The near stages up to the edges: band buckets, pair buckets, tiles of the giant band
    groups. Returns the documents signed, the candidate pairs and the number of tiles."""
    prefix = f"builds/{build}/"
    bands = run.stage("near bands", _tasks(prefix + "bands/r", band_reduce,
                                           [(recipe, build, p, count, buckets, tile)
                                            for p in range(buckets)]))
    confirmed = run.stage("near pairs", _tasks(prefix + "edges/b", confirm_pairs,
                                               [(recipe, build, p, buckets)
                                                for p in range(buckets)]))
    giants = [group for b in bands for group in b["giants"]]
    plan = plan_tiles(giants, tile)
    tiled = run.stage("near tiles", [
        Task(f"{prefix}tiles/t{number:06d}", tile_edges,
             (recipe, build, number, group, band, i, j, tile))
        for number, (group, band, i, j) in enumerate(plan)]) if plan else []
    run.sizes["largest_band_group"] = max(b["largest_band_group"] for b in bands)
    if giants:
        run.sizes["tiled_band_groups"] = len({g["digest"] for g in giants})
    return (sum(b["signed"] for b in bands),
            sum(p["candidates"] for p in (*confirmed, *tiled)), len(plan))


def _translation(run: _Run, recipe: Recipe, build: str, preps: list[str], buckets: int,
                 survivors: int) -> dict:
    """The translation stages (:mod:`cleaner.sharded.translation`); one task when the step
    is off or is another method (the zh-en lexicon)."""
    prefix = f"builds/{build}/translation/"
    if not (recipe.dedup.translation and isinstance(recipe.translation, TranslationPairStep)):
        return run.stage("translation", [Task(prefix + "all", translation_task,
                                              (recipe, build, preps, buckets, survivors))])[0]
    count = len(preps)
    scans = run.stage("translation scan", _tasks(prefix + "scan/s", translation_scan,
                                                 [(recipe, build, i, prep, buckets)
                                                  for i, prep in enumerate(preps)]))
    found = run.stage("translation counts", [Task(prefix + "globals", translation_globals,
                                                  (recipe, build, count))])[0]
    scores: list[dict] = []
    if found["searched"]:
        tiles = tiles_of(found["profiled"])
        run.stage("translation vectors", _tasks(prefix + "vectors/s", translation_vectors,
                                                [(recipe, build, i) for i in range(count)]))
        run.stage("translation families", [Task(prefix + "families", translation_families,
                                                (recipe, build, count))])
        found_pairs = run.stage("translation candidates",
                                _tasks(prefix + "candidates/t", translation_candidates,
                                       [(recipe, build, t) for t in range(tiles)]))
        scores = run.stage("translation scores", _tasks(prefix + "scores/t", translation_scores,
                                                        [(recipe, build, t)
                                                         for t in range(tiles)]))
        parts = run.stage("translation components", [Task(
            prefix + "components", translation_components, (recipe, build, tiles, buckets))])[0]
        first = run.stage("translation match", _tasks(prefix + "match/b",
                                                      translation_match_first,
                                                      [(recipe, build, b)
                                                       for b in range(buckets)]))
        direct: Counter[tuple[str, str]] = Counter()
        for summary in first:
            direct.update({(a, b): n for a, b, n in summary["direct"]})
        bilingual = sorted(bilingual_keys(direct, found["sizes"], recipe.translation.config))
        run.stage("translation match 2", _tasks(prefix + "match2/b", translation_match_rest,
                                                [(recipe, build, b, bilingual)
                                                 for b in range(buckets)]))
        run.sizes.update({
            "translation_tiles": tiles,
            "largest_translation_tile_candidates": max(f["found"] for f in found_pairs),
            "largest_translation_score_tile": max(s["candidates"] for s in scores),
            "translation_edges_matched": parts["edges"],
            "largest_translation_component": parts["largest_component"],
            "largest_translation_component_edges": parts["largest_component_edges"]})
    done = run.stage("translation", [Task(prefix + "stories", translation_stories,
                                          (recipe, build, preps, survivors, buckets, scans,
                                           scores))])[0]
    run.sizes["translation_profiled"] = found["profiled"]
    return done


def _stats(recipe: Recipe, cleaned: list[dict], prepared: list[dict], exact: list[dict],
           near: dict) -> dict[str, StepStats]:
    """The steps' stats in pipeline order, merged in shard order (the card's table)."""
    stats = {name: StepStats(name) for name in recipe.step_names}
    for summary in (*cleaned, *prepared):
        merge_stats(stats, {s["name"]: stats_from(s) for s in summary["stats"]})
    exact_stats = stats["exact-dedup"]
    exact_stats.docs_in = sum(p["kept"] for p in prepared)
    dropped = sum(e["dropped"] for e in exact)
    if recipe.dedup.exact:
        exact_stats.counters["clusters"] += sum(e["clusters"] for e in exact)
        if dropped:
            exact_stats.dropped["exact_duplicate"] += dropped
    exact_stats.docs_out = exact_stats.docs_in - dropped
    near_stats = stats_from(near["stats"][0])
    near_stats.docs_in = exact_stats.docs_out
    near_stats.docs_out = near_stats.docs_in - near["dropped"]
    if not near_stats.dropped["near_duplicate"]:
        del near_stats.dropped["near_duplicate"]
    stats[near_stats.name] = near_stats
    return stats


__all__ = ["BUCKETS", "SHARD_FILES", "ShardedResult", "build_sharded"]
