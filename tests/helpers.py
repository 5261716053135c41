"""Small helpers shared by several test files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow.parquet as pq

# The repository's root folder (seeds/, dataset.toml, README.md).
ROOT = Path(__file__).resolve().parent.parent


def _seeds_version() -> str:
    import tomllib

    return tomllib.loads((ROOT / "dataset.toml").read_text(encoding="utf-8"))["dataset"]["version"]


# The version dataset.toml builds, and a later one (tests must not hard-code either: the
# integrator moves dataset.toml to a new version at each integration).
SEEDS_VERSION = _seeds_version()
NEXT_VERSION = "{}.{}.0".format(*(int(part) + (i == 1) for i, part
                                  in enumerate(SEEDS_VERSION.split(".")[:2])))


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
