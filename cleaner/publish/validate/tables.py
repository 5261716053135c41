"""Schema, constraints, references and splits of the three tables."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from cleaner.publish import schema
from cleaner.publish.validate.violations import (
    MAX_EXAMPLES,
    ConfigTable,
    Violation,
    strict_json,
)
from cleaner.text.langcodes import is_valid_language

# Rows per batch when the documents' text is checked file by file (bounds its memory).
STREAM_BATCH_ROWS = 1024

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


def read_parquet(folder: Path, relative: str, table_name: str,
                 tally: TextTally | None = None) -> tuple[pa.Table | None, list[Violation]]:
    """Read one Parquet file and check its schema; the table is ``None`` when it does not fit.

    With ``tally``, the streamed columns (the documents' text) are left out of the table and
    their rules checked batch by batch into ``tally`` instead: memory stays bounded by the
    other columns. Any surprise (unreadable footer, wrong schema, a bad page) falls back to
    reading the whole file, so the messages are those of the plain read.
    """
    if tally is not None:
        streamed = _read_streamed(folder, relative, table_name, tally)
        if streamed is not None:
            return streamed
    try:
        table = pq.read_table(folder / relative)
    except (pa.ArrowException, OSError) as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        return None, [Violation(relative, f"not a readable Parquet file: {message}", "schema")]
    problems = _describe_schema_difference(table.schema, schema.arrow_schema(table_name))
    out = [Violation(relative, problem, "schema") for problem in problems]
    if table.num_rows == 0 and relative != schema.AUDIT_FILE:
        out.append(_empty_shard(relative))
    if problems:
        return None, out
    if tally is not None:
        # Read whole after all: tally its streamed columns here, so every file counts once.
        found = tally.start()
        tally.add(found, relative, table)
        tally.merge(found)
        table = table.drop_columns(tally.columns)
    return table, out


def _empty_shard(relative: str) -> Violation:
    return Violation(relative, "empty shard (datasets cannot load an empty Parquet "
                     "file; a split without rows must not be written)", "files")


def _read_streamed(folder: Path, relative: str, table_name: str, tally: TextTally
                   ) -> tuple[pa.Table, list[Violation]] | None:
    """The file without ``tally``'s columns, their rules checked in batches; ``None`` when the
    file is not plainly fine (the caller then reads it whole for the usual messages)."""
    expected = schema.arrow_schema(table_name)
    try:
        with pq.ParquetFile(folder / relative) as parquet:
            if _describe_schema_difference(parquet.schema_arrow, expected):
                return None
            found = tally.start()
            # One thread: Arrow's reader threads each keep their own allocator caches, which
            # over a version's texts outweighed the time they saved.
            for batch in parquet.iter_batches(batch_size=STREAM_BATCH_ROWS,
                                              columns=[tally.key, *tally.columns],
                                              use_threads=False):
                tally.add(found, relative, batch)
        table = pq.read_table(folder / relative,
                              columns=[n for n in expected.names if n not in tally.columns])
    except (pa.ArrowException, OSError):
        return None
    tally.merge(found)
    return table, ([_empty_shard(relative)] if table.num_rows == 0 else [])


def read_config(folder: Path, files: list[str], config: str
                ) -> tuple[ConfigTable, list[Violation]]:
    """Read every shard of ``data/<config>/``, adding ``__split__`` and ``__file__``.

    The documents' text is not kept (it is most of a version's bytes): its rules are checked
    file by file while reading (``ConfigTable.streamed``) and the texts of paired documents
    are read again by :func:`paired_texts`.
    """
    table_name = "documents" if config == "documents" else "pairs"
    shard_files = [f for f in files if f.startswith(f"data/{config}/")
                   and schema.SHARD_NAME.match(f.rsplit("/", 1)[-1])]
    tally = TextTally(table_name, ["text"]) if table_name == "documents" else None
    if tally is not None and not tally.columns:
        tally = None
    tables, out = [], []
    for relative in shard_files:
        table, problems = read_parquet(folder, relative, table_name, tally)
        out += problems
        if table is None:
            continue
        split = schema.SHARD_NAME.match(relative.rsplit("/", 1)[-1]).group(1)
        rows = table.num_rows
        table = table.append_column("__split__", pa.array([split] * rows, pa.string()))
        tables.append(table.append_column("__file__", pa.array([relative] * rows, pa.string())))
    combined = pa.concat_tables(tables) if tables else None
    return ConfigTable(config, combined, shard_files, folder,
                       tally.violations() if tally is not None else {}), out


class TextTally:
    """Rules of the streamed columns, checked batch by batch: for each rule its total and its
    first examples in file order, i.e. exactly what :func:`_report` finds on the whole table."""

    def __init__(self, table_name: str, columns: list[str]) -> None:
        spec_table = schema.load_schema(table_name)
        self.key = spec_table.primary_key[0] if spec_table.primary_key else spec_table.names[0]
        specs = {spec.name: spec for spec in spec_table.fields}
        self.columns = [c for c in columns if c in specs and _streamable(specs[c])]
        self.rules: list[tuple[str, str, Any]] = []
        for name in self.columns:
            self.rules += _stream_rules(specs[name])
        self.totals = [0] * len(self.rules)
        self.examples: list[list[tuple[str, Any]]] = [[] for _ in self.rules]

    def start(self) -> tuple[list[int], list[list[tuple[str, Any]]]]:
        """An empty tally of one file (merged only once the whole file was read)."""
        return [0] * len(self.rules), [[] for _ in self.rules]

    def add(self, found: tuple[list[int], list[list[tuple[str, Any]]]], file: str,
            batch: pa.RecordBatch | pa.Table) -> None:
        """Count one batch's offending rows into ``found``, keeping the first examples."""
        totals, examples = found
        for i, (column, _, rule) in enumerate(self.rules):
            mask = pc.fill_null(rule(batch.column(column)), False)
            count = pc.sum(pc.cast(mask, pa.int64())).as_py() or 0
            if not count:
                continue
            totals[i] += count
            room = MAX_EXAMPLES - len(examples[i])
            if room > 0:
                keys = pc.filter(batch.column(self.key), mask).slice(0, room).to_pylist()
                examples[i] += [(file, key) for key in keys]

    def merge(self, found: tuple[list[int], list[list[tuple[str, Any]]]]) -> None:
        """Add one file's tally, in file order."""
        for i, (total, examples) in enumerate(zip(*found, strict=True)):
            self.totals[i] += total
            self.examples[i] = (self.examples[i] + examples)[:MAX_EXAMPLES]

    def violations(self) -> dict[str, list[Violation]]:
        """Each streamed column's violations, worded and ordered as :func:`_report` does."""
        out: dict[str, list[Violation]] = {name: [] for name in self.columns}
        for (column, message, _), total, examples in zip(self.rules, self.totals,
                                                         self.examples, strict=True):
            if not total:
                continue
            found = [Violation(file, f"row {self.key}={value}: {message}")
                     for file, value in examples]
            if total > MAX_EXAMPLES:
                found.append(Violation(found[0].file,
                                       f"... {total - MAX_EXAMPLES} more rows: {message}"))
            out[column] += found
        return out


