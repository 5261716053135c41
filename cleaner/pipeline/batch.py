"""The unit of work an engine places: a batch of documents through a list of document steps.

:func:`process_batch` is all a worker runs, wherever it is (this process, a pool worker, a Ray
task); :func:`batches` cuts the input stream into batches of bounded size.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator

from cleaner.document import Document, Drop, Removal
from cleaner.pipeline.limits import DEFAULT_STEP_SECONDS, TimeLimitExceeded, time_limit
from cleaner.pipeline.steps import DocumentStep, StepStats

# A batch closes at this many documents or this many bytes of input, whichever comes first.
BATCH_DOCS = 64
BATCH_BYTES = 256 * 1024

Item = Document | Removal
BatchResult = tuple[list[Item], dict[str, StepStats]]


def _snapshot(doc: Document) -> tuple:
    return (doc.text, doc.html, doc.title, doc.lang, doc.url, doc.published, doc.author)


def process_document(doc: Document, steps: list[DocumentStep], stats: dict[str, StepStats],
                     step_seconds: float = DEFAULT_STEP_SECONDS) -> Document | Removal:
    """Run ``doc`` through ``steps``; the first step that drops it ends its way.

    Each step may spend ``step_seconds`` on the document (``0``: no limit); past that, or
    when the step raises, the document becomes an audit row (``timeout``, ``error``) and the
    run goes on: one bad page never stops a build.
    """
    for step in steps:
        step_stats = stats.setdefault(step.name, StepStats(step.name))
        step_stats.docs_in += 1
        before = _snapshot(doc)
        started, cpu_started = time.perf_counter(), time.process_time()
        try:
            with time_limit(step_seconds):
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


def prepare_step(step: DocumentStep, docs: list[Document], stats: dict[str, StepStats],
                 step_seconds: float = DEFAULT_STEP_SECONDS) -> None:
    """Let ``step`` prepare ``docs`` in bulk (:meth:`DocumentStep.prepare`), within the time
    its documents may take; its time counts as the step's. A failure only costs the bulk
    work: ``process`` does it again per document."""
    if type(step).prepare is DocumentStep.prepare or not docs:
        return
    step_stats = stats.setdefault(step.name, StepStats(step.name))
    started, cpu_started = time.perf_counter(), time.process_time()
    try:
        with time_limit(step_seconds * len(docs) if step_seconds else 0):
            step.prepare(docs)
    except TimeLimitExceeded:
        step_stats.counters["prepare_timeout"] += 1
    except Exception:  # noqa: BLE001 - process() does the work per document instead
        step_stats.counters["prepare_error"] += 1
    step_stats.cpu_seconds += time.process_time() - cpu_started
    step_stats.seconds += time.perf_counter() - started


def process_batch(batch: list[Item], steps: list[DocumentStep],
                  step_seconds: float = DEFAULT_STEP_SECONDS) -> BatchResult:
    """Run one batch through ``steps``: the unit of work an engine sends to a worker.

    Step after step: each step first sees the batch's remaining documents at once
    (:func:`prepare_step`), then each of them (:func:`process_document`); a document's way
    through the steps is the same as if it went alone. Returns the results in batch order and
    what each step did on this batch.
    """
    stats: dict[str, StepStats] = {}
    items = list(batch)
    for step in steps:
        prepare_step(step, [item for item in items if isinstance(item, Document)], stats,
                     step_seconds)
        items = [item if isinstance(item, Removal)
                 else process_document(item, [step], stats, step_seconds)
                 for item in items]
    return items, stats


def item_size(item: Item) -> int:
    """Roughly how many bytes an item weighs on its way to a worker (for batching).

    >>> item_size(Document(source="a", data=b"12345"))
    5
    """
    if isinstance(item, Removal):
        return 0
    return len(item.data) + len(item.html or "") + len(item.text)


def batches(items: Iterable[Item], size: int = BATCH_DOCS, max_bytes: int = BATCH_BYTES
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


__all__ = ["BATCH_BYTES", "BATCH_DOCS", "BatchResult", "Item", "batches", "item_size",
           "prepare_step", "process_batch", "process_document"]
