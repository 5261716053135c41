"""``cleaner validate``: is a version folder exactly what the packager promises?

Checks, each named by the ``check`` of the :class:`Violation` it reports:

* ``files`` — the layout (card, manifest, croissant, shards named ``<split>-NNNNN-of-NNNNN``,
  no empty shard, no stray file);
* ``manifest`` — every file's sha256, size and row count match ``manifest.json``;
* ``schema`` — every Parquet file has exactly the Arrow schema derived from ``schemas/``
  (a retyped column fails even when the manifest was updated to match);
* ``constraints`` — required, unique, pattern, length and range rules of ``schemas/``, valid
  language codes, non-empty text;
* ``references`` — pairs and ``duplicate_of`` point at real ids; every input document is in
  ``documents`` or in the audit, never both; the manifest's counts add up;
* ``splits`` — no id and no cluster in two splits, a pair in its document's split;
* ``card`` — the README's YAML header matches the files (configs, splits, sizes, features,
  languages, version);
* ``croissant`` — ``croissant.json`` names this version and the files' checksums.

Exit codes of the command: **0** valid, **1** violations (one line each), **2** usage error or
not a version folder.

Use it in another repository's CI, e.g. as a GitHub Actions step::

    - name: Validate the dataset
      run: |
        pip install "cleaner @ git+https://github.com/ORG/cleaner"
        cleaner validate dist/NAME/1.0.0 --junit validate.xml

or with pre-commit (``.pre-commit-hooks.yaml`` of this repository, hook id
``cleaner-validate``; pass the version folder in ``args``).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from cleaner.errors import NotAVersionError
from cleaner.publish import schema
from cleaner.publish.layout import sha256_file
from cleaner.text.langcodes import is_valid_language

EXIT_VALID, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
CHECKS = ("files", "manifest", "schema", "constraints", "references", "splits", "card",
          "croissant")
# At most this many rows are named per broken rule; the rest are counted.
MAX_EXAMPLES = 5
LAYOUT_FILES = ("README.md", "manifest.json", "croissant.json", schema.AUDIT_FILE)



@dataclass(frozen=True)
class Violation:
    """One broken rule: the file (relative to the version folder) and what is wrong."""

    file: str
    message: str
    check: str = "constraints"

    def __str__(self) -> str:
        return f"{self.file}: {self.message}"


@dataclass
class _Table:
    """A config's rows, read once: ``split`` and ``file`` columns added."""

    name: str
    table: pa.Table | None
    files: list[str]


