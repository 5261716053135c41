"""The packager: turns the kept documents, the audit and the pairs into a published version.

A version ``DIR/NAME/X.Y.Z/`` (see CONTRACT.md) holds::

    README.md                                   the dataset card (card.py)
    images/*.svg                                the card's charts (charts.py)
    croissant.json                              ML Croissant metadata (croissant.py)
    manifest.json                               versions, config, input digests, file checksums
    data/documents/<split>-NNNNN-of-NNNNN.parquet
    data/pairs/<split>-NNNNN-of-NNNNN.parquet
    audit/removed.parquet

Three promises, each kept by one small function below:

* **Stable splits** (:func:`split_of`): a document's split is a pure function of its dedup
  cluster and the seed, so adding documents never moves an existing one, and a cluster (with
  its removed duplicates and translations) never straddles two splits.
* **Deterministic bytes** (:func:`write_parquet`): rows sorted by id, fixed writer options, no
  timestamps anywhere; the same input gives byte-identical files.
* **Immutable versions** (:func:`write_version`): a version is written to a temporary folder
  beside its final place, checked with ``cleaner validate``, and renamed into place. An existing
  version is never replaced: an identical rebuild is a no-op, a different one is refused.
"""

from __future__ import annotations

import datetime as dt
import filecmp
import hashlib
import json
import os
import shutil
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cleaner
from cleaner.document import Document, Pair, Removal
from cleaner.errors import PublishError
from cleaner.publish import schema

if TYPE_CHECKING:
    import pyarrow as pa

    from cleaner.config import Config
    from cleaner.pipeline import RunState
    from cleaner.publish.versions import Changelog

COMPRESSIONS = ("zstd", "snappy", "gzip", "brotli", "lz4", "none")
# Codecs whose level pyarrow accepts, and the levels they accept.
_LEVELS = {"zstd": (1, 22), "gzip": (1, 9), "brotli": (0, 11)}
_LEVELLED = set(_LEVELS)
# meta keys that become typed columns; any other key goes to ``extra_meta`` as JSON.
META_LISTS = ("categories", "tags")
META_STRINGS = ("editor", "reporter", "credit_source", "original_title", "site_name",
                "description", "front_matter_error")


@dataclass
class SplitsConfig:
    """``[splits]``: the share of clusters in each split, and the seed of the assignment."""

    train: float = 0.8
    validation: float = 0.1
    test: float = 0.1
    seed: int = 0

    def ratios(self) -> dict[str, float]:
        return {"train": self.train, "validation": self.validation, "test": self.test}

    def check(self) -> None:
        for name, ratio in self.ratios().items():
            if ratio < 0:
                raise ValueError(f"{name}: ratio {ratio} is negative")
        total = sum(self.ratios().values())
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"train + validation + test must be 1, not {total:g}")


@dataclass
class PackageConfig:
    """``[package]``: how the Parquet files are cut and written."""

    # A shard is closed when it reaches either bound (bytes are the uncompressed row sizes).
    max_rows_per_shard: int = 100_000
    max_bytes_per_shard: int = 256 * 1024 * 1024
    row_group_size: int = 1_000
    compression: str = "zstd"
    compression_level: int = 9

    def check(self) -> None:
        for name in ("max_rows_per_shard", "max_bytes_per_shard", "row_group_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, not {getattr(self, name)}")
        if self.compression not in COMPRESSIONS:
            raise ValueError(f"compression {self.compression!r} is not one of "
                             f"{', '.join(COMPRESSIONS)}")
        low, high = _LEVELS.get(self.compression, (self.compression_level,) * 2)
        if not low <= self.compression_level <= high:
            raise ValueError(f"compression_level must be {low}..{high} for {self.compression}, "
                             f"not {self.compression_level}")


@dataclass
class WriteResult:
    """What :func:`write_version` did: ``status`` is ``"written"`` or ``"unchanged"``."""

    path: Path
    status: str
    # The version this one was compared with, its changelog, and the version that the
    # changes call for (semver: major if the schema broke, minor if documents changed).
    previous: str | None = None
    changelog: Changelog | None = None
    suggested_version: str | None = None
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def written(self) -> bool:
        return self.status == "written"