def _streamable(spec: schema.FieldSpec) -> bool:
    """Whether a column's rules all look at one row alone (no uniqueness, no set of values).

    >>> _streamable(schema.FieldSpec("text", "string", "", required=True, min_length=1))
    True
    >>> _streamable(schema.FieldSpec("id", "string", "", unique=True))
    False
    """
    return (spec.type == "string" and not spec.unique and spec.minimum is None
            and spec.maximum is None and spec.format is None and not spec.name.startswith("lang"))


def _stream_rules(spec: schema.FieldSpec) -> list[tuple[str, str, Any]]:
    """(column, message, mask) of a streamable column, in :func:`check_constraints`' order."""
    rules: list[tuple[str, str, Any]] = []
    if spec.required:
        rules.append((spec.name, f"{spec.name} is null", pc.is_null))
    if spec.min_length is not None:
        length = spec.min_length
        rules.append((spec.name, f"{spec.name} is shorter than {length}",
                      lambda column: pc.less(pc.utf8_length(column), length)))
    if spec.pattern:
        pattern = spec.pattern
        what = ("is empty or only whitespace" if spec.name.startswith("text")
                else f"does not match {pattern}")
        rules.append((spec.name, f"{spec.name} {what}",
                      lambda column: _pattern_mask(column, pattern)))
    return rules


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


