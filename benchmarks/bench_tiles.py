"""Giant LSH band groups in the sharded build (issue 17): tiled against expanded in one task.

A generated news corpus (benchmarks/corpus.py) of ``--docs`` pages, plus ``--giant`` pages of
one boilerplate text that differ by a few words each (a cookie notice, a "page not found"
template: equal on most LSH bands, so band groups of thousands of documents). The same
sharded build runs in a child process with the tile size ``--tile`` (giant groups compared
in tiles) and with tiling off (a tile larger than the corpus: every group expanded into its
pairs in its band task, as before tiling), watched from outside through /proc every 0.1 s
(bench_sharded.Watch). Printed per build: wall seconds, all CPU, the largest worker's peak
resident memory, the slowest near task (band, pair, tile: the ``seconds`` of their
summaries in the kept work directory), the largest band group, the tiled groups and tile
tasks, and whether the two versions are byte-identical.

Run: ``.venv/bin/python benchmarks/bench_tiles.py [--docs 2000] [--giant 5000] [--tile 1000]
[--workers 2] [--untiled] [--tmp DIR]`` (``--untiled`` adds the build without tiling, whose
band task holds all n²/2 pairs of the giant groups: about 1.3 GB at 5,000 copies).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import corpus  # noqa: E402
from bench_sharded import digest, mib, watched  # noqa: E402

# The child: one sharded build with a tile size, through the Python API (the command has no
# option for it), its summary's sharded line and sizes printed as JSON.
CHILD = """
import json, sys
from pathlib import Path
from cleaner.build import ShardOptions, build
from cleaner.config import Config
from cleaner.pipeline.local import LocalEngine

folder, out, work, tile, workers = sys.argv[1:6]
config = Config()
config.dataset.name = "bench"
config.dedup.translation = False
options = ShardOptions(work_dir=Path(work), keep_work=True, tile=int(tile))
result = build(config, [Path(folder)], Path(out), sharded=options,
               engine=LocalEngine(int(workers)))
print(json.dumps(result.sizes))
"""


def giant_pages(n: int, out: Path, seed: int = 1) -> None:
    """``n`` copies of one boilerplate page (about 300 words), each with a few words of its
    own at the end, so their estimated Jaccard is ~0.97 and most bands are shared."""
    rng = random.Random(seed)
    vocabulary = [f"term{i}" for i in range(400)]
    shared = " ".join(rng.choice(vocabulary) for _ in range(300))
    folder = out / "giant"
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        own = " ".join(f"ref{i}n{k}" for k in range(2))
        (folder / f"notice{i:06d}.txt").write_text(
            f"Service notice\n\n{shared}. Reference {own}.\n", encoding="utf-8")


def run(folder: Path, out: Path, work: Path, tile: int, workers: int) -> dict:
    """One build in a child process, watched; what it did and what it cost."""
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(folder), str(out), str(work),
                              str(tile), str(workers)], start_new_session=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stdout, stderr, wall, watch = watched(child)
    if child.returncode != 0:
        raise SystemExit(f"build failed (exit {child.returncode}):\n{stderr[-3000:]}")
    sizes = json.loads(stdout.strip().splitlines()[-1])
    slowest: dict[str, float] = {}
    for stage in ("bands", "edges", "tiles"):
        for marker in work.rglob(f"builds/*/{stage}/*.ok.json"):
            seconds = json.loads(marker.read_text()).get("seconds", 0.0)
            slowest[stage] = max(slowest.get(stage, 0.0), seconds)
    return {"wall": wall, "cpu": watch.total_cpu,
            "worker_peak": max((watch.peak[p] for p in watch.workers()), default=0),
            "driver_peak": watch.peak.get(watch.root, 0), "slowest": slowest, "sizes": sizes,
            "digest": digest(out / "bench" / "1.0.0")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--giant", type=int, default=5000)
    parser.add_argument("--tile", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--untiled", action="store_true")
    parser.add_argument("--tmp", type=Path, default=None)
    args = parser.parse_args()
    tmp = args.tmp or Path(tempfile.mkdtemp(prefix="bench-tiles-"))
    folder = tmp / "corpus"
    if not folder.exists():
        corpus.generate(args.docs, folder)
        giant_pages(args.giant, folder)
    print(f"## Giant band groups: {args.docs:,} news pages + {args.giant:,} near-identical "
          f"pages, {args.workers} workers\n")
    print("| build | wall s | CPU s | largest worker MB | driver MB | slowest band task s "
          "| slowest pair task s | slowest tile task s | largest band group | tiled groups "
          "| tile tasks |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    tiles = [("tiled", args.tile)] + ([("untiled", 10**9)] if args.untiled else [])
    digests = []
    for label, tile in tiles:
        work, out = tmp / f"work-{label}", tmp / f"out-{label}"
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
        done = run(folder, out, work, tile, args.workers)
        sizes, slow = done["sizes"], done["slowest"]
        print(f"| {label} (tile {tile if tile < 10**9 else 'off'}) | {done['wall']:.1f} "
              f"| {done['cpu']:.1f} | {mib(done['worker_peak'])} | {mib(done['driver_peak'])} "
              f"| {slow.get('bands', 0):.2f} | {slow.get('edges', 0):.2f} "
              f"| {slow.get('tiles', 0):.2f} | {sizes.get('largest_band_group', 0):,} "
              f"| {sizes.get('tiled_band_groups', 0)} | {sizes.get('tasks:near tiles', 0)} |")
        digests.append(done["digest"])
        shutil.rmtree(work, ignore_errors=True)
    if len(digests) > 1:
        print(f"\nbyte-identical versions: {len(set(digests)) == 1}")
    if args.tmp is None:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
