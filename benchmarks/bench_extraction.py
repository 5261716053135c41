"""Main-content extraction benchmark: trafilatura alone vs. our per-document clean path.

Two corpora from ``../shared/eval`` (or ``$CLEANER_EVAL_DIR``), each printed on the whole set
and on its two halves (``benchmarks/evalsplit.py``: ``tune``, where settings may be chosen,
and ``confirm``, where none was):

1. **article-extraction-benchmark** (``extraction/``: 55 pages ``html/<id>.html.gz`` and
   ``ground-truth.json``), scored with its own metric: ``\\w+`` tokens, 4-token shingles
   compared as multisets, per-page tp/fp/fn normalised to sum 1, precision and recall averaged
   over pages, F1 = 2PR/(P+R).
2. **trafilatura's evaluation pages** (``extraction/trafilatura_eval/``: 150 pages in many
   languages, ``expected.json`` with snippets the text must contain, ``with``, and must not,
   ``without``): over all snippets tp = ``with`` found, fn = ``with`` missing, fp = ``without``
   found. A snippet is looked for with whitespace runs made one space and curly quotes made
   straight, on both sides (our clean path straightens quotes, as ftfy does; trafilatura
   does not): ``--strict`` looks for it as it is.

Run: ``.venv/bin/python benchmarks/bench_extraction.py [--worst N] [--strict]``
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from evalsplit import HALVES, eval_dir, half, require  # noqa: E402

from cleaner.document import Document, Drop  # noqa: E402
from cleaner.pipeline import StepStats  # noqa: E402
from cleaner.stages.boilerplate.rules import CreditLines  # noqa: E402
from cleaner.stages.boilerplate.step import BoilerplateConfig, BoilerplateStep  # noqa: E402
from cleaner.stages.extract.step import ExtractConfig, ExtractStep  # noqa: E402
from cleaner.stages.normalize import NormalizeStep  # noqa: E402

TOKEN = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    """The multiset of ``n``-token shingles (a shorter text is one shingle)."""
    tokens = TOKEN.findall(text or "")
    return Counter(tuple(tokens[i:i + n]) for i in range(max(1, len(tokens) - n + 1))
                   if tokens[i:i + n])


def match(true: str, pred: str) -> tuple[float, float, float]:
    """Per-page tp, fp, fn over shingles, normalised to sum 1."""
    a, b = shingles(true), shingles(pred)
    tp = sum((a & b).values())
    fp = sum((b - a).values())
    fn = sum((a - b).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def score(pages: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    """F1, precision, recall as the benchmark defines them."""
    if not pages:
        return 0.0, 0.0, 0.0
    precision = statistics.mean(tp / (tp + fp) if tp + fp else 0.0 for tp, fp, _ in pages)
    recall = statistics.mean(tp / (tp + fn) if tp + fn else 0.0 for tp, _, fn in pages)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return f1, precision, recall


def load_pages() -> list[tuple[str, str, str, str]]:
    """(id, url, html, true body) for every page of the set (html decoded as UTF-8, for the
    baselines; our full path reads the .gz files itself)."""
    base = require("extraction", "ground-truth.json").parent
    truth = json.loads((base / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id, item in sorted(truth.items()):
        raw = gzip.decompress(page_file(page_id).read_bytes())
        pages.append((page_id, item.get("url", ""), raw.decode("utf-8", "replace"),
                      item["articleBody"]))
    return pages


def page_file(page_id: str) -> Path:
    return eval_dir() / "extraction" / "html" / f"{page_id}.html.gz"


def trafilatura_alone(precision: bool) -> Callable[[str | bytes, str], str]:
    import trafilatura

    def run(html: str | bytes, url: str) -> str:
        return trafilatura.extract(html, url=url or None, favor_precision=precision) or ""
    return run


def full_path(paths: list[Path]) -> dict[str, str]:
    """Our whole per-document path, as `cleaner clean` runs it on the files: read → decode →
    extract → boilerplate → normalize (→ language). No URL is given: what the page says
    about itself is all there is. Keyed by file name."""
    from cleaner.build import clean_paths

    return {Path(record["source"]).name: record["text"] for record in clean_paths(paths)}


def clean_path(extract: ExtractConfig | None = None) -> Callable[[str, str], str]:
    """Our steps on already decoded HTML: extract → boilerplate → normalize."""
    steps = [ExtractStep(extract or ExtractConfig(), is_credit_line=CreditLines()),
             BoilerplateStep(BoilerplateConfig()), NormalizeStep()]
    stats = {step.name: StepStats(step.name) for step in steps}

    def run(html: str, url: str) -> str:
        doc: Document | Drop = Document(source="page.html", html=html, url=url or None)
        for step in steps:
            doc = step.process(doc, stats[step.name])
            if isinstance(doc, Drop):
                return ""
        return doc.text
    return run


def clean_text_audit(pages: list[tuple[str, str, str, str]]) -> None:
    """Run the line rules on the *true* article bodies: every line they remove there is a
    false positive (an article line lost), so this should print (almost) nothing."""
    step = BoilerplateStep(BoilerplateConfig())
    stats = StepStats("boilerplate")
    lines = 0
    for _, _, _, true in pages:
        lines += sum(1 for line in true.splitlines() if line.strip())
        # A title that cannot match keeps the headline logic out of the count.
        step.process(Document(source="truth", text=true, title="\x00"), stats)
    removed = {k: v for k, v in stats.counters.items() if k.startswith("rule:")}
    print(f"\nrules on the true article bodies ({lines} lines): {sum(removed.values())} removed")
    for key, count in sorted(removed.items()):
        print(f"  {key} {count}: {stats.samples.get(key, [])}")


# --- trafilatura's evaluation pages ------------------------------------------------------------

QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
                        "\u2032": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"',
                        "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"'})


def loose(text: str) -> str:
    """``text`` with whitespace runs as one space and curly quotes straight.

    >>> loose("“Hi”\\n  there’s")
    '"Hi" there\'s'
    """
    return " ".join(text.translate(QUOTES).split())


def load_trafilatura_eval() -> list[tuple[str, Path, dict]]:
    """(id, html file, expected) for every page of trafilatura's evaluation set."""
    base = require("extraction", "trafilatura_eval", "expected.json").parent
    expected = json.loads((base / "expected.json").read_text(encoding="utf-8"))
    return [(page_id, base / "html" / f"{page_id}.html", item)
            for page_id, item in sorted(expected.items())]


