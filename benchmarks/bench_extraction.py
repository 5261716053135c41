"""Main-content extraction benchmark: trafilatura alone vs. our per-document clean path.

Reads the 55 real article pages of ``eval/extraction`` (``html/<id>.html.gz`` and
``ground-truth.json``) from ``../shared/eval`` (or ``$CLEANER_EVAL_DIR``) and scores each
extractor with the article-extraction-benchmark metric: ``\\w+`` tokens, 4-token shingles
compared as multisets, per-page tp/fp/fn normalised to sum 1, precision and recall averaged over
pages, F1 = 2PR/(P+R).

Run: ``.venv/bin/python benchmarks/bench_extraction.py [--worst N]``
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cleaner.document import Document, Drop  # noqa: E402
from cleaner.pipeline import StepStats  # noqa: E402
from cleaner.stages.boilerplate.rules import CreditLines  # noqa: E402
from cleaner.stages.boilerplate.step import BoilerplateConfig, BoilerplateStep  # noqa: E402
from cleaner.stages.extract.step import ExtractConfig, ExtractStep  # noqa: E402
from cleaner.stages.normalize import NormalizeStep  # noqa: E402

TOKEN = re.compile(r"\w+", re.UNICODE)


def eval_dir() -> Path:
    return Path(os.environ.get("CLEANER_EVAL_DIR", ROOT.parent / "shared" / "eval"))


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
    precision = statistics.mean(tp / (tp + fp) if tp + fp else 0.0 for tp, fp, _ in pages)
    recall = statistics.mean(tp / (tp + fn) if tp + fn else 0.0 for tp, _, fn in pages)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return f1, precision, recall


def load_pages() -> list[tuple[str, str, str, str]]:
    """(id, url, html, true body) for every page of the set (html decoded as UTF-8, for the
    baselines; our full path reads the .gz files itself)."""
    base = eval_dir() / "extraction"
    truth = json.loads((base / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id, item in sorted(truth.items()):
        raw = gzip.decompress(page_file(page_id).read_bytes())
        pages.append((page_id, item.get("url", ""), raw.decode("utf-8", "replace"),
                      item["articleBody"]))
    return pages


def page_file(page_id: str) -> Path:
    return eval_dir() / "extraction" / "html" / f"{page_id}.html.gz"


def trafilatura_alone(precision: bool) -> Callable[[str, str], str]:
    import trafilatura

    def run(html: str, url: str) -> str:
        return trafilatura.extract(html, url=url, favor_precision=precision) or ""
    return run


def full_path(page_ids: list[str]) -> dict[str, str]:
    """Our whole per-document path, as `cleaner clean` runs it on the gzip'd files: read →
    decode → extract → boilerplate → normalize (→ language). No URL is given: what the page
    says about itself is all there is."""
    from cleaner.build import clean_paths

    paths = [page_file(page_id) for page_id in page_ids]
    texts = {}
    for record in clean_paths(paths):
        page_id = Path(record["source"]).name.removesuffix(".html.gz")
        texts[page_id] = record["text"]
    return texts


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worst", type=int, default=8, help="pages that lose most to list")
    args = parser.parse_args()
    pages = load_pages()
    systems = {
        "trafilatura (default)": trafilatura_alone(False),
        "trafilatura (precision)": trafilatura_alone(True),
        "cleaner steps (extract+boilerplate+normalize)": clean_path(),
    }
    results: dict[str, list[tuple[float, float, float]]] = {}
    print(f"{len(pages)} pages from {eval_dir() / 'extraction'}")
    print(f"{'system':46} {'F1':>6} {'P':>6} {'R':>6} {'sec':>6}")

    def report(name: str, started: float) -> None:
        f1, p, r = score(results[name])
        print(f"{name:46} {f1:6.3f} {p:6.3f} {r:6.3f} {time.perf_counter() - started:6.1f}")

    for name, system in systems.items():
        started = time.perf_counter()
        results[name] = [match(true, system(html, url)) for _, url, html, true in pages]
        report(name, started)
    name = "cleaner clean (full path, from .html.gz)"
    started = time.perf_counter()
    texts = full_path([page[0] for page in pages])
    results[name] = [match(true, texts.get(page_id, "")) for page_id, _, _, true in pages]
    report(name, started)
    ours = results[name]
    clean_text_audit(pages)
    print(f"\npages that lose most (ours): tp, fp, fn — worst {args.worst}")
    worst = sorted(range(len(pages)), key=lambda i: ours[i][0])[:args.worst]
    for i in worst:
        tp, fp, fn = ours[i]
        print(f"  {pages[i][0][:12]} tp={tp:.3f} fp={fp:.3f} fn={fn:.3f}  {pages[i][1][:70]}")


if __name__ == "__main__":
    main()