# --- splits --------------------------------------------------------------------------------

def split_of(key: str, seed: int, ratios: dict[str, float]) -> str:
    """The split of a cluster: hash ``seed:key`` to [0, 1) and cut by the ratios.

    Pure and per-key, so a document keeps its split whatever else is added.

    >>> split_of("a02bd8a3e8e4bd5c", 0, {"train": 1.0, "validation": 0.0, "test": 0.0})
    'train'
    """
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    point = int.from_bytes(digest[:8], "big") / 2**64
    edge = 0.0
    chosen = None
    for name, ratio in ratios.items():
        if ratio <= 0:
            continue
        chosen = name
        edge += ratio
        if point < edge:
            return name
    if chosen is None:
        raise PublishError("[splits]: every ratio is zero")
    return chosen  # rounding left the point just above the last edge


def _split_keys(docs: list[Document], pairs: list[Pair]) -> dict[str, str]:
    """The split key of each kept document: its cluster, merged with clusters linked by pairs.

    Dedup puts a translation in its original's cluster; if two kept documents of a pair still
    carry different clusters, they are merged here (smallest key wins) so a pair never links
    two splits.
    """
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        while parent.get(key, key) != key:
            key = parent[key]
        return key

    cluster = {doc.id: doc.cluster for doc in docs}
    for pair in sorted(pairs, key=lambda p: (p.id_a, p.id_b)):
        if pair.id_a in cluster and pair.id_b in cluster:
            a, b = find(cluster[pair.id_a]), find(cluster[pair.id_b])
            if a != b:
                parent[max(a, b)] = min(a, b)
    return {doc_id: find(key) for doc_id, key in cluster.items()}


# --- rows ----------------------------------------------------------------------------------

def _as_list(value: Any) -> list[str]:
    """A meta value as a list of strings: ``None`` → ``[]``, ``"x"`` → ``["x"]``."""
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value if item is not None and str(item) != ""]
    return [str(value)]


def _as_text(value: Any) -> str | None:
    """A meta value as one string (lists joined with ", "), or ``None`` when empty."""
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(item) for item in value if item is not None)
    if value is None:
        return None
    return str(value) or None


def _as_date(value: Any) -> dt.date | None:
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
        "published": _as_date(doc.published), "author": doc.author or None,
        "script": doc.script or None,
        "langs": [{"lang": lang, "share": float(share)}
                  for lang, share in sorted(doc.langs.items(), key=lambda kv: (-kv[1], kv[0]))],
        "repairs": [str(repair) for repair in doc.repairs],
        "cluster": doc.cluster,
    }
    for key in META_LISTS:
        row[key] = _as_list(meta.pop(key, None))
    for key in META_STRINGS:
        row[key] = _as_text(meta.pop(key, None))
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


def _table(rows: list[dict[str, Any]], name: str) -> pa.Table:
    """Rows → an Arrow table of the schema ``name``; a row that does not fit is a PublishError."""
    import pyarrow as pa  # here, not at the top: `cleaner clean` imports this module, not Arrow

    try:
        return pa.Table.from_pylist(rows, schema=schema.arrow_schema(name))
    except (pa.ArrowException, TypeError, ValueError) as error:
        raise PublishError(f"cannot build the {name} table: {error}".splitlines()[0]) from None


