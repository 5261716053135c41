"""Charts of a version, for the card: where people would rather look than read.

Each chart is a small hand-written SVG file under ``images/`` in the version folder:

* ``images/languages.svg`` — documents per language, stacked by split;
* ``images/text_length.svg`` — how long the texts are (characters, doubling bins), by language;
* ``images/removals.svg`` — removed documents by reason;
* ``images/pair_scores.svg`` — the scores of the translation pairs.

The charts are drawn from the version's own Parquet files, so they show exactly what was
published. SVG is text we write ourselves: no plotting library, no clock, no random ids, numbers
printed with fixed precision — the same data gives the same bytes, and a rebuild stays identical.
A chart with nothing to show (no pairs, no removals) is not written.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import pyarrow.compute as pc
import pyarrow.parquet as pq

from cleaner.publish import schema

IMAGES_DIR = "images"
# Okabe–Ito colours: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#999999")
SPLIT_COLOURS = {"train": "#0072B2", "validation": "#E69F00", "test": "#009E73"}
# At most this many languages get their own colour in the length chart; the rest are "other".
MAX_SERIES = 6
WIDTH = 640
FONT = "font-family=\"Helvetica, Arial, DejaVu Sans, sans-serif\""


@dataclass(frozen=True)
class Chart:
    """One chart written into a version: its file (relative to the version) and its texts."""

    file: str
    title: str
    # A sentence with the numbers, for screen readers and for readers of the plain Markdown.
    alt: str

    def markdown(self) -> str:
        """The card's image line.

        >>> Chart("images/a.svg", "A", "Three bars.").markdown()
        '![Three bars.](images/a.svg)'
        """
        alt = self.alt.replace("[", "(").replace("]", ")")
        return f"![{alt}]({self.file})"


@dataclass
class VersionFacts:
    """What the charts show, read from a version folder."""

    # (split, language) → documents
    languages: Counter
    # language → text lengths in characters
    lengths: dict[str, list[int]]
    removals: Counter
    pair_scores: list[float]


# --- reading -------------------------------------------------------------------------------

def _shards(folder: Path, config: str) -> list[tuple[str, Path]]:
    """(split, file) of each shard of ``config``, in split then file order."""
    out = []
    for path in sorted((folder / "data" / config).glob("*.parquet")):
        match = schema.SHARD_NAME.match(path.name)
        if match:
            out.append((match.group(1), path))
    order = {split: i for i, split in enumerate(schema.SPLITS)}
    return sorted(out, key=lambda item: (order.get(item[0], 99), item[1].name))


def read_facts(folder: Path) -> VersionFacts:
    """Count what a version folder holds (documents, lengths, removals, pair scores)."""
    languages: Counter = Counter()
    lengths: dict[str, list[int]] = {}
    for split, path in _shards(folder, "documents"):
        # A batch at a time: a file's text column is up to max_bytes_per_shard. One thread:
        # reader threads each keep allocator caches that outweigh the time they save here.
        for batch in pq.ParquetFile(path).iter_batches(batch_size=1024, columns=["lang", "text"],
                                                       use_threads=False):
            langs = batch.column("lang").to_pylist()
            sizes = pc.utf8_length(batch.column("text")).to_pylist()
            for lang, size in zip(langs, sizes, strict=True):
                languages[(split, lang)] += 1
                lengths.setdefault(lang, []).append(int(size or 0))
    scores: list[float] = []
    for _, path in _shards(folder, "pairs"):
        scores += [float(s) for s in pq.read_table(path, columns=["score"]).column("score")
                   .to_pylist() if s is not None]
    removals: Counter = Counter()
    audit = folder / schema.AUDIT_FILE
    if audit.is_file():
        removals.update(pq.read_table(audit, columns=["reason"]).column("reason").to_pylist())
    return VersionFacts(languages, lengths, removals, scores)


# --- binning -------------------------------------------------------------------------------

def length_bins(lengths: list[int], smallest: int = 250) -> list[tuple[int, int | None]]:
    """Doubling bins that cover ``lengths``: [0, 250), [250, 500), ... , [last, ∞).

    Text lengths spread over orders of magnitude; doubling bins keep short and long texts
    readable on one chart.

    >>> length_bins([10, 300, 1200])
    [(0, 250), (250, 500), (500, 1000), (1000, 2000)]
    """
    top = max(lengths, default=0)
    bins: list[tuple[int, int | None]] = [(0, smallest)]
    while bins[-1][1] is not None and bins[-1][1] <= top:
        low = bins[-1][1]
        bins.append((low, low * 2) if len(bins) < 12 else (low, None))
    return bins


def _bin_label(low: int, high: int | None) -> str:
    def short(n: int) -> str:
        return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else (
            f"{n / 1000:g}k" if n >= 1000 else str(n))
    return f"{short(low)}+" if high is None else f"{short(low)}–{short(high)}"


def score_bins(scores: list[float], width: float = 0.1) -> list[tuple[str, int]]:
    """Counts of ``scores`` in bins of ``width`` from 0 to 1 (1.0 falls in the last bin).

    >>> score_bins([0.05, 0.95, 1.0], width=0.5)
    [('0.0–0.5', 1), ('0.5–1.0', 2)]
    """
    count = round(1 / width)
    counts = [0] * count
    for score in scores:
        counts[min(count - 1, max(0, math.floor(score / width + 1e-9)))] += 1
    return [(f"{i * width:.1f}–{(i + 1) * width:.1f}", n) for i, n in enumerate(counts)]


# --- drawing -------------------------------------------------------------------------------

def _num(x: float) -> str:
    """A coordinate with fixed precision, so the same chart gives the same bytes."""
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _nice_max(value: int) -> int:
    """The axis end: the smallest 1, 2 or 5 × 10^k not below ``value``.

    >>> _nice_max(7), _nice_max(13), _nice_max(0)
    (10, 20, 1)
    """
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def _svg(height: float, title: str, body: list[str]) -> str:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{_num(height)}" '
            f'viewBox="0 0 {WIDTH} {_num(height)}" role="img">')
    return "\n".join([
        head,
        f"<title>{escape(title)}</title>",
        f'<rect width="{WIDTH}" height="{_num(height)}" fill="#ffffff"/>',
        f'<text x="16" y="24" {FONT} font-size="15" font-weight="bold" '
        f'fill="#222222">{escape(title)}</text>',
        *body,
        "</svg>",
    ]) + "\n"


def _text(x: float, y: float, text: str, anchor: str = "start", size: int = 12,
          colour: str = "#333333") -> str:
    return (f'<text x="{_num(x)}" y="{_num(y)}" {FONT} font-size="{size}" '
            f'text-anchor="{anchor}" fill="{colour}">{escape(text)}</text>')


def _legend(series: list[str], colours: dict[str, str], y: float) -> list[str]:
    out, x = [], 16.0
    for name in series:
        out.append(f'<rect x="{_num(x)}" y="{_num(y - 10)}" width="12" height="12" '
                   f'fill="{colours[name]}"/>')
        out.append(_text(x + 17, y, name))
        x += 30 + 7.5 * len(name)
    return out


def stacked_bars(title: str, categories: list[str], series: list[str],
                 values: dict[tuple[str, str], int], colours: dict[str, str],
                 unit: str = "documents", legend: bool = True) -> str:
    """A horizontal bar per category, stacked by series, with its total at the end."""
    label_width = 16 + 7.0 * max((len(c) for c in categories), default=4)
    left, right = max(90.0, label_width), WIDTH - 70.0
    row, top = 26.0, 64.0 if legend else 44.0
    totals = {c: sum(values.get((c, s), 0) for s in series) for c in categories}
    scale = (right - left) / _nice_max(max(totals.values(), default=1))
    body = _legend(series, colours, 48) if legend else []
    for i, category in enumerate(categories):
        y = top + i * row
        x = left
        body.append(_text(left - 8, y + 15, category, anchor="end"))
        for name in series:
            count = values.get((category, name), 0)
            if count:
                body.append(f'<rect x="{_num(x)}" y="{_num(y + 3)}" width="{_num(count * scale)}"'
                            f' height="{_num(row - 8)}" fill="{colours[name]}">'
                            f"<title>{escape(f'{category}, {name}: {count} {unit}')}</title>"
                            "</rect>")
                x += count * scale
        body.append(_text(x + 6, y + 15, str(totals[category])))
    height = top + len(categories) * row + 16
    body.append(f'<line x1="{_num(left)}" y1="{_num(top)}" x2="{_num(left)}" '
                f'y2="{_num(height - 14)}" stroke="#888888"/>')
    return _svg(height, title, body)


def stacked_columns(title: str, bins: list[str], series: list[str],
                    values: dict[tuple[str, str], int], colours: dict[str, str],
                    x_label: str, unit: str = "documents", legend: bool = True) -> str:
    """A vertical column per bin (a histogram), stacked by series, with a count axis."""
    left, right, top, bottom = 56.0, WIDTH - 16.0, 64.0 if legend else 44.0, 250.0
    totals = [sum(values.get((b, s), 0) for s in series) for b in bins]
    peak = _nice_max(max(totals, default=1))
    scale = (bottom - top) / peak
    step = (right - left) / max(1, len(bins))
    body = _legend(series, colours, 48) if legend else []
    for tick in (0, peak // 2, peak) if peak >= 2 else (0, peak):
        y = bottom - tick * scale
        body.append(f'<line x1="{_num(left)}" y1="{_num(y)}" x2="{_num(right)}" y2="{_num(y)}" '
                    f'stroke="#dddddd"/>')
        body.append(_text(left - 6, y + 4, str(tick), anchor="end", size=11))
    for i, name in enumerate(bins):
        x = left + i * step
        y = bottom
        for serie in series:
            count = values.get((name, serie), 0)
            if count:
                y -= count * scale
                body.append(f'<rect x="{_num(x + 3)}" y="{_num(y)}" width="{_num(step - 6)}" '
                            f'height="{_num(count * scale)}" fill="{colours[serie]}">'
                            f"<title>{escape(f'{name}, {serie}: {count} {unit}')}</title>"
                            "</rect>")
        if totals[i]:
            body.append(_text(x + step / 2, y - 4, str(totals[i]), anchor="middle", size=11))
        body.append(_text(x + step / 2, bottom + 16, name, anchor="middle", size=11))
    body.append(f'<line x1="{_num(left)}" y1="{_num(bottom)}" x2="{_num(right)}" '
                f'y2="{_num(bottom)}" stroke="#888888"/>')
    body.append(_text((left + right) / 2, bottom + 36, x_label, anchor="middle"))
    return _svg(bottom + 48, title, body)


# --- the four charts -----------------------------------------------------------------------

def _by_size(counter: Counter) -> list[str]:
    """Keys, biggest first, ties by name (a stable order)."""
    return [key for key, _ in sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0])))]


def languages_chart(facts: VersionFacts) -> tuple[str, str]:
    """SVG and alt text: documents per language, stacked by split."""
    per_lang: Counter = Counter()
    for (_, lang), n in facts.languages.items():
        per_lang[lang] += n
    langs = _by_size(per_lang)
    splits = [s for s in schema.SPLITS if any(k[0] == s for k in facts.languages)]
    values = {(lang, split): n for (split, lang), n in facts.languages.items()}
    svg = stacked_bars("Documents per language and split", langs, splits, values,
                       SPLIT_COLOURS)
    alt = "Documents per language: " + ", ".join(f"{lang} {per_lang[lang]}" for lang in langs)
    return svg, alt + "."


def text_length_chart(facts: VersionFacts) -> tuple[str, str]:
    """SVG and alt text: histogram of text lengths in characters, stacked by language."""
    counts = Counter({lang: len(sizes) for lang, sizes in facts.lengths.items()})
    langs = _by_size(counts)
    shown = langs[:MAX_SERIES] if len(langs) <= MAX_SERIES else langs[:MAX_SERIES - 1]
    every = [size for sizes in facts.lengths.values() for size in sizes]
    bins = length_bins(every)
    labels = [_bin_label(low, high) for low, high in bins]
    values: Counter = Counter()
    for lang, sizes in facts.lengths.items():
        serie = lang if lang in shown else "other"
        for size in sizes:
            index = next(i for i, (low, high) in enumerate(bins)
                         if size >= low and (high is None or size < high))
            values[(labels[index], serie)] += 1
    series = shown + (["other"] if len(shown) < len(langs) else [])
    colours = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(series)}
    colours["other"] = "#999999"
    svg = stacked_columns("Text length (characters)", labels, series, dict(values), colours,
                          "characters per document")
    ordered = sorted(every)
    median = ordered[len(ordered) // 2] if ordered else 0
    alt = (f"Text lengths of {len(every)} documents: median {median} characters, "
           f"shortest {min(every, default=0)}, longest {max(every, default=0)}.")
    return svg, alt


def removals_chart(facts: VersionFacts) -> tuple[str, str]:
    """SVG and alt text: removed documents by reason."""
    reasons = _by_size(facts.removals)
    values = {(reason, "removed"): facts.removals[reason] for reason in reasons}
    svg = stacked_bars("Removed documents by reason", reasons, ["removed"], values,
                       {"removed": "#D55E00"}, legend=False)
    alt = "Removed documents by reason: " + ", ".join(
        f"{reason} {facts.removals[reason]}" for reason in reasons)
    return svg, alt + "."


def pair_scores_chart(facts: VersionFacts) -> tuple[str, str]:
    """SVG and alt text: histogram of translation-pair scores."""
    bins = score_bins(facts.pair_scores)
    values = {(label, "pairs"): n for label, n in bins}
    svg = stacked_columns("Translation pair scores", [label for label, _ in bins], ["pairs"],
                          values, {"pairs": "#009E73"}, "score", unit="pairs", legend=False)
    scores = facts.pair_scores
    alt = (f"Scores of {len(scores)} translation pairs, from {min(scores):.2f} "
           f"to {max(scores):.2f}.")
    return svg, alt


def make_charts(facts: VersionFacts) -> list[tuple[Chart, str]]:
    """Every chart that has something to show, with its SVG text, in the card's order."""
    out = []
    wanted = [
        ("languages", "Documents per language and split", languages_chart, facts.languages),
        ("text_length", "Text length", text_length_chart, facts.lengths),
        ("removals", "Removed documents by reason", removals_chart, facts.removals),
        ("pair_scores", "Translation pair scores", pair_scores_chart, facts.pair_scores),
    ]
    for name, title, draw, data in wanted:
        if data:
            svg, alt = draw(facts)
            out.append((Chart(f"{IMAGES_DIR}/{name}.svg", title, alt), svg))
    return out


def write_charts(folder: Path) -> list[Chart]:
    """Draw the charts of the version in ``folder`` into ``folder/images/``; return them.

    Call it after the Parquet files are written and before the card and the manifest.
    """
    charts = make_charts(read_facts(folder))
    if charts:
        (folder / IMAGES_DIR).mkdir(exist_ok=True)
    for chart, svg in charts:
        # newline="\n": the same bytes on every platform.
        with open(folder / chart.file, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(svg)
    return [chart for chart, _ in charts]


def charts_markdown(charts: list[Chart]) -> str:
    """The card's chart section body: one image per chart, with its title above it."""
    return "\n\n".join(f"**{c.title}**\n\n{c.markdown()}" for c in charts)


__all__ = ["Chart", "VersionFacts", "charts_markdown", "length_bins", "make_charts",
           "read_facts", "score_bins", "write_charts"]
