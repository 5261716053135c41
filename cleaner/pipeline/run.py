"""The pipeline: a list of small steps that documents flow through, one way.

Two kinds of step:

* :class:`DocumentStep` looks at one document at a time: ``process(doc)`` returns the
  (possibly changed) document, or a :class:`~cleaner.document.Drop` with a reason. These
  steps have no shared state, so the executor may run them in worker processes.
* :class:`CorpusStep` sees the whole corpus (dedup): ``run(docs, state)`` yields the documents
  it keeps and records the others with ``self.drop``.

Every step counts what it did in a :class:`StepStats`. The executor (:func:`run_pipeline`)
only decides where the same step list runs; it never changes what the steps do. Document
steps stream through an :class:`Engine` in batches (:func:`batches`): :class:`LocalEngine`, a
process pool here, or :class:`cleaner.pipeline.engines.RayEngine`, tasks on a Ray cluster. Corpus
steps run in this process. Output and its order never depend on the engine or worker count.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import chain, islice
from typing import Protocol

from cleaner.document import Document, Drop, Pair, Removal
from cleaner.pipeline.limits import TimeLimitExceeded, step_seconds, time_limit

# A batch closes at this many documents or this many bytes of input, whichever comes first.
BATCH_DOCS = 64
BATCH_BYTES = 256 * 1024


@dataclass
class StepStats:
    """What one step did: documents in and out, how many it changed, drops by reason."""

    name: str
    docs_in: int = 0
    docs_out: int = 0
    changed: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    # Free-form counters, e.g. lines removed per boilerplate rule.
    counters: Counter[str] = field(default_factory=Counter)
    # A few examples per counter key (e.g. removed lines per rule), for the build summary.
    samples: dict[str, list[str]] = field(default_factory=dict)
    # Wall-clock seconds (see map_documents for per-document steps on several processes).
    seconds: float = 0.0
    # CPU seconds (time.process_time) summed over every process that ran the step.
    cpu_seconds: float = 0.0

    def sample(self, key: str, example: str, limit: int = 3) -> None:
        """Keep up to ``limit`` distinct examples for ``key``."""
        examples = self.samples.setdefault(key, [])
        if len(examples) < limit and example not in examples:
            examples.append(example)

    def merge(self, other: StepStats) -> None:
        self.docs_in += other.docs_in
        self.docs_out += other.docs_out
        self.changed += other.changed
        self.dropped.update(other.dropped)
        self.counters.update(other.counters)
        for key, examples in other.samples.items():
            for example in examples:
                self.sample(key, example)
        self.seconds += other.seconds
        self.cpu_seconds += other.cpu_seconds


@dataclass
class RunState:
    """What a run collects besides the kept documents."""

    removals: list[Removal] = field(default_factory=list)
    pairs: list[Pair] = field(default_factory=list)
    stats: dict[str, StepStats] = field(default_factory=dict)

    def stats_for(self, name: str) -> StepStats:
        if name not in self.stats:
            self.stats[name] = StepStats(name)
        return self.stats[name]


class DocumentStep:
    """A step that handles one document at a time.

    Subclasses set ``name`` and implement :meth:`process`. A step must be picklable (plain
    configuration in attributes); load heavy resources lazily, once per process.
    """

    name = "step"

    def process(self, doc: Document, stats: StepStats) -> Document | Drop:
        raise NotImplementedError


class CorpusStep:
    """A step that needs the whole corpus at once, such as deduplication."""

    name = "corpus-step"

    def run(self, docs: list[Document], state: RunState) -> Iterator[Document]:
        raise NotImplementedError

    def drop(self, state: RunState, doc: Document, reason: str,
             duplicate_of: str | None = None, detail: str = "") -> None:
        """Record that ``doc`` is not kept, and why."""
        state.removals.append(Removal(doc.id, doc.source, reason, self.name, duplicate_of, detail))
        state.stats_for(self.name).dropped[reason] += 1


def _snapshot(doc: Document) -> tuple:
    return (doc.text, doc.html, doc.title, doc.lang, doc.url, doc.published, doc.author)


def process_document(doc: Document, steps: list[DocumentStep],
                     stats: dict[str, StepStats]) -> Document | Removal:
    """Run ``doc`` through ``steps``; the first step that drops it ends its way."""
    for step in steps:
        step_stats = stats.setdefault(step.name, StepStats(step.name))
        step_stats.docs_in += 1
        before = _snapshot(doc)
        started, cpu_started = time.perf_counter(), time.process_time()
        try:
            with time_limit(step_seconds(step)):  # one pathological page cannot stall a build
                result = step.process(doc, step_stats)
        except TimeLimitExceeded as error:
            result = Drop("timeout", detail=f"{step.name}: {error}")
        except Exception as error:  # noqa: BLE001 - one bad page must not stop a build
            result = Drop("error", detail=f"{step.name}: {type(error).__name__}: {error}"[:500])
        step_stats.cpu_seconds += time.process_time() - cpu_started
        step_stats.seconds += time.perf_counter() - started
        if isinstance(result, Drop):
            step_stats.dropped[result.reason] += 1
            return Removal(doc.id, doc.source, result.reason, step.name,
                           result.duplicate_of, result.detail)
        doc = result
        step_stats.docs_out += 1
        if _snapshot(doc) != before:
            step_stats.changed += 1
    return doc


Item = Document | Removal
BatchResult = tuple[list[Item], dict[str, StepStats]]


def process_batch(batch: list[Item], steps: list[DocumentStep]) -> BatchResult:
    """Run one batch through ``steps``: the unit of work an engine sends to a worker.

    Returns the results in batch order and what each step did on this batch.
    """
    stats: dict[str, StepStats] = {}
    return [item if isinstance(item, Removal) else process_document(item, steps, stats)
            for item in batch], stats


def item_size(item: Item) -> int:
    """Roughly how many bytes an item weighs on its way to a worker (for batching).

    >>> item_size(Document(source="a", data=b"12345"))
    5
    """
    if isinstance(item, Removal):
        return 0
    return len(item.data) + len(item.html or "") + len(item.text)


def batches(items: Iterable[Item], size: int, max_bytes: int = BATCH_BYTES
            ) -> Iterator[list[Item]]:
    """Cut ``items`` into batches of at most ``size`` items and about ``max_bytes`` of input.

    The byte limit keeps batches of large pages small: work spreads evenly over the workers
    even for a small corpus, and memory stays bounded by the batch, not the corpus. A single
    item larger than ``max_bytes`` is a batch of its own.

    >>> [len(b) for b in batches([Document(source=str(i), text="x" * 40) for i in range(5)],
    ...                          size=4, max_bytes=100)]
    [3, 2]
    """
    batch: list[Item] = []
    weight = 0
    for item in items:
        batch.append(item)
        weight += item_size(item)
        if len(batch) >= size or weight >= max_bytes:
            yield batch
            batch, weight = [], 0
    if batch:
        yield batch


class Engine(Protocol):
    """Where batches of documents are processed: this machine's processes, or a cluster.

    ``map_batches`` yields one result per batch, *in the order of the batches*, and keeps
    only a bounded number of batches in flight.
    """

    def map_batches(self, batches: Iterable[list[Item]], steps: list[DocumentStep]
                    ) -> Iterator[BatchResult]: ...


# The steps of a worker process, set once when it starts (see LocalEngine).
_worker_steps: list[DocumentStep] = []


def _start_worker(steps: list[DocumentStep]) -> None:
    _worker_steps[:] = steps


def _process_in_worker(batch: list[Item]) -> BatchResult:
    return process_batch(batch, _worker_steps)


@dataclass
class LocalEngine:
    """Process batches on this machine: inline for one worker, else on a process pool.

    At most ``2 * workers`` batches are in flight (one running and one waiting per worker),
    so memory is bounded by the batch size. The steps go to each worker once, when it starts
    (forked workers share what the steps loaded here, such as trafilatura's warm-up); then
    only batches travel. A corpus of a single batch is processed inline: starting processes
    and loading models in each would cost more than it saves.
    """

    workers: int = 1

    def map_batches(self, batches: Iterable[list[Item]], steps: list[DocumentStep]
                    ) -> Iterator[BatchResult]:
        iterator = iter(batches)
        head = list(islice(iterator, 2))
        if self.workers <= 1 or len(head) < 2:
            for batch in chain(head, iterator):
                yield process_batch(batch, steps)
            return
        with ProcessPoolExecutor(max_workers=self.workers, initializer=_start_worker,
                                 initargs=(steps,)) as pool:
            pending: deque[Future] = deque()
            for batch in chain(head, iterator):
                pending.append(pool.submit(_process_in_worker, batch))
                if len(pending) >= 2 * self.workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()


def map_documents(docs: Iterable[Item], steps: list[DocumentStep], state: RunState,
                  workers: int = 1, batch_size: int | None = None,
                  engine: Engine | None = None) -> Iterator[Item]:
    """Run the per-document ``steps`` over ``docs``, in input order, on ``engine``.

    The engine defaults to :class:`LocalEngine` with ``workers`` processes; batches hold at
    most ``batch_size`` documents (default :data:`BATCH_DOCS`) and about
    :data:`BATCH_BYTES` of input. Removals
    (documents an earlier stage could not read) pass through in their place. Results, their
    order and the counts do not depend on the engine, the worker count or the batch size.

    Timing: ``cpu_seconds`` of a step is its CPU time summed over all processes; ``seconds``
    is wall-clock time: the wall time of this pass (input reading and engine start-up
    included), shared among its steps in proportion to their ``cpu_seconds``. So the
    ``seconds`` of all steps add up to the build's wall time, whatever the worker count.
    """
    engine = engine or LocalEngine(workers)
    for step in steps:
        state.stats_for(step.name)
    merged: dict[str, StepStats] = {step.name: StepStats(step.name) for step in steps}
    wall = 0.0
    started = time.perf_counter()
    try:
        work = batches(docs, batch_size or BATCH_DOCS, BATCH_BYTES)
        for results, stats in engine.map_batches(work, steps):
            for name, step_stats in stats.items():
                merged.setdefault(name, StepStats(name)).merge(step_stats)
            # Time spent by our consumer while we are suspended is not ours.
            wall += time.perf_counter() - started
            yield from results
            started = time.perf_counter()
        wall += time.perf_counter() - started
    finally:
        _merge_timed(state, merged, wall)


def _merge_timed(state: RunState, merged: dict[str, StepStats], wall: float) -> None:
    """Merge a pass's stats into ``state``, with ``seconds`` as wall time shared by cpu time."""
    total_cpu = sum(s.cpu_seconds for s in merged.values())
    for name, step_stats in merged.items():
        share = step_stats.cpu_seconds / total_cpu if total_cpu else 1 / len(merged)
        step_stats.seconds = wall * share
        state.stats_for(name).merge(step_stats)


def run_corpus_steps(docs: list[Document], steps: list[CorpusStep], state: RunState
                     ) -> list[Document]:
    """Run the corpus-level ``steps`` one after the other over the kept documents."""
    for step in steps:
        step_stats = state.stats_for(step.name)
        step_stats.docs_in += len(docs)
        started, cpu_started = time.perf_counter(), time.process_time()
        docs = list(step.run(docs, state))
        step_stats.cpu_seconds += time.process_time() - cpu_started
        step_stats.seconds += time.perf_counter() - started
        step_stats.docs_out += len(docs)
    return docs


Step = DocumentStep | CorpusStep


def passes(steps: list[Step]) -> Iterator[list[Step]]:
    """The passes over the corpus: consecutive document steps stream together in one pass;
    each corpus step is a pass of its own (it needs the whole corpus)."""
    group: list[Step] = []
    for step in steps:
        if group and (isinstance(step, CorpusStep) or isinstance(group[-1], CorpusStep)):
            yield group
            group = []
        group.append(step)
    if group:
        yield group


def _record_removals(items: Iterable[Document | Removal], state: RunState) -> Iterator[Document]:
    for item in items:
        if isinstance(item, Removal):
            state.removals.append(item)
        else:
            yield item


def run_pipeline(items: Iterable[Document | Removal], steps: list[Step], state: RunState,
                 workers: int = 1, engine: Engine | None = None) -> list[Document]:
    """Run ``steps`` in order over ``items`` and return the kept documents.

    ``items`` may hold :class:`Removal` rows from the reader (files it could not read); they
    go straight to the audit. Runs of document steps stream through ``engine`` (default: a
    :class:`LocalEngine` of ``workers`` processes); a corpus step runs in this process and
    waits for the whole corpus, so the kept documents of a build are all in memory once.
    """
    stream: Iterable[Document | Removal] = items
    for group in passes(steps):
        if isinstance(group[0], CorpusStep):
            docs = list(_record_removals(stream, state))
            stream = run_corpus_steps(docs, group, state)  # type: ignore[arg-type]
        else:
            stream = map_documents(stream, group, state, workers,  # type: ignore[arg-type]
                                   engine=engine)
    return list(_record_removals(stream, state))
