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
  ``documents`` or in the audit, never both; the manifest's counts add up; ids derived from
  sources, rows sorted by id, pairs that repeat their documents, clusters headed by a kept
  document, ``duplicate_of`` leading to a kept document (:mod:`.invariants`);
* ``splits`` — no id and no cluster in two splits, a pair in its document's split, every
  document in the split that the manifest's ``[splits]`` gives its cluster;
* ``card`` — the README's YAML header matches the files (configs, splits, sizes, features,
  languages, version) and the manifest (license, name, counts); its prose holds no raw HTML,
  no link but its charts and no control character (the packager escapes every string);
* ``images`` — every image is a chart the card shows, made only of what cleaner draws (and,
  built by this tool version, exactly the charts it draws from the data);
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

from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa

from cleaner.errors import NotAVersionError
from cleaner.publish import schema
from cleaner.publish.validate.card import check_card, check_croissant, check_images
from cleaner.publish.validate.files import check_layout, check_manifest, load_manifest
from cleaner.publish.validate.invariants import check_invariants
from cleaner.publish.validate.report import format_json, format_text, write_junit
from cleaner.publish.validate.tables import (
    check_constraints,
    check_references,
    read_config,
    read_parquet,
)
from cleaner.publish.validate.violations import (
    CHECKS,
    EXIT_INVALID,
    EXIT_USAGE,
    EXIT_VALID,
    Violation,
    relative_files,
)

# --- the whole check -----------------------------------------------------------------------

def validate_version(path: Path) -> list[Violation]:
    """Every rule above on the version folder ``path``; an empty list means valid.

    Raises :class:`NotAVersionError` when ``path`` is not a folder.
    """
    path = Path(path)
    if not path.is_dir():
        raise NotAVersionError(f"{path} is not a version folder (not a directory)")
    files = relative_files(path)
    out = check_layout(path, files)
    manifest, problems = load_manifest(path)
    out += problems
    if manifest is not None:
        out += check_manifest(path, files, manifest)
    docs, problems = read_config(path, files, "documents")
    out += problems
    pairs, problems = read_config(path, files, "pairs")
    out += problems
    audit = None
    if schema.AUDIT_FILE in files:
        audit, problems = read_parquet(path, schema.AUDIT_FILE, "removed")
        out += problems
    for config, name in ((docs, "documents"), (pairs, "pairs")):
        if config.table is not None:
            out += check_constraints(config.table, name, config.streamed)
    if audit is not None:
        rows = audit.num_rows
        audit_table = audit.append_column("__file__", pa.array([schema.AUDIT_FILE] * rows,
                                                                pa.string()))
        out += check_constraints(audit_table, "removed")
    out += check_references(docs, pairs, audit, manifest)
    out += check_invariants(docs, pairs, audit, manifest)
    out += check_card(path, manifest, docs, pairs)
    out += check_images(path, files, manifest)
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


__all__ = ["CHECKS", "EXIT_INVALID", "EXIT_USAGE", "EXIT_VALID", "Violation", "check_constraints",
           "exit_code", "find_versions", "format_json", "format_text", "validate_version",
           "write_junit"]
