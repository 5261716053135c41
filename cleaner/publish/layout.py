"""The names and checksums that a version's writer and its readers share.

A version ``DIR/NAME/X.Y.Z/`` holds ``README.md``, ``images/*.svg``, ``croissant.json``,
``manifest.json``, ``data/documents/<split>-NNNNN-of-NNNNN.parquet``,
``data/pairs/<split>-NNNNN-of-NNNNN.parquet`` and ``audit/removed.parquet``
(``docs/version-format.md`` describes every file and column).
"""

from __future__ import annotations

import filecmp
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:

    pass


def shard_name(split: str, index: int, count: int) -> str:
    """``train-00000-of-00002.parquet``"""
    return f"{split}-{index:05d}-of-{count:05d}.parquet"


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


def files_of(folder: Path) -> dict[str, Path]:
    """relative POSIX path → path, for every file under ``folder``."""
    return {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*")) if p.is_file()}


def first_difference(a: Path, b: Path) -> str | None:
    """The first file (relative path) that differs between two folders, or ``None``;
    data files are compared first, as they say the most."""
    files_a, files_b = files_of(a), files_of(b)
    for name in sorted(set(files_a) | set(files_b), key=lambda n: (not n.startswith("data/"), n)):
        if name not in files_a or name not in files_b:
            return name
        if not filecmp.cmp(files_a[name], files_b[name], shallow=False):
            return name
    return None
