"""What the packager guarantees across rows and tables, beyond each column's own rules.

A version whose checksums were recomputed after an edit (``tests/helpers.refresh_manifest``)
passes the manifest check; these checks catch the edit itself:

* ids: every ``id`` (and a pair's ``id_a``/``id_b``) is derived from its ``source``; rows are
  sorted by id in every file; a source is kept or removed, never both;
* pairs: a pair repeats its documents' sources, languages and texts; ``id_b`` is kept, or
  removed as the ``translation`` of ``id_a``; a document is never paired with itself;
* clusters: a kept document's ``cluster`` is a kept document that heads its own cluster;
  every document is in the split that ``[splits]`` (seed and ratios, from the manifest)
  gives its cluster;
* the audit: ``duplicate_of`` is set exactly for the reasons that have one, is never the row
  itself, and leads (through removed documents) to a kept one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from cleaner.document import document_id
from cleaner.publish import schema
from cleaner.publish.settings import SplitsConfig
from cleaner.publish.splits import split_of
from cleaner.publish.validate.tables import STREAM_BATCH_ROWS
from cleaner.publish.validate.violations import MAX_EXAMPLES, ConfigTable, Violation

# Reasons whose rows name the kept document they duplicate or translate.
DUPLICATE_REASONS = ("exact_duplicate", "near_duplicate", "translation")


def _capped(found: list[Violation]) -> list[Violation]:
    """The first few violations of one rule, then one line with the count."""
    if len(found) <= MAX_EXAMPLES:
        return found
    first = found[0]
    return found[:MAX_EXAMPLES] + [Violation(first.file, f"... {len(found) - MAX_EXAMPLES} more "
                                             "rows like these", first.check)]


def _rows(table: pa.Table | None, columns: list[str]) -> Iterator[dict[str, Any]]:
    """The rows of some columns, as dicts made a batch at a time (not a list of every row)."""
    if table is None:
        return
    picked = table.select([c for c in columns if c in table.column_names])
    for batch in picked.to_batches(max_chunksize=STREAM_BATCH_ROWS):
        yield from batch.to_pylist()


def check_ids(docs: ConfigTable, pairs: ConfigTable, audit: pa.Table | None
              ) -> list[Violation]:
    """Ids derived from sources, files sorted by id, a source kept or removed (not both)."""
    out: list[Violation] = []
    found = []
    for where, table in ((None, docs.table), (schema.AUDIT_FILE, audit)):
        for row in _rows(table, ["id", "source", "__file__"]):
            if row["source"] is not None and row["id"] != document_id(row["source"]):
                found.append(Violation(where or row["__file__"], f"row id={row['id']}: id is "
                                       "not derived from its source (sha256 of source)",
                                       "references"))
    for row in _rows(pairs.table, ["id_a", "id_b", "source_a", "source_b", "__file__"]):
        for side in ("a", "b"):
            source = row[f"source_{side}"]
            if source is not None and row[f"id_{side}"] != document_id(source):
                found.append(Violation(row["__file__"], f"pair ({row['id_a']}, {row['id_b']}): "
                                       f"id_{side} is not derived from source_{side}",
                                       "references"))
    out += _capped(found)
    found = []
    for table, key in ((docs.table, "id"), (pairs.table, "id_a"), (audit, "id")):
        if table is None:
            continue
        last: dict[str, Any] = {}
        for row in _rows(table, [key, "__file__"]):
            file, value = row.get("__file__", schema.AUDIT_FILE), row[key]
            if file in last and value is not None and last[file] is not None \
                    and value < last[file]:
                found.append(Violation(file, f"rows are not sorted by {key} (row {key}={value})",
                                       "references"))
            last[file] = value
    out += _capped(list({v.file: v for v in found}.values()))
    both: list[Any] = []
    if docs.table is not None and audit is not None:
        removed = audit.column("source")
        # Arrow's is_in matches a null to a null, as a Python set would.
        both = sorted(set(pc.filter(removed, pc.is_in(removed, value_set=docs.table.column(
            "source").combine_chunks())).to_pylist()))
    out += _capped([Violation(schema.AUDIT_FILE, f"source {source!r} is both kept and removed",
                              "references") for source in both])
    return out


def _column(table: pa.Table | None, name: str) -> list[Any]:
    return [] if table is None else table.column(name).to_pylist()


def check_pairs(docs: ConfigTable, pairs: ConfigTable, audit: pa.Table | None
                ) -> list[Violation]:
    """A pair repeats its documents; its translation is kept, or removed as its translation."""
    if pairs.table is None:
        return []
    # Only the documents of pairs, with their texts: not every text of the version at once.
    members = pa.array(_column(pairs.table, "id_a") + _column(pairs.table, "id_b"), pa.string())
    linked = (None if docs.table is None else
              docs.table.filter(pc.is_in(docs.table.column("id"), value_set=members)))
    kept = {row["id"]: row for row in _rows(linked, ["id", "source", "lang", "text"])}
    if linked is not None and "text" not in linked.column_names:
        texts = paired_texts(docs, linked)
        for doc_id, row in kept.items():
            row["text"] = texts.get(doc_id)
    # Only the removed documents that pairs name (as their translation), not the whole audit.
    named = None if audit is None else audit.filter(pc.is_in(
        audit.column("id"), value_set=pa.array(_column(pairs.table, "id_b"), pa.string())))
    removed = {row["id"]: row for row in _rows(named, ["id", "source", "reason",
                                                       "duplicate_of"])}
    found = []
    for row in pairs.table.select(["id_a", "id_b", "source_b", "lang_a", "lang_b", "text_a",
                                   "text_b", "__file__"]).to_pylist():
        name, where = f"pair ({row['id_a']}, {row['id_b']})", row["__file__"]

        def bad(message: str, name: str = name, where: str = where) -> None:
            found.append(Violation(where, f"{name}: {message}", "references"))

        if row["id_a"] == row["id_b"]:
            bad("a document is paired with itself")
        a = kept.get(row["id_a"])
        if a is not None:
            for column in ("lang", "text"):
                if row[f"{column}_a"] != a[column]:
                    bad(f"{column}_a differs from the document's {column}")
        b = kept.get(row["id_b"])
        if b is not None:
            for column in ("source", "lang", "text"):
                if row[f"{column}_b"] != b[column]:
                    bad(f"{column}_b differs from the document's {column}")
        elif row["id_b"] in removed:
            gone = removed[row["id_b"]]
            if gone["source"] != row["source_b"]:
                bad("source_b differs from the removed document's source")
            if gone["reason"] != "translation" or gone["duplicate_of"] != row["id_a"]:
                bad(f"id_b is removed as {gone['reason']!r} of {gone['duplicate_of']}, not as "
                    "the translation of id_a")
    return _capped(found)


def paired_texts(docs: ConfigTable, linked: pa.Table) -> dict[str, Any]:
    """The texts of the documents in ``linked`` (read without their text), by id: read again
    file by file in batches, keeping only those rows, the last one of an id winning (as the
    rows of a whole table would)."""
    wanted = linked.column("id").combine_chunks()
    files = set(linked.column("__file__").to_pylist())
    texts: dict[str, Any] = {}
    if docs.folder is None or not len(wanted):
        return texts
    for relative in docs.files:
        if relative not in files:
            continue
        for batch in _id_text_batches(docs.folder / relative):
            picked = batch.filter(pc.is_in(batch.column("id"), value_set=wanted))
            texts.update(zip(picked.column("id").to_pylist(),
                             picked.column("text").to_pylist(), strict=True))
    return texts


def _id_text_batches(path: Path) -> Iterator[pa.RecordBatch]:
    """``id`` and ``text`` of a documents file in batches (whole, for a file that could only
    be read whole when it was first read)."""
    try:
        with pq.ParquetFile(path) as parquet:
            yield from parquet.iter_batches(batch_size=STREAM_BATCH_ROWS, columns=["id", "text"],
                                            use_threads=False)
    except (pa.ArrowException, OSError):
        yield from pq.read_table(path, columns=["id", "text"]).to_batches()


def _split_keys(docs: ConfigTable, pairs: ConfigTable) -> dict[str, str]:
    """Each kept document's split key: its cluster, merged with clusters that a pair of two
    kept documents links (as the packager's ``splits.split_keys``)."""
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        while parent.get(key, key) != key:
            key = parent[key]
        return key

    cluster = dict(zip(_column(docs.table, "id"), _column(docs.table, "cluster"), strict=True))
    links = sorted(zip(_column(pairs.table, "id_a"), _column(pairs.table, "id_b"), strict=True))
    for id_a, id_b in links:
        if id_a in cluster and id_b in cluster:
            a, b = find(cluster[id_a]), find(cluster[id_b])
            if a != b and a is not None and b is not None:  # a null is reported elsewhere
                parent[max(a, b)] = min(a, b)
    return {doc_id: find(key) for doc_id, key in cluster.items() if key is not None}


def check_clusters(docs: ConfigTable, pairs: ConfigTable, manifest: dict[str, Any] | None
                   ) -> list[Violation]:
    """Clusters name a kept document that heads its own cluster; splits follow the clusters
    and the manifest's ``[splits]``.

    Ids are unique in a valid version: then the cluster heads are looked up with Arrow and
    the rows walked a batch at a time (no dict over every id); with repeated ids (reported
    by the ``unique`` rule) the dicts of :func:`_check_clusters_by_dict` give the same
    messages as ever."""
    if docs.table is None:
        return []
    ids = docs.table.column("id").combine_chunks()
    if pc.count_distinct(ids, mode="all").as_py() != len(ids):
        return _check_clusters_by_dict(docs, pairs, manifest)
    clusters = docs.table.column("cluster").combine_chunks()
    position = pc.index_in(clusters, value_set=ids)
    heads = clusters.take(position)  # the cluster of each row's cluster document
    missing = pc.and_(pc.is_valid(clusters), pc.is_null(position))
    other = pc.and_(pc.and_(pc.is_valid(clusters), pc.is_valid(position)),
                    pc.invert(pc.fill_null(pc.equal(heads, clusters), False)))
    bad = pa.table({"id": ids, "cluster": clusters, "head": heads, "missing": missing}).filter(
        pc.or_(missing, other))
    found = []
    for row in _rows(bad, ["id", "cluster", "head", "missing"]):
        if row["missing"]:
            found.append(Violation("data/documents", f"row id={row['id']}: cluster "
                                   f"{row['cluster']} is not a kept document", "references"))
        else:
            found.append(Violation("data/documents", f"row id={row['id']}: cluster "
                                   f"{row['cluster']} is a kept document of another cluster "
                                   f"({row['head']})", "references"))
    out = _capped(found)
    splits = _splits_config(manifest)
    if not isinstance(splits, SplitsConfig):
        return out + splits
    ratios = splits.ratios()
    parent = _linked_clusters(docs, pairs)
    found = []
    for row in _rows(docs.table, ["id", "cluster", "__split__"]):
        if row["cluster"] is None:
            continue
        key = _root(parent, row["cluster"])
        expected = split_of(key, splits.seed, ratios)
        if row["__split__"] != expected:
            found.append(Violation("data/documents", f"row id={row['id']}: in "
                                   f"{row['__split__']}, but [splits] puts its cluster {key} "
                                   f"in {expected}", "splits"))
    return out + _capped(found)


def _splits_config(manifest: dict[str, Any] | None) -> SplitsConfig | list[Violation]:
    """The manifest's ``[splits]`` (checked), or the violation saying why it cannot be used
    (none without a manifest)."""
    if manifest is None:
        return []
    settings = ((manifest or {}).get("config") or {}).get("splits")
    try:
        splits = SplitsConfig(**settings)
        splits.check()
        int(splits.seed)
    except (TypeError, ValueError) as error:
        return [Violation("manifest.json", f"config.splits is not a valid [splits] "
                          f"section: {error}", "splits")]
    return splits


def _root(parent: dict[str, str], key: str) -> str:
    while parent.get(key, key) != key:
        key = parent[key]
    return key


def _linked_clusters(docs: ConfigTable, pairs: ConfigTable) -> dict[str, str]:
    """Union-find parents of the clusters that pairs of two kept documents link, as
    :func:`_split_keys` merges them (only the paired documents' clusters are looked up)."""
    parent: dict[str, str] = {}
    if pairs.table is None or docs.table is None:
        return parent
    named = pa.array(_column(pairs.table, "id_a") + _column(pairs.table, "id_b"), pa.string())
    linked = docs.table.select(["id", "cluster"]).filter(
        pc.is_in(docs.table.column("id"), value_set=named))
    cluster = dict(zip(_column(linked, "id"), _column(linked, "cluster"), strict=True))
    for id_a, id_b in sorted(zip(_column(pairs.table, "id_a"), _column(pairs.table, "id_b"),
                                 strict=True)):
        if id_a in cluster and id_b in cluster:
            a, b = _root(parent, cluster[id_a]), _root(parent, cluster[id_b])
            if a != b and a is not None and b is not None:  # a null is reported elsewhere
                parent[max(a, b)] = min(a, b)
    return parent


def _check_clusters_by_dict(docs: ConfigTable, pairs: ConfigTable,
                            manifest: dict[str, Any] | None) -> list[Violation]:
    """:func:`check_clusters` with dicts over every id (a version whose ids repeat)."""
    cluster = dict(zip(_column(docs.table, "id"), _column(docs.table, "cluster"), strict=True))
    found = []
    for doc_id, key in cluster.items():
        if key is None:
            continue
        if key not in cluster:
            found.append(Violation("data/documents", f"row id={doc_id}: cluster {key} is not a "
                                   "kept document", "references"))
        elif cluster[key] != key:
            found.append(Violation("data/documents", f"row id={doc_id}: cluster {key} is a kept "
                                   f"document of another cluster ({cluster[key]})",
                                   "references"))
    out = _capped(found)
    settings = ((manifest or {}).get("config") or {}).get("splits")
    if manifest is None:
        return out
    try:
        splits = SplitsConfig(**settings)
        splits.check()
        int(splits.seed)
    except (TypeError, ValueError) as error:
        return out + [Violation("manifest.json", f"config.splits is not a valid [splits] "
                                f"section: {error}", "splits")]
    ratios = splits.ratios()
    keys = _split_keys(docs, pairs)
    expected: dict[str, str] = {}
    found = []
    split_of_id = dict(zip(_column(docs.table, "id"), _column(docs.table, "__split__"),
                           strict=True))
    for doc_id, key in keys.items():
        if key not in expected:
            expected[key] = split_of(key, splits.seed, ratios)
        if split_of_id[doc_id] != expected[key]:
            found.append(Violation("data/documents", f"row id={doc_id}: in {split_of_id[doc_id]}, "
                                   f"but [splits] puts its cluster {key} in {expected[key]}",
                                   "splits"))
    return out + _capped(found)


def check_audit(docs: ConfigTable, audit: pa.Table | None) -> list[Violation]:
    """``duplicate_of``: set for the reasons that have one, never the row itself, and leading
    to a kept document (through removed ones, with no cycle)."""
    if audit is None:
        return []
    targets = audit.column("duplicate_of")
    # The walk below only asks whether a duplicate_of value is kept: only those are looked up.
    kept = set() if docs.table is None else set(pc.filter(targets, pc.is_in(
        targets, value_set=docs.table.column("id").combine_chunks())).to_pylist())
    target = dict(zip(_column(audit, "id"), _column(audit, "duplicate_of"), strict=True))
    found = []
    for row in _rows(audit, ["id", "reason", "duplicate_of"]):
        name = f"row id={row['id']}"
        has_target = row["duplicate_of"] is not None
        if (row["reason"] in DUPLICATE_REASONS) != has_target:
            found.append(Violation(schema.AUDIT_FILE, f"{name}: reason {row['reason']!r} "
                                   + ("has no duplicate_of" if not has_target
                                      else "cannot have a duplicate_of"), "references"))
        if not has_target:
            continue
        if row["duplicate_of"] == row["id"]:
            found.append(Violation(schema.AUDIT_FILE, f"{name}: duplicate_of is its own id",
                                   "references"))
            continue
        seen, current = {row["id"]}, row["duplicate_of"]
        while current not in kept and current in target and current not in seen:
            seen.add(current)
            current = target[current]
        if current in seen:
            found.append(Violation(schema.AUDIT_FILE, f"{name}: duplicate_of leads in a circle "
                                   "and never to a kept document", "references"))
    return _capped(found)


def check_invariants(docs: ConfigTable, pairs: ConfigTable, audit: pa.Table | None,
                     manifest: dict[str, Any] | None) -> list[Violation]:
    """Every check of this module."""
    return (check_ids(docs, pairs, audit) + check_pairs(docs, pairs, audit)
            + check_clusters(docs, pairs, manifest) + check_audit(docs, audit))


__all__ = ["DUPLICATE_REASONS", "check_invariants"]

