"""Memory and time of the sharded build's translation tasks (issue 17), against the one
translation task they replace.

Run from the repository root, after ``benchmarks/bench_translation.py --cache DIR`` has
profiled the WMT22 documents once::

    .venv/bin/python benchmarks/bench_sharded_translation.py --cache DIR [--copies N]
                                                             [--shard-docs 500] [--old]

Puts the WMT22 documents (``../shared/eval/translation``, profiles from the cache) into prep
files of ``--shard-docs`` documents, as the prepare stage writes them. ``--copies N`` adds
N - 1 more copies of the corpus, each document's copy with its own id and text and a perturbed
profile (every int8 of its vectors moved by up to 3, a random sixth of its 4-grams dropped,
seeded): a larger corpus whose copies are near, not equal, so every copy takes part in the
nearest neighbours, scores and matching. Then runs every translation task of the sharded build,
each in a fresh Python process, and prints each stage's largest peak RSS (the process's
``VmHWM``) and time, next to the one task of before (``translation_task``,
``--old``) and an idle process (the interpreter with cleaner and numpy loaded). Checks that
both give the same removals, pairs, clusters and split keys.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import pickle
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cleaner.document import Document  # noqa: E402
from cleaner.pipeline.shards import WorkDir  # noqa: E402
from cleaner.stages.dedup.config import DedupConfig  # noqa: E402
from cleaner.stages.dedup.translate.step import TranslationPairStep  # noqa: E402

CHILD = """
import pickle, sys, time
sys.path.insert(0, {root!r})
import numpy
import cleaner.sharded.translation as t
import cleaner.sharded.matching as m
import cleaner.sharded.dedup as d
fn, args = pickle.load(open(sys.argv[1], "rb"))
started = time.perf_counter()
result = None
if fn != "idle":
    module = d if fn == "translation_task" else m if hasattr(m, fn) else t
    result = getattr(module, fn)(*args)
