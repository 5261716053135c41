"""Peak memory per task, for benchmarks only (opt-in: ``CLEANER_TASK_MEMORY``).

A pool worker runs many tasks, so its own peak (``VmHWM``) says which process grew, not
which task. With ``CLEANER_TASK_MEMORY=FILE`` set, a worker resets its peak to its current
resident size before each task (Linux: ``5`` written to ``/proc/self/clear_refs``) and
appends one JSON line to ``FILE`` after it: the task's name, the resident bytes it started
with (what earlier tasks left in the heap) and its peak. Off by default: a build never
writes outside its work directory and version unless asked.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from cleaner.pipeline.shards.work import Task, run_task

# The file (JSON lines) every worker appends its tasks' memory to; unset: nothing is measured.
TASK_MEMORY = "CLEANER_TASK_MEMORY"


def status_bytes(field: str, text: str | None = None) -> int:
    """One ``kB`` field of ``/proc/self/status`` in bytes (0 when there is none).

    >>> status_bytes("VmHWM", "Name:\\tx\\nVmHWM:\\t  2048 kB\\n")
    2097152
    >>> status_bytes("VmHWM", "Name:\\tx\\n")
    0
    """
    if text is None:
        try:
            text = Path("/proc/self/status").read_text(encoding="ascii")
        except OSError:
            return 0
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def reset_peak() -> bool:
    """Make ``VmHWM`` the current resident size, so the next reading is this task's peak;
    False where the kernel does not allow it (the peak is then the process's so far)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
    except OSError:
        return False
    return True


def run_measured(root: str, task: Task) -> dict:
    """:func:`~cleaner.pipeline.shards.work.run_task`, and with ``CLEANER_TASK_MEMORY`` set,
    the task's memory appended to that file (one line, written whole with ``O_APPEND``, so
    workers writing at once do not interleave)."""
    log = os.environ.get(TASK_MEMORY)
    if not log:
        return run_task(root, task)
    reset = reset_peak()
    start = status_bytes("VmRSS")
    started = time.perf_counter()
    summary = run_task(root, task)
    record = {"task": task.name, "pid": os.getpid(), "start": start,
              "peak": status_bytes("VmHWM"), "reset": reset,
              "seconds": round(time.perf_counter() - started, 3)}
    line = (json.dumps(record, sort_keys=True) + "\n").encode("utf-8")
    descriptor = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(descriptor, line)
    finally:
        os.close(descriptor)
    return summary


__all__ = ["TASK_MEMORY", "reset_peak", "run_measured", "status_bytes"]
