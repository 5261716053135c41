"""The sharded build (issue 17): driver memory and CPU, resume after a kill, incremental builds.

Every figure comes from whole ``cleaner build`` runs in child processes on generated corpora
(benchmarks/corpus.py), watched from outside through /proc every 0.1 s: for each process of
the build's tree its CPU time (its own, not its children's) and its peak resident memory
(``VmHWM``). The driver is the process the command started; the workers are every other
process of its tree. Parts (``--parts``, all by default):

* ``scale``: the same build at each size of ``--docs`` (default 4000,40000): wall and CPU,
  driver peak and CPU per document (the slope between sizes too), the largest worker's peak,
  and the work directory's size per document (``--keep-work``); then, from each worker's record
  of its tasks (``CLEANER_TASK_MEMORY``: ``VmHWM`` reset before each task), the peak of each
  stage's largest task at every size, the memory a task started with and what it added.
* ``resume``: an uninterrupted build; the same build killed (SIGKILL to the whole process
  group) at half its wall time and run again with the same command; a build with one worker
  killed mid-run. Both must give the uninterrupted build's bytes; the CPU of the interrupted
  build (both runs) against the uninterrupted one.
* ``incremental``: version 1.0.0 of a corpus of ``--grow-base`` documents, then 1 % new files
  and version 1.1.0 with the same work directory, against a full build of the grown corpus in
  a fresh work directory (with 1.0.0 beside it, as it would be): the cost of the increment, the
  shards cleaned again, and whether the two versions are byte-identical. ``--grow-at 0.5``
  puts the new files among the old ones (a folder sorting in the middle) instead of after.
* ``inmemory``: the ``--in-memory`` reference at the first size, for comparison.

Run: ``.venv/bin/python benchmarks/bench_sharded.py [--docs 4000,40000] [--workers 2]
[--parts scale,resume,incremental] [--resume-docs 10000] [--grow-base 20000]
[--grow-at end,0.5] [--in-memory]
[--config FILE] [--tmp DIR]``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import corpus  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
# The installed command, as a user runs it (the venv's console script).
CLEANER = [str(Path(sys.executable).with_name("cleaner"))]


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants that are alive now (Linux /proc)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def cpu_and_peak(pid: int) -> tuple[float, int] | None:
    """Own CPU seconds (user + system) and peak resident bytes of one process, None if gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / TICK
    peak = next((int(line.split()[1]) * 1024 for line in status.splitlines()
                 if line.startswith("VmHWM:")), 0)
    return cpu, peak


@dataclass
class Watch:
    """CPU and peak memory of every process a build ran, sampled until it ends."""

    root: int
    cpu: dict[int, float] = field(default_factory=dict)
    peak: dict[int, int] = field(default_factory=dict)

    def sample(self) -> None:
        for pid in process_tree(self.root):
            seen = cpu_and_peak(pid)
            if seen:
                self.cpu[pid] = max(self.cpu.get(pid, 0.0), seen[0])
                self.peak[pid] = max(self.peak.get(pid, 0), seen[1])

    def workers(self) -> list[int]:
        return [pid for pid in self.peak if pid != self.root]

    @property
    def total_cpu(self) -> float:
        return sum(self.cpu.values())


def run_build(args: list[str], kill_after: float | None = None,
              kill_worker_after: float | None = None,
              task_memory: Path | None = None) -> tuple[int, float, Watch]:
    """Run ``cleaner build ARGS`` in its own process group; optionally SIGKILL the whole group
    (a crash) or one worker after some seconds; with ``task_memory``, every task's peak
    memory is written there (``CLEANER_TASK_MEMORY``). Exit code, wall seconds and what was
    watched."""
    env = dict(os.environ)
    if task_memory is not None:
        env["CLEANER_TASK_MEMORY"] = str(task_memory)
    child = subprocess.Popen([*CLEANER, "build", "--quiet", *args], start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                             env=env)
    killed = []

    def tick(watch: Watch, elapsed: float) -> bool:
        """Kill what the caller asked for; False ends the watch (the group is gone)."""
        if kill_after is not None and elapsed >= kill_after:
            os.killpg(child.pid, signal.SIGKILL)
            return False
        if kill_worker_after is not None and not killed and elapsed >= kill_worker_after:
            workers = [p for p in process_tree(child.pid) if p != child.pid]
            if workers:
                os.kill(workers[-1], signal.SIGKILL)
                killed.append(workers[-1])
        return True

    _, stderr, wall, watch = watched(child, tick)
    if child.returncode not in (0, -signal.SIGKILL):
        print(stderr[-2000:], file=sys.stderr)
    return child.returncode, wall, watch


