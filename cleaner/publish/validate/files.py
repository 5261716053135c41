"""Files and manifest: the layout of the folder, and every file's checksum, size and rows."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from cleaner.publish import schema
from cleaner.publish.layout import sha256_file
from cleaner.publish.validate.violations import LAYOUT_FILES, Violation, strict_json

# --- files and manifest --------------------------------------------------------------------

def check_layout(folder: Path, files: list[str]) -> list[Violation]:
    """Required files present, shards named and numbered right, nothing else."""
    out = [Violation(name, "missing", "files") for name in LAYOUT_FILES if name not in files]
    shards: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    for name in files:
        parts = name.split("/")
        if name in LAYOUT_FILES:
            continue
        if len(parts) == 3 and parts[0] == "data" and parts[1] in ("documents", "pairs"):
            match = schema.SHARD_NAME.match(parts[2])
            if not match:
                out.append(Violation(name, "not named <split>-NNNNN-of-NNNNN.parquet with split "
                                     "train, validation or test", "files"))
                continue
            shards[(parts[1], match.group(1))].append((int(match.group(2)), int(match.group(3))))
        elif not (len(parts) == 2 and parts[0] == "images" and parts[1].endswith(".svg")):
            out.append(Violation(name, "unexpected file in a version folder", "files"))
    for (config, split), numbers in sorted(shards.items()):
        count = {total for _, total in numbers}
        indexes = sorted(index for index, _ in numbers)
        if len(count) != 1 or indexes != list(range(next(iter(count)))):
            out.append(Violation(f"data/{config}/{split}-*.parquet",
                                 f"shards {indexes} do not run 0..N-1 of N={sorted(count)}",
                                 "files"))
    if not any(key[0] == "documents" for key in shards):
        out.append(Violation("data/documents", "no documents shard", "files"))
    return out


def load_manifest(folder: Path) -> tuple[dict[str, Any] | None, list[Violation]]:
    """Read ``manifest.json`` and check its keys and version."""
    path = folder / "manifest.json"
    try:
        manifest = strict_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, []  # reported by the layout check
    except (OSError, UnicodeDecodeError, ValueError) as error:
        return None, [Violation("manifest.json", f"not valid JSON: {error}", "manifest")]
    if not isinstance(manifest, dict):
        return None, [Violation("manifest.json", "not a JSON object", "manifest")]
    out = []
    for key in ("name", "version", "tool", "config", "inputs", "counts", "files"):
        if key not in manifest:
            out.append(Violation("manifest.json", f"missing key '{key}'", "manifest"))
    inputs = manifest.get("inputs", {})
    if not isinstance(inputs, dict) or not all(
            isinstance(v, str) and re.fullmatch(r"[0-9a-f]{64}", v) for v in inputs.values()):
        out.append(Violation("manifest.json", "'inputs' must map each input file to its sha256",
                             "manifest"))
    if not isinstance(manifest.get("files"), dict):
        return None, out + [Violation("manifest.json", "'files' is not an object", "manifest")]
    version = manifest.get("version")
    if schema.SEMVER.match(folder.name) and version != folder.name:
        out.append(Violation("manifest.json", f"version {version!r} does not match the folder "
                             f"name {folder.name!r}", "manifest"))
    return manifest, out


def check_manifest(folder: Path, files: list[str], manifest: dict[str, Any]) -> list[Violation]:
    """Every file is listed, with the sha256, size and rows the manifest says."""
    out = []
    listed: dict[str, Any] = manifest["files"]
    for name in files:
        if name != "manifest.json" and name not in listed:
            out.append(Violation(name, "not listed in manifest.json", "manifest"))
    for name, entry in sorted(listed.items()):
        path = folder / name
        if not path.is_file():
            out.append(Violation(name, "listed in manifest.json but missing", "manifest"))
            continue
        if not isinstance(entry, dict):
            out.append(Violation("manifest.json", f"entry for {name} is not an object",
                                 "manifest"))
            continue
        if entry.get("bytes") is not None and entry["bytes"] != path.stat().st_size:
            out.append(Violation(name, f"size {path.stat().st_size} differs from the manifest's "
                                 f"{entry['bytes']}", "manifest"))
        if entry.get("sha256") != sha256_file(path):
            out.append(Violation(name, "sha256 differs from manifest.json (the file was changed "
                                 "or damaged)", "manifest"))
        if "rows" in entry and name.endswith(".parquet"):
            try:
                rows = pq.read_metadata(path).num_rows
            except (pa.ArrowException, OSError):
                continue  # reported by the schema check
            if rows != entry["rows"]:
                out.append(Violation(name, f"{rows} rows, manifest.json says {entry['rows']}",
                                     "manifest"))
    return out
