"""The dataset card (``README.md``): what a person reads first, and what the Hub parses.

The YAML header follows the Hugging Face dataset card metadata (``configs`` with ``documents``
as the default and ``pairs``, ``dataset_info`` with features and per-split sizes, ``license``,
``language``, ``task_categories``, ``size_categories``, ``pretty_name``) plus ``version``.
The prose says what is in the data and how it was made. Everything is derived from the data and
the config, never from the clock, so a rebuild gives the same card byte for byte.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml

from cleaner.publish import schema
from cleaner.publish.charts import charts_markdown
from cleaner.publish.settings import citation
from cleaner.publish.versions import plural
from cleaner.text.escape import (
    link_target,
    markdown_code,
    markdown_fence,
    markdown_text,
)

if TYPE_CHECKING:
    from cleaner.pipeline import StepStats
    from cleaner.publish.charts import Chart
    from cleaner.publish.layout import SplitFiles
    from cleaner.publish.settings import PublishSettings
    from cleaner.publish.versions import Changelog

LOAD_EXAMPLE = '''From a copy of this folder:

```python
from datasets import load_dataset

documents = load_dataset("{path}")            # the default config: train/validation/test
pairs = load_dataset("{path}", "pairs")       # translation pairs (when there are any)
```

From the Hugging Face Hub, after `cleaner push {path} --repo-id ORG/NAME`, each version is a tag:
`load_dataset("ORG/NAME", revision="{version}")`.'''


@dataclass
class CardData:
    """Everything the card shows, gathered by the packager."""

    settings: PublishSettings
    version: str
    documents: SplitFiles
    pairs: SplitFiles
    # split → language → documents; the key "pairs" counts the languages of pair sides.
    languages: dict[str, Counter]
    removals: Counter
    stats: list[StepStats]
    counts: dict[str, int]
    previous: str | None = None
    changelog: Changelog | None = None
    # Input file → sha256, as in the manifest.
    inputs: dict[str, str] = field(default_factory=dict)
    # Why the previous version could not be compared (a damaged folder), if it could not.
    compare_error: str | None = None
    # "zh → en" → number of translation pairs.
    pair_languages: Counter = field(default_factory=Counter)
    # Charts already written into the version's images/ (charts.write_charts), shown in order.
    charts: list[Chart] = field(default_factory=list)


def size_category(rows: int) -> str:
    """The Hub's size bucket for a number of rows.

    >>> size_category(5), size_category(12_000)
    ('n<1K', '10K<n<100K')
    """
    buckets = [(1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
               (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M"),
               (1_000_000_000, "100M<n<1B")]
    for limit, name in buckets:
        if rows < limit:
            return name
    return "n>1B"


def data_languages(languages: dict[str, Counter]) -> list[str]:
    """The card's ``language`` list: every language of a kept document or of either side of a
    translation pair (``und`` is not a language)."""
    return sorted({lang for counts in languages.values() for lang in counts if lang != "und"})


def _config_entries(name: str, files: SplitFiles, default: bool) -> tuple[dict, dict]:
    """One ``configs`` entry and one ``dataset_info`` entry; only splits with rows appear."""
    config: dict[str, Any] = {"config_name": name}
    if default:
        config["default"] = True
    config["data_files"] = [{"split": split, "path": paths} for split, paths in files.files.items()]
    info = {
        "config_name": name,
        "features": schema.card_features(name),
        "splits": [{"name": split, "num_bytes": files.nbytes[split],
                    "num_examples": files.rows[split]} for split in files.files],
        "download_size": sum(files.file_bytes.values()),
        "dataset_size": sum(files.nbytes.values()),
    }
    return config, info


def card_metadata(data: CardData) -> dict[str, Any]:
    """The YAML header, as plain data."""
    dataset = data.settings.dataset
    configs, infos = [], []
    for name, files in (("documents", data.documents), ("pairs", data.pairs)):
        if files.files:  # a config without rows is not declared (datasets cannot load it)
            entry, info = _config_entries(name, files, default=name == "documents")
            configs.append(entry)
            infos.append(info)
    meta: dict[str, Any] = {
        "pretty_name": dataset.pretty_name or dataset.name,
        "version": data.version,
        "license": dataset.license,
        **({"license_name": dataset.license_name} if dataset.license_name else {}),
        **({"license_link": dataset.license_link} if dataset.license_link else {}),
        "language": data_languages(data.languages),
        "task_categories": list(dataset.task_categories),
        "size_categories": [size_category(data.counts["documents"])],
        "configs": configs,
        "dataset_info": infos,
    }
    if not meta["language"]:
        del meta["language"]
    return meta


def _stats_table(stats: list[StepStats]) -> str:
    """The steps table: documents in, out, changed and dropped by reason."""
    rows = ["| step | in | out | changed | dropped |", "| --- | ---: | ---: | ---: | --- |"]
    for step in stats:
        dropped = ", ".join(f"{markdown_text(reason)} {n}"
                            for reason, n in sorted(step.dropped.items()))
        rows.append(f"| {markdown_text(step.name)} | {step.docs_in} | {step.docs_out} | "
                    f"{step.changed} | "
                    f"{dropped or '-'} |")
    return "\n".join(rows)


def _counters(stats: list[StepStats], limit: int = 12) -> str:
    """What each step counted besides documents (rules fired, repairs, charsets...)."""
    lines = []
    for step in stats:
        if step.counters:
            top = sorted(step.counters.items(), key=lambda kv: (-kv[1], kv[0]))
            shown = ", ".join(f"{markdown_code(name)} {n}" for name, n in top[:limit])
            more = f", and {len(top) - limit} more" if len(top) > limit else ""
            lines.append(f"- **{markdown_text(step.name)}**: {shown}{more}")
    return "\n".join(lines)


def _sources(data: CardData, limit: int = 30) -> str:
    """Where the documents came from: the input folders and files."""
    folders = ", ".join(markdown_code(p) for p in data.settings.dataset.inputs)
    text = (f"{len(data.inputs)} input files, read from {folders}. Each file's sha256 is "
            "listed in `manifest.json` (`inputs`); each document's `source` column names the "
            "file it came from (`path#N` for a record inside a container file).")
    names = sorted(data.inputs)
    if names:
        listed = "\n".join(f"- {markdown_code(name)}" for name in names[:limit])
        more = f"\n- ... and {len(names) - limit} more" if len(names) > limit else ""
        text += "\n\n" + listed + more
    return text


def _language_table(languages: dict[str, Counter]) -> str:
    """Documents per language (rows) and split (columns)."""
    splits = [s for s in schema.SPLITS if s in languages]
    languages = {s: languages[s] for s in splits}
    header = "| language | " + " | ".join(splits) + " | total |"
    rows = [header, "| --- |" + " ---: |" * (len(splits) + 1)]
    every = sorted({lang for counts in languages.values() for lang in counts})
    for lang in every:
        cells = [languages[s].get(lang, 0) for s in splits]
        rows.append(f"| {markdown_text(lang)} | " + " | ".join(map(str, cells))
                    + f" | {sum(cells)} |")
    totals = [sum(languages[s].values()) for s in splits]
    rows.append("| **all** | " + " | ".join(map(str, totals)) + f" | {sum(totals)} |")
    return "\n".join(rows)


def _pair_table(pair_languages: Counter) -> str:
    """Translation pairs per language direction, e.g. ``| zh → en | 12 |``."""
    rows = ["| languages | pairs |", "| --- | ---: |"]
    rows += [f"| {markdown_text(langs)} | {n} |" for langs, n in sorted(pair_languages.items())]
    return "\n".join(rows)


def _parameters(config: dict[str, Any]) -> str:
    """The pipeline's settings, one TOML-like line each, grouped by section."""
    lines = []
    for section, values in config.items():
        if section == "dataset":
            continue
        lines.append(f"[{section}]")
        for key, value in values.items():
            lines.append(f"{key} = {json.dumps(value, ensure_ascii=False, default=str)}")
        lines.append("")
    return markdown_fence("\n".join(lines[:-1]), "toml")