def check_constraints(table: pa.Table, table_name: str,
                      streamed: dict[str, list[Violation]] | None = None) -> list[Violation]:
    """The per-column rules of ``schemas/<table_name>.json`` on a table read from Parquet;
    ``streamed`` holds the violations of columns left out of ``table`` (found while reading)."""
    spec_table = schema.load_schema(table_name)
    key = spec_table.primary_key[0] if spec_table.primary_key else spec_table.names[0]
    out: list[Violation] = []
    for spec in spec_table.fields:
        if streamed and spec.name in streamed and spec.name not in table.column_names:
            out += streamed[spec.name]
            continue
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
        return isinstance(strict_json(text), dict)
    except ValueError:
        return False


# --- references and splits -----------------------------------------------------------------

def column_values(table: pa.Table | None, name: str) -> list[Any]:
    """A column as a Python list (empty when the table is missing)."""
    return [] if table is None else table.column(name).to_pylist()


def _ids(table: pa.Table | None, name: str = "id") -> pa.Array:
    """One id column as a single Arrow array (empty when the table is missing): membership
    tests on it stay in Arrow, not in a Python set of every id."""
    if table is None:
        return pa.array([], pa.string())
    return table.column(name).combine_chunks()


def _several_splits(docs: pa.Table) -> list[Violation]:
    """Clusters found in more than one split, in cluster order (Arrow's group-by over the
    two columns: no Python dict over every cluster)."""
    pairs = docs.select(["cluster", "__split__"]).group_by(["cluster", "__split__"]).aggregate([])
    counts = pairs.group_by("cluster").aggregate([("__split__", "count")])
    leaking = pc.filter(counts.column("cluster"), pc.greater(counts.column("__split___count"), 1))
    if not len(leaking):
        return []
    picked = pairs.filter(pc.is_in(pairs.column("cluster"), value_set=leaking))
    splits: dict[Any, set[str]] = defaultdict(set)
    for cluster, split in zip(picked.column("cluster").to_pylist(),
                              picked.column("__split__").to_pylist(), strict=True):
        splits[cluster].add(split)
    return [Violation("data/documents", f"cluster {cluster} is in several splits: "
                      f"{', '.join(sorted(names))}", "splits")
            for cluster, names in sorted(splits.items())]


