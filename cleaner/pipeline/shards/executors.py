"""Where the tasks of a sharded build run: a process pool here, or a Ray cluster.

An executor runs a stage: a list of :class:`~cleaner.pipeline.shards.work.Task` that do not
depend on each other. It skips those whose marker exists, runs the others, retries a task
that failed (an exception, or a worker that died), and returns every task's summary by
name. It never sees a document: tasks read and write the work directory themselves.
"""

from __future__ import annotations

import contextlib
import ctypes
import signal
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Protocol

from cleaner.errors import CleanerError, EngineError
from cleaner.pipeline.shards.memory import run_measured
from cleaner.pipeline.shards.work import Task, WorkDir

# Attempts per task: a task that fails this many times fails the build (and a rerun
# resumes from the tasks that finished).
ATTEMPTS = 3


def already_done(work: WorkDir,
                 tasks: list[Task]) -> Generator[tuple[str, dict], None, list[Task]]:
    """Yield the summary of each task already done (a rerun resumes); return the others."""
    todo = []
    for task in tasks:
        summary = work.done(task.name)
        if summary is None:
            todo.append(task)
        else:
            yield task.name, summary
    return todo


class Executor(Protocol):
    """Runs the independent tasks of one stage; yields ``(name, summary)`` as each finishes
    (a finished task of an earlier run first, without running it)."""

    def each(self, work: WorkDir, tasks: list[Task]) -> Iterator[tuple[str, dict]]: ...

    def close(self) -> None: ...


def run_all(executor: Executor, work: WorkDir, tasks: list[Task]) -> dict[str, dict]:
    """Every task's summary by name, once all have finished."""
    return dict(executor.each(work, tasks))