def _row_bytes(row: dict[str, Any]) -> int:
    """A cheap estimate of a row's uncompressed size, for cutting shards.

    >>> _row_bytes({"text": "héllo", "n": 1.0, "tags": ["a", "bc"]})
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


def shard_name(split: str, index: int, count: int) -> str:
    """``train-00000-of-00002.parquet``"""
    return f"{split}-{index:05d}-of-{count:05d}.parquet"


# --- files ---------------------------------------------------------------------------------

def _hf_metadata(name: str) -> bytes:
    """The ``huggingface`` schema metadata that ``datasets`` reads its features from."""
    return json.dumps({"info": {"features": schema.hf_features(name).to_dict()}},
                      sort_keys=True).encode()


def write_parquet(table: pa.Table, path: Path, config: PackageConfig, name: str) -> None:
    """Write ``table`` with fixed options, so equal tables give equal bytes."""
    import pyarrow.parquet as pq

    table = table.replace_schema_metadata({b"huggingface": _hf_metadata(name)})
    codec = config.compression
    pq.write_table(
        table, path,
        compression=None if codec == "none" else codec,
        compression_level=config.compression_level if codec in _LEVELLED else None,
        row_group_size=config.row_group_size,
        write_statistics=True,
        use_dictionary=True,
    )


def sha256_file(path: Path) -> str:
    """The sha256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class SplitFiles:
    """The shards written for one config (``documents`` or ``pairs``), per split."""

    files: dict[str, list[str]] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    # In-memory Arrow size per split: the ``num_bytes`` of the card's ``dataset_info``.
    nbytes: dict[str, int] = field(default_factory=dict)
    # Parquet bytes per split: the card's ``download_size``.
    file_bytes: dict[str, int] = field(default_factory=dict)


def _write_config(rows_by_split: dict[str, list[dict[str, Any]]], name: str, folder: Path,
                  config: PackageConfig) -> SplitFiles:
    """Write one config's shards; a split without rows gets no file (``datasets`` cannot load
    an empty Parquet file) and is not declared."""
    out = SplitFiles()
    for split in schema.SPLITS:
        rows = rows_by_split.get(split, [])
        if not rows:
            continue
        bounds = shard_bounds([_row_bytes(r) for r in rows], config.max_rows_per_shard,
                              config.max_bytes_per_shard)
        (folder / "data" / name).mkdir(parents=True, exist_ok=True)
        out.files[split], out.rows[split] = [], len(rows)
        out.nbytes[split] = out.file_bytes[split] = 0
        for index, (start, end) in enumerate(bounds):
            table = _table(rows[start:end], name)
            relative = f"data/{name}/{shard_name(split, index, len(bounds))}"
            write_parquet(table, folder / relative, config, name)
            out.files[split].append(relative)
            out.nbytes[split] += table.nbytes
            out.file_bytes[split] += (folder / relative).stat().st_size
    return out


# --- checks before writing -----------------------------------------------------------------

def check_accounting(docs: list[Document], removals: list[Removal], pairs: list[Pair]) -> None:
    """Every input document is accounted for exactly once: kept or removed, never both.

    Raises :class:`PublishError` naming the first document that breaks the rule.
    """
    seen: dict[str, str] = {}
    for kind, items in (("kept", docs), ("removed", removals)):
        for item in items:
            if item.id in seen:
                raise PublishError(f"document {item.source!r} (id {item.id}) is {seen[item.id]} "
                                   f"and {kind}: every input must be counted exactly once")
            seen[item.id] = kind
    if not docs:
        raise PublishError("no document was kept: nothing to publish "
                           f"({len(removals)} removed; see the build summary)")
    for pair in pairs:
        if seen.get(pair.id_a) != "kept":
            raise PublishError(f"translation pair ({pair.source_a!r}, {pair.source_b!r}): "
                               "document a is not among the kept documents")
        if pair.id_b not in seen:
            raise PublishError(f"translation pair ({pair.source_a!r}, {pair.source_b!r}): "
                               "document b is neither kept nor removed")


# --- the version folder --------------------------------------------------------------------

def _temp_dir(out_dir: Path) -> Path:
    """The temporary folder of this process beside ``out_dir`` (same file system: rename is
    atomic)."""
    return out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}"


