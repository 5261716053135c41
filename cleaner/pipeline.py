"""The pipeline: a list of small steps that documents flow through, one way.

Two kinds of step:

* :class:`DocumentStep` looks at one document at a time: ``process(doc)`` returns the
  (possibly changed) document, or a :class:`~cleaner.document.Drop` with a reason. These
  steps have no shared state, so the executor may run them in worker processes.
* :class:`CorpusStep` sees the whole corpus (dedup): ``run(docs, state)`` yields the documents
  it keeps and records the others with ``self.drop``.

Every step counts what it did in a :class:`StepStats`. The executor (:func:`run_pipeline`)
only decides where the same step list runs; it never changes what the steps do.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import chain, islice

from cleaner.document import Document, Drop, Pair, Removal


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
    seconds: float = 0.0

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
        started = time.perf_counter()
        try:
            result = step.process(doc, step_stats)
        except Exception as error:  # noqa: BLE001 - one bad page must not stop a build
            result = Drop("error", detail=f"{step.name}: {type(error).__name__}: {error}"[:500])
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


def _process_batch(batch: list[Document | Removal], steps: list[DocumentStep]
                   ) -> tuple[list[Document | Removal], dict[str, StepStats]]:
    stats: dict[str, StepStats] = {}
    return [item if isinstance(item, Removal) else process_document(item, steps, stats)
            for item in batch], stats


def _batches(items: Iterable[Document | Removal], size: int
             ) -> Iterator[list[Document | Removal]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def map_documents(docs: Iterable[Document | Removal], steps: list[DocumentStep],
                  state: RunState, workers: int = 1, batch_size: int = 16
                  ) -> Iterator[Document | Removal]:
    """Run the per-document ``steps`` over ``docs``, in input order, on ``workers`` processes.

    Removals (documents an earlier stage could not read) pass through in their place.

    At most ``2 * workers`` batches are in flight, so memory is bounded by the batch size,
    not by the corpus. Results and their order do not depend on ``workers``.
    """
    for step in steps:
        state.stats_for(step.name)
    batches = _batches(docs, batch_size)
    first = next(batches, [])
    second = next(batches, None)
    if workers <= 1 or second is None:
        # One batch is not worth starting worker processes for.
        for batch in chain([first], [second] if second else [], batches):
            results, stats = _process_batch(batch, steps)
            _merge(state, stats)
            yield from results
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        pending: list[Future] = []
        for batch in chain([first, second], batches):
            pending.append(pool.submit(_process_batch, batch, steps))
            if len(pending) >= 2 * workers:
                yield from _collect(pending.pop(0), state)
        for future in pending:
            yield from _collect(future, state)


def _collect(future: Future, state: RunState) -> list[Document | Removal]:
    results, stats = future.result()
    _merge(state, stats)
    return results


def _merge(state: RunState, stats: dict[str, StepStats]) -> None:
    for name, step_stats in stats.items():
        state.stats_for(name).merge(step_stats)


def run_corpus_steps(docs: list[Document], steps: list[CorpusStep], state: RunState
                     ) -> list[Document]:
    """Run the corpus-level ``steps`` one after the other over the kept documents."""
    for step in steps:
        step_stats = state.stats_for(step.name)
        step_stats.docs_in += len(docs)
        started = time.perf_counter()
        docs = list(step.run(docs, state))
        step_stats.seconds += time.perf_counter() - started
        step_stats.docs_out += len(docs)
    return docs


Step = DocumentStep | CorpusStep


def _segments(steps: list[Step]) -> Iterator[list[Step]]:
    """Group consecutive document steps, so each group runs as one pass over the corpus."""
    group: list[Step] = []
    for step in steps:
        if group and isinstance(step, CorpusStep) != isinstance(group[-1], CorpusStep):
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
                 workers: int = 1) -> list[Document]:
    """Run ``steps`` in order over ``items`` and return the kept documents.

    ``items`` may hold :class:`Removal` rows from the reader (files it could not read); they
    go straight to the audit. Runs of document steps stream through ``workers`` processes;
    a corpus step waits for the whole corpus.
    """
    stream: Iterable[Document | Removal] = items
    for group in _segments(steps):
        if isinstance(group[0], CorpusStep):
            docs = list(_record_removals(stream, state))
            stream = run_corpus_steps(docs, group, state)  # type: ignore[arg-type]
        else:
            stream = map_documents(stream, group, state, workers)  # type: ignore[arg-type]
    return list(_record_removals(stream, state))