def snippet_counts(text: str, item: dict, strict: bool) -> tuple[int, int, int]:
    """(tp, fn, fp) of one page: ``with`` snippets found and missing, ``without`` found."""
    prepare = (lambda t: t) if strict else loose
    body = prepare(text or "")
    found = [prepare(snippet) in body for snippet in item["with"]]
    leaked = sum(prepare(snippet) in body for snippet in item["without"])
    return sum(found), len(found) - sum(found), leaked


def snippet_score(counts: list[tuple[int, int, int]]) -> tuple[float, float, float]:
    """F1, precision, recall over all snippets of the pages."""
    tp = sum(c[0] for c in counts)
    fn = sum(c[1] for c in counts)
    fp = sum(c[2] for c in counts)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return f1, precision, recall


# --- printing ---------------------------------------------------------------------------------

def print_table(title: str, ids: list[str], results: dict[str, list],
                scorer: Callable[[list], tuple[float, float, float]],
                seconds: dict[str, float]) -> None:
    """One line per system: F1 P R on the whole set and on each half, and its time."""
    halves = {name: [i for i, page_id in enumerate(ids)
                     if name == "whole" or half(page_id) == name] for name in HALVES}
    print(f"\n== {title}: {len(ids)} pages (tune {len(halves['tune'])}, "
          f"confirm {len(halves['confirm'])})")
    print(f"{'system':46}" + "".join(f" {name + ' F1/P/R':>20}" for name in HALVES)
          + f" {'sec':>6}")
    for name, per_page in results.items():
        cells = []
        for half_name in HALVES:
            f1, p, r = scorer([per_page[i] for i in halves[half_name]])
            cells.append(f"{f1:.3f}/{p:.3f}/{r:.3f}")
        print(f"{name:46}" + "".join(f" {cell:>20}" for cell in cells)
              + f" {seconds[name]:6.1f}")


