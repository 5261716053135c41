"""The packager: turns the kept documents, the audit and the pairs into a published version.

A version ``DIR/NAME/X.Y.Z/`` (see docs/version-format.md) holds::

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

import secrets
import shutil
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cleaner.document import Document, Pair, Removal
from cleaner.errors import PublishError
from cleaner.publish import schema
from cleaner.publish.lock import DEFAULT_WAIT, VersionLock

if TYPE_CHECKING:

    from cleaner.pipeline import RunState, StepStats
    from cleaner.publish.settings import PublishSettings
    from cleaner.publish.versions import Changelog
from cleaner.publish.layout import SplitFiles, first_difference
from cleaner.publish.manifest import build_manifest, write_manifest
from cleaner.publish.splits import split_keys, split_of
from cleaner.publish.tables import (
    arrow_table,
    document_row,
    removal_row,
    unique_pairs,
    write_parquet,
    write_shards,
)

# meta keys that become typed columns; any other key goes to ``extra_meta`` as JSON.

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


# --- checks before writing -----------------------------------------------------------------

def translation_anchors(removals: list[Removal]) -> dict[str, str]:
    """Removed translation -> the kept document it translates (``duplicate_of``).

    A story published in several languages keeps one document; a pair between two of its
    translations (e.g. the German and the French of an English story) has no kept side, and
    belongs with the kept original.
    """
    return {r.id: r.duplicate_of for r in removals
            if r.reason == "translation" and r.duplicate_of is not None}


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
    anchors = translation_anchors(removals)
    for pair in pairs:
        if seen.get(anchors.get(pair.id_a, pair.id_a)) != "kept":
            raise PublishError(f"translation pair ({pair.source_a!r}, {pair.source_b!r}): "
                               "document a is neither kept nor a translation of a kept document")
        if pair.id_b not in seen:
            raise PublishError(f"translation pair ({pair.source_a!r}, {pair.source_b!r}): "
                               "document b is neither kept nor removed")


def newest_date(docs: list[Document]) -> str:
    """The newest publication or crawl date of the documents (ISO), "" when none has one.

    >>> import datetime as dt
    >>> newest_date([Document("a", published=dt.date(2021, 5, 4), meta={"crawled": "2024-03-01"})])
    '2024-03-01'
    """
    dates = [doc.published.isoformat() for doc in docs if doc.published]
    dates += [str(doc.meta["crawled"])[:10] for doc in docs if doc.meta.get("crawled")]
    return max(dates, default="")


# --- the version folder --------------------------------------------------------------------

def _temp_dir(out_dir: Path) -> Path:
    """A new temporary folder name beside ``out_dir`` (same file system: rename is atomic).

    Random, not the process id: two containers are both PID 1, two hosts sharing a volume
    have their own PIDs.
    """
    return out_dir.parent / f".{out_dir.name}.tmp-{secrets.token_hex(8)}"


def clean_stale_temps(out_dir: Path) -> list[Path]:
    """Remove the temporary folders of ``out_dir`` that builds which died left behind.

    Call it holding the version's lock (:class:`~cleaner.publish.lock.VersionLock`): only
    the holder writes a temporary folder of the version, so every other one is a leftover.
    """
    removed = []
    for temp in sorted(out_dir.parent.glob(f".{out_dir.name}.tmp-*")):
        shutil.rmtree(temp, ignore_errors=True)
        removed.append(temp)
    return removed


@dataclass
class Tables:
    """What the Parquet files of a version hold, as the card, croissant and manifest need it:
    written by :func:`_write_tables` from documents in memory, or by the tasks of a sharded
    build from row files (the facts add up across shards)."""

    documents: SplitFiles
    pairs: SplitFiles
    # relative path -> rows, of every Parquet file.
    row_counts: dict[str, int]
    # split (and "pairs") -> language -> count.
    languages: dict[str, Counter]
    # inputs, documents, removed, pairs.
    counts: dict[str, int]
    # The newest publication or crawl date of the kept documents (ISO), "" when none.
    newest: str
    # Removed documents per reason; unique pairs per "a → b" languages.
    removals: Counter
    pair_languages: Counter


def _write_tables(docs: list[Document], state: RunState, settings: PublishSettings, temp: Path
                  ) -> Tables:
    """Write the documents, pairs and audit Parquet files into ``temp``."""
    import pyarrow.parquet as pq

    keys = split_keys(docs, state.pairs)
    ratios = settings.splits.ratios()
    split_by_id = {doc_id: split_of(key, settings.splits.seed, ratios)
                   for doc_id, key in keys.items()}
    doc_rows: dict[str, list[dict[str, Any]]] = {}
    languages: dict[str, Counter] = {}
    for doc in sorted(docs, key=lambda d: d.id):
        split = split_by_id[doc.id]
        doc_rows.setdefault(split, []).append(document_row(doc))
        languages.setdefault(split, Counter())[doc.lang] += 1
    pair_rows: dict[str, list[dict[str, Any]]] = {}
    anchors = translation_anchors(state.removals)
    pairs_kept = unique_pairs(state.pairs)
    for pair in pairs_kept:
        # A pair between two translations of one story is in the split of its kept original.
        split = split_by_id[anchors.get(pair.id_a, pair.id_a)]
        pair_rows.setdefault(split, []).append(asdict(pair))
        for lang in (pair.lang_a, pair.lang_b):
            languages.setdefault("pairs", Counter())[lang] += 1
    documents = write_shards(doc_rows, "documents", temp, settings.package)
    pairs = write_shards(pair_rows, "pairs", temp, settings.package)
    removed = [removal_row(r) for r in sorted(state.removals, key=lambda r: r.id)]
    (temp / "audit").mkdir(parents=True, exist_ok=True)
    write_parquet(arrow_table(removed, "removed"), temp / schema.AUDIT_FILE, settings.package,
                  "removed")
    row_counts = {schema.AUDIT_FILE: len(removed)}
    for split_files in (documents, pairs):
        for files in split_files.files.values():
            for relative in files:
                row_counts[relative] = pq.read_metadata(temp / relative).num_rows
    counts = {"inputs": len(docs) + len(state.removals), "documents": len(docs),
              "removed": len(state.removals), "pairs": sum(pairs.rows.values())}
    return Tables(documents, pairs, row_counts, languages, counts, newest_date(docs),
                  Counter(r.reason for r in state.removals),
                  Counter(f"{p.lang_a} → {p.lang_b}" for p in pairs_kept))


def write_version(docs: list[Document], state: RunState, settings: PublishSettings, out_dir: Path,
                  input_digests: dict[str, str], lock_wait: float = DEFAULT_WAIT) -> WriteResult:
    """Publish ``docs`` (with the audit and pairs of ``state``) as the version ``out_dir``.

    ``out_dir`` is ``DIR/NAME/X.Y.Z``. Returns ``status="written"`` for a new version and
    ``"unchanged"`` when an identical one already exists; raises :class:`PublishError` when a
    different one exists, or when the data breaks the schema or the accounting.

    The version is written under its lock (:class:`~cleaner.publish.lock.VersionLock`): a
    second build of the same version waits up to ``lock_wait`` seconds for the first, then
    finds it published (identical: ``"unchanged"``; different: refused).
    """
    version = out_dir.name
    if not schema.SEMVER.match(version):
        raise PublishError(f"{out_dir}: the version folder must be named like 1.2.3")
    settings.splits.check()
    settings.package.check()
    check_accounting(docs, state.removals, state.pairs)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with VersionLock(out_dir, wait=lock_wait):
        clean_stale_temps(out_dir)
        temp = _temp_dir(out_dir)
        try:
            temp.mkdir()
            tables = _write_tables(docs, state, settings, temp)
            return finish_version(tables, list(state.stats.values()), settings, out_dir, temp,
                                  input_digests)
        except OSError as error:
            # A full disk, a read-only volume: say where (pyarrow's and write()'s errors
            # name no file).
            what = error.strerror or str(error).splitlines()[0] or type(error).__name__
            raise PublishError(f"cannot write the version into {temp.parent}: {what}") from None
        finally:
            shutil.rmtree(temp, ignore_errors=True)


def finish_version(tables: Tables, stats: list[StepStats], settings: PublishSettings,
                   out_dir: Path, temp: Path, input_digests: dict[str, str],
                   place: bool = True) -> WriteResult:
    """The rest of the write transaction, once the tables are in ``temp`` (under the version's
    lock, :func:`write_version`): changelog, croissant, charts, card, manifest, validation,
    then the rename into place. It reads the written files, never documents in memory, so a
    sharded build runs it as one task; with ``place=False`` a new version is left in
    ``temp`` for the caller to rename (:func:`place_version`), so a build stopped while the
    task runs never publishes.
    """
    import pyarrow as pa

    from cleaner.publish import card, charts, croissant
    from cleaner.publish.validate import validate_version
    from cleaner.publish.versions import diff_versions, previous_version, suggest_next_version

    version = out_dir.name
    documents, pairs, row_counts, languages = (tables.documents, tables.pairs,
                                               tables.row_counts, tables.languages)
    previous_dir = previous_version(out_dir.parent, version)
    previous = previous_dir.name if previous_dir else None
    changelog, compare_error = None, None
    if previous_dir is not None:
        try:
            changelog = diff_versions(previous_dir, temp, new_name=version)
        except (OSError, ValueError, KeyError, pa.ArrowException) as error:
            compare_error = str(error).splitlines()[0] if str(error) else repr(error)
    counts = tables.counts
    croissant.write_croissant(temp, settings, version, documents.files, pairs.files,
                              languages=card.data_languages(languages),
                              newest=tables.newest)
    drawn = charts.write_charts(temp)  # images/*.svg, drawn from the files just written
    card_data = card.CardData(
        settings=settings, version=version, documents=documents, pairs=pairs,
        languages=languages, removals=tables.removals,
        stats=stats, counts=counts, previous=previous,
        changelog=changelog, inputs=dict(input_digests), compare_error=compare_error,
        charts=drawn, pair_languages=tables.pair_languages)
    (temp / "README.md").write_text(card.render_card(card_data), encoding="utf-8")
    manifest = build_manifest(settings, version, previous, temp, input_digests, counts,
                              row_counts)
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
                         rows={"documents": counts["documents"], "removed": counts["removed"],
                               "pairs": counts["pairs"]})
    if not place and not out_dir.exists():
        return result
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
    place_version(temp, out_dir)
    return result


def place_version(temp: Path, out_dir: Path) -> None:
    """Rename a finished version from its temporary folder into place (atomic)."""
    try:
        temp.rename(out_dir)
    except OSError as error:
        raise PublishError(f"cannot move the new version into {out_dir}: "
                           f"{error.strerror}") from None
