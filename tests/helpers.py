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


def nested_folders(folder: Path, depth: int, name: str = "d") -> Path:
    """``folder/d/d/.../d`` ``depth`` deep, made with relative steps; returns the deepest.

    Python's own tree functions recurse (``os.walk``, ``shutil.rmtree`` in 3.11): remove it
    with :func:`remove_nested` before anything else tries to.
    """
    import os

    fd = os.open(folder, os.O_RDONLY)
    try:
        for _ in range(depth):
            os.mkdir(name, dir_fd=fd)
            inner = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
    finally:
        os.close(fd)
    return folder.joinpath(*[name] * depth)


def remove_nested(folder: Path, name: str = "d") -> None:
    """Remove ``folder/d/d/...`` from the bottom up, without recursion."""
    import os

    chain = [folder / name]
    while (chain[-1] / name).is_dir():
        chain.append(chain[-1] / name)
    for path in reversed(chain):
        if not path.is_dir():
            continue
        for entry in os.scandir(path):
            if not entry.is_dir(follow_symlinks=False):
                os.unlink(entry.path)
        os.rmdir(path)