def _relative_files(folder: Path) -> list[str]:
    """Every file under ``folder``, as sorted relative POSIX paths."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


# --- files and manifest --------------------------------------------------------------------

def _check_layout(folder: Path, files: list[str]) -> list[Violation]:
    """Required files present, shards named and numbered right, nothing else."""
    out = [Violation(name, "missing", "files") for name in LAYOUT_FILES if name not in files]
    shards: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    for name in files:
        parts = name.split("/")
        if name in LAYOUT_FILES:
            continue
        if len(parts) == 3 and parts[0] == "data" and parts[1] in ("documents", "pairs"):
            match = schema.SHARD_NAME.match(parts[2])
            if not match:
                out.append(Violation(name, "not named <split>-NNNNN-of-NNNNN.parquet with split "
                                     "train, validation or test", "files"))
                continue
            shards[(parts[1], match.group(1))].append((int(match.group(2)), int(match.group(3))))
        elif not (len(parts) == 2 and parts[0] == "images" and parts[1].endswith(".svg")):
            out.append(Violation(name, "unexpected file in a version folder", "files"))
    for (config, split), numbers in sorted(shards.items()):
        count = {total for _, total in numbers}
        indexes = sorted(index for index, _ in numbers)
        if len(count) != 1 or indexes != list(range(next(iter(count)))):
            out.append(Violation(f"data/{config}/{split}-*.parquet",
                                 f"shards {indexes} do not run 0..N-1 of N={sorted(count)}",
                                 "files"))
    if not any(key[0] == "documents" for key in shards):
        out.append(Violation("data/documents", "no documents shard", "files"))
    return out


def _load_manifest(folder: Path) -> tuple[dict[str, Any] | None, list[Violation]]:
    """Read ``manifest.json`` and check its keys and version."""
    path = folder / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, []  # reported by the layout check
    except (OSError, UnicodeDecodeError, ValueError) as error:
        return None, [Violation("manifest.json", f"not valid JSON: {error}", "manifest")]
    if not isinstance(manifest, dict):
        return None, [Violation("manifest.json", "not a JSON object", "manifest")]
    out = []
    for key in ("name", "version", "tool", "config", "inputs", "counts", "files"):
        if key not in manifest:
            out.append(Violation("manifest.json", f"missing key '{key}'", "manifest"))
    inputs = manifest.get("inputs", {})
    if not isinstance(inputs, dict) or not all(
            isinstance(v, str) and re.fullmatch(r"[0-9a-f]{64}", v) for v in inputs.values()):
        out.append(Violation("manifest.json", "'inputs' must map each input file to its sha256",
                             "manifest"))
    if not isinstance(manifest.get("files"), dict):
        return None, out + [Violation("manifest.json", "'files' is not an object", "manifest")]
    version = manifest.get("version")
    if schema.SEMVER.match(folder.name) and version != folder.name:
        out.append(Violation("manifest.json", f"version {version!r} does not match the folder "
                             f"name {folder.name!r}", "manifest"))
    return manifest, out


def _check_manifest(folder: Path, files: list[str], manifest: dict[str, Any]) -> list[Violation]:
    """Every file is listed, with the sha256, size and rows the manifest says."""
    out = []
    listed: dict[str, Any] = manifest["files"]
    for name in files:
        if name != "manifest.json" and name not in listed:
            out.append(Violation(name, "not listed in manifest.json", "manifest"))
    for name, entry in sorted(listed.items()):
        path = folder / name
        if not path.is_file():
            out.append(Violation(name, "listed in manifest.json but missing", "manifest"))
            continue
        if not isinstance(entry, dict):
            out.append(Violation("manifest.json", f"entry for {name} is not an object",
                                 "manifest"))
            continue
        if entry.get("bytes") is not None and entry["bytes"] != path.stat().st_size:
            out.append(Violation(name, f"size {path.stat().st_size} differs from the manifest's "
                                 f"{entry['bytes']}", "manifest"))
        if entry.get("sha256") != sha256_file(path):
            out.append(Violation(name, "sha256 differs from manifest.json (the file was changed "
                                 "or damaged)", "manifest"))
        if "rows" in entry and name.endswith(".parquet"):
            try:
                rows = pq.read_metadata(path).num_rows
            except (pa.ArrowException, OSError):
                continue  # reported by the schema check
            if rows != entry["rows"]:
                out.append(Violation(name, f"{rows} rows, manifest.json says {entry['rows']}",
                                     "manifest"))
    return out


# --- schema and constraints ----------------------------------------------------------------

def _describe_schema_difference(actual: pa.Schema, expected: pa.Schema) -> list[str]:
    """What differs between a file's schema and the expected one, one phrase per column."""
    problems = []
    actual_fields = {f.name: f for f in actual}
    for field in expected:
        found = actual_fields.get(field.name)
        if found is None:
            problems.append(f"column '{field.name}' is missing")
        elif not found.type.equals(field.type):
            problems.append(f"column '{field.name}' has type {found.type}, expected {field.type}")
        elif found.nullable != field.nullable:
            now = "nullable" if found.nullable else "not null"
            problems.append(f"column '{field.name}' is {now}, expected the opposite")
    for name in actual_fields.keys() - {f.name for f in expected}:
        problems.append(f"unexpected column '{name}'")
    if not problems and actual.names != expected.names:
        problems.append(f"columns are in the order {actual.names}, expected {expected.names}")
    return problems