def watched(child: subprocess.Popen, tick: Callable[[Watch, float], bool] | None = None
            ) -> tuple[str, str, float, Watch]:
    """Sample ``child``'s process tree every 0.1 s until it ends (``tick(watch, seconds)``
    after each sample; False stops sampling); its stdout, stderr, wall seconds and what was
    watched."""
    started = time.perf_counter()
    watch = Watch(child.pid)
    stop = threading.Event()

    def sampler() -> None:
        while not stop.is_set():
            watch.sample()
            if tick is not None and not tick(watch, time.perf_counter() - started):
                return
            time.sleep(0.1)

    thread = threading.Thread(target=sampler, daemon=True)
    thread.start()
    stdout, stderr = child.communicate()
    stop.set()
    thread.join()
    return stdout, stderr, time.perf_counter() - started, watch


def digest(folder: Path) -> str:
    """One hash of every file (name and bytes) under a version folder."""
    total = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        total.update(str(path.relative_to(folder)).encode() + b"\0")
        total.update(path.read_bytes())
    return total.hexdigest()


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def mib(n: float) -> str:
    return f"{n / 2**20:,.0f}"


def stage_of(task: str) -> str:
    """The stage of a task, from its name (``builds/<key>/exact/d00003`` -> ``exact``).

    >>> [stage_of(n) for n in ("plans/ab", "shards/k/clean", "builds/k/exact/d00003",
    ...                        "builds/k/write/train", "builds/k/finish-.tmp-x", "builds/k/near")]
    ['plan', 'clean', 'exact', 'write/train', 'finish', 'near']
    """
    parts = task.split("/")
    if parts[0] == "plans":
        return "plan"
    if parts[0] == "shards":
        return parts[-1]
    rest = parts[2:]
    if rest[0] == "write":
        return "write/" + rest[1]
    return "finish" if rest[0].startswith("finish-") else rest[0]


def task_peaks(log: Path) -> dict[str, tuple[int, int, int, int]]:
    """Per stage, in the order stages first ran: tasks, the largest resident size a task
    started with, the largest peak, and the largest growth of one task (peak - start)."""
    out: dict[str, tuple[int, int, int, int]] = {}
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    for line in lines:
        record = json.loads(line)
        tasks, start, peak, own = out.get(stage_of(record["task"]), (0, 0, 0, 0))
        out[stage_of(record["task"])] = (tasks + 1, max(start, record["start"]),
                                         max(peak, record["peak"]),
                                         max(own, record["peak"] - record["start"]))
    return out


def print_task_peaks(peaks: dict[int, dict[str, tuple[int, int, int, int]]]) -> None:
    """The per-stage table: peak of the stage's largest task at every size, and the growth of
    one task (peak over what the worker held when it started)."""
    sizes = list(peaks)
    stages = list(dict.fromkeys(stage for size in sizes for stage in peaks[size]))
    print("Per task, by stage (workers reset VmHWM before each task; MB): tasks, the largest "
          "peak, the most resident memory a task started with, the most one task added\n")
    heads = [f"{h} {size:,}" for h in ("peak", "start", "added") for size in sizes]
    print("| stage | tasks | " + " | ".join(heads) + " |")
    print("| --- | ---: | " + " | ".join("---:" for _ in heads) + " |")
    for stage in stages:
        cells = [peaks[size].get(stage, (0, 0, 0, 0)) for size in sizes]
        tasks = "/".join(str(c[0]) for c in cells)
        values = [mib(c[i]) for i in (2, 1, 3) for c in cells]
        print(f"| {stage} | {tasks} | " + " | ".join(values) + " |")
    print()


# Extra arguments of every build (``--config FILE`` from the command line).
COMMON: list[str] = []


def build_args(corpus_dir: Path, out: Path, work: Path, workers: int, version: str = "1.0.0",
               extra: tuple[str, ...] = ()) -> list[str]:
    return [str(corpus_dir), "--name", "bench", "--version", version, "--output", str(out),
            "--work-dir", str(work), "--workers", str(workers), *COMMON, *extra]


