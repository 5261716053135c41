"""Where batches run on this machine: inline, or on a pool of worker processes."""

from __future__ import annotations

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
        with ProcessPoolExecutor(max_workers=self.workers, initializer=_start_worker,
                                 initargs=(steps, step_seconds)) as pool:
            pending: deque[Future] = deque()
            for batch in chain(head, iterator):
                pending.append(pool.submit(_process_in_worker, batch))
                if len(pending) >= 2 * self.workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()


__all__ = ["Engine", "LocalEngine"]
