"""Machinery of a sharded build: a work directory of task outputs, and executors placing tasks.

A sharded build is a list of stages; each stage is a list of :class:`~.work.Task` that read
and write files in a :class:`~.work.WorkDir` and return a small summary (counts, stats),
never documents. A task writes each file whole (under a temporary name renamed into place on
a disk, as one upload on an object store: the work directory is a folder or a URI of any
pyarrow file system, :mod:`~.fs`), then its done-marker (``<name>.ok.json``, holding its
summary) last; a task whose marker exists is not run again, so rerunning a build after a crash
redoes only the unfinished tasks.
Executors only decide where tasks run: :class:`~.executors.LocalExecutor` (a process pool on
this machine) or :class:`~.executors.RayExecutor` (a Ray cluster), the same task functions.
"""

from cleaner.pipeline.shards.executors import (
    Executor,
    LocalExecutor,
    RayExecutor,
    fresh_process,
    make_executor,
)
from cleaner.pipeline.shards.work import Task, WorkDir, bucket_of, stable_key

__all__ = ["Executor", "LocalExecutor", "RayExecutor", "Task", "WorkDir", "bucket_of",
           "fresh_process", "make_executor", "stable_key"]