pickle.dump(result, open(sys.argv[1] + ".out", "wb"))
peak = [line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM")]
print(time.perf_counter() - started, peak[0])
"""


def bench_module():
    spec = importlib.util.spec_from_file_location("bench_translation",
                                                  ROOT / "benchmarks" / "bench_translation.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def perturbed(profile, rng: random.Random):
    import numpy as np

    vectors = np.frombuffer(profile.vectors, dtype=np.int8).astype(np.int16)
    noise = np.array([rng.randint(-3, 3) for _ in range(len(vectors))], dtype=np.int16)
    grams = np.frombuffer(profile.grams, dtype="<u4")
    keep = np.array([rng.random() >= 1 / 6 for _ in range(len(grams))], dtype=bool)
    copy = pickle.loads(pickle.dumps(profile))
    copy.vectors = np.clip(vectors + noise, -127, 127).astype(np.int8).tobytes()
    copy.grams = grams[keep].astype("<u4").tobytes()
    return copy


def corpus(cache: str, copies: int) -> list[Document]:
    bench = bench_module()
    records = [r for path in sorted(bench.DATA.glob("*.jsonl")) if path.name != "pairs.jsonl"
               for r in bench.read_jsonl(path)]
    args = SimpleNamespace(cache=cache, resplit=False, workers=1)
    docs, _, _ = bench.profiled_corpus(records, args)
    out = list(docs)
    rng = random.Random(17)
    for copy in range(1, copies):
        for doc in docs:
            profile = doc.translation_profile
            out.append(Document(
                source=f"{doc.source}#copy{copy}", text=f"{doc.text}\n(copy {copy})",
                lang=doc.lang,
                translation_profile=None if profile is None else perturbed(profile, rng)))
    return out


def run(work: str, fn: str, args: tuple, folder: Path) -> tuple[float, float, object]:
    """Peak RSS (MB: the process's own ``VmHWM``; ``wait4``'s ``ru_maxrss`` would count the
    parent's memory the child was forked from), seconds and result of ``fn(*args)`` in a
    fresh process."""
    job = folder / f"job-{time.perf_counter_ns()}.pkl"
    job.write_bytes(pickle.dumps((fn, args)))
    process = subprocess.Popen([sys.executable, "-c", CHILD.format(root=str(ROOT)), str(job)],
                               stdout=subprocess.PIPE)
    out, _ = process.communicate()
    if process.returncode:
        raise SystemExit(f"{fn} failed")
    seconds, peak_kb = out.decode().split()
    return int(peak_kb) / 1024, float(seconds), pickle.loads(Path(f"{job}.out").read_bytes())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cache", default=None, help="profiles kept by bench_translation.py")
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--shard-docs", type=int, default=500)
    parser.add_argument("--buckets", type=int, default=16)
    parser.add_argument("--old", action="store_true", help="also run the one task of before")
    options = parser.parse_args()
    docs = corpus(options.cache, options.copies)
    folder = Path(tempfile.mkdtemp(prefix="bench-sharded-translation-"))
    work = WorkDir(str(folder / "work"))
    build = "b"
    preps = []
    for start in range(0, len(docs), options.shard_docs):
        name = f"prep/s{start // options.shard_docs:05d}"
        work.dump(name + ".pkl", {"docs": docs[start:start + options.shard_docs]})
        preps.append(name)
    work.dump(f"builds/{build}/exact/d00000.pkl", [])
    work.dump(f"builds/{build}/near.pkl", [])
    count = len(docs)
    del docs
    dedup = DedupConfig()
    recipe = SimpleNamespace(translation=TranslationPairStep(dedup), dedup=dedup)
    print(f"{count} documents in {len(preps)} shards of {options.shard_docs}")
    print(f"idle process: {run(work.root, 'idle', (), folder)[0]:.0f} MB")
    results = {}
    if options.old:
        rss, seconds, _ = run(work.root, "translation_task",
                           (work, recipe, build, preps, 1, count), folder)
        print(f"one task (before): {rss:.0f} MB, {seconds:.1f} s")
        results["old"] = work.load(f"builds/{build}/translation.pkl")
    from cleaner.sharded.translation import tiles_of

    stages = [("scan", "translation_scan",
               [(work, recipe, build, i, p, 1) for i, p in enumerate(preps)]),
              ("counts", "translation_globals", [(work, recipe, build, len(preps))]),
              ("vectors", "translation_vectors",
               [(work, recipe, build, i) for i in range(len(preps))]),
              ("families", "translation_families", [(work, recipe, build, len(preps))])]
    done: dict[str, list] = {}
    for label, fn, arglist in stages:
        measured = done[label] = [run(work.root, fn, a, folder) for a in arglist]
        print(f"{label:>10}: {len(measured)} tasks, largest {max(m[0] for m in measured):.0f} "
              f"MB, {sum(m[1] for m in measured):.1f} s")
    profiled = int(work.load(f"builds/{build}/translation/globals.pkl")["offsets"][-1])
    tiles = tiles_of(profiled)
    for label, fn in (("candidates", "translation_candidates"),
                      ("scores", "translation_scores")):
        measured = done[label] = [run(work.root, fn, (work, recipe, build, t), folder)
                                  for t in range(tiles)]
        print(f"{label:>10}: {len(measured)} tasks, largest {max(m[0] for m in measured):.0f} "
              f"MB, {sum(m[1] for m in measured):.1f} s")
    buckets = options.buckets
    parts = run(work.root, "translation_components", (work, recipe, build, tiles, buckets),
                folder)
    print(f"{'components':>10}: 1 task, {parts[0]:.0f} MB, {parts[1]:.1f} s; "
          f"{parts[2]['edges']} edges, {parts[2]['components']} components, largest "
          f"{parts[2]['largest_component']} documents, "
          f"{parts[2]['largest_component_edges']} edges")
    first = [run(work.root, "translation_match_first", (work, recipe, build, b), folder)
             for b in range(buckets)]
    print(f"{'match':>10}: {buckets} tasks, largest {max(m[0] for m in first):.0f} MB, "
          f"{sum(m[1] for m in first):.1f} s")
    from collections import Counter

    from cleaner.stages.dedup.translate.pairing import bilingual_keys

    direct: Counter = Counter()
    for m in first:
        direct.update({(a, b): n for a, b, n in m[2]["direct"]})
    sizes = work.load(f"builds/{build}/translation/globals.pkl")["sizes"]
    bilingual = sorted(bilingual_keys(direct, sizes, recipe.translation.config))
    rest = [run(work.root, "translation_match_rest", (work, recipe, build, b, bilingual),
                folder) for b in range(buckets)]
    print(f"{'match 2':>10}: {buckets} tasks, largest {max(m[0] for m in rest):.0f} MB, "
          f"{sum(m[1] for m in rest):.1f} s")
    scans = [m[2] for m in done["scan"]]
    scores = [m[2] for m in done["scores"]]
    rss, seconds, _ = run(work.root, "translation_stories",
                          (work, recipe, build, preps, count, buckets, scans, scores), folder)
    print(f"{'stories':>10}: 1 task, {rss:.0f} MB, {seconds:.1f} s")
    new = work.load(f"builds/{build}/translation.pkl")
    print(f"profiled {profiled}, tiles {tiles}, "
          f"pairs {len(new['pairs'])}, removed {len(new['removals'])}")
    if "old" in results:
        same = all(pickle.dumps(results["old"][k]) == pickle.dumps(new[k])
                   for k in ("removals", "pairs", "clusters", "split_keys"))
        print(f"same decisions as the one task: {same}")
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    # The evaluation data lives beside the repository (../shared/eval): without it, say so.
    _data = Path(os.environ.get("CLEANER_EVAL_DIR", ROOT.parent / "shared" / "eval"))
    if not (_data / "translation" / "pairs.jsonl").is_file():
        print(f"evaluation data not found under {_data} (set CLEANER_EVAL_DIR); skipped")
        sys.exit(0)
    main()
