"""The card's YAML header and ``croissant.json`` against the files they describe."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pyarrow.compute as pc

from cleaner.publish import schema
from cleaner.publish.layout import sha256_file
from cleaner.publish.licenses import license_problems
from cleaner.publish.validate.tables import column_values
from cleaner.publish.validate.violations import ConfigTable, Violation, strict_json

# --- card and croissant --------------------------------------------------------------------

def _split_files(config: ConfigTable) -> dict[str, list[str]]:
    """split → shard files of a config, in split order."""
    out: dict[str, list[str]] = {}
    for relative in config.files:
        out.setdefault(schema.SHARD_NAME.match(relative.rsplit("/", 1)[-1]).group(1),
                       []).append(relative)
    return {split: sorted(out[split]) for split in schema.SPLITS if split in out}


def _rows_per_split(config: ConfigTable) -> dict[str, int]:
    """split → number of rows of a config."""
    if config.table is None:
        return {}
    counts = pc.value_counts(config.table.column("__split__"))
    return dict(zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist(),
                    strict=True))


def check_card(folder: Path, manifest: dict[str, Any] | None, docs: ConfigTable, pairs: ConfigTable
               ) -> list[Violation]:
    """The README's YAML header describes exactly these files."""
    from cleaner.publish.card import read_card_metadata

    path = folder / "README.md"
    if not path.is_file():
        return []
    try:
        meta = read_card_metadata(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        return [Violation("README.md", str(error), "card")]

    def bad(message: str) -> Violation:
        return Violation("README.md", message, "card")

    out = []
    if manifest is not None and str(meta.get("version")) != str(manifest.get("version")):
        out.append(bad(f"version {meta.get('version')!r} differs from the manifest's "
                       f"{manifest.get('version')!r}"))
    for key in ("license", "pretty_name", "task_categories", "size_categories"):
        if key not in meta:
            out.append(bad(f"YAML header has no '{key}'"))
    if "license" in meta:
        out.extend(bad(problem) for problem in license_problems(
            meta["license"], meta.get("license_name", ""), meta.get("license_link", "")))
    found = {*column_values(docs.table, "lang"), *column_values(pairs.table, "lang_a"),
             *column_values(pairs.table, "lang_b")}
    languages = sorted(found - {"und"})
    if docs.table is not None and sorted(meta.get("language") or []) != languages:
        out.append(bad(f"language {meta.get('language')} differs from the data's {languages}"))
    configs = {c.get("config_name"): c for c in meta.get("configs") or [] if isinstance(c, dict)}
    infos = {i.get("config_name"): i for i in meta.get("dataset_info") or []
             if isinstance(i, dict)}
    if not configs.get("documents", {}).get("default"):
        out.append(bad("configs: 'documents' is not declared as the default config"))
    for name, config in (("documents", docs), ("pairs", pairs)):
        files = _split_files(config)
        declared = configs.get(name)
        if not files:
            if declared is not None:
                out.append(bad(f"configs: '{name}' is declared but has no data files"))
            continue
        if declared is None:
            out.append(bad(f"configs: '{name}' is missing"))
            continue
        card_files = {}
        for entry in declared.get("data_files") or []:
            paths = entry.get("path")
            card_files[entry.get("split")] = sorted([paths] if isinstance(paths, str) else paths)
        if card_files != files:
            out.append(bad(f"configs: data_files of '{name}' are {card_files}, the folder has "
                           f"{files}"))
        info = infos.get(name) or {}
        if info.get("features") != schema.card_features(name):
            out.append(bad(f"dataset_info: features of '{name}' differ from schemas/{name}.json"))
        card_rows = {s.get("name"): s.get("num_examples") for s in info.get("splits") or []}
        if card_rows != _rows_per_split(config):
            out.append(bad(f"dataset_info: splits of '{name}' say {card_rows}, the files hold "
                           f"{_rows_per_split(config)}"))
    previous = (manifest or {}).get("previous_version")
    text = path.read_text(encoding="utf-8")
    for image in sorted(set(re.findall(r"\]\((images/[^)\s]+)\)", text))):
        if not (folder / image).is_file():
            out.append(bad(f"shows {image}, which is not in the folder"))
    if "## Changelog" not in text:
        out.append(bad("no '## Changelog' section"))
    elif previous and f"previous version, {previous}" not in text:
        out.append(bad(f"the changelog does not name the previous version {previous}"))
    return out


def check_croissant(folder: Path, manifest: dict[str, Any] | None, parquet_files: list[str]
                    ) -> list[Violation]:
    """``croissant.json`` names this version, every Parquet file with its sha256, and the
    schemas' fields."""
    path = folder / "croissant.json"
    if not path.is_file():
        return []
    try:
        meta = strict_json(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        return [Violation("croissant.json", f"not valid JSON: {error}", "croissant")]
    out = []
    if manifest is not None and meta.get("version") != manifest.get("version"):
        out.append(Violation("croissant.json", f"version {meta.get('version')!r} differs from "
                             f"the manifest's {manifest.get('version')!r}", "croissant"))
    objects = {d.get("contentUrl"): d for d in meta.get("distribution", [])
               if isinstance(d, dict) and d.get("@type") == "cr:FileObject"}
    for relative in parquet_files:
        if relative not in objects:
            out.append(Violation("croissant.json", f"{relative} is not in the distribution",
                                 "croissant"))
        elif objects[relative].get("sha256") != sha256_file(folder / relative):
            out.append(Violation("croissant.json", f"sha256 of {relative} differs from the file",
                                 "croissant"))
    record_sets = {r.get("name"): r for r in meta.get("recordSet", []) if isinstance(r, dict)}
    present = {"documents": any(f.startswith("data/documents/") for f in parquet_files),
               "pairs": any(f.startswith("data/pairs/") for f in parquet_files), "removed": True}
    for name, expected in present.items():
        record_set = record_sets.get(name)
        if record_set is None:
            if expected:
                out.append(Violation("croissant.json", f"no record set '{name}'", "croissant"))
            continue
        names = [f.get("name") for f in record_set.get("field", []) if isinstance(f, dict)]
        wanted = schema.load_schema(name).names + ([] if name == "removed" else ["split"])
        if names != wanted:
            out.append(Violation("croissant.json", f"fields of record set '{name}' differ from "
                                 f"schemas/{name}.json", "croissant"))
    for relative in sorted(objects.keys() - set(parquet_files)):
        out.append(Violation("croissant.json", f"names a file that does not exist: {relative}",
                             "croissant"))
    return out
