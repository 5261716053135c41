"""Where batches run on this machine: inline, or on a pool of worker processes."""

from __future__ import annotations

import contextlib
import signal
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from itertools import chain, islice
from typing import Protocol

from cleaner.pipeline.batch import BatchResult, Item, process_batch
from cleaner.pipeline.steps import DocumentStep


class Engine(Protocol):
    """Where batches of documents are processed: this machine's processes, or a cluster.

    ``map_batches`` yields one result per batch, *in the order of the batches*, and keeps
    only a bounded number of batches in flight. An engine only decides where the work runs:
    every engine runs the same steps, under the same per-document time limit, on the same
    batches.
    """

    def map_batches(self, batches: Iterable[list[Item]], steps: list[DocumentStep],
                    step_seconds: float) -> Iterator[BatchResult]: ...


# The steps of a worker process and their time limit, set once when it starts.
_worker_work: list = [[], 0.0]


def _start_worker(steps: list[DocumentStep], step_seconds: float) -> None:
    # Ctrl-C reaches every process of the terminal's group: the main process stops the
    # workers itself, and a worker's KeyboardInterrupt would only print its traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker_work[:] = [steps, step_seconds]


def _process_in_worker(batch: list[Item]) -> BatchResult:
    steps, step_seconds = _worker_work
    return process_batch(batch, steps, step_seconds)


@dataclass
class LocalEngine:
    """Process batches on this machine: inline for one worker, else on a process pool.

    At most ``2 * workers`` batches are in flight (one running and one waiting per worker),
    so memory is bounded by the batch size. The steps go to each worker once, when it starts
    (forked workers share what the steps loaded here, such as trafilatura's warm-up); then
    only batches travel. A corpus of a single batch is processed inline: starting processes
    and loading models in each would cost more than it saves.

    >>> LocalEngine(2)
    LocalEngine(workers=2)
    """

    workers: int = 1

    def map_batches(self, batches: Iterable[list[Item]], steps: list[DocumentStep],
                    step_seconds: float) -> Iterator[BatchResult]:
        iterator = iter(batches)
        head = list(islice(iterator, 2))
        if self.workers <= 1 or len(head) < 2:
            for batch in chain(head, iterator):
                yield process_batch(batch, steps, step_seconds)
            return
        pool = ProcessPoolExecutor(max_workers=self.workers, initializer=_start_worker,
                                   initargs=(steps, step_seconds))
        _live_pools.add(pool)
        try:
            pending: deque[Future] = deque()
            for batch in chain(head, iterator):
                pending.append(pool.submit(_process_in_worker, batch))
                if len(pending) >= 2 * self.workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        except BaseException:
            # Interrupted (Ctrl-C, SIGTERM), failed, or abandoned by the consumer: the
            # workers may be in the middle of long batches; nobody waits for them.
            terminate(pool)
            raise
        finally:
            _live_pools.discard(pool)
            pool.shutdown(wait=True, cancel_futures=True)


# Pools whose workers are running, so that an interruption can stop them (terminate_workers).
_live_pools: set[ProcessPoolExecutor] = set()


def terminate(pool: ProcessPoolExecutor) -> None:
    """Stop a pool's workers now (SIGTERM), not after their current batch."""
    pool.shutdown(wait=False, cancel_futures=True)
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(OSError, ValueError):
            process.terminate()


def terminate_workers() -> None:
    """Stop the workers of every running pool of this process (on Ctrl-C or SIGTERM)."""
    for pool in list(_live_pools):
        terminate(pool)


__all__ = ["Engine", "LocalEngine", "terminate_workers"]
