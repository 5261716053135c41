"""How `cleaner build` scales with the corpus: time, throughput, stages and peak memory.

For each size in ``--docs`` it generates a corpus from real paragraphs (benchmarks/corpus.py,
in a temporary folder), runs a whole build in a child process, and prints wall time, CPU
time, documents/s, MB/s, the time of every stage and the peak memory: the largest sum of the
resident memory of the build's process tree (sampled every 0.2 s from /proc) and the largest
single process (``ru_maxrss``); and the peak proportional memory (PSS) of the tree, which does
not count twice the pages forked workers share with the driver. It ends with the ratios of
the last size to the first and the memory each extra document costs.

Run: ``.venv/bin/python benchmarks/bench_scale.py --docs 4000,8000 --workers 2``
     ``.venv/bin/python benchmarks/bench_scale.py --docs 100000 --workers 2``  (~12 minutes
     on 2 idle cores, peak ~2.4 GB)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import corpus  # noqa: E402


def tree_memory(pid: int) -> tuple[int, int]:
    """Resident and proportional bytes (RSS, PSS) of ``pid`` and all its descendants (Linux
    /proc), (0, 0) once it is gone.

    The RSS sum counts pages that forked workers share with their parent once per process;
    PSS splits each shared page between the processes that map it, so its sum is the memory
    the tree really holds.
    """
    rss = pss = 0
    todo = [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            rss += next(int(line.split()[1]) * 1024 for line in status.splitlines()
                        if line.startswith("VmRSS:"))
            rollup = Path(f"/proc/{current}/smaps_rollup").read_text()
            pss += next((int(line.split()[1]) * 1024 for line in rollup.splitlines()
                         if line.startswith("Pss:")), 0)
            for task in Path(f"/proc/{current}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, StopIteration, ValueError):
            continue
    return rss, pss


class PeakSampler(threading.Thread):
    """Samples the resident memory of a process tree until the process ends."""

    def __init__(self, pid: int, every: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pid, self.every, self.peak, self.peak_pss = pid, every, 0, 0

    def run(self) -> None:
        while Path(f"/proc/{self.pid}").exists():
            rss, pss = tree_memory(self.pid)
            self.peak, self.peak_pss = max(self.peak, rss), max(self.peak_pss, pss)
            time.sleep(self.every)


def child_build(folder: Path, out: Path, workers: int, engine: str) -> None:
    """In the child process: one build; print its stats as JSON."""
    from cleaner.build import build
    from cleaner.config import Config
    from cleaner.pipeline.engines import make_engine

    started = time.perf_counter()
    result = build(Config(), inputs=[folder], output=out, workers=workers,
                   engine=make_engine(engine, workers))
    wall = time.perf_counter() - started
    stages = {name: [round(s.seconds, 2), round(s.cpu_seconds, 2)]
              for name, s in result.state.stats.items()}
    print(json.dumps({"wall": wall, "kept": result.kept, "inputs": result.inputs,
                      "stages": stages}))


def measure(size: int, workers: int, engine: str, tmp: Path) -> dict:
    """Generate ``size`` documents and build them in a child process."""
    folder = tmp / f"corpus-{size}"
    if not folder.exists():
        corpus.generate(size, folder)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, __file__, "--child", str(folder), str(tmp / f"out-{size}"),
         str(workers), engine], stdout=subprocess.PIPE, text=True)
    sampler = PeakSampler(child.pid)
    sampler.start()
    stdout, _ = child.communicate()
    wall = time.perf_counter() - started
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if child.returncode != 0:
        raise SystemExit(f"build of {size} documents failed (exit {child.returncode})")
    report = json.loads(stdout.strip().splitlines()[-1])
    report.update(size=size, bytes=corpus.corpus_bytes(folder), process_wall=wall,
                  cpu=(after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
                  peak_tree=sampler.peak, peak_tree_pss=sampler.peak_pss,
                  peak_process=after.ru_maxrss * 1024)
    return report


def print_report(reports: list[dict]) -> None:
    print(f"{'docs':>7} {'MB':>7} {'wall s':>8} {'cpu s':>8} {'docs/s':>8} {'MB/s':>6} "
          f"{'peak tree MB':>12} {'tree PSS MB':>11} {'peak proc MB':>12} {'kept':>7}")
    for r in reports:
        print(f"{r['size']:>7} {r['bytes'] / 1e6:>7.1f} {r['process_wall']:>8.1f} "
              f"{r['cpu']:>8.1f} {r['size'] / r['process_wall']:>8.1f} "
              f"{r['bytes'] / 1e6 / r['process_wall']:>6.2f} {r['peak_tree'] / 2**20:>12.0f} "
              f"{r.get('peak_tree_pss', 0) / 2**20:>11.0f} "
              f"{r['peak_process'] / 2**20:>12.0f} {r['kept']:>7}")
    print("\nstage seconds (wall / summed over processes):")
    names = list(reports[0]["stages"])
    print(f"{'stage':<16}" + "".join(f"{r['size']:>18}" for r in reports))
    for name in names:
        cells = "".join("{:>18}".format("{:.1f} / {:.1f}".format(*r["stages"].get(name, [0, 0])))
                        for r in reports)
        print(f"{name:<16}{cells}")
    if len(reports) > 1:
        first, last = reports[0], reports[-1]
        factor = last["size"] / first["size"]
        print(f"\n{last['size']} vs {first['size']} documents ({factor:.1f}x): "
              f"wall time x{last['process_wall'] / first['process_wall']:.2f}, "
              f"cpu time x{last['cpu'] / first['cpu']:.2f}, "
              f"peak memory x{last['peak_tree'] / first['peak_tree']:.2f}")
        per_doc = (last["peak_tree"] - first["peak_tree"]) / (last["size"] - first["size"])
        per_doc_process = ((last["peak_process"] - first["peak_process"])
                           / (last["size"] - first["size"]))
        print(f"memory per extra document: {per_doc / 1024:.1f} KiB (process tree), "
              f"{per_doc_process / 1024:.1f} KiB (largest process) "
              f"(corpus {last['bytes'] / last['size'] / 1024:.1f} KiB per document on disk)")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        folder, out, workers, engine = sys.argv[2:6]
        child_build(Path(folder), Path(out), int(workers), engine)
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", default="4000,8000",
                        help="corpus sizes, comma-separated (default: 4000,8000)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--engine", choices=["local", "ray"], default="local")
    parser.add_argument("--json", type=Path, default=None, help="also write the reports here")
    args = parser.parse_args()
    sizes = [int(s) for s in args.docs.split(",")]
    with tempfile.TemporaryDirectory(prefix="cleaner-scale-") as tmp:
        reports = [measure(size, args.workers, args.engine, Path(tmp)) for size in sizes]
    print_report(reports)
    if args.json:
        args.json.write_text(json.dumps(reports, indent=1))


if __name__ == "__main__":
    # The evaluation data lives beside the repository (../shared/eval): without it, say so.
    _eval = Path(os.environ.get("CLEANER_EVAL_DIR", ROOT.parent / "shared" / "eval"))
    _missing = [n for n in ("extraction/ground-truth.json",) if not (_eval / n).is_file()]
    if _missing and "--child" not in sys.argv:
        print(f"evaluation data not found: {_eval / _missing[0]} (set CLEANER_EVAL_DIR); "
              "skipped")
        sys.exit(0)
    main()
