"""Benchmark the language stage: accuracy on the langid eval set, speed against langdetect.

Run: ``.venv/bin/python benchmarks/bench_langid.py`` (the eval data is read from
``../shared/eval`` relative to the repository, or from ``$CLEANER_EVAL_DIR``).

Prints, for each kind of item (sentences, word pairs, single words), the accuracy of
the language stage's ``detect`` and of seeded langdetect alone on the whole set and on its two
halves (``benchmarks/evalsplit.py``: ``tune``, where settings may be chosen, ``confirm``,
where none was; an item's id is its language and text), then per-language accuracy, the
worst languages, the confusions, and the time the language step takes over the seed pages and
the eval documents
compared with langdetect run on the full text of the same documents.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from evalsplit import HALVES, eval_dir, half, require  # noqa: E402

from cleaner.document import Document  # noqa: E402
from cleaner.pipeline import StepStats  # noqa: E402
from cleaner.stages.language.backends import langdetect_distribution  # noqa: E402
from cleaner.stages.language.identify import LanguageConfig, detect  # noqa: E402
from cleaner.stages.language.step import LanguageStep  # noqa: E402

EVAL_DIR = eval_dir()
KINDS = ["sentences", "word_pairs", "single_words"]


def read_jsonl(path: Path) -> list[dict]:
    """The JSON objects of a JSON-lines file."""
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def langdetect_guess(text: str) -> str:
    """Seeded langdetect's best code, or ``und``."""
    dist = langdetect_distribution(text, seed=0)
    return min(dist, key=lambda k: (-dist[k], k)) if dist else "und"


def accuracy(config: LanguageConfig) -> None:
    """Accuracy per kind and per language, for the stage and for langdetect alone."""
    for kind in KINDS:
        path = EVAL_DIR / "langid" / f"{kind}.jsonl"
        if not path.is_file():
            print(f"{kind}: missing {path}")
            continue
        items = read_jsonl(path)
        halves = {name: Counter() for name in HALVES}  # right / seen per half
        right: Counter[str] = Counter()
        baseline: Counter[str] = Counter()
        seen: Counter[str] = Counter()
        confusions: Counter[tuple[str, str]] = Counter()
        scores: dict[bool, list[float]] = defaultdict(list)
        started = time.perf_counter()
        for item in items:
            lang, score = detect(item["text"], config)
            for name in ("whole", half(f"{item['lang']}:{item['text']}")):
                halves[name]["seen"] += 1
                halves[name]["right"] += lang == item["lang"]
            seen[item["lang"]] += 1
            right[item["lang"]] += lang == item["lang"]
            scores[lang == item["lang"]].append(score)
            if lang != item["lang"]:
                confusions[(item["lang"], lang)] += 1
        seconds = time.perf_counter() - started
        for item in items:
            baseline[item["lang"]] += langdetect_guess(item["text"]) == item["lang"]
        total = len(items)
        mean = {ok: sum(v) / len(v) if v else 0.0 for ok, v in scores.items()}
        print(f"\n== {kind}: accuracy {sum(right.values()) / total:.3f} "
              f"(langdetect alone {sum(baseline.values()) / total:.3f}) on {total} items, "
              f"{1000 * seconds / total:.2f} ms/item; mean score right "
              f"{mean.get(True, 0):.2f}, wrong {mean.get(False, 0):.2f}")
        print("   " + ", ".join(f"{name} {halves[name]['right'] / halves[name]['seen']:.3f} "
                              f"({halves[name]['right']}/{halves[name]['seen']})"
                              for name in HALVES))
        low = sum(1 for v in scores[False] if v < 0.3)
        high = sum(1 for v in scores[True] if v >= 0.3)
        print(f"   lang_score: wrong answers under 0.3: {low}/{len(scores[False])}, "
              f"right answers at 0.3 or more: {high}/{len(scores[True])}")
        print("   per language: " + " ".join(
            f"{lang}={right[lang] / seen[lang]:.2f}" for lang in sorted(seen)))
        worst = sorted(seen, key=lambda lang: (right[lang] / seen[lang], lang))[:6]
        print("   worst: " + ", ".join(f"{lang} {right[lang] / seen[lang]:.2f}"
                                       for lang in worst))
        zh_scripts = Counter(LanguageStep(config).process(
            Document(source="zh", text=item["text"]), StepStats("l")).script
            for item in items if item["lang"] == "zh")
        print(f"   scripts of zh items: {dict(sorted(zh_scripts.items(), key=str))}")
        print("   confusions (true->predicted): " + ", ".join(
            f"{a}->{b} {n}" for (a, b), n in confusions.most_common(12)))


def speed_documents() -> list[Document]:
    """The seed pages and the eval documents, as texts to identify."""
    docs = []
    for path in sorted((ROOT / "seeds").glob("*")):
        if path.is_file():
            docs.append(Document(source=path.name,
                                 text=path.read_text(encoding="utf-8", errors="replace")))
    for name in ("docs.jsonl", "unpaired.jsonl", "hard_negatives.jsonl",
                 "alt_translations.jsonl"):
        path = EVAL_DIR / "parallel" / name
        if path.is_file():
            for i, row in enumerate(read_jsonl(path)):
                if isinstance(row.get("text"), str):
                    docs.append(Document(source=f"{name}#{i}", text=row["text"]))
    return docs


def speed(config: LanguageConfig, rounds: int = 5) -> None:
    """Time the step and langdetect (full text) on each document, interleaved so that both
    see the same machine load; each document's best time over ``rounds`` counts. Times are
    this process's CPU time, which other work on a shared machine disturbs far less than
    wall-clock time."""
    docs = speed_documents()
    chars = sum(len(d.text) for d in docs)
    step = LanguageStep(config)
    stats = StepStats("language")
    # Warm up: models load once per process, which is not the per-document cost.
    for doc in docs:
        step.process(Document(source=doc.source, text=doc.text), stats)
        langdetect_guess(doc.text)
    ours = [float("inf")] * len(docs)
    base = [float("inf")] * len(docs)
    for _ in range(rounds):
        for i, doc in enumerate(docs):
            fresh = Document(source=doc.source, text=doc.text)
            started = time.process_time()
            step.process(fresh, StepStats("language"))
            ours[i] = min(ours[i], time.process_time() - started)
            started = time.process_time()
            langdetect_guess(doc.text)
            base[i] = min(base[i], time.process_time() - started)
    print(f"\n== speed over {len(docs)} documents ({chars} characters): language step "
          f"{1000 * sum(ours) / len(docs):.2f} ms/doc, langdetect on full text "
          f"{1000 * sum(base) / len(docs):.2f} ms/doc (CPU time); "
          f"step is {sum(base) / sum(ours):.1f}x faster")
    print(f"   counters: {dict(sorted(stats.counters.items()))}")


def memory_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    require("langid")
    config = LanguageConfig()
    started = time.perf_counter()
    detect("warm up the models once", config)
    print(f"first call (fastText + the lingua models it needs): "
          f"{time.perf_counter() - started:.2f} s, peak memory {memory_mb():.0f} MB")
    accuracy(config)
    print(f"\npeak memory after all 30 languages (lingua models load per language met): "
          f"{memory_mb():.0f} MB")
    speed(config)


if __name__ == "__main__":
    main()
