"""Hostile inputs at full size, built through the CLI: time, peak memory, and what became of
each bad input; then the hostile reviewer's probes (issue 19).

The corpus is the one of ``tests/test_hostile.py`` (:func:`write_corpus`) at full size: an
over-the-cap page and a gzip bomb past ``ingest.max_file_bytes`` (64 MB by default), single
lines of 20 MB (text and HTML), 100 000 nested ``<div>``, YAML alias bombs, broken JSONL,
binary files under page names, symlinks out of the input folder; plus a page of tens of MB
under the cap, good pages beside them, the injection inputs of ``tests/test_injection.py``
(file names with markup, backticks, newlines, terminal escapes, bidi overrides and forged CI
annotations; a WARC whose record ids carry ``<script>``, ``</details>`` and tracking images;
titles with escapes) and a page in folders nested 1 200 deep. ``cleaner build --verbose``
runs in a subprocess; the memory of its whole process tree (workers included) is sampled
from /proc.

Then (``benchmarks/hostile_extra.py``): the card, ``inspect``, ``validate`` (text, JSON,
JUnit) and the build's output searched for injected strings, also on a two-version build
whose changelog and ``diff`` list the hostile sources; every tampered version of the tests
through ``validate``; nan/inf/huge numbers and unreadable rule files in ``dataset.toml``;
two builds of one version at once as PID 1 in a shared folder; SIGTERM and Ctrl-C mid-build.

    .venv/bin/python benchmarks/bench_hostile.py [--workers 2] [--keep DIR] [--no-probes]

Targets: peak memory under 2 GB, time under 5 minutes on 2 cores; exit 0, every good page
kept, every bad input accounted for; 0 crashes, 0 injected strings, 0 tampered versions
accepted.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MB = 1 << 20
sys.path.insert(0, str(Path(__file__).resolve().parent))
import hostile_extra as extra  # noqa: E402 - beside this script

helpers = extra.test_module("helpers.py")


def _test_module():
    """tests/test_hostile.py, which writes the corpus (one definition of what is hostile)."""
    spec = importlib.util.spec_from_file_location("test_hostile", ROOT / "tests" /
                                                  "test_hostile.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _tree_rss(pid: int) -> tuple[int, int]:
    """(sum, max) resident bytes of ``pid`` and its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
        rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, largest, todo = 0, 0, [pid]
    while todo:
        current = todo.pop()
        total += rss.get(current, 0)
        largest = max(largest, rss.get(current, 0))
        todo.extend(children.get(current, []))
    return total, largest


