"""The sharded build's listing task (issue 17): peak memory of planning shards over many files.

Writes ``--files`` empty files (default 20000,200000) in nested folders (``--per-folder``
files a folder, folders of folders of 100), then runs the listing task, ``plan_shards``, in a
fresh child process per size and per way of listing, and prints the child's peak resident
memory above what it held after its imports:

* ``streamed``: what ``cleaner build`` runs (``Reader.plan_stream``: one folder's names per
  level, each shard written as it is cut);
* ``whole``: the listing sorted whole first (``Reader.plan``, as before issue 17 part 2),
  then cut the same way.

Both must give the same shard keys. Run: ``.venv/bin/python benchmarks/bench_listing.py
[--files 20000,200000] [--per-folder 500] [--tmp DIR]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from types import SimpleNamespace
from cleaner.pipeline.shards import WorkDir
from cleaner.sharded import driver
from cleaner.stages.ingest.config import IngestConfig
from cleaner.stages.ingest.reader import Reader

corpus, work, mode = sys.argv[1:4]
recipe = SimpleNamespace(ingest=IngestConfig(), key="bench-listing")
if mode == "whole":  # the listing held whole, then cut as the build cuts it
    Reader.plan_stream = lambda self, paths: iter(self.plan(paths))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.process_time()
plan = driver.plan_shards(WorkDir(work), recipe, [corpus], work, 500)
print(json.dumps({"base_kib": before,
                  "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "cpu": time.process_time() - started, "keys": plan["keys"]}))
"""


def make_corpus(folder: Path, files: int, per_folder: int) -> None:
    """``files`` empty files, ``per_folder`` a folder, 100 folders a parent folder."""
    if (folder / ".done").exists():
        return
    for number in range(files):
        leaf = number // per_folder
        path = folder / f"{leaf // 100:03d}" / f"{leaf % 100:02d}"
        if number % per_folder == 0:
            path.mkdir(parents=True, exist_ok=True)
        (path / f"page-{number:09d}.html").touch()
    (folder / ".done").touch()  # hidden: skipped by the reader


def run(corpus: Path, work: Path, mode: str) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, str(corpus), str(work), mode],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", default="20000,200000")
    parser.add_argument("--per-folder", type=int, default=500)
    parser.add_argument("--tmp", type=Path, default=None, help="keep the corpora here")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPUs, load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}\n")
    print("| files | listing | peak above start MB | CPU s | shards |")
    print("| ---: | --- | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory(prefix="cleaner-listing-") as scratch:
        tmp = args.tmp or Path(scratch)
        for size in (int(s) for s in args.files.split(",")):
            corpus = tmp / f"files-{size}"
            started = time.perf_counter()
            make_corpus(corpus, size, args.per_folder)
            made = time.perf_counter() - started
            keys = {}
            for mode in ("streamed", "whole"):
                with tempfile.TemporaryDirectory(dir=tmp) as work:
                    result = run(corpus, Path(work), mode)
                keys[mode] = result["keys"]
                above = (result["peak_kib"] - result["base_kib"]) / 1024
                print(f"| {size:,} | {mode} | {above:.1f} | {result['cpu']:.1f} "
                      f"| {len(result['keys'])} |", flush=True)
            assert keys["streamed"] == keys["whole"], "the two listings cut different shards"
            print(f"| ({size:,} files written in {made:.0f} s) | | | | |")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"\nbenchmark CPU (children): {usage.ru_utime + usage.ru_stime:.0f} s")


if __name__ == "__main__":
    main()
