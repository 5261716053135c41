"""Benchmark of deduplication: translation pairs on WMT22, and scaling on generated corpora.

Run from the repository root::

    .venv/bin/python benchmarks/bench_dedup.py [--sizes 5000 10000] [--skip-scaling]

Reads ``../shared/eval/parallel`` (or ``$CLEANER_EVAL_DIR/parallel``) and prints:

* pair precision / recall against ``pairs.jsonl`` when ``docs.jsonl`` and ``unpaired.jsonl``
  are one corpus (the hard negatives are pairs of documents in it), hard-negative pairs found,
  and how often the keep policy kept the original (``original_lang``);
* the same with ``alt_translations.jsonl`` added (a second, independent translation of one
  side): what near-dedup and translation matching do with such paraphrases;
* seconds for the three dedup steps on generated corpora of 5k and 10k documents built from
  real paragraphs of the eval texts (with exact copies, mirrored copies and translation pairs
  planted), their ratio, and the memory per document of the dedup indexes.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cleaner.document import Document  # noqa: E402
from cleaner.pipeline.run import RunState, run_corpus_step, run_corpus_steps  # noqa: E402
from cleaner.stages.dedup.exact import ExactDedupStep  # noqa: E402
from cleaner.stages.dedup.lexicon import load_cedict  # noqa: E402
from cleaner.stages.dedup.near import DedupConfig, NearDedupStep  # noqa: E402
from cleaner.stages.dedup.translate.step import TranslationPairStep  # noqa: E402
from cleaner.stages.dedup.translation import TranslationStep  # noqa: E402

EVAL_DIR = Path(os.environ.get("CLEANER_EVAL_DIR",
                               Path(__file__).resolve().parents[2] / "shared" / "eval"))
PARALLEL = EVAL_DIR / "parallel"


def read_jsonl(name: str) -> list[dict]:
    with open(PARALLEL / name, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def steps(config: DedupConfig) -> list:
    """The three dedup steps; translation by the configured method (the default: encoder)."""
    translation = (TranslationPairStep(config) if config.translation_method == "encoder"
                   else TranslationStep(config))
    return [ExactDedupStep(config), NearDedupStep(config), translation]


def evaluate(with_alternatives: bool) -> None:
    """Precision, recall, hard negatives and keep-policy accuracy on the WMT22 sets."""
    records = read_jsonl("docs.jsonl") + read_jsonl("unpaired.jsonl")
    alternatives = read_jsonl("alt_translations.jsonl") if with_alternatives else []
    docs = [Document(source=r["doc_id"], text=r["text"], lang=r["lang"])
            for r in records + alternatives]
    gold = {(p["zh_id"], p["en_id"]): p["original_lang"] for p in read_jsonl("pairs.jsonl")}
    hard = {(p["zh_id"], p["en_id"]) for p in read_jsonl("hard_negatives.jsonl")}
    # A second translation of the same source is a correct pair too, just not the listed one.
    same_as = {a["doc_id"]: a["same_content_as"] for a in alternatives}
    state = RunState()
    started = time.perf_counter()
    kept = run_corpus_steps(docs, steps(DedupConfig()), state)
    seconds = time.perf_counter() - started
    by_id = {d.id: d for d in docs}
    predicted: dict[tuple[str, str], str] = {}
    for pair in state.pairs:
        a, b = by_id[pair.id_a], by_id[pair.id_b]
        zh, en = (a, b) if a.lang == "zh" else (b, a)
        predicted[(same_as.get(zh.source, zh.source), same_as.get(en.source, en.source))] = \
            a.lang
    correct = set(predicted) & set(gold)
    precision = len(correct) / len(predicted) if predicted else 1.0
    recall = len(correct) / len(gold)
    keep_right = sum(predicted[k] == gold[k] for k in correct)
    label = "with alt_translations" if with_alternatives else "docs + unpaired"
    print(f"[{label}] {len(docs)} documents, {len(kept)} kept, {seconds:.1f} s")
    print(f"  pairs: predicted {len(predicted)}, correct {len(correct)}, "
          f"precision {precision:.3f}, recall {recall:.3f}")
    print(f"  hard-negative pairs found: {len(set(predicted) & hard)} of {len(hard)}")
    print(f"  keep policy kept the original: {keep_right}/{len(correct)} "
          f"({keep_right / max(1, len(correct)):.3f}); evidence: "
          f"{dict(sorted(state.stats['translation'].counters.items()))}")
    for step_name in ("exact-dedup", "near-dedup"):
        dropped = dict(state.stats[step_name].dropped)
        print(f"  {step_name}: dropped {dropped or 0}")
    for removal in state.removals:
        if removal.reason == "near_duplicate":
            print(f"    near duplicate: {removal.source} of {by_id[removal.duplicate_of].source}")
    for key in sorted(set(predicted) - set(gold)):
        print(f"    wrong pair: {key}")


def paragraph_pool() -> tuple[list[tuple[list[str], list[str]]], list[str], list[str]]:
    """Aligned (zh lines, en lines) of half of the true pairs, to plant as translations, and
    pools of zh and en lines for random documents that translate nothing planted: the zh side
    of a quarter of the other stories, the en side of the last quarter, the unpaired documents
    and the article bodies of the extraction set."""
    records = read_jsonl("docs.jsonl") + read_jsonl("unpaired.jsonl")
    text = {r["doc_id"]: r["text"] for r in records}
    aligned, zh_texts, en_texts = [], [], []
    for number, pair in enumerate(read_jsonl("pairs.jsonl")):
        zh, en = text[pair["zh_id"]], text[pair["en_id"]]
        if number % 2 == 0 and zh.count("\n") == en.count("\n"):
            aligned.append((zh.split("\n"), en.split("\n")))  # aligned segment by segment
        elif number % 4 == 1:
            zh_texts.append(zh)
        else:
            en_texts.append(en)
    paired = {p[key] for p in read_jsonl("pairs.jsonl") for key in ("zh_id", "en_id")}
    for record in read_jsonl("unpaired.jsonl"):
        if record["doc_id"] not in paired:
            (zh_texts if record["lang"] == "zh" else en_texts).append(record["text"])
    truth = EVAL_DIR / "extraction" / "ground-truth.json"
    if truth.is_file():
        en_texts += [page["articleBody"] for page in
                     json.loads(truth.read_text(encoding="utf-8")).values()]
    zh_lines = sorted({ln.strip() for t in zh_texts for ln in t.split("\n") if len(ln) > 10})
    en_lines = sorted({ln.strip() for t in en_texts for ln in t.split("\n") if len(ln) > 40})
    return aligned, zh_lines, en_lines


def generate(count: int, seed: int = 7) -> list[Document]:
    """``count`` documents from real paragraphs: random mixes of lines in one language, plus
    exact copies (2%), mirrored copies with site chrome (3%) and translation pairs (5% of
    draws, two documents each, while aligned passages last: each passage of 4 aligned WMT
    segments is planted once, so planted pairs are not versions of each other).

    A copy records what it copies in ``meta["copy_of"]``; planted pairs are ``pairN-zh`` and
    ``pairN-en``.
    """
    rng = random.Random(seed)
    aligned, zh_lines, en_lines = paragraph_pool()
    passages = [(zh[i:i + 4], en[i:i + 4]) for zh, en in aligned
                for i in range(0, len(zh) - 3, 4)]
    rng.shuffle(passages)
    docs: list[Document] = []
    while len(docs) < count:
        roll = rng.random()
        n = len(docs)
        if roll < 0.05 and docs:
            original = docs[rng.randrange(len(docs))]
            text = original.text if roll < 0.02 else (
                f"Home | News | Share\n{original.text}\nCopyright {n} All rights reserved")
            docs.append(Document(source=f"copy{n}", text=text, lang=original.lang,
                                 meta={"copy_of": original.meta.get("copy_of",
                                                                    original.source)}))
        elif roll < 0.10 and passages:
            zh, en = passages.pop()
            docs.append(Document(source=f"pair{n}-zh", text="\n".join(zh), lang="zh"))
            docs.append(Document(source=f"pair{n}-en", text="\n".join(en), lang="en"))
        else:
            lang, lines = ("zh", zh_lines) if roll < 0.55 else ("en", en_lines)
            text = "\n".join(rng.sample(lines, rng.randint(5, 15)))
            docs.append(Document(source=f"{lang}{n}", text=text, lang=lang))
    return docs[:count]


def planted_recall(docs: list[Document], state: RunState) -> str:
    """How many planted translation pairs (or copies of them) were paired."""
    planted = {d.source[:-3] for d in docs if d.source.startswith("pair")}
    planted = {p for p in planted if {f"{p}-zh", f"{p}-en"} <= {d.source for d in docs}}
    by_id = {d.id: d.meta.get("copy_of", d.source) for d in docs}
    found = {by_id[p.id_a][:-3] for p in state.pairs
             if by_id[p.id_a][:-3] == by_id[p.id_b][:-3] and by_id[p.id_a].startswith("pair")}
    wrong = sum(1 for p in state.pairs if by_id[p.id_a][:-3] != by_id[p.id_b][:-3])
    return f"planted pairs found {len(found)}/{len(planted)}, other pairs {wrong}"


def scaling(sizes: list[int], repeat: int = 2) -> None:
    """Seconds of the dedup steps per corpus size, and the ratio of consecutive sizes.

    Sizes are run in turn ``repeat`` times and the fastest run of each counts, since on a
    shared machine other processes slow some runs down; wall-clock and CPU seconds are both
    shown, with the pairs scored (the work of the translation step, which must grow with the
    corpus, not faster).
    """
    load_cedict()  # once per process; not part of the per-corpus cost
    corpora = {size: generate(size) for size in sizes}
    best: dict[int, tuple[float, float]] = {}
    for _ in range(repeat):
        for size in sizes:
            docs = [Document(source=d.source, text=d.text, lang=d.lang, meta=dict(d.meta))
                    for d in corpora[size]]
            state = RunState()
            wall, cpu = time.perf_counter(), time.process_time()
            kept = run_corpus_steps(docs, steps(DedupConfig()), state)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            per_step = ", ".join(f"{s.name} {s.seconds:.1f} s" for s in state.stats.values())
            scored = state.stats["translation"].counters["pairs_scored"]
            print(f"[scaling] {size} documents: {wall:.1f} s wall, {cpu:.1f} s CPU "
                  f"({per_step}); {scored} pairs scored; kept {len(kept)}, pairs "
                  f"{len(state.pairs)}, dropped {len(state.removals)}; "
                  f"{planted_recall(docs, state)}")
            previous = best.get(size, (math.inf, math.inf))
            best[size] = (min(previous[0], wall), min(previous[1], cpu))
    for i in range(1, len(sizes)):
        (wall_a, cpu_a), (wall_b, cpu_b) = best[sizes[i - 1]], best[sizes[i]]
        print(f"[scaling] time({sizes[i]}) / time({sizes[i - 1]}) = {wall_b / wall_a:.2f} wall, "
              f"{cpu_b / cpu_a:.2f} CPU (fastest of {repeat}; size ratio "
              f"{sizes[i] / sizes[i - 1]:.2f})")


def memory(size: int = 2000) -> None:
    """Peak Python memory of the dedup steps per document, beyond the documents themselves
    (after a warm-up run, so imports and the lexicon are not counted)."""
    load_cedict()
    config = DedupConfig()
    for step in steps(config):
        run_corpus_step(generate(200, seed=1), step, RunState())
    docs = generate(size)
    for step in steps(config):
        tracemalloc.start()
        run_corpus_step(list(docs), step, RunState())
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"[memory] {step.name}: peak {peak / size / 1024:.1f} KiB per document "
              f"({size} documents)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 10000])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--skip-scaling", action="store_true")
    args = parser.parse_args()
    evaluate(with_alternatives=False)
    evaluate(with_alternatives=True)
    if not args.skip_scaling:
        memory()
        scaling(args.sizes, args.repeat)


if __name__ == "__main__":
    # The evaluation data lives beside the repository (../shared/eval): without it, say so.
    _eval = EVAL_DIR
    _missing = [n for n in ("parallel/docs.jsonl", "extraction/ground-truth.json")
                if not (_eval / n).is_file()]
    if _missing and "--child" not in sys.argv:
        print(f"evaluation data not found: {_eval / _missing[0]} (set CLEANER_EVAL_DIR); "
              "skipped")
        sys.exit(0)
    main()