def check_references(docs: ConfigTable, pairs: ConfigTable, audit: pa.Table | None,
                     manifest: dict[str, Any] | None) -> list[Violation]:
    """Cross-table rules: ids, splits, pairs and the accounting of every input document.

    Checks over every id run on Arrow columns; Python dicts hold only the documents that
    pairs name (pairs are few)."""
    out: list[Violation] = []
    doc_ids, audit_ids = _ids(docs.table), _ids(audit)
    # One cluster, one split (no leak between train and test through near-duplicates).
    if docs.table is not None:
        out += _several_splits(docs.table)
    both = pc.unique(pc.filter(audit_ids, pc.is_in(audit_ids, value_set=doc_ids)))
    for doc_id in sorted(both.to_pylist()):
        out.append(Violation(schema.AUDIT_FILE, f"id {doc_id} is both kept and removed",
                             "references"))

    def known(values: pa.Array) -> pa.Array:
        return pc.or_(pc.is_in(values, value_set=doc_ids), pc.is_in(values, value_set=audit_ids))

    # A removed translation stands for the kept document it translates (pairs between two
    # translations of one story belong with the story's kept original).
    translated: dict[str, str] = {}
    if audit is not None:
        targets = _ids(audit, "duplicate_of")
        rows = audit.select(["id", "reason", "duplicate_of"]).filter(
            pc.and_(pc.equal(audit.column("reason"), "translation"), pc.is_valid(targets)))
        translated = dict(zip(rows.column("id").to_pylist(),
                              rows.column("duplicate_of").to_pylist(), strict=True))
        unknown = pc.and_(pc.is_valid(targets), pc.invert(known(targets)))
        bad = audit.select(["id", "duplicate_of"]).filter(unknown)
        for doc_id, target in zip(bad.column("id").to_pylist(),
                                  bad.column("duplicate_of").to_pylist(), strict=True):
            out.append(Violation(schema.AUDIT_FILE, f"row id={doc_id}: duplicate_of {target} "
                                 "is not a known document", "references"))
    if pairs.table is not None:
        out += _pair_references(docs.table, pairs.table, translated, doc_ids, known)
    counts = (manifest or {}).get("counts")
    if isinstance(counts, dict):
        kept = pc.count_distinct(doc_ids, mode="all").as_py()
        removed = pc.count_distinct(audit_ids, mode="all").as_py()
        expected = {"documents": kept, "removed": removed, "inputs": kept + removed,
                    "pairs": 0 if pairs.table is None else pairs.table.num_rows}
        for key, value in expected.items():
            if counts.get(key) != value:
                out.append(Violation("manifest.json", f"counts.{key} is {counts.get(key)}, the "
                                     f"files hold {value}", "references"))
    return out


def _pair_references(docs: pa.Table | None, pairs: pa.Table, translated: dict[str, str],
                     doc_ids: pa.Array, known: Any) -> list[Violation]:
    """Each pair names known documents, in its document's split; only the kept documents
    that pairs name (or their translations' anchors) are looked up, by id, last row winning
    as in a dict of the whole table."""
    out: list[Violation] = []
    wanted = pa.array([*_ids(pairs, "id_a").to_pylist(), *_ids(pairs, "id_b").to_pylist(),
                       *translated.values()], pa.string())
    doc_split: dict[str, str] = {}
    doc_source: dict[str, str] = {}
    if docs is not None:
        linked = docs.select(["id", "source", "__split__"]).filter(
            pc.is_in(docs.column("id"), value_set=wanted))
        for doc_id, source, split in zip(*(linked.column(c).to_pylist()
                                           for c in ("id", "source", "__split__")), strict=True):
            doc_split[doc_id], doc_source[doc_id] = split, source
    known_b = known(_ids(pairs, "id_b")).to_pylist()
    seen: set[tuple[str, str]] = set()
    rows = pairs.select(["id_a", "id_b", "source_a", "__split__", "__file__"]).to_pylist()
    for row, b_known in zip(rows, known_b, strict=True):
        where, name = row["__file__"], f"pair ({row['id_a']}, {row['id_b']})"
        if (row["id_a"], row["id_b"]) in seen:
            out.append(Violation(where, f"{name} appears twice", "references"))
        seen.add((row["id_a"], row["id_b"]))
        anchor = row["id_a"] if row["id_a"] in doc_split else translated.get(row["id_a"])
        if anchor not in doc_split:
            out.append(Violation(where, f"{name}: id_a is neither a kept document nor a "
                                 "translation of one", "references"))
        elif anchor == row["id_a"] and doc_source[row["id_a"]] != row["source_a"]:
            out.append(Violation(where, f"{name}: source_a differs from the document's "
                                 "source", "references"))
        elif doc_split[anchor] != row["__split__"]:
            out.append(Violation(where, f"{name} is not in its document's split "
                                 f"({doc_split[anchor]})", "splits"))
        if not b_known:
            out.append(Violation(where, f"{name}: id_b is neither kept nor removed",
                                 "references"))
        elif row["id_b"] in doc_split and doc_split[row["id_b"]] != row["__split__"]:
            out.append(Violation(where, f"{name} links two splits", "splits"))
    return out
