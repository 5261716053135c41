"""``cleaner inspect``: what a built version holds, in the terminal.

A person who receives a version folder wants, before writing any code: how many documents,
in which languages and splits, how long the texts are, what was removed and why, and what a
row looks like. :func:`render_summary` reads the folder (manifest and Parquet files only) and
says exactly that; it never changes the folder.
"""

from __future__ import annotations

import json
import statistics
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from cleaner.errors import NotAVersionError
from cleaner.pipeline.progress import table
from cleaner.publish import schema
from cleaner.publish.charts import VersionFacts, read_facts
from cleaner.text.escape import terminal

# Characters of text shown per sample row.
SNIPPET = 100


def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / "manifest.json"
    if not path.is_file():
        raise NotAVersionError(f"{folder} is not a version folder (no manifest.json)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise NotAVersionError(f"{path}: not valid JSON ({error})") from None
    if not isinstance(manifest, dict):
        raise NotAVersionError(f"{path}: not a JSON object")
    return manifest


def display_width(text: str) -> int:
    """Terminal columns of ``text``: wide (CJK) characters take two.

    >>> display_width("abc"), display_width("上海")
    (3, 4)
    """
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def snippet(text: Any, width: int = SNIPPET) -> str:
    """One line of at most ``width`` terminal columns: whitespace collapsed, cut with "…",
    and nothing a terminal would act on (:func:`cleaner.text.escape.terminal`).

    >>> snippet("a  b\\n c"), snippet("x" * 12, width=5), snippet("上海市碳达峰", width=7)
    ('a b c', 'xxxx…', '上海市…')
    >>> snippet("\\x1b]0;pwned\\x07title\\u202e")
    'title\\\\u202e'
    """
    if text is None:
        return "-"
    line = terminal(" ".join(str(text).split()))
    if display_width(line) <= width:
        return line
    out, used = [], 1  # room for the ellipsis
    for ch in line:
        used += display_width(ch)
        if used > width:
            break
        out.append(ch)
    return "".join(out) + "…"


def _languages_table(facts: VersionFacts) -> str:
    splits = [s for s in schema.SPLITS if any(k[0] == s for k in facts.languages)]
    per_lang: Counter = Counter()
    for (_, lang), n in facts.languages.items():
        per_lang[lang] += n
    rows = [["language", *splits, "total"]]
    for lang, total in sorted(per_lang.items(), key=lambda kv: (-kv[1], kv[0])):
        rows.append([terminal(lang), *(str(facts.languages.get((s, lang), 0)) for s in splits),
                     str(total)])
    totals = [sum(n for (s, _), n in facts.languages.items() if s == split) for split in splits]
    rows.append(["all", *map(str, totals), str(sum(totals))])
    return table(rows, right=set(range(1, len(splits) + 2)))


def _lengths_table(facts: VersionFacts) -> str:
    rows = [["language", "documents", "shortest", "median", "mean", "longest"]]
    every = [n for sizes in facts.lengths.values() for n in sizes]
    groups = sorted(facts.lengths.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    for lang, sizes in [*groups, ("all", every)] if len(groups) > 1 else groups:
        rows.append([terminal(lang), str(len(sizes)), str(min(sizes)),
                     str(int(statistics.median(sizes))),
                     str(round(statistics.fmean(sizes))), str(max(sizes))])
    return table(rows, right={1, 2, 3, 4, 5})


def _first_rows(folder: Path, config: str, columns: list[str], limit: int
                ) -> list[dict[str, Any]]:
    """The first ``limit`` rows of a config, train first (files are sorted by id)."""
    out: list[dict[str, Any]] = []
    paths = sorted((folder / "data" / config).glob("*.parquet"),
                   key=lambda p: (_split_order(p.name), p.name))
    for path in paths:
        if len(out) >= limit:
            break
        names = set(pq.read_schema(path).names)
        wanted = [c for c in columns if c in names]
        out += pq.read_table(path, columns=wanted).slice(0, limit - len(out)).to_pylist()
    return out


def _split_order(name: str) -> int:
    match = schema.SHARD_NAME.match(name)
    return schema.SPLITS.index(match.group(1)) if match else len(schema.SPLITS)


def _samples(folder: Path, limit: int) -> list[str]:
    parts = []
    docs = _first_rows(folder, "documents", ["id", "lang", "title", "text"], limit)
    if docs:
        lines = [f"  {snippet(row['id'], 16)}  {snippet(row['lang'], 5):<5}  "
                 f"{snippet(row.get('title'), 60)}\n"
                 f"      {snippet(row.get('text'))}" for row in docs]
        parts.append("Sample documents:\n" + "\n".join(lines))
    pairs = _first_rows(folder, "pairs", ["lang_a", "lang_b", "score", "text_a", "text_b"], limit)
    if pairs:
        lines = [f"  {snippet(row['lang_a'], 5)}–{snippet(row['lang_b'], 5)}  score "
                 f"{row['score']:.3f}\n"
                 f"      a: {snippet(row['text_a'])}\n      b: {snippet(row['text_b'])}"
                 for row in pairs]
        parts.append("Sample pairs:\n" + "\n".join(lines))
    audit = folder / schema.AUDIT_FILE
    if audit.is_file():
        names = pq.read_schema(audit).names
        wanted = [c for c in ("source", "reason", "duplicate_of") if c in names]
        rows = pq.read_table(audit, columns=wanted).slice(0, limit).to_pylist()
        if rows:
            lines = [f"  {snippet(row['reason'], 16):<16} {snippet(row['source'], 60)}"
                     + (f"  (duplicate of {snippet(row['duplicate_of'], 16)})"
                        if row.get("duplicate_of")
                        else "") for row in rows]
            parts.append("Sample removals:\n" + "\n".join(lines))
    return parts


def _pair_languages(folder: Path) -> list[tuple[str, int]]:
    """(``"zh → en"``, pairs) per language pair of the ``pairs`` config, most first."""
    import pyarrow.parquet as pq

    counts: Counter[str] = Counter()
    for path in sorted((folder / "data" / "pairs").glob("*.parquet")):
        table = pq.read_table(path, columns=["lang_a", "lang_b"])
        counts.update(f"{a} → {b}" for a, b in zip(table.column("lang_a").to_pylist(),
                                                  table.column("lang_b").to_pylist(),
                                                  strict=True))
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def render_summary(folder: Path, samples: int = 3) -> str:
    """The text ``cleaner inspect`` prints for the version in ``folder``."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    facts = read_facts(folder)
    counts = manifest.get("counts") or {}
    tool = manifest.get("tool") or {}
    documents = sum(facts.languages.values())
    removed = sum(facts.removals.values())
    head = [
        f"{snippet(manifest.get('name', '?'), 100)} {snippet(manifest.get('version', '?'), 40)}"
        f"  ({terminal(folder)})",
        f"built by {snippet(tool.get('name', 'cleaner'), 40)} "
        f"{snippet(tool.get('version', '?'), 40)}"
        + (f", previous version {snippet(manifest['previous_version'], 40)}"
           if manifest.get("previous_version") else ", first version"),
        f"{snippet(counts.get('inputs', documents + removed), 20)} input documents: "
        f"{documents} kept, "
        f"{removed} removed, {len(facts.pair_scores)} translation pairs",
    ]
    parts = ["\n".join(head)]
    if documents:
        parts.append("Documents per language and split:\n" + _languages_table(facts))
        parts.append("Text length (characters):\n" + _lengths_table(facts))
    if facts.removals:
        rows = [["reason", "documents"]] + [
            [snippet(reason, 40), str(n)] for reason, n in sorted(facts.removals.items(),
                                                     key=lambda kv: (-kv[1], kv[0]))]
        parts.append("Removed documents by reason:\n" + table(rows, right={1}))
    if facts.pair_scores:
        scores = sorted(facts.pair_scores)
        parts.append(f"Translation pair scores: lowest {scores[0]:.3f}, median "
                     f"{statistics.median(scores):.3f}, highest {scores[-1]:.3f}")
        by_languages = _pair_languages(folder)
        if by_languages:
            rows = [["languages", "pairs"]] + [[langs, str(n)] for langs, n in by_languages]
            parts.append("Translation pairs per language pair (kept → translation):\n"
                         + table(rows, right={1}))
    if samples > 0:
        parts += _samples(folder, samples)
    parts.append(f'Load it: datasets.load_dataset("{terminal(folder)}")  ·  check it: '
                 f"cleaner validate {terminal(folder)}")
    return "\n\n".join(parts)


__all__ = ["NotAVersionError", "render_summary", "snippet", "table"]
