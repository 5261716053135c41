"""The runner: one loop that takes documents through a step list, pass by pass.

Consecutive document steps make one pass that streams through an :class:`Engine` in batches
(:func:`batches`): :class:`~cleaner.pipeline.local.LocalEngine`, a process pool here, or
:class:`~cleaner.pipeline.ray_engine.RayEngine`, tasks on a Ray cluster. A corpus step is a
pass of its own and runs in this process over every kept document. The runner owns what is
the same for every step: counting, timing, the per-document time limit, error capture, the
audit row of every dropped document, and progress per pass. Output and its order never depend
on the engine or the worker count.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from cleaner.document import Document, Pair, Removal
from cleaner.pipeline.batch import BATCH_BYTES, BATCH_DOCS, Item, batches
from cleaner.pipeline.limits import DEFAULT_STEP_SECONDS
from cleaner.pipeline.local import Engine, LocalEngine
from cleaner.pipeline.progress import Progress
from cleaner.pipeline.steps import CorpusContext, CorpusStep, DocumentStep, Step, StepStats, passes


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


def map_documents(docs: Iterable[Item], steps: list[DocumentStep], state: RunState,
                  workers: int = 1, batch_size: int | None = None,
                  engine: Engine | None = None,
                  step_seconds: float = DEFAULT_STEP_SECONDS) -> Iterator[Item]:
    """Run the per-document ``steps`` over ``docs``, in input order, on ``engine``.

    The engine defaults to :class:`LocalEngine` with ``workers`` processes; batches hold at
    most ``batch_size`` documents (default :data:`BATCH_DOCS`) and about
    :data:`BATCH_BYTES` of input. Removals (documents an earlier stage could not read) pass
    through in their place. Results, their order and the counts do not depend on the engine,
    the worker count or the batch size.

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
        for results, stats in engine.map_batches(work, steps, step_seconds):
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


def run_corpus_step(docs: list[Document], step: CorpusStep, state: RunState) -> list[Document]:
    """Run one corpus step over the kept documents; its removals and pairs go to ``state``."""
    step_stats = state.stats_for(step.name)
    step_stats.docs_in += len(docs)
    context = CorpusContext(step_stats, state.removals, state.pairs)
    started, cpu_started = time.perf_counter(), time.process_time()
    docs = list(step.run(docs, context))
    step_stats.cpu_seconds += time.process_time() - cpu_started
    step_stats.seconds += time.perf_counter() - started
    step_stats.docs_out += len(docs)
    return docs


def run_corpus_steps(docs: list[Document], steps: list[CorpusStep], state: RunState
                     ) -> list[Document]:
    """Run the corpus-level ``steps`` one after the other over the kept documents."""
    for step in steps:
        docs = run_corpus_step(docs, step, state)
    return docs


def _record_removals(items: Iterable[Item], state: RunState) -> Iterator[Document]:
    for item in items:
        if isinstance(item, Removal):
            state.removals.append(item)
        else:
            yield item


def run_pipeline(items: Iterable[Item], steps: list[Step], state: RunState, workers: int = 1,
                 engine: Engine | None = None, step_seconds: float = DEFAULT_STEP_SECONDS,
                 progress: Progress | None = None, expected: int | None = None
                 ) -> list[Document]:
    """Run ``steps`` in order over ``items`` and return the kept documents.

    ``items`` may hold :class:`Removal` rows from the reader (files it could not read); they
    go straight to the audit. Runs of document steps stream through ``engine`` (default: a
    :class:`LocalEngine` of ``workers`` processes), each step limited to ``step_seconds`` per
    document; a corpus step runs in this process and waits for the whole corpus, so the kept
    documents of a build are all in memory once. ``progress`` shows a bar (or log lines) per
    pass; ``expected`` estimates the number of documents before the first pass (e.g. the
    number of input files). Progress only watches: it never changes what comes out.
    """
    progress = progress or Progress("off")
    engine = engine or LocalEngine(workers)
    docs: Iterable[Item] = items
    total = expected
    for group in passes(steps):
        label = " + ".join(step.name for step in group)
        if isinstance(group[0], CorpusStep):
            kept = list(_record_removals(docs, state))
            with progress.task(label, total):
                docs = run_corpus_steps(kept, group, state)  # type: ignore[arg-type]
        else:
            # Count the documents coming out (not going in: workers read ahead).
            mapped = map_documents(docs, group, state, engine=engine,  # type: ignore[arg-type]
                                   step_seconds=step_seconds)
            docs = list(_record_removals(progress.track(mapped, label, total), state))
        total = len(docs)
    return list(_record_removals(docs, state))


__all__ = ["RunState", "map_documents", "run_corpus_step", "run_corpus_steps", "run_pipeline"]