def bench_article_benchmark(worst: int) -> None:
    pages = load_pages()
    ids = [page[0] for page in pages]
    systems = {
        "trafilatura (default)": trafilatura_alone(False),
        "trafilatura (precision)": trafilatura_alone(True),
        "cleaner steps (extract+boilerplate+normalize)": clean_path(),
    }
    results: dict[str, list[tuple[float, float, float]]] = {}
    seconds: dict[str, float] = {}
    for name, system in systems.items():
        started = time.perf_counter()
        results[name] = [match(true, system(html, url)) for _, url, html, true in pages]
        seconds[name] = time.perf_counter() - started
    name = "cleaner clean (full path, from .html.gz)"
    started = time.perf_counter()
    texts = full_path([page_file(page_id) for page_id in ids])
    seconds[name] = time.perf_counter() - started
    results[name] = [match(true, texts.get(f"{page_id}.html.gz", ""))
                     for page_id, _, _, true in pages]
    print_table("article-extraction-benchmark (shingle F1)", ids, results, score, seconds)
    ours = results[name]
    clean_text_audit(pages)
    print(f"\npages that lose most (ours): tp, fp, fn — worst {worst}")
    for i in sorted(range(len(pages)), key=lambda i: ours[i][0])[:worst]:
        tp, fp, fn = ours[i]
        print(f"  {pages[i][0][:12]} {half(pages[i][0]):7} tp={tp:.3f} fp={fp:.3f} fn={fn:.3f}"
              f"  {pages[i][1][:64]}")


def bench_trafilatura_eval(worst: int, strict: bool) -> None:
    pages = load_trafilatura_eval()
    ids = [page_id for page_id, _, _ in pages]
    results: dict[str, list[tuple[int, int, int]]] = {}
    seconds: dict[str, float] = {}
    for name, precision in (("trafilatura (default)", False),
                            ("trafilatura (precision)", True)):
        system = trafilatura_alone(precision)
        started = time.perf_counter()
        results[name] = [snippet_counts(system(path.read_bytes(), ""), item, strict)
                         for _, path, item in pages]
        seconds[name] = time.perf_counter() - started
    name = "cleaner clean (full path, from .html)"
    started = time.perf_counter()
    texts = full_path([path for _, path, _ in pages])
    seconds[name] = time.perf_counter() - started
    results[name] = [snippet_counts(texts.get(path.name, ""), item, strict)
                     for _, path, item in pages]
    matching = "as they are" if strict else "whitespace and quotes loosened"
    print_table(f"trafilatura's evaluation pages (snippet F1, {matching})", ids, results,
                snippet_score, seconds)
    ours = results[name]
    print(f"\npages that lose most (ours): missing with / found without — worst {worst}")
    for i in sorted(range(len(pages)), key=lambda i: -(ours[i][1] + ours[i][2]))[:worst]:
        if ours[i][1] + ours[i][2]:
            print(f"  {ids[i]} {half(ids[i]):7} missing={ours[i][1]} leaked={ours[i][2]}  "
                  f"{pages[i][2].get('url', '')[:64]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worst", type=int, default=8, help="pages that lose most to list")
    parser.add_argument("--strict", action="store_true",
                        help="look for trafilatura's snippets exactly as they are")
    parser.add_argument("--only", choices=["article", "trafilatura"],
                        help="run one of the two corpora")
    args = parser.parse_args()
    require("extraction")
    print(f"eval data: {eval_dir()}")
    if args.only != "trafilatura":
        bench_article_benchmark(args.worst)
    if args.only != "article":
        bench_trafilatura_eval(args.worst, args.strict)


if __name__ == "__main__":
    main()
