"""The two kinds of step, and what a step counts.

* :class:`DocumentStep` looks at one document at a time: ``process(doc, stats)`` returns the
  (possibly changed) document, or a :class:`~cleaner.document.Drop` with a reason. These
  steps have no shared state, so an engine may run them in worker processes or on a cluster.
* :class:`CorpusStep` sees the whole corpus (repeated blocks, dedup): ``run(docs, context)``
  yields the documents it keeps; its :class:`CorpusContext` is all it may touch besides them:
  its own stats, ``drop`` for a document it removes, ``pair`` for a translation pair it finds.

Every step counts what it did in a :class:`StepStats`; the runner counts documents in and out,
changes and drops by itself, so a step only adds what is particular to it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

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
    # Wall-clock seconds (see run.map_documents for per-document steps on several processes).
    seconds: float = 0.0
    # CPU seconds (time.process_time) summed over every process that ran the step.
    cpu_seconds: float = 0.0

    def sample(self, key: str, example: str, limit: int = 3) -> None:
        """Keep up to ``limit`` distinct examples for ``key``.

        >>> stats = StepStats("boilerplate")
        >>> for line in ["Share this", "Share this", "Print", "Email", "Tweet"]:
        ...     stats.sample("rule:share", line)
        >>> stats.samples["rule:share"]
        ['Share this', 'Print', 'Email']
        """
        examples = self.samples.setdefault(key, [])
        if len(examples) < limit and example not in examples:
            examples.append(example)

    def merge(self, other: StepStats) -> None:
        """Add what ``other`` counted (the same step on another batch or process)."""
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


class DocumentStep:
    """A step that handles one document at a time.

    Subclasses set ``name`` and implement :meth:`process`. A step must be picklable (plain
    configuration in attributes); load heavy resources lazily, once per process.
    """

    name = "step"

    def process(self, doc: Document, stats: StepStats) -> Document | Drop:
        raise NotImplementedError

    def prepare(self, docs: list[Document]) -> None:
        """Called with the documents of a batch before :meth:`process` sees any of them.

        A step may do here, for many documents at once, work that is cheaper in bulk (one call
        of a model for the whole batch) and keep it for :meth:`process`. ``process`` must give
        the same result whether ``prepare`` ran or not: a runner may skip it, and it is
        skipped when it fails or runs out of time. Default: nothing.
        """


@dataclass
class CorpusContext:
    """What a corpus step may touch besides the documents: its stats, its removals, its pairs.

    >>> context = CorpusContext(StepStats("exact-dedup"))
    >>> context.drop(Document(source="b.txt"), "exact_duplicate", duplicate_of="1234")
    >>> [(r.source, r.reason, r.step) for r in context.removals], context.stats.dropped
    ([('b.txt', 'exact_duplicate', 'exact-dedup')], Counter({'exact_duplicate': 1}))
    """

    stats: StepStats
    removals: list[Removal] = field(default_factory=list)
    pairs: list[Pair] = field(default_factory=list)

    def drop(self, doc: Document, reason: str, duplicate_of: str | None = None,
             detail: str = "") -> None:
        """Record that ``doc`` is not kept, and why (it becomes a row of the audit)."""
        self.removals.append(Removal(doc.id, doc.source, reason, self.stats.name, duplicate_of,
                                     detail))
        self.stats.dropped[reason] += 1

    def pair(self, pair: Pair) -> None:
        """Record a translation pair (a row of the ``pairs`` config)."""
        self.pairs.append(pair)


class CorpusStep:
    """A step that needs the whole corpus at once, such as deduplication."""

    name = "corpus-step"

    def run(self, docs: list[Document], context: CorpusContext) -> Iterator[Document]:
        raise NotImplementedError


Step = DocumentStep | CorpusStep


def passes(steps: list[Step]) -> Iterator[list[Step]]:
    """The passes over the corpus: consecutive document steps stream together in one pass;
    each corpus step is a pass of its own (it needs the whole corpus).

    >>> class Clean(DocumentStep): name = "clean"
    >>> class Dedup(CorpusStep): name = "dedup"
    >>> [[s.name for s in group] for group in passes([Clean(), Clean(), Dedup(), Clean()])]
    [['clean', 'clean'], ['dedup'], ['clean']]
    """
    group: list[Step] = []
    for step in steps:
        if group and (isinstance(step, CorpusStep) or isinstance(group[-1], CorpusStep)):
            yield group
            group = []
        group.append(step)
    if group:
        yield group


__all__ = ["CorpusContext", "CorpusStep", "DocumentStep", "Step", "StepStats", "passes"]
