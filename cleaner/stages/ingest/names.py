"""Naming input files: the ``source`` of each document, hence its id.

A source must not depend on where the build runs or on the order inputs are given in, and no
absolute path may leak into published data (docs/version-format.md):

* a file found in an input folder is named by its path relative to that folder;
* a file given directly is named by its file name;
* when two inputs hold the same name (``a/index.html`` and ``b/index.html`` given as folders
  ``a`` and ``b``), each of the files of that name is prefixed with its input's folder name
  (``a/index.html``, ``b/index.html``), or with more of its parent folders until the names
  differ. Only colliding names change, so adding an input renames no other file.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from cleaner.document import Removal, document_id


@dataclass(frozen=True)
class Entry:
    """A file to read, and the source it is named by."""

    source: str
    path: Path


def clean_name(name: str) -> str:
    """A file name safe to use as a source: undecodable bytes (from a non-UTF-8 file system)
    become U+FFFD instead of lone surrogates that cannot be written anywhere.

    >>> clean_name("caf\\udce9.txt")
    'caf\ufffd.txt'
    """
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def is_version_folder(path: Path) -> bool:
    """Whether a folder is a version written by ``cleaner build`` (never read as input)."""
    return (path / "manifest.json").is_file() and (path / "audit" / "removed.parquet").is_file()


def root_label(root: Path, depth: int) -> str:
    """The last ``depth`` folder names above the files of an input given as ``root`` (the
    folder itself, or the folder of a file given directly), as typed, links not resolved.

    >>> root_label(Path("/data/crawl-a/page.html"), 2)  # a file (not an existing folder)
    'data/crawl-a'
    """
    folder = Path(os.path.abspath(root))
    if not root.is_dir():
        folder = folder.parent
    parts = [clean_name(part) for part in folder.parts if part not in (folder.anchor, "")]
    return "/".join(parts[-depth:]) if parts else ""


def _with_label(item: Entry | Removal, source: str) -> Entry | Removal:
    if isinstance(item, Removal):
        return replace(item, source=source, id=document_id(source))
    return replace(item, source=source)


def name_entries(found: Iterable[tuple[Path, Entry | Removal]],
                 skipped: list[str]) -> list[Entry | Removal]:
    """Unique sources for everything found under the inputs, sorted by source.

    ``found`` holds (input, item) pairs; a file reached from two inputs (one folder inside
    another) is read once, under its first name in sorted order (noted in ``skipped``).
    """
    items: list[tuple[Path, Entry | Removal]] = []
    first_root: dict[str, Path] = {}
    for root, item in sorted(found, key=lambda pair: pair[1].source):
        if isinstance(item, Entry):
            real = os.path.realpath(item.path)
            if first_root.setdefault(real, root) is not root:
                skipped.append(f"{item.source} (also found under another input)")
                continue
        items.append((root, item))
    by_source: dict[str, list[int]] = defaultdict(list)
    for index, (_, item) in enumerate(items):
        by_source[item.source].append(index)
    taken = set(by_source)
    for source, indexes in sorted(by_source.items()):
        if len(indexes) < 2:
            continue
        for depth in range(1, 64):
            names = [f"{root_label(items[i][0], depth)}/{source}".lstrip("/") for i in indexes]
            if len(set(names)) == len(names) and not taken & set(names):
                break
        else:
            names = [source] + [f"{source}~{n}" for n in range(2, len(indexes) + 1)]
        for index, name in zip(indexes, names, strict=True):
            taken.add(name)
            items[index] = (items[index][0], _with_label(items[index][1], name))
    return sorted((item for _, item in items), key=lambda item: item.source)


__all__ = ["Entry", "clean_name", "is_version_folder", "name_entries", "root_label"]
