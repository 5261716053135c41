"""Rows and Parquet files: every table written with fixed options, so the bytes are the same
for the same input.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cleaner.document import Document, Pair, Removal
from cleaner.errors import PublishError
from cleaner.publish import schema

if TYPE_CHECKING:
    import pyarrow as pa

from cleaner.publish.layout import SplitFiles, shard_name
from cleaner.publish.settings import LEVELLED, PackageConfig

META_LISTS = ("categories", "tags")
META_STRINGS = ("editor", "reporter", "credit_source", "original_title", "site_name",
                "description", "front_matter_error")

# --- rows ----------------------------------------------------------------------------------

def cell_list(value: Any) -> list[str]:
    """A meta value as a list of strings: ``None`` → ``[]``, ``"x"`` → ``["x"]``."""
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value if item is not None and str(item) != ""]
    return [str(value)]


def cell_text(value: Any) -> str | None:
    """A meta value as one string (lists joined with ", "), or ``None`` when empty."""
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(item) for item in value if item is not None)
    if value is None:
        return None
    return str(value) or None


def cell_date(value: Any) -> dt.date | None:
    """A date from a date, datetime or ISO string; ``None`` when it is none of these."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def document_row(doc: Document) -> dict[str, Any]:
    """One row of ``documents``: the Document's fields, ``meta`` spread into typed columns.

    >>> row = document_row(Document("a.txt", text="Hi", meta={"categories": "x", "k": "v"}))
    >>> row["categories"], row["extra_meta"]
    (['x'], '{"k": "v"}')
    """
    meta = dict(doc.meta)
    row: dict[str, Any] = {
        "id": doc.id, "source": doc.source, "text": doc.text, "title": doc.title or None,
        "lang": doc.lang, "lang_score": float(doc.lang_score), "url": doc.url or None,
        "published": cell_date(doc.published), "author": doc.author or None,
        "script": doc.script or None,
        "langs": [{"lang": lang, "share": float(share)}
                  for lang, share in sorted(doc.langs.items(), key=lambda kv: (-kv[1], kv[0]))],
        "repairs": [str(repair) for repair in doc.repairs],
        "cluster": doc.cluster,
    }
    for key in META_LISTS:
        row[key] = cell_list(meta.pop(key, None))
    for key in META_STRINGS:
        row[key] = cell_text(meta.pop(key, None))
    extra = {key: value for key, value in meta.items() if value not in (None, "", [])}
    row["extra_meta"] = (json.dumps(extra, ensure_ascii=False, sort_keys=True, default=str)
                         if extra else None)
    return row


def removal_row(removal: Removal) -> dict[str, Any]:
    """One row of ``audit/removed.parquet``."""
    return {"id": removal.id, "source": removal.source, "reason": removal.reason,
            "step": removal.step, "duplicate_of": removal.duplicate_of or None,
            "detail": removal.detail or ""}


def unique_pairs(pairs: list[Pair]) -> list[Pair]:
    """One pair per (id_a, id_b), the best-scored one, sorted by ids."""
    best: dict[tuple[str, str], Pair] = {}
    for pair in sorted(pairs, key=lambda p: (p.id_a, p.id_b, -p.score, p.text_b)):
        best.setdefault((pair.id_a, pair.id_b), pair)
    return [best[key] for key in sorted(best)]


def arrow_table(rows: list[dict[str, Any]], name: str) -> pa.Table:
    """Rows → an Arrow table of the schema ``name``; a row that does not fit is a PublishError."""
    import pyarrow as pa  # here, not at the top: `cleaner clean` imports this module, not Arrow

    try:
        return pa.Table.from_pylist(rows, schema=schema.arrow_schema(name))
    except (pa.ArrowException, TypeError, ValueError) as error:
        raise PublishError(f"cannot build the {name} table: {error}".splitlines()[0]) from None


def row_bytes(row: dict[str, Any]) -> int:
    """A cheap estimate of a row's uncompressed size, for cutting shards.

    >>> row_bytes({"text": "héllo", "n": 1.0, "tags": ["a", "bc"]})
    17
    """
    total = 0
    for value in row.values():
        if isinstance(value, str):
            total += len(value.encode())
        elif isinstance(value, list):
            total += sum(len(str(item).encode()) for item in value)
        else:
            total += 8
    return total


def shard_bounds(sizes: list[int], max_rows: int, max_bytes: int) -> list[tuple[int, int]]:
    """Cut rows into consecutive shards of at most ``max_rows`` rows and ~``max_bytes`` bytes.

    A row larger than ``max_bytes`` gets a shard of its own; no shard is empty.

    >>> shard_bounds([5, 5, 5, 5, 5], max_rows=2, max_bytes=100)
    [(0, 2), (2, 4), (4, 5)]
    """
    bounds: list[tuple[int, int]] = []
    start, total = 0, 0
    for index, size in enumerate(sizes):
        full = index - start >= max_rows or total + size > max_bytes
        if index > start and full:
            bounds.append((start, index))
            start, total = index, 0
        total += size
    if start < len(sizes):
        bounds.append((start, len(sizes)))
    return bounds


# --- files ---------------------------------------------------------------------------------

def hf_metadata(name: str) -> bytes:
    """The ``huggingface`` schema metadata that ``datasets`` reads its features from."""
    return json.dumps({"info": {"features": schema.hf_features(name).to_dict()}},
                      sort_keys=True).encode()


def write_parquet(table: pa.Table, path: Path, config: PackageConfig, name: str) -> None:
    """Write ``table`` with fixed options, so equal tables give equal bytes."""
    import pyarrow.parquet as pq

    table = table.replace_schema_metadata({b"huggingface": hf_metadata(name)})
    codec = config.compression
    pq.write_table(
        table, path,
        compression=None if codec == "none" else codec,
        compression_level=config.compression_level if codec in LEVELLED else None,
        row_group_size=config.row_group_size,
        write_statistics=True,
        use_dictionary=True,
    )


def write_shards(rows_by_split: dict[str, list[dict[str, Any]]], name: str, folder: Path,
                  config: PackageConfig) -> SplitFiles:
    """Write one config's shards; a split without rows gets no file (``datasets`` cannot load
    an empty Parquet file) and is not declared."""
    out = SplitFiles()
    for split in schema.SPLITS:
        rows = rows_by_split.get(split, [])
        if not rows:
            continue
        bounds = shard_bounds([row_bytes(r) for r in rows], config.max_rows_per_shard,
                              config.max_bytes_per_shard)
        (folder / "data" / name).mkdir(parents=True, exist_ok=True)
        out.files[split], out.rows[split] = [], len(rows)
        out.nbytes[split] = out.file_bytes[split] = 0
        for index, (start, end) in enumerate(bounds):
            table = arrow_table(rows[start:end], name)
            relative = f"data/{name}/{shard_name(split, index, len(bounds))}"
            write_parquet(table, folder / relative, config, name)
            out.files[split].append(relative)
            out.nbytes[split] += table.nbytes
            out.file_bytes[split] += (folder / relative).stat().st_size
    return out
