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
from cleaner.publish.validate.violations import (
    MAX_EXAMPLES,
    ConfigTable,
    Violation,
    strict_json,
)
from cleaner.publish.versions import plural
from cleaner.text.escape import markdown_code

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
    out += [bad(message) for message in _against_manifest(meta, text, manifest)]
    out += [bad(message) for message in markup_in_prose(text)]
    if "## Changelog" not in text:
        out.append(bad("no '## Changelog' section"))
    elif previous and f"previous version, {previous}" not in text:
        out.append(bad(f"the changelog does not name the previous version {previous}"))
    return out


def _against_manifest(meta: dict[str, Any], text: str, manifest: dict[str, Any] | None
                      ) -> list[str]:
    """The card says what the manifest says: licence, name, task categories, counts."""
    if manifest is None:
        return []
    dataset = (manifest.get("config") or {}).get("dataset") or {}
    counts = manifest.get("counts") or {}
    out = []
    expected = {"license": dataset.get("license"),
                "pretty_name": dataset.get("pretty_name") or dataset.get("name"),
                "task_categories": dataset.get("task_categories")}
    for key, value in expected.items():
        if key in meta and meta[key] != value:
            out.append(f"YAML header: {key} {meta[key]!r} differs from the manifest's {value!r}")
    if dataset.get("license") is not None and \
            f"- License: {markdown_code(dataset['license'])}\n" not in text:
        out.append(f"the card does not state the manifest's license {dataset['license']!r}")
    if all(isinstance(counts.get(k), int) for k in ("documents", "inputs", "removed")):
        line = (f"- **{plural(counts['documents'], 'document')}** kept out of "
                f"{plural(counts['inputs'], 'input document')} ({counts['removed']} removed")
        if line not in text:
            out.append("the card's counts differ from the manifest's")
    return out


def _prose(text: str) -> list[tuple[int, str]]:
    """(line number, line) of the card outside its YAML header and fenced code blocks, code
    spans blanked (what they hold is shown as typed)."""
    lines = text.split("\n")
    start = 0
    if lines and lines[0] == "---":
        start = next((i + 1 for i in range(1, len(lines)) if lines[i] == "---"), len(lines))
    out, fence = [], None
    for number in range(start, len(lines)):
        line = lines[number]
        opening = re.match(r"(`{3,}|~{3,})", line)
        if fence is None and opening:
            fence = opening.group(1)
        elif fence is not None:
            if line.startswith(fence) and not line.strip(fence[0]):
                fence = None
        else:
            out.append((number + 1, re.sub(r"(?<!\\)(`+)(?!`).*?(?<!`)\1(?!`)", "", line)))
    return out


# What the packager never writes into the card's prose (it escapes every string from the
# data): an HTML tag, a link other than an image of images/ or an http(s) autolink, a link
# reference definition, a control or bidirectional character.
RAW_TAG = re.compile(r"(?<!\\)<(?!https?://[^\s<>]*>)[A-Za-z/!?]")
# Arrow types in the schema table (``list<struct<lang: string>>``), written bare by cleaner
# 0.1.0: they are not read as tags where they stand, and are skipped.
ARROW_TYPE = re.compile(r"\b(?:list|struct)<[^|\n]*>")
RAW_LINK = re.compile(r"(?<!\\)\]\((?!images/[\w.-]+\.svg\))|^ {0,3}\[[^\]]*\]:")
ACTIVE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def markup_in_prose(text: str) -> list[str]:
    """Raw HTML, foreign links and active characters in a card (a tampered card, or one
    written by a tool that did not escape its data).

    >>> markup_in_prose("# T\\n\\n- `<b>` \\\\<img\\n\\n![c](images/a.svg) <https://x.org>")
    []
    >>> markup_in_prose("x <img src=y onerror=z> [a](javascript:b)")
    ["line 1: raw HTML '<img src=y o'", "line 1: a link '](javascript:b)'"]
    """
    out = []
    if ACTIVE.search(text):
        out.append(f"control character {ACTIVE.search(text).group(0)!r} in the card")
    for number, line in _prose(text):
        line = ARROW_TYPE.sub("", line)
        for match in RAW_TAG.finditer(line):
            out.append(f"line {number}: raw HTML {line[match.start():match.start() + 12]!r}")
        for match in RAW_LINK.finditer(line):
            out.append(f"line {number}: a link {line[match.start():match.start() + 15]!r}")
    return out[:MAX_EXAMPLES]


