"""Small helpers shared by several test files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow.parquet as pq

# The repository's root folder (seeds/, dataset.toml, README.md).
ROOT = Path(__file__).resolve().parent.parent


def refresh_manifest(version: Path) -> None:
    """What a careless hand edit does: make the manifest's checksums match the files again."""
    manifest = json.loads((version / "manifest.json").read_text())
    for name, entry in manifest["files"].items():
        data = (version / name).read_bytes()
        entry["sha256"] = hashlib.sha256(data).hexdigest()
        entry["bytes"] = len(data)
        if "rows" in entry:
            entry["rows"] = pq.read_metadata(version / name).num_rows
    (version / "manifest.json").write_text(json.dumps(manifest))