def _read_parquet(folder: Path, relative: str, table_name: str
                  ) -> tuple[pa.Table | None, list[Violation]]:
    """Read one Parquet file and check its schema; the table is ``None`` when it does not fit."""
    try:
        table = pq.read_table(folder / relative)
    except (pa.ArrowException, OSError) as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        return None, [Violation(relative, f"not a readable Parquet file: {message}", "schema")]
    problems = _describe_schema_difference(table.schema, schema.arrow_schema(table_name))
    out = [Violation(relative, problem, "schema") for problem in problems]
    if table.num_rows == 0 and relative != schema.AUDIT_FILE:
        out.append(Violation(relative, "empty shard (datasets cannot load an empty Parquet "
                             "file; a split without rows must not be written)", "files"))
    return (None if problems else table), out


def _read_config(folder: Path, files: list[str], config: str
                 ) -> tuple[_Table, list[Violation]]:
    """Read every shard of ``data/<config>/``, adding ``__split__`` and ``__file__``."""
    table_name = "documents" if config == "documents" else "pairs"
    shard_files = [f for f in files if f.startswith(f"data/{config}/")
                   and schema.SHARD_NAME.match(f.rsplit("/", 1)[-1])]
    tables, out = [], []
    for relative in shard_files:
        table, problems = _read_parquet(folder, relative, table_name)
        out += problems
        if table is None:
            continue
        split = schema.SHARD_NAME.match(relative.rsplit("/", 1)[-1]).group(1)
        rows = table.num_rows
        table = table.append_column("__split__", pa.array([split] * rows, pa.string()))
        tables.append(table.append_column("__file__", pa.array([relative] * rows, pa.string())))
    combined = pa.concat_tables(tables) if tables else None
    return _Table(config, combined, shard_files), out


def _examples(table: pa.Table, mask: pa.ChunkedArray | pa.Array, key: str) -> list[tuple[str,
                                                                                         Any]]:
    """(file, key value) of the rows where ``mask`` is true, at most ``MAX_EXAMPLES + 1``."""
    mask = pc.fill_null(mask, False)
    picked = table.filter(mask).slice(0, MAX_EXAMPLES + 1)
    return list(zip(picked.column("__file__").to_pylist(), picked.column(key).to_pylist(),
                    strict=True))


def _report(table: pa.Table, mask: Any, key: str, message: str) -> list[Violation]:
    """One violation per offending row (the first few), then one line with the count."""
    total = pc.sum(pc.cast(pc.fill_null(mask, False), pa.int64())).as_py() or 0
    if not total:
        return []
    out = [Violation(file, f"row {key}={value}: {message}")
           for file, value in _examples(table, mask, key)[:MAX_EXAMPLES]]
    if total > MAX_EXAMPLES:
        out.append(Violation(out[0].file, f"... {total - MAX_EXAMPLES} more rows: {message}"))
    return out


def _pattern_mask(column: pa.ChunkedArray, pattern: str) -> pa.ChunkedArray:
    """True where a non-null value does not match the whole ``pattern``."""
    matches = pc.match_substring_regex(column, f"^(?:{pattern})$")
    return pc.and_(pc.is_valid(column), pc.invert(matches))


def _check_items(table: pa.Table, spec: schema.FieldSpec, key: str) -> list[Violation]:
    """Rules on the items of a list of objects (e.g. ``langs``: lang pattern, share range)."""
    items = spec.items or {}
    if items.get("type") != "object":
        return []
    out = []
    parents = pc.list_parent_indices(table.column(spec.name))
    flat = pc.list_flatten(table.column(spec.name))
    for name, rule in items.get("properties", {}).items():
        values = pc.struct_field(flat, name)
        bad = pc.is_null(values) if name in items.get("required", []) else None
        if "pattern" in rule:
            pattern = rule["pattern"].removeprefix("^(?:").removesuffix(")$")
            off = _pattern_mask(values, pattern)
            bad = off if bad is None else pc.or_(bad, off)
        if "minimum" in rule or "maximum" in rule:
            off = pc.or_(pc.less(values, rule.get("minimum", float("-inf"))),
                         pc.greater(values, rule.get("maximum", float("inf"))))
            if pa.types.is_floating(values.type):
                off = pc.or_(off, pc.is_nan(values))
            bad = off if bad is None else pc.or_(bad, off)
        if bad is None:
            continue
        rows = pc.unique(pc.filter(parents, pc.fill_null(bad, False))).to_pylist()
        mask = pa.array([False] * table.num_rows)
        if rows:
            mask = pc.is_in(pa.array(range(table.num_rows)), pa.array(rows, parents.type))
        out += _report(table, mask, key, f"{spec.name}.{name} breaks its rule {rule}")
    return out


