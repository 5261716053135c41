"""Throughput of the per-document path: `cleaner clean` against bare trafilatura, and per stage.

1. Over the 55 real pages of ``eval/extraction/html/*.html.gz`` (``../shared/eval`` or
   ``$CLEANER_EVAL_DIR``), in one run, alternating the contenders ``--repeat`` times and
   keeping each one's median (these machines are noisy):

   * bare ``trafilatura.extract`` over the same pages, in a fresh Python process;
   * ``cleaner clean --workers 1`` and ``--workers 2`` over the same files, as a user runs it;
   * with ``--against REV``, the same two commands with the ``cleaner`` package of git
     revision REV (before/after in one run).

   Both sides pay their process start-up, imports and model loading. It prints documents/s,
   MB/s (uncompressed HTML), CPU seconds, and the ratios cleaner/trafilatura (the goal: at
   least 0.8 with one worker, 1.4 with two): by wall time, and by CPU time (the steadier
   figure when other work shares the machine; the load average is printed). The in-process
   time of trafilatura's extract calls alone is printed too, as the strictest baseline.
2. Where the time goes: the per-document steps over the same pages in this process (one
   worker), with each stage's seconds, and over ``--docs`` generated documents
   (benchmarks/corpus.py) with ``--workers`` processes.

Run: ``.venv/bin/python benchmarks/bench_throughput.py [--repeat 3] [--docs 2000] [--against REV]``
"""

from __future__ import annotations

import argparse
import gzip
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import corpus  # noqa: E402

EVAL_DIR = Path(os.environ.get("CLEANER_EVAL_DIR", ROOT.parent / "shared" / "eval"))
PAGES = EVAL_DIR / "extraction" / "html"
CLEANER = [sys.executable, "-m", "cleaner"]

# The baseline, as a user of trafilatura would write it.
TRAFILATURA = """
import gzip, sys, time
import trafilatura
started = time.perf_counter()
for path in sys.argv[1:]:
    trafilatura.extract(gzip.decompress(open(path, "rb").read()))
print(time.perf_counter() - started)
"""