def _pid_alive(pid: int) -> bool:
    """Whether a process still runs (its temporary folder is then not stale)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale_temps(out_dir: Path) -> list[Path]:
    """Remove temporary folders that a killed build left beside ``out_dir``."""
    removed = []
    for temp in sorted(out_dir.parent.glob(f".{out_dir.name}.tmp-*")):
        pid = temp.name.rsplit("-", 1)[-1]
        if not pid.isdigit() or int(pid) == os.getpid() or not _pid_alive(int(pid)):
            shutil.rmtree(temp, ignore_errors=True)
            removed.append(temp)
    return removed


def _files_of(folder: Path) -> dict[str, Path]:
    """relative POSIX path → path, for every file under ``folder``."""
    return {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*")) if p.is_file()}


def first_difference(a: Path, b: Path) -> str | None:
    """The first file (relative path) that differs between two folders, or ``None``;
    data files are compared first, as they say the most."""
    files_a, files_b = _files_of(a), _files_of(b)
    for name in sorted(set(files_a) | set(files_b), key=lambda n: (not n.startswith("data/"), n)):
        if name not in files_a or name not in files_b:
            return name
        if not filecmp.cmp(files_a[name], files_b[name], shallow=False):
            return name
    return None


def _manifest(config: Config, version: str, previous: str | None, folder: Path,
              input_digests: dict[str, str], counts: dict[str, Any],
              row_counts: dict[str, int]) -> dict[str, Any]:
    """The manifest: what was built, by which tool, with which settings, from which inputs, and
    the sha256/size/rows of every file."""
    files = {}
    for relative, path in _files_of(folder).items():
        entry: dict[str, Any] = {"sha256": sha256_file(path), "bytes": path.stat().st_size}
        if relative in row_counts:
            entry["rows"] = row_counts[relative]
        files[relative] = entry
    return {
        "name": config.dataset.name,
        "version": version,
        "previous_version": previous,
        "tool": {"name": "cleaner", "version": cleaner.__version__},
        "config": json.loads(json.dumps(config.to_dict(), default=str)),
        "inputs": dict(sorted(input_digests.items())),
        "counts": counts,
        "files": files,
    }


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    """Write ``manifest.json`` (sorted keys: deterministic bytes)."""
    text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    (folder / "manifest.json").write_text(text, encoding="utf-8")


def _write_tables(docs: list[Document], state: RunState, config: Config, temp: Path
                  ) -> tuple[SplitFiles, SplitFiles, dict[str, int], dict[str, Counter]]:
    """Write the documents, pairs and audit Parquet files into ``temp``."""
    import pyarrow.parquet as pq

    keys = _split_keys(docs, state.pairs)
    ratios = config.splits.ratios()
    split_by_id = {doc_id: split_of(key, config.splits.seed, ratios)
                   for doc_id, key in keys.items()}
    doc_rows: dict[str, list[dict[str, Any]]] = {}
    languages: dict[str, Counter] = {}
    for doc in sorted(docs, key=lambda d: d.id):
        split = split_by_id[doc.id]
        doc_rows.setdefault(split, []).append(document_row(doc))
        languages.setdefault(split, Counter())[doc.lang] += 1
    pair_rows: dict[str, list[dict[str, Any]]] = {}
    for pair in unique_pairs(state.pairs):
        pair_rows.setdefault(split_by_id[pair.id_a], []).append(asdict(pair))
        for lang in (pair.lang_a, pair.lang_b):
            languages.setdefault("pairs", Counter())[lang] += 1
    documents = _write_config(doc_rows, "documents", temp, config.package)
    pairs = _write_config(pair_rows, "pairs", temp, config.package)
    removed = [removal_row(r) for r in sorted(state.removals, key=lambda r: r.id)]
    (temp / "audit").mkdir(parents=True, exist_ok=True)
    write_parquet(_table(removed, "removed"), temp / schema.AUDIT_FILE, config.package,
                  "removed")
    row_counts = {schema.AUDIT_FILE: len(removed)}
    for split_files in (documents, pairs):
        for files in split_files.files.values():
            for relative in files:
                row_counts[relative] = pq.read_metadata(temp / relative).num_rows
    return documents, pairs, row_counts, languages


def write_version(docs: list[Document], state: RunState, config: Config, out_dir: Path,
                  input_digests: dict[str, str]) -> WriteResult:
    """Publish ``docs`` (with the audit and pairs of ``state``) as the version ``out_dir``.

    ``out_dir`` is ``DIR/NAME/X.Y.Z``. Returns ``status="written"`` for a new version and
    ``"unchanged"`` when an identical one already exists; raises :class:`PublishError` when a
    different one exists, or when the data breaks the schema or the accounting.
    """
    import pyarrow as pa

    from cleaner.publish import card, charts, croissant
    from cleaner.publish.validate import validate_version
    from cleaner.publish.versions import diff_versions, previous_version, suggest_next_version

    version = out_dir.name
    if not schema.SEMVER.match(version):
        raise PublishError(f"{out_dir}: the version folder must be named like 1.2.3")
    config.splits.check()
    config.package.check()
    check_accounting(docs, state.removals, state.pairs)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_temps(out_dir)
    temp = _temp_dir(out_dir)
    temp.mkdir()
    try:
        documents, pairs, row_counts, languages = _write_tables(docs, state, config, temp)
        previous_dir = previous_version(out_dir.parent, version)
        previous = previous_dir.name if previous_dir else None
        changelog, compare_error = None, None
        if previous_dir is not None:
            try:
                changelog = diff_versions(previous_dir, temp, new_name=version)
            except (OSError, ValueError, KeyError, pa.ArrowException) as error:
                compare_error = str(error).splitlines()[0] if str(error) else repr(error)
        counts = {"inputs": len(docs) + len(state.removals), "documents": len(docs),
                  "removed": len(state.removals), "pairs": sum(pairs.rows.values())}
        croissant.write_croissant(temp, config, version, documents.files, pairs.files)
        drawn = charts.write_charts(temp)  # images/*.svg, drawn from the files just written
        card_data = card.CardData(
            config=config, version=version, documents=documents, pairs=pairs,
            languages=languages, removals=Counter(r.reason for r in state.removals),
            stats=list(state.stats.values()), counts=counts, previous=previous,
            changelog=changelog, inputs=dict(input_digests), compare_error=compare_error,
            charts=drawn, pair_languages=Counter(f"{p.lang_a} → {p.lang_b}"
                                                 for p in unique_pairs(state.pairs)))
        (temp / "README.md").write_text(card.render_card(card_data), encoding="utf-8")
        manifest = _manifest(config, version, previous, temp, input_digests, counts, row_counts)
        if changelog is not None:
            manifest["changes"] = changelog.counts()
        write_manifest(temp, manifest)
        violations = validate_version(temp)
        if violations:
            more = f" (and {len(violations) - 1} more)" if len(violations) > 1 else ""
            raise PublishError(f"the version would not be valid: {violations[0]}{more}")
        suggested = suggest_next_version(previous, changelog)
        result = WriteResult(path=out_dir, status="written", previous=previous,
                             changelog=changelog, suggested_version=suggested,
                             rows={"documents": len(docs), "removed": len(state.removals),
                                   "pairs": counts["pairs"]})
        if out_dir.exists():
            differing = first_difference(out_dir, temp)
            if differing is None:
                result.status = "unchanged"
                return result
            what, hint = f"{differing} differs", "; build a new version instead"
            try:
                log = diff_versions(out_dir, temp, new_name=version)
                if log.documents_changed:
                    what = log.summary().split(";")[0]
                hint += f" (suggested: {suggest_next_version(version, log)})"
            except (OSError, ValueError, pa.ArrowException):
                pass  # the existing folder is damaged: the plain message is enough
            raise PublishError(f"{out_dir} already exists with different content ({what})"
                               f"{hint}; it was left untouched")
        try:
            temp.rename(out_dir)
        except OSError as error:
            raise PublishError(f"cannot move the new version into {out_dir}: "
                               f"{error.strerror}") from None
        return result
    finally:
        shutil.rmtree(temp, ignore_errors=True)