def check_constraints(table: pa.Table, table_name: str) -> list[Violation]:
    """The per-column rules of ``schemas/<table_name>.json`` on a table read from Parquet."""
    spec_table = schema.load_schema(table_name)
    key = spec_table.primary_key[0] if spec_table.primary_key else spec_table.names[0]
    out: list[Violation] = []
    for spec in spec_table.fields:
        column = table.column(spec.name)
        if spec.required:
            out += _report(table, pc.is_null(column), key, f"{spec.name} is null")
        if spec.min_length is not None:
            short = pc.less(pc.utf8_length(column), spec.min_length)
            out += _report(table, short, key, f"{spec.name} is shorter than {spec.min_length}")
        if spec.pattern:
            what = ("is empty or only whitespace" if spec.name.startswith("text")
                    else f"does not match {spec.pattern}")
            out += _report(table, _pattern_mask(column, spec.pattern), key, f"{spec.name} {what}")
        if spec.minimum is not None or spec.maximum is not None:
            low = spec.minimum if spec.minimum is not None else float("-inf")
            high = spec.maximum if spec.maximum is not None else float("inf")
            off = pc.or_(pc.less(column, low), pc.greater(column, high))
            if pa.types.is_floating(column.type):
                off = pc.or_(off, pc.is_nan(column))
            out += _report(table, off, key, f"{spec.name} is outside "
                           f"[{spec.minimum}, {spec.maximum}]")
        if spec.unique:
            counts = pc.value_counts(column)
            repeated = pc.filter(counts.field("values"), pc.greater(counts.field("counts"), 1))
            out += _report(table, pc.is_in(column, repeated), key, f"{spec.name} is not unique")
        if spec.name.startswith("lang") and spec.type == "string":
            invalid = [c for c in pc.unique(column).to_pylist()
                       if c is not None and not is_valid_language(c)]
            if invalid:
                out += _report(table, pc.is_in(column, pa.array(invalid)), key,
                               f"{spec.name} is not a valid language code")
        if spec.format == "json":
            bad = [v for v in pc.unique(column).to_pylist() if v is not None and not _is_object(v)]
            if bad:
                out += _report(table, pc.is_in(column, pa.array(bad)), key,
                               f"{spec.name} is not a JSON object")
        if spec.type == "array":
            out += _check_items(table, spec, key)
    return out


def _is_object(text: str) -> bool:
    """Whether ``text`` is a JSON object."""
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


# --- references and splits -----------------------------------------------------------------

def _column(table: pa.Table | None, name: str) -> list[Any]:
    """A column as a Python list (empty when the table is missing)."""
    return [] if table is None else table.column(name).to_pylist()