def _die_with_parent() -> None:
    """Worker start-up: die when the driver dies, even by SIGKILL (Linux), and leave Ctrl-C
    to the driver, which stops the workers itself."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


# The attribute that marks a task function to be run in a fresh process (:func:`fresh_process`).
FRESH = "_cleaner_fresh_process"


def fresh_process(fn: Callable[..., dict]) -> Callable[..., dict]:
    """Mark a task function to run in processes started for its stage and ended after it
    (local pool; at most one per task, so a stage of one task has a process of its own): a
    corpus-level task that needs none of what earlier stages loaded into a long-lived worker
    (language models, libraries, the freed-but-kept heap of bigger tasks) then adds its own
    memory to a small process, not to a worker's high-water mark.

    >>> def task(work): return {}
    >>> getattr(fresh_process(task), FRESH)
    True
    """
    setattr(fn, FRESH, True)
    return fn


def _failed(task: Task, error: BaseException) -> CleanerError:
    if isinstance(error, CleanerError):
        return error
    first = (str(error).splitlines() or [""])[0][:300]
    return EngineError(f"task {task.name} failed {ATTEMPTS} times: "
                       f"{type(error).__name__}: {first}")


@dataclass
class LocalExecutor:
    """Tasks on a pool of ``workers`` processes on this machine (even one: the driver itself
    holds no documents). A worker that dies breaks the pool: a new pool takes over and the
    unfinished tasks are retried.

    >>> LocalExecutor(2)
    LocalExecutor(workers=2)
    """

    workers: int = 1

    def __post_init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._fresh = False

    def _get_pool(self, fresh: bool = False, tasks: int = 1) -> ProcessPoolExecutor:
        """The pool of long-lived workers, or with ``fresh`` a pool started for one stage
        (at most one process per task) and stopped after it.

        Fresh processes are started the way the long-lived ones are (forked on Linux, from
        the driver, which holds no documents), not spawned: a spawned process imports the
        caller's main module again, which breaks a user's script without a ``__main__``
        guard."""
        if self._pool is not None and (self._fresh or fresh):
            self.close()  # idle between stages: its workers' memory goes back now
        if self._pool is None:
            workers = max(1, min(self.workers, tasks) if fresh else self.workers)
            self._pool = ProcessPoolExecutor(max_workers=workers, initializer=_die_with_parent)
            self._fresh = fresh
        return self._pool

    def _reset(self) -> None:
        """Stop the workers now, and wait for them: a stopped build removes its temporary
        folder after, and no worker may still be writing into it."""
        if self._pool is not None:
            from cleaner.pipeline.local import terminate

            processes = list((getattr(self._pool, "_processes", None) or {}).values())
            terminate(self._pool)
            for process in processes:
                with contextlib.suppress(OSError, ValueError, AssertionError):
                    process.join(timeout=10)
            self._pool = None

    def each(self, work: WorkDir, tasks: list[Task]) -> Iterator[tuple[str, dict]]:
        todo = yield from already_done(work, tasks)
        # A stage runs in fresh processes when its tasks ask for it (fresh_process).
        fresh = any(getattr(t.fn, FRESH, False) for t in todo)
        attempts = dict.fromkeys((t.name for t in todo), 0)
        # Rounds in a row in which the pool broke (a worker died) and no task finished.
        stalled = 0
        try:
            while todo:
                pool = self._get_pool(fresh, len(todo))
                futures: dict[Future, Task] = {pool.submit(run_measured, work.root, t): t
                                               for t in todo}
                todo = []
                broken = progressed = False
                pending = set(futures)
                while pending:
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in finished:
                        task = futures[future]
                        try:
                            summary = future.result()
                        except BrokenProcessPool:
                            # Which task killed its worker is unknown: all go round again.
                            broken = True
                            todo.append(task)
                            continue
                        except CleanerError:
                            raise
                        except Exception as error:  # noqa: BLE001 - retried, then reported
                            attempts[task.name] += 1
                            if attempts[task.name] >= ATTEMPTS:
                                raise _failed(task, error) from None
                            todo.append(task)
                            continue
                        progressed = True
                        yield task.name, summary
                if broken:
                    stalled = 0 if progressed else stalled + 1
                    if stalled >= ATTEMPTS:
                        raise EngineError(f"a worker died {ATTEMPTS} times running "
                                          f"{', '.join(sorted(t.name for t in todo)[:3])}")
                    self._reset()
                todo.sort(key=lambda t: t.name)
        except BaseException:
            self._reset()
            raise

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class RayExecutor:
    """Tasks on a Ray cluster: one Ray task per task, retried by Ray when a worker or node is
    lost (``max_retries``) and on exceptions; the work directory must be a folder every node
    reaches (a shared mount)."""

    def __init__(self, engine: Any) -> None:
        # A cleaner.pipeline.ray_engine.RayEngine: its connection settings and errors.
        self.engine = engine
        # Node id -> tasks run there, for the build summary and the two-node test.
        self.nodes: dict[str, int] = {}

    def __repr__(self) -> str:
        return f"RayExecutor({self.engine!r})"

    def each(self, work: WorkDir, tasks: list[Task]) -> Iterator[tuple[str, dict]]:
        from cleaner.pipeline.ray_engine import _lost

        todo = yield from already_done(work, tasks)
        if not todo:
            return
        ray = self.engine._connect()
        # SPREAD: a stage's tasks go to every node, not first to fill the node that asks.
        remote = ray.remote(_run_on_node).options(max_retries=ATTEMPTS,
                                                  retry_exceptions=[OSError, RuntimeError],
                                                  scheduling_strategy="SPREAD")
        refs = {remote.remote(work.root, task): task for task in todo}
        with _lost(ray, "a Ray task failed"):
            for ref, task in refs.items():
                try:
                    summary, node = ray.get(ref)
                except ray.exceptions.RayTaskError as error:
                    cause = getattr(error, "cause", None)
                    if isinstance(cause, CleanerError):
                        raise cause from None
                    raise
                self.nodes[node] = self.nodes.get(node, 0) + 1
                yield task.name, summary

    def close(self) -> None:
        self.engine.close()


def _run_on_node(root: str, task: Task) -> tuple[dict, str]:
    import ray

    return run_measured(root, task), ray.get_runtime_context().get_node_id()


def make_executor(engine: Any) -> Executor:
    """The executor placing tasks where ``engine`` places batches (local pool or Ray)."""
    from cleaner.pipeline.local import LocalEngine

    if isinstance(engine, LocalEngine):
        return LocalExecutor(engine.workers)
    return RayExecutor(engine)


__all__ = ["ATTEMPTS", "FRESH", "Executor", "LocalExecutor", "RayExecutor", "fresh_process",
           "make_executor", "run_all"]