def timed(command: list[str], cwd: Path = ROOT) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the process tree, stdout) of one command run in ``cwd``
    (``python -m cleaner`` imports the package found there)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=cwd)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])}... failed: {done.stderr.strip()[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def checkout(revision: str, folder: Path) -> Path:
    """The ``cleaner`` package of git ``revision``, unpacked in ``folder``; returns ``folder``."""
    archive = subprocess.run(["git", "archive", revision, "cleaner", "schemas"], cwd=ROOT,
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def compare_with_trafilatura(repeat: int, against: str | None = None) -> None:
    """Part 1: cleaner clean with 1 and 2 workers against bare trafilatura, as ratios."""
    pages = sorted(str(Path(p).resolve()) for p in PAGES.glob("*.html.gz"))
    megabytes = sum(len(gzip.decompress(Path(p).read_bytes())) for p in pages) / 1e6
    versions = {"": ROOT}
    with tempfile.TemporaryDirectory(prefix="cleaner-rev-") as tmp:
        if against:
            versions[f" ({against})"] = checkout(against, Path(tmp))
        # Our modules with up-to-date bytecode, as trafilatura's have it from pip (an editable
        # install under PYTHONDONTWRITEBYTECODE would compile them at every start).
        for folder in versions.values():
            subprocess.run([sys.executable, "-m", "compileall", "-q", str(folder / "cleaner")],
                           check=True)
        contenders = {"trafilatura.extract": ([sys.executable, "-c", TRAFILATURA, *pages], ROOT)}
        for workers in ("1", "2"):
            for label, folder in versions.items():
                contenders[f"cleaner clean --workers {workers}{label}"] = (
                    [*CLEANER, "clean", "--workers", workers, "-q", *pages], folder)
        _race(contenders, repeat, len(pages), megabytes)


def _race(contenders: dict[str, tuple[list[str], Path]], repeat: int, pages: int,
          megabytes: float) -> None:
    """Run the contenders in turn, ``repeat`` times, and print each one's medians."""
    walls: dict[str, list[float]] = {name: [] for name in contenders}
    cpus: dict[str, list[float]] = {name: [] for name in contenders}
    extract_only: list[float] = []
    load_before = os.getloadavg()[0]
    for _ in range(repeat):
        for name, (command, folder) in contenders.items():
            wall, cpu, out = timed(command, folder)
            walls[name].append(wall)
            cpus[name].append(cpu)
            if name == "trafilatura.extract":
                extract_only.append(float(out.strip()))
    print(f"{pages} pages, {megabytes:.1f} MB of HTML; median of {repeat} alternating runs; "
          f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after")
    width = max(map(len, contenders)) + 2
    print(f"{'':<{width}}{'wall s':>8}{'cpu s':>8}{'docs/s':>8}{'MB/s':>7}{'ratio':>7}"
          f"{'cpu ratio':>10}")
    base = statistics.median(walls["trafilatura.extract"])
    base_cpu = statistics.median(cpus["trafilatura.extract"])
    for name in contenders:
        wall, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
        print(f"{name:<{width}}{wall:>8.2f}{cpu:>8.2f}{pages / wall:>8.1f}"
              f"{megabytes / wall:>7.2f}{base / wall:>7.2f}{base_cpu / cpu:>10.2f}")
    only = statistics.median(extract_only)
    print(f"{'(extract calls alone)':<{width}}{only:>8.2f}{'':>8}{pages / only:>8.1f}"
          f"{megabytes / only:>7.2f}{base / only:>7.2f}")
    print("ratio = throughput / throughput of trafilatura (process start-up included); "
          "goals: 0.8 with 1 worker, 1.4 with 2;\ncpu ratio = trafilatura's CPU seconds / "
          "the contender's (with 2 workers: all processes, not a throughput)")


def stage_table(paths: list[Path], workers: int, label: str) -> None:
    """Part 2: the per-document steps over ``paths``, with the seconds of each stage."""
    from cleaner.build import cleaning_steps
    from cleaner.config import Config
    from cleaner.pipeline import RunState, map_documents
    from cleaner.stages.ingest.reader import Reader
    from cleaner.stages.language.step import LanguageStep

    config = Config()
    steps = [*cleaning_steps(config), LanguageStep(config.language)]
    state = RunState()
    read = 0

    def counted():
        nonlocal read
        for item in Reader(config.ingest).read(paths):
            read += len(getattr(item, "data", b""))
            yield item

    started = time.perf_counter()
    docs = sum(1 for _ in map_documents(counted(), steps, state, workers))
    wall = time.perf_counter() - started
    print(f"\n{label}: {docs} documents, {read / 1e6:.1f} MB read, {workers} worker(s): "
          f"{wall:.2f} s, {docs / wall:.1f} docs/s, {read / 1e6 / wall:.2f} MB/s")
    print(f"{'stage':<14}{'wall s':>8}{'cpu s':>8}{'ms/doc':>8}")
    for name, stats in state.stats.items():
        per_doc = 1000 * stats.cpu_seconds / max(stats.docs_in, 1)
        print(f"{name:<14}{stats.seconds:>8.2f}{stats.cpu_seconds:>8.2f}{per_doc:>8.1f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process: {peak:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="alternating runs (default 3)")
    parser.add_argument("--docs", type=int, default=2000,
                        help="generated documents for the stage table (0: skip)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--against", metavar="REV",
                        help="also time the cleaner package of this git revision (e.g. HEAD~3)")
    args = parser.parse_args()
    if not PAGES.is_dir():
        raise SystemExit(f"eval data not found at {EVAL_DIR} (set CLEANER_EVAL_DIR)")
    compare_with_trafilatura(args.repeat, args.against)
    stage_table(sorted(PAGES.glob("*.html.gz")), 1, "extraction pages")
    if args.docs:
        with tempfile.TemporaryDirectory(prefix="cleaner-bench-") as tmp:
            corpus.generate(args.docs, Path(tmp))
            stage_table([Path(tmp)], args.workers, "generated corpus")


if __name__ == "__main__":
    main()