def check_references(docs: _Table, pairs: _Table, audit: pa.Table | None,
                     manifest: dict[str, Any] | None) -> list[Violation]:
    """Cross-table rules: ids, splits, pairs and the accounting of every input document."""
    out: list[Violation] = []
    doc_split = dict(zip(_column(docs.table, "id"), _column(docs.table, "__split__"),
                         strict=True))
    doc_source = dict(zip(_column(docs.table, "id"), _column(docs.table, "source"), strict=True))
    audit_ids = set(_column(audit, "id"))
    # One cluster, one split (no leak between train and test through near-duplicates).
    cluster_splits: dict[str, set[str]] = defaultdict(set)
    for cluster, split in zip(_column(docs.table, "cluster"), _column(docs.table, "__split__"),
                              strict=True):
        cluster_splits[cluster].add(split)
    for cluster, splits in sorted(cluster_splits.items()):
        if len(splits) > 1:
            out.append(Violation("data/documents", f"cluster {cluster} is in several splits: "
                                 f"{', '.join(sorted(splits))}", "splits"))
    for doc_id in sorted(audit_ids & doc_split.keys()):
        out.append(Violation(schema.AUDIT_FILE, f"id {doc_id} is both kept and removed",
                             "references"))
    known = doc_split.keys() | audit_ids
    if audit is not None:
        for doc_id, target in zip(_column(audit, "id"), _column(audit, "duplicate_of"),
                                  strict=True):
            if target is not None and target not in known:
                out.append(Violation(schema.AUDIT_FILE, f"row id={doc_id}: duplicate_of {target} "
                                     "is not a known document", "references"))
    if pairs.table is not None:
        seen: set[tuple[str, str]] = set()
        for row in pairs.table.select(["id_a", "id_b", "source_a", "__split__",
                                       "__file__"]).to_pylist():
            where, name = row["__file__"], f"pair ({row['id_a']}, {row['id_b']})"
            if (row["id_a"], row["id_b"]) in seen:
                out.append(Violation(where, f"{name} appears twice", "references"))
            seen.add((row["id_a"], row["id_b"]))
            if row["id_a"] not in doc_split:
                out.append(Violation(where, f"{name}: id_a is not a kept document", "references"))
            elif doc_source[row["id_a"]] != row["source_a"]:
                out.append(Violation(where, f"{name}: source_a differs from the document's "
                                     "source", "references"))
            elif doc_split[row["id_a"]] != row["__split__"]:
                out.append(Violation(where, f"{name} is not in its document's split "
                                     f"({doc_split[row['id_a']]})", "splits"))
            if row["id_b"] not in known:
                out.append(Violation(where, f"{name}: id_b is neither kept nor removed",
                                     "references"))
            elif row["id_b"] in doc_split and doc_split[row["id_b"]] != row["__split__"]:
                out.append(Violation(where, f"{name} links two splits", "splits"))
    counts = (manifest or {}).get("counts")
    if isinstance(counts, dict):
        expected = {"documents": len(doc_split), "removed": len(audit_ids),
                    "inputs": len(doc_split) + len(audit_ids),
                    "pairs": 0 if pairs.table is None else pairs.table.num_rows}
        for key, value in expected.items():
            if counts.get(key) != value:
                out.append(Violation("manifest.json", f"counts.{key} is {counts.get(key)}, the "
                                     f"files hold {value}", "references"))
    return out


# --- card and croissant --------------------------------------------------------------------

def _split_files(config: _Table) -> dict[str, list[str]]:
    """split → shard files of a config, in split order."""
    out: dict[str, list[str]] = {}
    for relative in config.files:
        out.setdefault(schema.SHARD_NAME.match(relative.rsplit("/", 1)[-1]).group(1),
                       []).append(relative)
    return {split: sorted(out[split]) for split in schema.SPLITS if split in out}


def _rows_per_split(config: _Table) -> dict[str, int]:
    """split → number of rows of a config."""
    if config.table is None:
        return {}
    counts = pc.value_counts(config.table.column("__split__"))
    return dict(zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist(),
                    strict=True))


