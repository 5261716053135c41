"""Benchmark of translation pairing in every language pair (WMT22 general test sets).

Run from the repository root::

    .venv/bin/python benchmarks/bench_translation.py [--resplit] [--fit] [--cache DIR]
                                                     [--workers N]

Reads ``../shared/eval/translation`` (or ``$CLEANER_EVAL_DIR/translation``), puts every
document of every language in one corpus, detects each document's language with cleaner's own
``LanguageStep`` (no language is given), profiles the documents
(``TranslationProfileStep``) and pairs them (``TranslationPairStep``), then prints for each
half of the stories (split by a hash of the story id: half 0 is the one the score weights were
fitted on, half 1 confirms) and each language pair: gold pairs, predicted pairs, precision,
recall, recall on pairs whose shorter document has at least 500 characters, and pairs predicted
between languages with no gold pair. Also: documents whose language was detected wrongly,
seconds per document of the profile step (CPU) and of the pairing, and bytes per document.

``--resplit`` joins each document's lines and cuts them again at sentence ends (WMT keeps a
translation's lines one-to-one with its source's; real pages do not). ``--fit`` refits the
score weights on half 0 and prints them (for ``cleaner/translate/score.py``), then reports
with them. ``--cache DIR`` keeps the profiles between runs (keyed by text and language).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import re
import sys
import time
import tracemalloc
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cleaner.document import Document  # noqa: E402
from cleaner.pipeline.run import RunState, map_documents, run_corpus_steps  # noqa: E402
from cleaner.stages.dedup.config import DedupConfig  # noqa: E402
from cleaner.stages.dedup.translate import score as score_module  # noqa: E402
from cleaner.stages.dedup.translate.profile import VERSION  # noqa: E402
from cleaner.stages.dedup.translate.step import (  # noqa: E402
    TranslationPairStep,
    TranslationProfileStep,
    primary,
)
from cleaner.stages.language.config import LanguageConfig  # noqa: E402
from cleaner.stages.language.step import LanguageStep  # noqa: E402

EVAL_DIR = Path(os.environ.get("CLEANER_EVAL_DIR",
                               Path(__file__).resolve().parents[2] / "shared" / "eval"))
DATA = EVAL_DIR / "translation"
SENTENCE = re.compile(r"(?<=[.!?…])\s+|(?<=[。！？])")


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def resplit(text: str) -> str:
    """The text's sentences one a line, whatever its lines were.

    >>> resplit("One. Two\\nthree. 四。五")
    'One.\\nTwo three.\\n四。\\n五'
    """
    joined = " ".join(line.strip() for line in text.split("\n") if line.strip())
    return "\n".join(s.strip() for s in SENTENCE.split(joined) if s.strip())


def story_halves(records: list[dict], gold: list[dict]) -> dict[str, int]:
    """Half (0 or 1) of each document: by a hash of its story's id (the smallest document id
    among the documents linked by gold pairs; an unpaired document is its own story)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for pair in gold:
        a, b = find(pair["a"]), find(pair["b"])
        if a != b:
            parent[max(a, b)] = min(a, b)
    return {r["id"]: int(hashlib.sha256(find(r["id"]).encode()).hexdigest(), 16) % 2
            for r in records}


def profiled_corpus(records: list[dict], args) -> tuple[list[Document], RunState, float]:
    """Documents with detected languages and profiles (from the cache when it has them)."""
    docs = [Document(source=r["id"], text=resplit(r["text"]) if args.resplit else r["text"])
            for r in records]
    state = RunState()
    cache: dict = {}
    cache_file = None
    if args.cache:
        cache_file = Path(args.cache) / f"profiles-v{VERSION}-{int(args.resplit)}.pkl"
        if cache_file.is_file():
            cache = pickle.loads(cache_file.read_bytes())
    started = time.perf_counter()
    language = LanguageStep(LanguageConfig())
    profile_step = TranslationProfileStep(DedupConfig())
    missing = [d for d in docs if d.text not in cache]
    steps = [language, profile_step]
    done = {d.source: d for d in map_documents(missing, steps, state, args.workers)}
    for doc in docs:
        if doc.text in cache:
            doc.lang, doc.translation_profile = cache[doc.text]
        else:
            found = done[doc.source]
            doc.lang, doc.translation_profile = found.lang, found.translation_profile
            cache[doc.text] = (doc.lang, doc.translation_profile)
    if cache_file is not None:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        cache_file.write_bytes(pickle.dumps(cache))
    return docs, state, time.perf_counter() - started


# Features whose weight may not be negative (more similarity is never evidence against a
# pair) or positive (a length far from the expected ratio is never evidence for one): the
# model stays monotone, so evidence beyond what the fit saw cannot turn into its opposite.
FREE = {"covered", "any_anchors", "log_length"}
NOT_POSITIVE = {"length_drift"}