def _description(text: str) -> str:
    """``[dataset] description`` as text: its lines and paragraphs kept, its markup shown
    as typed (a dataset.toml may come from a pull request)."""
    if not text.strip():
        return "(no description given in `[dataset] description`)"
    return "\n".join(markdown_text(line, line_start=True)
                     for line in text.strip().split("\n"))


def render_card(data: CardData) -> str:
    """The whole ``README.md``."""
    dataset = data.settings.dataset
    header = yaml.safe_dump(card_metadata(data), sort_keys=False, allow_unicode=True, width=100)
    title = dataset.pretty_name or dataset.name
    counts = data.counts
    pair_splits = ", ".join(f"{split} {n}" for split, n in data.pairs.rows.items())
    pair_splits = pair_splits or ("none, so this version declares no `pairs` config: "
                                  "`datasets` cannot load a table without rows; "
                                  "`cleaner.load(path, \"pairs\")` gives an empty one")
    removals = "\n".join(f"| {markdown_text(reason)} | {n} |"
                         for reason, n in sorted(data.removals.items()))
    if data.changelog is not None:
        changelog = (f"Compared with the previous version, {markdown_text(data.previous)}:\n\n"
                     + data.changelog.render(show=markdown_text))
    elif data.previous is not None:
        changelog = (f"Compared with the previous version, {markdown_text(data.previous)}: the "
                     f"versions could not be compared ({markdown_text(data.compare_error)}).")
    else:
        changelog = "This is the first published version of the dataset."
    homepage = ""
    if dataset.homepage:
        target = link_target(dataset.homepage)
        homepage = (f"Homepage: <{target}>" if target
                    else f"Homepage: {markdown_text(dataset.homepage)}")
    sections = [
        f"---\n{header}---",
        f"# {markdown_text(title)}",
        f"Version **{markdown_text(data.version)}** of {markdown_code(dataset.name)}.",
        _description(dataset.description),
        homepage,
        f"- **{plural(counts['documents'], 'document')}** kept out of "
        f"{plural(counts['inputs'], 'input document')} ({counts['removed']} removed, each listed "
        f"with its reason in `audit/removed.parquet`)\n"
        f"- **{plural(counts['pairs'], 'translation pair')}** ({pair_splits})\n"
        f"- License: {markdown_code(dataset.license)}",
        "## Sources",
        _sources(data),
        "## Pipeline",
        "Every document went through these steps, in this order (counts of documents):",
        _stats_table(data.stats),
        "What the steps counted:" if _counters(data.stats) else "",
        _counters(data.stats),
        "Parameters of this build:",
        _parameters(data.settings.config),
        "Splits are a pure function of the dedup cluster and the seed: all members of a "
        "cluster (with their removed duplicates and translations) are in one split, and adding "
        "documents never moves an existing one.",
        "## Schema",
        "Generated from `schemas/*.json` (Frictionless Table Schema) of the tool that built it.",
        "### documents (default config)",
        schema.markdown_table("documents"),
        "### pairs",
        schema.markdown_table("pairs"),
        "### audit/removed.parquet",
        schema.markdown_table("removed"),
        "## Statistics",
        charts_markdown(data.charts),
        "Documents per language and split:",
        _language_table(data.languages),
        "Translation pairs by language (kept document → its translation):" if data.pairs.files
        else "",
        _pair_table(data.pair_languages) if data.pairs.files else "",
        "Removed documents by reason:",
        "| reason | documents |\n| --- | ---: |\n" + (removals or "| (none) | 0 |"),
        "## Changelog",
        changelog,
        "## How to load",
        LOAD_EXAMPLE.format(path=f"dist/{dataset.name}/{data.version}", version=data.version),
        "Every file's sha256 is in `manifest.json`; `cleaner validate` checks a copy. "
        "`croissant.json` describes the same data as ML Croissant metadata.",
        "## Citation",
        markdown_fence(citation(data.settings.dataset, data.version), "bibtex"),
    ]
    return "\n\n".join(s for s in sections if s) + "\n"


def read_card_metadata(text: str) -> dict[str, Any]:
    """Parse the YAML header of a card; raises ValueError when there is none."""
    if not text.startswith("---\n"):
        raise ValueError("the card does not start with a YAML header ('---')")
    end = text.find("\n---", 4)
    if end < 0:
        raise ValueError("the card's YAML header is not closed ('---')")
    try:
        meta = yaml.safe_load(text[4:end])
    except yaml.YAMLError as error:
        raise ValueError(f"the card's YAML header is not valid YAML: {error}") from None
    if not isinstance(meta, dict):
        raise ValueError("the card's YAML header is not a mapping")
    return meta