def check_card(folder: Path, manifest: dict[str, Any] | None, docs: _Table, pairs: _Table
               ) -> list[Violation]:
    """The README's YAML header describes exactly these files."""
    from cleaner.publish.card import read_card_metadata

    path = folder / "README.md"
    if not path.is_file():
        return []
    try:
        meta = read_card_metadata(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        return [Violation("README.md", str(error), "card")]

    def bad(message: str) -> Violation:
        return Violation("README.md", message, "card")

    out = []
    if manifest is not None and str(meta.get("version")) != str(manifest.get("version")):
        out.append(bad(f"version {meta.get('version')!r} differs from the manifest's "
                       f"{manifest.get('version')!r}"))
    for key in ("license", "pretty_name", "task_categories", "size_categories"):
        if key not in meta:
            out.append(bad(f"YAML header has no '{key}'"))
    found = {*_column(docs.table, "lang"), *_column(pairs.table, "lang_a"),
             *_column(pairs.table, "lang_b")}
    languages = sorted(found - {"und"})
    if docs.table is not None and sorted(meta.get("language") or []) != languages:
        out.append(bad(f"language {meta.get('language')} differs from the data's {languages}"))
    configs = {c.get("config_name"): c for c in meta.get("configs") or [] if isinstance(c, dict)}
    infos = {i.get("config_name"): i for i in meta.get("dataset_info") or []
             if isinstance(i, dict)}
    if not configs.get("documents", {}).get("default"):
        out.append(bad("configs: 'documents' is not declared as the default config"))
    for name, config in (("documents", docs), ("pairs", pairs)):
        files = _split_files(config)
        declared = configs.get(name)
        if not files:
            if declared is not None:
                out.append(bad(f"configs: '{name}' is declared but has no data files"))
            continue
        if declared is None:
            out.append(bad(f"configs: '{name}' is missing"))
            continue
        card_files = {}
        for entry in declared.get("data_files") or []:
            paths = entry.get("path")
            card_files[entry.get("split")] = sorted([paths] if isinstance(paths, str) else paths)
        if card_files != files:
            out.append(bad(f"configs: data_files of '{name}' are {card_files}, the folder has "
                           f"{files}"))
        info = infos.get(name) or {}
        if info.get("features") != schema.card_features(name):
            out.append(bad(f"dataset_info: features of '{name}' differ from schemas/{name}.json"))
        card_rows = {s.get("name"): s.get("num_examples") for s in info.get("splits") or []}
        if card_rows != _rows_per_split(config):
            out.append(bad(f"dataset_info: splits of '{name}' say {card_rows}, the files hold "
                           f"{_rows_per_split(config)}"))
    previous = (manifest or {}).get("previous_version")
    text = path.read_text(encoding="utf-8")
    for image in sorted(set(re.findall(r"\]\((images/[^)\s]+)\)", text))):
        if not (folder / image).is_file():
            out.append(bad(f"shows {image}, which is not in the folder"))
    if "## Changelog" not in text:
        out.append(bad("no '## Changelog' section"))
    elif previous and f"previous version, {previous}" not in text:
        out.append(bad(f"the changelog does not name the previous version {previous}"))
    return out


def check_croissant(folder: Path, manifest: dict[str, Any] | None, parquet_files: list[str]
                    ) -> list[Violation]:
    """``croissant.json`` names this version, every Parquet file with its sha256, and the
    schemas' fields."""
    path = folder / "croissant.json"
    if not path.is_file():
        return []
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        return [Violation("croissant.json", f"not valid JSON: {error}", "croissant")]
    out = []
    if manifest is not None and meta.get("version") != manifest.get("version"):
        out.append(Violation("croissant.json", f"version {meta.get('version')!r} differs from "
                             f"the manifest's {manifest.get('version')!r}", "croissant"))
    objects = {d.get("contentUrl"): d for d in meta.get("distribution", [])
               if isinstance(d, dict) and d.get("@type") == "cr:FileObject"}
    for relative in parquet_files:
        if relative not in objects:
            out.append(Violation("croissant.json", f"{relative} is not in the distribution",
                                 "croissant"))
        elif objects[relative].get("sha256") != sha256_file(folder / relative):
            out.append(Violation("croissant.json", f"sha256 of {relative} differs from the file",
                                 "croissant"))
    record_sets = {r.get("name"): r for r in meta.get("recordSet", []) if isinstance(r, dict)}
    present = {"documents": any(f.startswith("data/documents/") for f in parquet_files),
               "pairs": any(f.startswith("data/pairs/") for f in parquet_files), "removed": True}
    for name, expected in present.items():
        record_set = record_sets.get(name)
        if record_set is None:
            if expected:
                out.append(Violation("croissant.json", f"no record set '{name}'", "croissant"))
            continue
        names = [f.get("name") for f in record_set.get("field", []) if isinstance(f, dict)]
        wanted = schema.load_schema(name).names + ([] if name == "removed" else ["split"])
        if names != wanted:
            out.append(Violation("croissant.json", f"fields of record set '{name}' differ from "
                                 f"schemas/{name}.json", "croissant"))
    for relative in sorted(objects.keys() - set(parquet_files)):
        out.append(Violation("croissant.json", f"names a file that does not exist: {relative}",
                             "croissant"))
    return out


# --- the whole check -----------------------------------------------------------------------

def validate_version(path: Path) -> list[Violation]:
    """Every rule above on the version folder ``path``; an empty list means valid.

    Raises :class:`NotAVersionError` when ``path`` is not a folder.
    """
    path = Path(path)
    if not path.is_dir():
        raise NotAVersionError(f"{path} is not a version folder (not a directory)")
    files = _relative_files(path)
    out = _check_layout(path, files)
    manifest, problems = _load_manifest(path)
    out += problems
    if manifest is not None:
        out += _check_manifest(path, files, manifest)
    docs, problems = _read_config(path, files, "documents")
    out += problems
    pairs, problems = _read_config(path, files, "pairs")
    out += problems
    audit = None
    if schema.AUDIT_FILE in files:
        audit, problems = _read_parquet(path, schema.AUDIT_FILE, "removed")
        out += problems
    for table, name in ((docs.table, "documents"), (pairs.table, "pairs")):
        if table is not None:
            out += check_constraints(table, name)
    if audit is not None:
        rows = audit.num_rows
        audit_table = audit.append_column("__file__", pa.array([schema.AUDIT_FILE] * rows,
                                                                pa.string()))
        out += check_constraints(audit_table, "removed")
    out += check_references(docs, pairs, audit, manifest)
    out += check_card(path, manifest, docs, pairs)
    out += check_croissant(path, manifest, [*docs.files, *pairs.files, schema.AUDIT_FILE]
                           if schema.AUDIT_FILE in files else [*docs.files, *pairs.files])
    return out


def find_versions(root: Path) -> list[Path]:
    """Every version folder (``NAME/X.Y.Z`` with a manifest) under ``root``, sorted."""
    return sorted(p.parent for p in Path(root).glob("*/*/manifest.json")
                  if schema.SEMVER.match(p.parent.name))


def exit_code(violations: Iterable[Violation]) -> int:
    """0 when there is no violation, else 1."""
    return EXIT_INVALID if list(violations) else EXIT_VALID


# --- output formats ------------------------------------------------------------------------

def format_text(path: Path, violations: list[Violation]) -> str:
    """One line per violation, naming the file; ``PATH: valid`` when there is none."""
    if not violations:
        return f"{path}: valid"
    return "\n".join(f"{Path(path) / v.file}: {v.message}" for v in violations)


def format_json(path: Path, violations: list[Violation]) -> str:
    """``{"path", "valid", "violations": [{"file", "message", "check"}]}``"""
    return json.dumps({"path": str(path), "valid": not violations,
                       "violations": [asdict(v) for v in violations]},
                      ensure_ascii=False, indent=2)


def write_junit(junit_path: Path, path: Path, violations: list[Violation]) -> None:
    """A JUnit XML report: one test case per check, failing with its violations."""
    by_check: dict[str, list[Violation]] = defaultdict(list)
    for violation in violations:
        by_check[violation.check].append(violation)
    suite = ET.Element("testsuite", name=f"cleaner validate {path}", tests=str(len(CHECKS)),
                       failures=str(sum(1 for c in CHECKS if by_check.get(c))), errors="0")
    for check in CHECKS:
        case = ET.SubElement(suite, "testcase", classname=str(path), name=check)
        found = by_check.get(check)
        if found:
            failure = ET.SubElement(case, "failure", message=f"{len(found)} violations",
                                    type=check)
            failure.text = "\n".join(str(v) for v in found)
    suites = ET.Element("testsuites")
    suites.append(suite)
    ET.indent(suites)
    Path(junit_path).parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(suites).write(junit_path, encoding="utf-8", xml_declaration=True)
