"""Hostile inputs at full size, built through the CLI: time, peak memory, and what became of
each bad input.

The corpus is the one of ``tests/test_hostile.py`` (:func:`write_corpus`) at full size: an
over-the-cap page and a gzip bomb past ``ingest.max_file_bytes`` (64 MB by default), single
lines of 20 MB (text and HTML), 100 000 nested ``<div>``, YAML alias bombs, broken JSONL,
binary files under page names, symlinks out of the input folder; plus a page of tens of MB
under the cap, and good pages beside them. ``cleaner build`` runs in a subprocess; the
memory of its whole process tree (workers included) is sampled from /proc.

    .venv/bin/python benchmarks/bench_hostile.py [--workers 2] [--keep DIR]

Targets: peak memory under 2 GB, time under 5 minutes on 2 cores; exit 0, every good page
kept, every bad input accounted for.
"""

from __future__ import annotations

import argparse
import importlib.util
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--over-cap-mb", type=int, default=80)
    parser.add_argument("--big-page-mb", type=int, default=30)
    parser.add_argument("--line-mb", type=int, default=20)
    parser.add_argument("--depth", type=int, default=100_000)
    parser.add_argument("--good", type=int, default=200)
    parser.add_argument("--keep", type=Path, default=None, help="build here and keep it")
    args = parser.parse_args()

    hostile = _test_module()
    with tempfile.TemporaryDirectory() as temp:
        root = args.keep or Path(temp)
        root.mkdir(parents=True, exist_ok=True)
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
        print(f"corpus: {size / MB:.0f} MB, {len(corpus.good)} good inputs, "
              f"{len(corpus.bad)} hostile ones, written in {time.perf_counter() - started:.1f}s")

        env = {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "cleaner", "build", "--quiet",
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
        ok = not missing and not wrong and not leaked and seconds < 300
        return 0 if ok and sampler.peak_sum < 2048 * MB else 1


if __name__ == "__main__":
    sys.exit(main())
