"""Versions: what changed between two published versions, and which version comes next.

A version is a semver folder ``DIR/NAME/X.Y.Z``. :func:`diff_versions` compares two of them by
document id (ids are derived from the source, so a re-cleaned document is "changed", not
"removed + added") and by schema. :func:`suggest_next_version` turns the changes into a semver
bump: **major** when the schema breaks (a column removed or retyped, a column that was never
null may now be null), **minor** when documents, pairs or columns are added, removed or changed,
**patch** otherwise (e.g. only the card or the audit changed).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from cleaner.publish import schema
from cleaner.text.escape import terminal


def plural(count: int, noun: str) -> str:
    """``1 document``, ``2 documents``.

    >>> plural(1, "pair"), plural(0, "pair")
    ('1 pair', '0 pairs')
    """
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def parse_version(version: str) -> tuple[int, int, int]:
    """``"1.2.3"`` → ``(1, 2, 3)``; raises ValueError for anything else."""
    match = schema.SEMVER.match(version)
    if not match:
        raise ValueError(f"{version!r} is not a semantic version like 1.2.3")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def previous_version(dataset_dir: Path, version: str) -> Path | None:
    """The highest published version below ``version`` in ``dataset_dir``, if any.

    Only folders named like a semver with a ``manifest.json`` count (a half-written or
    temporary folder never does).
    """
    current = parse_version(version)
    candidates = []
    if dataset_dir.is_dir():
        for child in dataset_dir.iterdir():
            published = schema.SEMVER.match(child.name) and (child / "manifest.json").is_file()
            if published and parse_version(child.name) < current:
                candidates.append(child)
    return max(candidates, key=lambda p: parse_version(p.name), default=None)


@dataclass(frozen=True)
class SchemaChange:
    """One column that differs between two versions of a table."""

    table: str
    column: str
    change: str  # "added", "removed", "type", "nullable"
    detail: str
    breaking: bool

    def __str__(self) -> str:
        mark = " (breaking)" if self.breaking else ""
        return f"{self.table}.{self.column}: {self.change} {self.detail}{mark}".rstrip()


@dataclass
class Changelog:
    """The changes from ``old`` to ``new`` (versions as named by their folders)."""

    old: str
    new: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    pairs_added: int = 0
    pairs_removed: int = 0
    audit_added: int = 0
    audit_removed: int = 0
    schema_changes: list[SchemaChange] = field(default_factory=list)
    # id → source of the documents named above, to make the lists readable.
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def breaking(self) -> bool:
        return any(change.breaking for change in self.schema_changes)

    @property
    def documents_changed(self) -> bool:
        return bool(self.added or self.removed or self.changed or self.moved
                    or self.pairs_added or self.pairs_removed or self.schema_changes)

    def counts(self) -> dict[str, object]:
        """The changes as numbers (for ``manifest.json``)."""
        return {"from": self.old, "documents_added": len(self.added),
                "documents_removed": len(self.removed), "documents_changed": len(self.changed),
                "documents_moved": len(self.moved), "pairs_added": self.pairs_added,
                "pairs_removed": self.pairs_removed,
                "schema_changes": [str(change) for change in self.schema_changes],
                "breaking": self.breaking}

    def summary(self) -> str:
        """One line: ``3 documents added, 1 removed, 2 changed; 1 translation pair added...``."""
        parts = [f"{plural(len(self.added), 'document')} added, {len(self.removed)} removed, "
                 f"{len(self.changed)} changed"]
        if self.moved:
            parts.append(f"{len(self.moved)} moved to another split")
        parts.append(f"{plural(self.pairs_added, 'translation pair')} added, "
                     f"{self.pairs_removed} removed")
        if self.schema_changes:
            kind = "breaking" if self.breaking else "compatible"
            parts.append(f"{len(self.schema_changes)} schema changes ({kind})")
        else:
            parts.append("no schema change")
        return "; ".join(parts)

    def _named(self, doc_id: str, show: Callable[[str], str]) -> str:
        source = self.sources.get(doc_id)
        return f"{show(doc_id)} ({show(source)})" if source else show(doc_id)

    def render(self, limit: int = 20, show: Callable[[str], str] = terminal) -> str:
        """The text that ``cleaner diff`` prints and the card's changelog shows.

        Ids, sources, version names and column names come from the data: ``show`` makes each
        safe where the text goes (a terminal by default; the card passes Markdown escaping).
        """
        lines = [f"Changes from {show(self.old)} to {show(self.new)}: {self.summary()}."]
        for title, ids in (("Added", self.added), ("Removed", self.removed),
                           ("Changed", self.changed), ("Moved to another split", self.moved)):
            if ids:
                shown = ", ".join(self._named(doc_id, show) for doc_id in ids[:limit])
                more = f" and {len(ids) - limit} more" if len(ids) > limit else ""
                lines.append(f"- {title} documents ({len(ids)}): {shown}{more}")
        if self.audit_added or self.audit_removed:
            lines.append(f"- Audit: {plural(self.audit_added, 'removed document')} added, "
                         f"{self.audit_removed} no longer there")
        for change in self.schema_changes:
            lines.append(f"- Schema: {show(str(change))}")
        return "\n".join(lines)


def _read_config(folder: Path, config: str) -> pa.Table | None:
    """All shards of ``data/<config>/`` (in split, shard order) as one table, or ``None``."""
    files = sorted((folder / "data" / config).glob("*.parquet"))
    if not files:
        return None
    tables = []
    for path in files:
        table = pq.read_table(path)
        split = schema.SHARD_NAME.match(path.name)
        name = split.group(1) if split else path.stem
        tables.append(table.append_column("__split__", pa.array([name] * table.num_rows,
                                                                  pa.string())))
    return pa.concat_tables(tables, promote_options="permissive")


def _read_schema(folder: Path, config: str) -> pa.Schema | None:
    """The Arrow schema of a table in a version folder (first shard), or ``None``."""
    if config == "removed":
        path = folder / schema.AUDIT_FILE
        return pq.read_schema(path).remove_metadata() if path.is_file() else None
    files = sorted((folder / "data" / config).glob("*.parquet"))
    return pq.read_schema(files[0]).remove_metadata() if files else None


def _row_digests(table: pa.Table | None, key: list[str], columns: list[str]
                 ) -> dict[tuple, tuple[str, str]]:
    """key → (digest of ``columns``, split) for each row."""
    if table is None:
        return {}
    out = {}
    for row in table.select([*dict.fromkeys(key + columns), "__split__"]).to_pylist():
        content = json.dumps([row[c] for c in columns], default=str, ensure_ascii=False)
        out[tuple(row[k] for k in key)] = (hashlib.sha256(content.encode()).hexdigest(),
                                           row["__split__"])
    return out


def schema_changes(old: pa.Schema | None, new: pa.Schema | None, table: str
                   ) -> list[SchemaChange]:
    """Column by column differences; a removed or retyped column breaks readers."""
    if old is None or new is None:
        return []
    changes = []
    old_fields = {f.name: f for f in old}
    new_fields = {f.name: f for f in new}
    for name, old_field in old_fields.items():
        new_field = new_fields.get(name)
        if new_field is None:
            changes.append(SchemaChange(table, name, "removed", "", True))
        elif not new_field.type.equals(old_field.type):
            changes.append(SchemaChange(table, name, "type",
                                        f"{old_field.type} → {new_field.type}", True))
        elif new_field.nullable and not old_field.nullable:
            changes.append(SchemaChange(table, name, "nullable", "may now be null", True))
    for name, new_field in new_fields.items():
        if name not in old_fields:
            changes.append(SchemaChange(table, name, "added", f"({new_field.type})", False))
    return changes


def diff_versions(old: Path, new: Path, new_name: str | None = None) -> Changelog:
    """Compare two version folders (documents, pairs, audit and schemas).

    ``new_name`` names the new version when its folder is not yet in place (the packager
    compares a temporary folder).
    """
    log = Changelog(old=old.name, new=new_name or new.name)
    old_docs, new_docs = _read_config(old, "documents"), _read_config(new, "documents")
    for folder, table in ((old, old_docs), (new, new_docs)):
        if table is not None and "id" not in table.column_names:
            raise ValueError(f"cannot compare with {folder}: its documents have no 'id' column")
    common = []
    if old_docs is not None and new_docs is not None:
        common = [c for c in old_docs.column_names
                  if c in new_docs.column_names and c != "__split__"]
    before = _row_digests(old_docs, ["id"], common)
    after = _row_digests(new_docs, ["id"], common)
    log.added = sorted(k[0] for k in after.keys() - before.keys())
    log.removed = sorted(k[0] for k in before.keys() - after.keys())
    for key in sorted(after.keys() & before.keys()):
        if after[key][0] != before[key][0]:
            log.changed.append(key[0])
        if after[key][1] != before[key][1]:
            log.moved.append(key[0])
    for table in (old_docs, new_docs):
        if table is not None and "source" in table.column_names:
            log.sources.update(zip(table.column("id").to_pylist(),
                                   table.column("source").to_pylist(), strict=True))
    named = {*log.added, *log.removed, *log.changed, *log.moved}
    log.sources = {doc_id: log.sources[doc_id] for doc_id in sorted(named & log.sources.keys())}
    pair_key = ["id_a", "id_b"]
    old_pairs = _row_digests(_read_config(old, "pairs"), pair_key, pair_key)
    new_pairs = _row_digests(_read_config(new, "pairs"), pair_key, pair_key)
    log.pairs_added = len(new_pairs.keys() - old_pairs.keys())
    log.pairs_removed = len(old_pairs.keys() - new_pairs.keys())
    old_audit, new_audit = old / schema.AUDIT_FILE, new / schema.AUDIT_FILE
    if old_audit.is_file() and new_audit.is_file():
        old_ids = set(pq.read_table(old_audit, columns=["id"]).column("id").to_pylist())
        new_ids = set(pq.read_table(new_audit, columns=["id"]).column("id").to_pylist())
        log.audit_added, log.audit_removed = len(new_ids - old_ids), len(old_ids - new_ids)
    for table in ("documents", "pairs", "removed"):
        log.schema_changes += schema_changes(_read_schema(old, table), _read_schema(new, table),
                                             table)
    return log


def suggest_next_version(previous: str | None, changelog: Changelog | None) -> str:
    """The version after ``previous`` that the changes call for.

    >>> suggest_next_version("1.2.3", Changelog("1.2.3", "new", added=["x"]))
    '1.3.0'
    >>> suggest_next_version(None, None)
    '1.0.0'
    """
    if previous is None:
        return "1.0.0"
    major, minor, patch = parse_version(previous)
    if changelog is not None and changelog.breaking:
        return f"{major + 1}.0.0"
    if changelog is not None and changelog.documents_changed:
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"