# Elements and attributes of the charts the packager draws (publish/charts.py); an image
# with anything else (a script, an event handler, a link, a style) was not drawn by it.
SVG_ELEMENTS = {"svg", "title", "desc", "rect", "text", "line", "g"}
SVG_ATTRIBUTES = {"width", "height", "viewBox", "role", "x", "y", "x1", "y1", "x2", "y2",
                  "fill", "stroke", "stroke-width", "font-family", "font-size", "font-weight",
                  "text-anchor", "opacity", "fill-opacity"}
MAX_SVG_BYTES = 1 << 20


def unsafe_svg(data: bytes) -> str | None:
    """Why an image is not one of the packager's charts, or ``None``.

    >>> unsafe_svg(b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="1"/></svg>')
    >>> unsafe_svg(b'<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>')
    'element <script> is not drawn by cleaner'
    """
    import xml.etree.ElementTree as ET

    if len(data) > MAX_SVG_BYTES:
        return f"larger than {MAX_SVG_BYTES} bytes"
    if re.search(rb"<!(?:DOCTYPE|ENTITY)|<\?xml-stylesheet", data, re.IGNORECASE):
        return "a document type, entity or stylesheet declaration"
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        return f"not well-formed XML ({error})"
    namespace = "{http://www.w3.org/2000/svg}"
    for element in root.iter():
        name = element.tag.removeprefix(namespace)
        if name not in SVG_ELEMENTS:
            return f"element <{name}> is not drawn by cleaner"
        for attribute, value in element.attrib.items():
            if attribute not in SVG_ATTRIBUTES:
                return f"attribute {attribute!r} of <{name}> is not drawn by cleaner"
            if re.search(r"url\(|javascript:|data:|expression\(", value, re.IGNORECASE):
                return f"attribute {attribute!r} of <{name}> refers elsewhere"
    return None


def check_images(folder: Path, files: list[str], manifest: dict[str, Any] | None
                 ) -> list[Violation]:
    """Every image is a chart the card shows, made only of what cleaner draws; when the
    version was built by this tool version, exactly the charts it draws from the data."""
    from cleaner.publish.charts import make_charts, read_facts
    from cleaner.tool import NAME, VERSION

    images = [f for f in files if f.startswith("images/")]
    card = folder / "README.md"
    shown = set(re.findall(r"\]\((images/[^)\s]+)\)", card.read_text(encoding="utf-8",
                                                                   errors="replace"))
                ) if card.is_file() else set()
    out = []
    for relative in images:
        if relative not in shown:
            out.append(Violation(relative, "an image the card does not show", "images"))
        problem = unsafe_svg((folder / relative).read_bytes())
        if problem:
            out.append(Violation(relative, f"not a chart drawn by cleaner: {problem}",
                                 "images"))
    tool = (manifest or {}).get("tool") or {}
    if out or tool != {"name": NAME, "version": VERSION}:
        return out
    try:
        drawn = {chart.file: svg for chart, svg in make_charts(read_facts(folder))}
    except Exception:  # noqa: BLE001 - unreadable tables are reported by the schema check
        return out
    for relative in sorted(set(images) | set(drawn)):
        if relative not in drawn:
            out.append(Violation(relative, "not a chart that cleaner draws for this data",
                                 "images"))
        elif relative not in images:
            out.append(Violation(relative, "a chart of this data is missing", "images"))
        elif (folder / relative).read_bytes() != drawn[relative].encode("utf-8"):
            out.append(Violation(relative, "differs from the chart cleaner draws from the data",
                                 "images"))
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