def fit_logistic(rows: list[list[float]], labels: list[int], names: tuple[str, ...],
                 l2: float = 1e-2) -> list[float]:
    """Weights (bias last) of an L2-regularised logistic regression with sign constraints
    (see :data:`FREE`), by L-BFGS-B."""
    import numpy as np
    from scipy.optimize import minimize

    x = np.hstack([np.asarray(rows, dtype=np.float64), np.ones((len(rows), 1))])
    y = np.asarray(labels, dtype=np.float64)

    def loss(w):
        z = x @ w
        value = np.sum(np.logaddexp(0, z) - y * z) + 0.5 * l2 * w @ w
        grad = x.T @ (1 / (1 + np.exp(-z)) - y) + l2 * w
        return value, grad

    bounds = [(None, None) if n in FREE else (None, 0.0) if n in NOT_POSITIVE else (0.0, None)
              for n in names] + [(None, None)]
    result = minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B", bounds=bounds,
                      options={"maxiter": 2000})
    return result.x.tolist()


def report(predicted: set[frozenset[str]], records: list[dict], gold: list[dict],
           half: dict[str, int]) -> None:
    """Precision and recall per language pair and half (see the module docstring) of the
    ``predicted`` pairs (sources): every pair the step accepted, those between two
    translations of one story too (only their pairs with the kept document are published)."""
    lang_of = {r["id"]: r["lang"] for r in records}
    length_of = {r["id"]: len(r["text"]) for r in records}
    gold_pairs = {frozenset((p["a"], p["b"])) for p in gold}
    gold_langs = {tuple(sorted((lang_of[p["a"]], lang_of[p["b"]]))) for p in gold}
    for h in (0, 1):
        rows: dict[str, Counter] = defaultdict(Counter)
        for pair in predicted:
            a, b = sorted(pair)
            if half[a] != h and half[b] != h:
                continue
            key = "-".join(sorted((lang_of[a], lang_of[b])))
            rows[key]["pred"] += 1
            rows[key]["tp"] += pair in gold_pairs
        for p in gold:
            if half[p["a"]] != h:
                continue
            key = "-".join(sorted((lang_of[p["a"]], lang_of[p["b"]])))
            found = frozenset((p["a"], p["b"])) in predicted
            long = min(length_of[p["a"]], length_of[p["b"]]) >= 500
            rows[key]["gold"] += 1
            rows[key]["found"] += found
            rows[key]["gold500"] += long
            rows[key]["found500"] += found and long
            rows[key]["short"] += not long
            rows[key]["found_short"] += found and not long
        label = "tune" if h == 0 else "confirm"
        print(f"half {h} ({label})")
        print(f"  {'pair':8s} {'gold':>5s} {'pred':>5s} {'P':>6s} {'R':>6s} {'R500':>6s} "
              f"{'n500':>5s} {'Rshort':>6s}")
        total = Counter()
        for key in sorted(rows):
            r = rows[key]
            total.update(r)
            if r["gold"] == 0:
                continue
            print(f"  {key:8s} {r['gold']:5d} {r['pred']:5d} {r['tp'] / max(1, r['pred']):6.3f} "
                  f"{r['found'] / r['gold']:6.3f} {r['found500'] / max(1, r['gold500']):6.3f} "
                  f"{r['gold500']:5d} {r['found_short'] / max(1, r['short']):6.3f}")
        false = {k: r["pred"] for k, r in sorted(rows.items())
                 if r["gold"] == 0 and r["pred"] and tuple(k.split("-")) not in gold_langs}
        print(f"  all      {total['gold']:5d} {total['pred']:5d} "
              f"{total['tp'] / max(1, total['pred']):6.3f} {total['found'] / total['gold']:6.3f} "
              f"{total['found500'] / max(1, total['gold500']):6.3f} {total['gold500']:5d}")
        print(f"  pairs between languages with no gold pair: {sum(false.values())} {false}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--resplit", action="store_true")
    parser.add_argument("--fit", action="store_true")
    parser.add_argument("--cache", default=None)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--show-errors", default="", help="language pairs, e.g. en-fr,cs-en")
    args = parser.parse_args()
    records = []
    for path in sorted(DATA.glob("*.jsonl")):
        if path.name != "pairs.jsonl":
            records += read_jsonl(path)
    gold = read_jsonl(DATA / "pairs.jsonl")
    half = story_halves(records, gold)
    docs, state, profile_wall = profiled_corpus(records, args)
    wrong = Counter(f"{r['lang']}->{primary(d.lang)}" for r, d in zip(records, docs, strict=True)
                    if primary(d.lang) != r["lang"])
    print(f"{len(docs)} documents; language detected wrongly: {sum(wrong.values())} "
          f"{dict(wrong.most_common(12))}")
    profiles = [d.translation_profile for d in docs if d.translation_profile is not None]
    if "translation-profile" in state.stats:
        profile_stats = state.stats["translation-profile"]
        per_doc = profile_stats.cpu_seconds / max(1, profile_stats.docs_in) * 1000
        print(f"profile step: {per_doc:.1f} ms CPU per document ({profile_stats.docs_in} docs, "
              f"{profile_stats.counters['segments']} segments); language step "
              f"{state.stats['language'].cpu_seconds / max(1, profile_stats.docs_in) * 1000:.1f} "
              f"ms; wall {profile_wall:.1f} s with {args.workers} worker(s)")
    else:
        print("profile step: all profiles from the cache")
    print(f"profile size: {sum(p.nbytes for p in profiles) / max(1, len(profiles)):.0f} bytes "
          f"per profiled document on average, max {max(p.nbytes for p in profiles)}")
    step = TranslationPairStep(DedupConfig())
    if args.fit:
        cache = args.cache and f"{args.cache}/{int(args.resplit)}"
        fit(docs, records, gold, half, step, cache)
    pair_state = RunState()
    tracemalloc.start()
    started, cpu = time.perf_counter(), time.process_time()
    copies = [_copy(d) for d in docs]
    kept = run_corpus_steps(copies, [step], pair_state)
    predicted = {frozenset((copies[d.left].source, copies[d.right].source))
                 for d in step.last_result.decisions}
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    counters = pair_state.stats["translation"].counters
    print(f"pairing: {seconds:.1f} s wall, {cpu:.1f} s CPU ({cpu / len(docs) * 1000:.1f} ms per "
          f"document), peak traced memory {peak / 2**20:.0f} MiB "
          f"({peak / len(docs) / 1024:.1f} KiB per document); {counters['candidates']} "
          f"candidates scored; kept {len(kept)}, accepted pairs {len(predicted)} "
          f"(direct {counters['direct']}, mutual {counters.get('mutual', 0)}, pivot "
          f"{counters['pivot']}), published "
          f"{len(pair_state.pairs)}")
    report(predicted, records, gold, half)
    if args.show_errors:
        show_errors(predicted, records, gold, args.show_errors.split(","))