def part_scale(sizes: list[int], workers: int, tmp: Path, in_memory: bool) -> None:
    print("## Scale: the same build at each size (local engine)\n")
    print("| docs | wall s | CPU s (all) | driver peak MB | driver CPU s | driver ms/doc "
          "| largest worker peak MB | work dir KiB/doc |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    rows = []
    peaks: dict[int, dict] = {}
    for size in sizes:
        folder = tmp / f"corpus-{size}"
        if not folder.exists():
            corpus.generate(size, folder)
        work = tmp / f"work-{size}"
        log = tmp / f"tasks-{size}.jsonl"
        log.unlink(missing_ok=True)
        # A version left by an earlier run (--tmp) would make this build "unchanged".
        shutil.rmtree(tmp / f"out-{size}", ignore_errors=True)
        code, wall, watch = run_build(build_args(folder, tmp / f"out-{size}", work, workers,
                                                 extra=("--keep-work",)), task_memory=log)
        peaks[size] = task_peaks(log)
        if code != 0:
            raise SystemExit(f"build of {size} documents failed (exit {code})")
        driver_cpu = watch.cpu[watch.root]
        worker_peak = max((watch.peak[p] for p in watch.workers()), default=0)
        work_bytes = folder_bytes(work) if work.exists() else 0
        rows.append((size, watch.peak[watch.root], driver_cpu, worker_peak))
        print(f"| {size:,} | {wall:.1f} | {watch.total_cpu:.1f} | {mib(watch.peak[watch.root])} "
              f"| {driver_cpu:.2f} | {driver_cpu / size * 1000:.4f} | {mib(worker_peak)} "
              f"| {work_bytes / size / 1024:.1f} |")
        shutil.rmtree(work, ignore_errors=True)
        if in_memory and size == sizes[0]:
            code, wall, ref = run_build([str(folder), "--name", "bench", "--output",
                                         str(tmp / f"ref-{size}"), "--workers", str(workers),
                                         *COMMON, "--in-memory"])
            same = digest(tmp / f"ref-{size}" / "bench" / "1.0.0") == \
                digest(tmp / f"out-{size}" / "bench" / "1.0.0")
            print(f"| {size:,} in memory (reference) | {wall:.1f} | {ref.total_cpu:.1f} "
                  f"| {mib(ref.peak[ref.root])} | {ref.cpu[ref.root]:.2f} "
                  f"| {ref.cpu[ref.root] / size * 1000:.4f} "
                  f"| {mib(max((ref.peak[p] for p in ref.workers()), default=0))} "
                  f"| byte-identical: {same} |")
    if len(rows) > 1:
        (n0, peak0, cpu0, w0), (n1, peak1, cpu1, w1) = rows[0], rows[-1]
        print(f"\n{n1:,} vs {n0:,} documents: driver peak {mib(peak0)} -> {mib(peak1)} MB "
              f"({(peak1 - peak0) / 2**20:+.0f} MB); driver CPU per extra document "
              f"{(cpu1 - cpu0) / (n1 - n0) * 1000:.4f} ms; largest worker {mib(w0)} -> "
              f"{mib(w1)} MB ({(w1 / w0 - 1) * 100 if w0 else 0:+.0f} %)")
    print()
    print_task_peaks(peaks)


def part_resume(size: int, workers: int, tmp: Path) -> None:
    print(f"## Resume: {size:,} documents, killed and run again\n")
    folder = tmp / f"corpus-{size}"
    if not folder.exists():
        corpus.generate(size, folder)
    code, wall, whole = run_build(build_args(folder, tmp / "r-whole", tmp / "rw-whole", workers))
    if code != 0:
        raise SystemExit(f"uninterrupted build failed (exit {code})")
    expected = digest(tmp / "r-whole" / "bench" / "1.0.0")
    print(f"uninterrupted: {wall:.1f} s wall, {whole.total_cpu:.1f} s CPU (sampled)")

    args = build_args(folder, tmp / "r-kill", tmp / "rw-kill", workers)
    code, wall1, first = run_build(args, kill_after=wall / 2)
    code2, wall2, second = run_build(args)
    same = code2 == 0 and digest(tmp / "r-kill" / "bench" / "1.0.0") == expected
    ratio = (first.total_cpu + second.total_cpu) / whole.total_cpu
    print(f"SIGKILL at {wall / 2:.1f} s (exit {code}), rerun exit {code2}: "
          f"CPU {first.total_cpu:.1f} + {second.total_cpu:.1f} s = x{ratio:.3f} "
          f"the uninterrupted build; byte-identical: {same}")

    args = build_args(folder, tmp / "r-worker", tmp / "rw-worker", workers)
    code, wall3, third = run_build(args, kill_worker_after=wall / 3)
    same = code == 0 and digest(tmp / "r-worker" / "bench" / "1.0.0") == expected
    print(f"one worker SIGKILLed at {wall / 3:.1f} s: exit {code}, {wall3:.1f} s wall, CPU "
          f"x{third.total_cpu / whole.total_cpu:.3f}; byte-identical: {same}\n")


def grow(folder: Path, count: int, at: str) -> Path:
    """Write ``count`` new documents into ``folder``: after the old ones (``end``: a folder
    sorting last), or among them (a fraction such as ``0.5``: a folder sorting between the
    old folders there, as a late batch of a crawl would)."""
    if at == "end":
        target = folder / "zz-new"
    else:
        old = sorted(p.name for p in folder.iterdir() if p.is_dir())
        target = folder / f"{old[min(len(old) - 1, int(float(at) * len(old)))]}-late"
    corpus.generate(count, target, seed=1)
    return target


def clean_markers(work: Path) -> set[Path]:
    """The shards whose documents were cleaned in ``work`` (one marker per shard key)."""
    return set(work.glob("shards/*/clean.ok.json"))


def part_incremental(base: int, workers: int, tmp: Path, at: str) -> None:
    where = "after the old ones" if at == "end" else f"among the old ones (at {at})"
    print(f"## Incremental: {base:,} documents, then 1 % new files {where}\n")
    folder = tmp / f"grow-{base}-{at}"
    if not folder.exists():
        corpus.generate(base, folder)
    work, out = tmp / f"g-work-{at}", tmp / f"g-out-{at}"
    code, wall0, v1 = run_build(build_args(folder, out, work, workers, "1.0.0", ("--keep-work",)))
    if code != 0:
        raise SystemExit(f"first version failed (exit {code})")
    before = clean_markers(work)
    grow(folder, max(1, base // 100), at)
    code, wall1, inc = run_build(build_args(folder, out, work, workers, "1.1.0",
                                            ("--keep-work",)))
    after = clean_markers(work)
    full_out = tmp / f"g-full-{at}"
    shutil.copytree(out / "bench" / "1.0.0", full_out / "bench" / "1.0.0")
    code2, wall2, full = run_build(build_args(folder, full_out, tmp / f"g-fresh-{at}", workers,
                                              "1.1.0"))
    same = code == code2 == 0 and digest(out / "bench" / "1.1.0") == \
        digest(full_out / "bench" / "1.1.0")
    print(f"first version: {wall0:.1f} s wall, {v1.total_cpu:.1f} s CPU, {len(before)} shards")
    print(f"next version, same work directory: {wall1:.1f} s wall, {inc.total_cpu:.1f} s CPU; "
          f"shards cleaned (new keys): {len(after - before)}")
    print(f"full build of the grown corpus: {wall2:.1f} s wall, {full.total_cpu:.1f} s CPU")
    print(f"increment costs {inc.total_cpu / full.total_cpu:.1%} of a full build (CPU), "
          f"{wall1 / wall2:.1%} (wall); byte-identical to the full build: {same}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", default="4000,40000")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--parts", default="scale,resume,incremental")
    parser.add_argument("--resume-docs", type=int, default=10000)
    parser.add_argument("--grow-base", type=int, default=20000)
    parser.add_argument("--grow-at", default="end",
                        help="where the incremental part's new files sort: end (after the old "
                             "ones), or a fraction such as 0.5 (among them); several: end,0.5")
    parser.add_argument("--in-memory", action="store_true",
                        help="also build the first size with --in-memory and compare")
    parser.add_argument("--tmp", type=Path, default=None, help="keep corpora here")
    parser.add_argument("--config", type=Path, default=None,
                        help="build configuration of every build (e.g. one with "
                             "[dedup] translation = false)")
    args = parser.parse_args()
    if args.config:
        COMMON.extend(["--config", str(args.config.resolve())])
    parts = set(args.parts.split(","))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory(prefix="cleaner-sharded-") as scratch:
        tmp = args.tmp or Path(scratch)
        tmp.mkdir(parents=True, exist_ok=True)
        print(f"machine: {os.cpu_count()} CPUs, load average "
              f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}\n")
        if "scale" in parts:
            part_scale([int(s) for s in args.docs.split(",")], args.workers, tmp, args.in_memory)
        if "resume" in parts:
            part_resume(args.resume_docs, args.workers, tmp)
        if "incremental" in parts:
            for at in args.grow_at.split(","):
                part_incremental(args.grow_base, args.workers, tmp, at)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"benchmark CPU (all builds): {after.ru_utime - before.ru_utime:.0f} s user")


if __name__ == "__main__":
    _eval = Path(os.environ.get("CLEANER_EVAL_DIR", ROOT.parent / "shared" / "eval"))
    if not (_eval / "extraction" / "ground-truth.json").is_file():
        print(f"evaluation data not found under {_eval} (set CLEANER_EVAL_DIR); skipped")
        sys.exit(0)
    main()
