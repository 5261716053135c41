"""``manifest.json``: what was built, by which tool, with which settings, from which inputs,
and the sha256, size and rows of every file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cleaner.errors import PublishError
from cleaner.tool import NAME, VERSION

if TYPE_CHECKING:

    from cleaner.publish.settings import PublishSettings
from cleaner.publish.layout import files_of, sha256_file


def build_manifest(settings: PublishSettings, version: str, previous: str | None,
                   folder: Path, input_digests: dict[str, str], counts: dict[str, Any],
                   row_counts: dict[str, int]) -> dict[str, Any]:
    """The manifest: what was built, by which tool, with which settings, from which inputs, and
    the sha256/size/rows of every file."""
    files = {}
    for relative, path in files_of(folder).items():
        entry: dict[str, Any] = {"sha256": sha256_file(path), "bytes": path.stat().st_size}
        if relative in row_counts:
            entry["rows"] = row_counts[relative]
        files[relative] = entry
    return {
        "name": settings.dataset.name,
        "version": version,
        "previous_version": previous,
        "tool": {"name": NAME, "version": VERSION},
        "config": json.loads(_strict_json(settings.config)),
        "inputs": dict(sorted(input_digests.items())),
        "counts": counts,
        "files": files,
    }


def _strict_json(value: Any, **options: Any) -> str:
    """JSON that every parser accepts: ``NaN`` and ``Infinity`` are not JSON, so a setting
    holding one is an error here rather than a manifest no reader can load.

    >>> _strict_json({"train": float("nan")})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    cleaner.errors.PublishError: the manifest cannot hold a number that is not finite ...
    """
    try:
        return json.dumps(value, default=str, allow_nan=False, **options)
    except ValueError as error:
        raise PublishError(f"the manifest cannot hold a number that is not finite (NaN or "
                           f"infinity): {error}") from None


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    """Write ``manifest.json`` (sorted keys: deterministic bytes)."""
    text = _strict_json(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    (folder / "manifest.json").write_text(text, encoding="utf-8")
