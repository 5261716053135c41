"""The existing-version check, made before a build runs.

A version is never overwritten with different content. Whether a rebuild would give the same
content is decided from what the version's manifest records of how it was built: the sha256 of
every input file, every setting, and the tool's version. Equal: the build would write the same
bytes (builds are deterministic), so it is "unchanged" at once, without running the pipeline.
Different: the build would be refused at its end anyway, so it fails at once, saying what
differs and which ``--version`` to build instead.

The trade-off: the tool's version stands for its code. A development checkout whose code
changed without a new tool version is called unchanged; this repository's dist test guards
that case by building the seeds in full and comparing every byte. The check costs one hashing
pass over the inputs, and only when the version exists; a manifest that cannot be read leaves
the decision to the full build (whose written files are then compared byte for byte).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cleaner.errors import PublishError
from cleaner.publish import schema
from cleaner.publish.layout import files_of, sha256_file
from cleaner.tool import VERSION


@dataclass
class Existing:
    """An identical version that already exists: what the build summary shows of it."""

    path: Path
    counts: dict[str, int] = field(default_factory=dict)
    languages: Counter[str] = field(default_factory=Counter)
    removals: Counter[str] = field(default_factory=Counter)


def _flat(data: Any, prefix: str = "") -> dict[str, Any]:
    """Nested settings as ``section.key`` -> value.

    >>> _flat({"a": {"b": 1, "c": [2]}})
    {'a.b': 1, 'a.c': [2]}
    """
    if not isinstance(data, dict):
        return {prefix: data}
    out: dict[str, Any] = {}
    for key, value in data.items():
        out.update(_flat(value, f"{prefix}.{key}" if prefix else str(key)))
    return out


def differences(manifest: dict[str, Any], config: dict[str, Any],
                inputs: dict[str, str]) -> list[str]:
    """What differs between a version's manifest and a build about to run, in words.

    >>> m = {"inputs": {"a": "1"}, "config": {"x": {"y": 1}}, "tool": {"version": "0"}}
    >>> differences(m, {"x": {"y": 2}}, {"a": "1", "b": "2"})  # doctest: +ELLIPSIS
    ['inputs (1 added)', 'settings (x.y)', 'tool version (0, now ...)']
    """
    out = []
    old_inputs = manifest.get("inputs") or {}
    if old_inputs != inputs:
        added = len(set(inputs) - set(old_inputs))
        gone = len(set(old_inputs) - set(inputs))
        changed = sum(1 for key in set(inputs) & set(old_inputs) if inputs[key] != old_inputs[key])
        parts = [f"{n} {what}" for n, what in ((added, "added"), (gone, "removed"),
                                               (changed, "changed")) if n]
        out.append(f"inputs ({', '.join(parts)})")
    old, new = _flat(manifest.get("config") or {}), _flat(json.loads(json.dumps(config,
                                                                                 default=str)))
    keys = sorted(key for key in set(old) | set(new) if old.get(key) != new.get(key))
    if keys:
        more = f" and {len(keys) - 3} more" if len(keys) > 3 else ""
        out.append(f"settings ({', '.join(keys[:3])}{more})")
    tool = (manifest.get("tool") or {}).get("version")
    if tool != VERSION:
        out.append(f"tool version ({tool}, now {VERSION})")
    return out


def next_free_version(dataset_dir: Path, version: str) -> str:
    """The next minor version above every version in ``dataset_dir``, for the hint.

    >>> next_free_version(Path("/nonexistent"), "1.0.0")
    '1.1.0'
    """
    from cleaner.publish.versions import parse_version

    highest = parse_version(version)
    if dataset_dir.is_dir():
        for child in dataset_dir.iterdir():
            if schema.SEMVER.match(child.name):
                highest = max(highest, parse_version(child.name))
    return f"{highest[0]}.{highest[1] + 1}.0"


def read_manifest(out_dir: Path) -> dict[str, Any] | None:
    """The version's manifest, or None when there is none that can be read."""
    try:
        manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def damaged_file(out_dir: Path, manifest: dict[str, Any]) -> str | None:
    """The first file of the folder that its manifest does not list with this checksum."""
    listed = manifest.get("files") or {}
    present = {name: path for name, path in files_of(out_dir).items() if name != "manifest.json"}
    for name in sorted(set(listed) | set(present)):
        entry = listed.get(name)
        if name not in present or not isinstance(entry, dict):
            return name
        if entry.get("sha256") != sha256_file(present[name]):
            return name
    return None


def _short(path: Path) -> str:
    """The path relative to the current folder when it is inside it, as a person types it."""
    try:
        return Path(os.path.abspath(path)).relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


def check_existing(out_dir: Path, config: dict[str, Any], inputs: dict[str, str]
                   ) -> Existing | None:
    """None when ``out_dir`` does not exist (or its manifest cannot be read: the full build
    decides); an :class:`Existing` when it was built from the same inputs, settings and tool;
    else :class:`PublishError`, one line, with the version to build instead."""
    if not out_dir.exists():
        return None
    manifest = read_manifest(out_dir)
    if manifest is None:
        return None
    suggested = next_free_version(out_dir.parent, out_dir.name)
    hint = f"build a new version instead: --version {suggested}"
    shown = _short(out_dir)
    what = differences(manifest, config, inputs)
    if what:
        raise PublishError(f"{shown} already exists, built from other {' and '.join(what)}; "
                           f"{hint}; it was left untouched")
    damaged = damaged_file(out_dir, manifest)
    if damaged is not None:
        raise PublishError(f"{shown} already exists but {damaged} does not match its manifest "
                           f"(edited or damaged: run cleaner validate); {hint}")
    return Existing(out_dir, dict(manifest.get("counts") or {}), *_tallies(out_dir))


def _tallies(out_dir: Path) -> tuple[Counter[str], Counter[str]]:
    """Kept documents per language and removals per reason, read from the version's files."""
    import pyarrow.parquet as pq

    languages: Counter[str] = Counter()
    removals: Counter[str] = Counter()
    try:
        for path in sorted((out_dir / "data" / "documents").glob("*.parquet")):
            languages.update(pq.read_table(path, columns=["lang"]).column("lang").to_pylist())
        audit = out_dir / schema.AUDIT_FILE
        removals.update(pq.read_table(audit, columns=["reason"]).column("reason").to_pylist())
    except (OSError, ValueError, KeyError):
        pass  # only for the summary
    return languages, removals


__all__ = ["Existing", "check_existing", "differences", "next_free_version"]