def _copy(doc: Document) -> Document:
    return Document(source=doc.source, text=doc.text, lang=doc.lang,
                    translation_profile=doc.translation_profile)


def fit(docs, records, gold, half, step, cache: str | None) -> None:
    """Refit the score weights on half 0 (every scored candidate, labelled by the gold
    pairs), print them, and use them for the rest of the run."""
    from cleaner.stages.dedup.translate.pairing import find_pairs
    from cleaner.stages.dedup.translate.score import FEATURES

    gold_pairs = {frozenset((p["a"], p["b"])) for p in gold}
    features_file = Path(cache) / "features.pkl" if cache else None
    if features_file is not None and features_file.is_file():
        rows, labels = pickle.loads(features_file.read_bytes())
    else:
        result = find_pairs([d.translation_profile for d in docs], step.config,
                            keep_scores=True)
        rows, labels = [], []
        for (a, b), (evidence, _) in sorted(result.scored.items()):
            source_a, source_b = docs[a].source, docs[b].source
            if half[source_a] != 0 and half[source_b] != 0:
                continue
            features = evidence.features()
            rows.append([features[name] for name in FEATURES])
            labels.append(int(frozenset((source_a, source_b)) in gold_pairs))
        if features_file is not None:
            features_file.write_bytes(pickle.dumps((rows, labels)))
    weights = fit_logistic(rows, labels, FEATURES)
    print(f"fit on {len(rows)} candidates of half 0 ({sum(labels)} true)")
    print("WEIGHTS = {")
    for name, value in zip(FEATURES, weights[:-1], strict=True):
        print(f"    {name!r}: {value:.4f},")
    print("}")
    print(f"BIAS = {weights[-1]:.4f}")
    _ = records
    score_module.WEIGHTS.clear()
    score_module.WEIGHTS.update(dict(zip(FEATURES, weights[:-1], strict=True)))
    score_module.BIAS = weights[-1]


def show_errors(predicted, records, gold, pairs) -> None:
    """The false pairs of the language pairs ``pairs`` (true languages), with their texts."""
    lang_of = {r["id"]: r["lang"] for r in records}
    text_of = {r["id"]: r["text"] for r in records}
    gold_pairs = {frozenset((p["a"], p["b"])) for p in gold}
    for pair in sorted(predicted, key=sorted):
        a, b = sorted(pair)
        key = "-".join(sorted((lang_of[a], lang_of[b])))
        if key in pairs and pair not in gold_pairs:
            print(f"FP {key} {a} {b}\n   {text_of[a][:120]!r}\n   {text_of[b][:120]!r}")


if __name__ == "__main__":
    main()
