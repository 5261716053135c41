"""The packaging tasks of a sharded build: decisions applied per shard, rows routed to id
ranges, and the Parquet files written from them, each by one task.

The bytes are those of :func:`cleaner.publish.version.write_version`: rows are built by the
same :func:`~cleaner.publish.tables.document_row`, sorted by id, cut by the same greedy
rule as :func:`~cleaner.publish.tables.shard_bounds` and written by the same
:func:`~cleaner.publish.tables.write_parquet`. A split's writer holds one id range and one
output file's rows at a time, never the split.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from dataclasses import asdict
from typing import Any

from cleaner.document import Removal
from cleaner.pipeline.shards import WorkDir
from cleaner.publish import schema
from cleaner.publish.layout import shard_name
from cleaner.publish.splits import split_of
from cleaner.publish.stream import ParquetStream
from cleaner.publish.tables import (
    arrow_table,
    document_row,
    removal_row,
    row_bytes,
    unique_pairs,
    write_parquet,
    write_shards,
)
from cleaner.publish.version import newest_date, translation_anchors
from cleaner.sharded.near import exact_dropped
from cleaner.sharded.recipe import Recipe


def id_range(doc_id: str, ranges: int) -> int:
    """The id range of a row: ids are sha256 prefixes, so ranges are even without sampling;
    ranges in order are ids in order.

    >>> id_range("0000aaaa", 4), id_range("ffff0000", 4)
    (0, 3)
    """
    return int(doc_id[:4], 16) * ranges // 0x10000


def final_shard(work: WorkDir, recipe: Recipe, build: str, index: int, prep: str,
                buckets: int) -> dict:
    """Apply the dedup decisions to one shard; write its rows (documents by split, and the
    audit) by id range."""
    data = work.load(prep + ".pkl")
    exact = {ordinal[1]: kept for ordinal, kept in exact_dropped(work, build, buckets).items()
             if ordinal[0] == index}
    near = {ordinal[1]: kept for ordinal, kept in work.load(f"builds/{build}/near.pkl")
            if ordinal[0] == index}
    translation = work.load(f"builds/{build}/translation.pkl")
    translated = {removal.id for removal in translation["removals"]}
    settings = recipe.settings
    ratios = settings.splits.ratios()
    removed: list[list] = [[] for _ in range(buckets)]
    rows: dict[str, list[list]] = defaultdict(lambda: [[] for _ in range(buckets)])
    for removal in data["removals"]:
        removed[id_range(removal.id, buckets)].append(removal_row(removal))
    kept = []
    for position, doc in enumerate(data["docs"]):
        doc.signature = doc.translation_profile = None
        dropped = [(reason, step, table[position]) for reason, step, table in
                   (("exact_duplicate", "exact-dedup", exact),
                    ("near_duplicate", "near-dedup", near)) if position in table]
        if dropped:
            reason, step, duplicate_of = dropped[0]
            removal = Removal(doc.id, doc.source, reason, step, duplicate_of)
            removed[id_range(doc.id, buckets)].append(removal_row(removal))
            continue
        if doc.id in translated:
            continue  # the audit writer takes the translation's removals as they are
        doc.cluster = translation["clusters"].get(doc.id, doc.cluster)
        split = split_of(translation["split_keys"].get(doc.id, doc.cluster), settings.splits.seed,
                         ratios)
        rows[split][id_range(doc.id, buckets)].append(document_row(doc))
        kept.append(doc)
    for bucket in range(buckets):
        work.dump(f"builds/{build}/rows/s{index:05d}/removed-r{bucket:05d}.pkl", removed[bucket])
        for split in schema.SPLITS:
            work.dump(f"builds/{build}/rows/s{index:05d}/{split}-r{bucket:05d}.pkl",
                      rows[split][bucket] if split in rows else [])
    return {"kept": len(kept), "removed": sum(len(r) for r in removed),
            "languages": dict(Counter(doc.lang for doc in kept)),
            "newest": newest_date(kept)}


def _sorted_range(work: WorkDir, build: str, name: str, bucket: int, shards: int
                  ) -> list[dict[str, Any]]:
    rows = [row for index in range(shards)
            for row in work.load(f"builds/{build}/rows/s{index:05d}/{name}-r{bucket:05d}.pkl")]
    rows.sort(key=lambda row: row["id"])
    return rows


def write_split(work: WorkDir, recipe: Recipe, build: str, split: str, shards: int,
                buckets: int) -> dict:
    """Write one split's document files from its id ranges, in id order; a file is cut
    where :func:`~cleaner.publish.tables.shard_bounds` would cut the whole split."""
    package = recipe.settings.package
    folder = work.path(f"builds/{build}/out/data/documents")
    folder.mkdir(parents=True, exist_ok=True)
    parts: list[tuple[str, int, int, int]] = []  # temporary name, rows, nbytes, file bytes
    languages: Counter[str] = Counter()
    stream: ParquetStream | None = None
    total = 0

    def close() -> None:
        assert stream is not None
        parts.append((stream.path.name, *stream.close()))

    last = ""
    for bucket in range(buckets):
        for row in _sorted_range(work, build, split, bucket, shards):
            if row["id"] == last:
                raise ValueError(f"document id {row['id']} is kept twice")
            last = row["id"]
            size = row_bytes(row)
            # The greedy cut of shard_bounds, made as the rows stream by.
            if stream is not None and (stream.rows >= package.max_rows_per_shard
                                       or total + size > package.max_bytes_per_shard):
                close()
                stream = None
            if stream is None:
                stream = ParquetStream(folder / f".{split}-part-{len(parts):05d}.parquet",
                                       package, "documents")
                total = 0
            stream.append(row)
            total += size
            languages[row["lang"]] += 1
    if stream is not None:
        close()
    files = []
    for number, (temp, _, _, _) in enumerate(parts):
        relative = f"data/documents/{shard_name(split, number, len(parts))}"
        os.replace(folder / temp, work.path(f"builds/{build}/out/{relative}"))
        files.append(relative)
    return {"files": files, "rows": sum(p[1] for p in parts), "nbytes": sum(p[2] for p in parts),
            "file_bytes": sum(p[3] for p in parts),
            "row_counts": {f: p[1] for f, p in zip(files, parts, strict=True)},
            "languages": dict(languages)}


def write_pairs(work: WorkDir, recipe: Recipe, build: str) -> dict:
    """The pairs files (pairs are few: the translation task holds them all already)."""
    import pyarrow.parquet as pq

    translation = work.load(f"builds/{build}/translation.pkl")
    settings = recipe.settings
    anchors = translation_anchors(translation["removals"])
    rows: dict[str, list[dict[str, Any]]] = {}
    languages: Counter[str] = Counter()
    kept_pairs = unique_pairs(translation["pairs"])
    for pair in kept_pairs:
        anchor = anchors.get(pair.id_a, pair.id_a)
        key = translation["split_keys"].get(anchor, translation["clusters"].get(anchor, anchor))
        split = split_of(key, settings.splits.seed, settings.splits.ratios())
        rows.setdefault(split, []).append(asdict(pair))
        languages.update([pair.lang_a, pair.lang_b])
    folder = work.path(f"builds/{build}/out")
    out = write_shards(rows, "pairs", folder, settings.package)
    row_counts = {relative: pq.read_metadata(folder / relative).num_rows
                  for files in out.files.values() for relative in files}
    return {"files": out.files, "rows": out.rows, "nbytes": out.nbytes,
            "file_bytes": out.file_bytes, "row_counts": row_counts,
            "languages": dict(languages),
            "pair_languages": dict(Counter(f"{p.lang_a} → {p.lang_b}" for p in kept_pairs))}


def write_audit(work: WorkDir, recipe: Recipe, build: str, shards: int, buckets: int) -> dict:
    """``audit/removed.parquet``, streamed in id order with the writer's row groups, so the
    bytes equal one ``write_parquet`` of the whole table."""
    translation = work.load(f"builds/{build}/translation.pkl")
    extra: list[list] = [[] for _ in range(buckets)]
    for removal in translation["removals"]:
        extra[id_range(removal.id, buckets)].append(removal_row(removal))
    folder = work.path(f"builds/{build}/out/audit")
    folder.mkdir(parents=True, exist_ok=True)
    temp = folder / ".removed.parquet.tmp"
    stream = ParquetStream(temp, recipe.settings.package, "removed")
    reasons: Counter[str] = Counter()
    last: dict[str, Any] = {"id": None}
    for bucket in range(buckets):
        part = _sorted_range(work, build, "removed", bucket, shards) + extra[bucket]
        extra[bucket] = []
        part.sort(key=lambda row: row["id"])
        for row in part:
            if row["id"] == last["id"]:
                raise ValueError(f"document {last['source']!r} is removed twice")
            last = row
            stream.append(row)
            reasons[row["reason"]] += 1
    rows = stream.close()[0]
    if not rows:  # one write_parquet of the empty table, as the in-memory build writes
        write_parquet(arrow_table([], "removed"), temp, recipe.settings.package, "removed")
    os.replace(temp, work.path(f"builds/{build}/out/{schema.AUDIT_FILE}"))
    return {"rows": rows, "reasons": dict(reasons)}


__all__ = ["final_shard", "id_range", "write_audit", "write_pairs", "write_split"]