class MemorySampler(threading.Thread):
    """Samples the process tree's memory every ``interval`` seconds until stopped."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_sum = self.peak_single = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            total, largest = _tree_rss(self.pid)
            self.peak_sum = max(self.peak_sum, total)
            self.peak_single = max(self.peak_single, largest)
            self.stopped.wait(self.interval)


def write_big_page(path: Path, size: int, rng: random.Random, sentence) -> None:
    """A real-looking page of ``size`` bytes, under the cap: it goes through every step."""
    with path.open("w") as handle:
        handle.write("<html><head><title>A very long report</title></head><body><article>")
        written = 0
        while written < size:
            paragraph = "<p>" + " ".join(sentence(rng) for _ in range(5)) + "</p>\n"
            handle.write(paragraph)
            written += len(paragraph)
        handle.write("</article></body></html>")


def add_issue19_inputs(inputs: Path, inject) -> tuple[list[str], int]:
    """The injection inputs and a page 1 200 folders deep; (sources that must be kept or
    removed by name, how many sources start with ``caf`` (the non-UTF-8 name))."""
    inject.add_hostile_inputs(inject.InjectionCorpus(inputs, []))
    deepest = helpers.nested_folders(inputs, 1200)
    (deepest / "deep-page.txt").write_text(
        " ".join(["The council met on Tuesday and approved the new bridge."] * 20))
    named = [name for name in inject.FILE_NAMES] + ["/".join(["d"] * 1200) + "/deep-page.txt"]
    return named, len(inject.RECORD_IDS)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--over-cap-mb", type=int, default=80)
    parser.add_argument("--big-page-mb", type=int, default=30)
    parser.add_argument("--line-mb", type=int, default=20)
    parser.add_argument("--depth", type=int, default=100_000)
    parser.add_argument("--good", type=int, default=200)
    parser.add_argument("--keep", type=Path, default=None, help="build here and keep it")
    parser.add_argument("--no-probes", action="store_true",
                        help="only the big build, not the probes of hostile_extra.py")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        root = args.keep or Path(temp)
        root.mkdir(parents=True, exist_ok=True)
        try:
            return _run(args, root)
        finally:  # shutil.rmtree recurses: the folders 1 200 deep go first
            helpers.remove_nested(root / "input")


def _run(args: argparse.Namespace, root: Path) -> int:
    """The big build and the probes, in ``root``."""
    hostile = _test_module()
    started = time.perf_counter()
    corpus = hostile.write_corpus(root, big_bytes=args.over_cap_mb * MB,
                                  line_bytes=args.line_mb * MB, depth=args.depth,
                                  good=args.good)
    write_big_page(corpus.inputs / "pages" / "big-under-cap.html", args.big_page_mb * MB,
                   random.Random(1), hostile.sentence)
    corpus.bad["pages/big-under-cap.html"] = {"keep", "timeout"}
    # libxml2 keeps at most 10 MB in one text node: a longer one-line <p> has no text left.
    corpus.bad["pages/one-line.html"] |= {"empty"}
    hostile.write_config(root, 64 * MB)
    size = sum(p.stat().st_size for p in corpus.inputs.rglob("*") if p.is_file()
               and not p.is_symlink())
    # After the size: pathlib's rglob recurses, and the deep folders are 1 200 levels.
    named, records = add_issue19_inputs(corpus.inputs, extra.test_module("test_injection.py"))
    print(f"corpus: {size / MB:.0f} MB, {len(corpus.good)} good inputs, "
          f"{len(corpus.bad)} hostile ones, written in {time.perf_counter() - started:.1f}s")

    env = {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "cleaner", "build", "--verbose",
                                "--workers", str(args.workers)], cwd=root, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = MemorySampler(process.pid)
    sampler.start()
    out, err = process.communicate()
    sampler.stopped.set()
    sampler.join()
    seconds = time.perf_counter() - started

    print(f"exit code: {process.returncode}" + (f" ({err.strip()})" if err.strip() else ""))
    print(f"time: {seconds:.1f}s with {args.workers} workers (target < 300s)")
    print(f"peak memory: {sampler.peak_sum / MB:.0f} MB for the process tree, "
          f"{sampler.peak_single / MB:.0f} MB for the largest process (target < 2048 MB)")
    if process.returncode != 0:
        return 1
    docs, audit = hostile.read_version(root / "dist" / "hostile" / "1.0.0")
    kept = {row["source"] for row in docs}
    reasons = {row["source"]: row["reason"] for row in audit}
    steps = {row["source"]: f"{row['step']}: {row['detail'][:60]}" for row in audit}
    missing = sorted(set(corpus.good) - kept)
    print(f"documents: {len(docs)} kept, {len(audit)} removed "
          f"({', '.join(f'{r} {n}' for r, n in sorted(Counter(reasons.values()).items()))})")
    print(f"good inputs kept: {len(corpus.good) - len(missing)}/{len(corpus.good)}"
          + (f" (missing: {', '.join(missing)})" if missing else ""))
    wrong = 0
    for source, expected in sorted(corpus.bad.items()):
        got = "keep" if source in kept else reasons.get(source, "missing")
        wrong += got not in expected
        print(f"  {source:28} {got:16} {'ok' if got in expected else 'UNEXPECTED':10} "
              f"{steps.get(source, '')}")
    leaked = [row["source"] for row in docs if hostile.LEAK in (row["text"] or "")]
    print(f"leaks: {len(leaked)}; unexpected outcomes: {wrong}")
    sources = kept | set(reasons)
    unaccounted = [name for name in named if name not in sources]
    unaccounted += [] if sum(s.startswith("caf") for s in sources) == 1 else ["caf…"]
    found = sum(s.startswith("crawl.warc#") for s in sources)
    unaccounted += [] if found == records else [f"crawl.warc: {found}/{records} records"]
    manifest = json.loads((root / "dist" / "hostile" / "1.0.0" / "manifest.json").read_text())
    counted = manifest["counts"]["inputs"] == len(docs) + len(audit) == len(sources)
    print(f"issue 19 inputs accounted for: {len(named) + 1 + records - len(unaccounted)}/"
          f"{len(named) + 1 + records}" + (f" (missing: {unaccounted})" if unaccounted
                                            else "")
          + f"; every input counted once: {counted}")
    ok = not missing and not wrong and not leaked and seconds < 300 and not unaccounted \
        and counted and sampler.peak_sum < 2048 * MB
    if args.no_probes:
        return 0 if ok else 1
    started = time.perf_counter()
    probes = [extra.injections(root, root / "dist" / "hostile" / "1.0.0", [out, err]),
              extra.injection_project(), extra.tampered_versions(), extra.bad_configs(),
              extra.concurrent_builds(), extra.stopped_builds()]
    print(f"probes ({time.perf_counter() - started:.0f}s):")
    totals = extra.report(probes)
    print(f"probes: {totals['cases']} cases, crashes {totals['crashes']} (must be 0), "
          f"injected strings {totals['injections']} (0), tampered versions accepted "
          f"{totals['accepted']} (0)")
    clean = not (totals["crashes"] or totals["injections"] or totals["accepted"])
    return 0 if ok and clean else 1


if __name__ == "__main__":
    sys.exit(main())
