"""What every task of a sharded build needs to know: the steps and settings, handed in by
:mod:`cleaner.build` (which wires the stages), pickled once per task."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from cleaner.pipeline import CorpusStep, DocumentStep, StepStats
from cleaner.publish.settings import PublishSettings
from cleaner.stages.boilerplate.repeated import RepeatedBlocksStep
from cleaner.stages.dedup.config import DedupConfig
from cleaner.stages.dedup.near import NearDedupStep
from cleaner.stages.ingest.config import IngestConfig


@dataclass
class Recipe:
    """The pipeline of a build, cut where a sharded build cuts it.

    ``cleaning`` runs per shard (decode..normalize); ``repeated`` is the corpus step of site
    chrome (its per-site computation runs per site bucket); ``per_document`` runs per shard
    after the chrome is removed (language, filters, signature, translation profile);
    ``exact`` / ``near`` decide duplicates from keys and signatures; ``translation`` runs
    over the documents that survive them.
    """

    ingest: IngestConfig
    cleaning: list[DocumentStep]
    repeated: RepeatedBlocksStep
    per_document: list[DocumentStep]
    dedup: DedupConfig
    near: NearDedupStep
    translation: CorpusStep
    settings: PublishSettings
    step_seconds: float
    # Names of every step in pipeline order ("ingest" first): the order of the card's table.
    step_names: list[str] = field(default_factory=list)
    # The key of everything above (tool version, config): part of every work key.
    key: str = ""


def merge_stats(into: dict[str, StepStats], more: dict[str, StepStats]) -> None:
    """Add per-task stats into the build's, in the order the tasks are given (shard order), so
    samples are the global first ones."""
    for name, stats in more.items():
        into.setdefault(name, StepStats(name)).merge(stats)





def stats_dict(stats: StepStats) -> dict:
    """A StepStats as JSON (a task's summary travels as JSON in its marker).

    >>> stats_from(stats_dict(StepStats("x", docs_in=2, counters=Counter(a=1)))).counters
    Counter({'a': 1})
    """
    return {"name": stats.name, "docs_in": stats.docs_in, "docs_out": stats.docs_out,
            "changed": stats.changed, "dropped": dict(stats.dropped),
            "counters": dict(stats.counters), "samples": stats.samples,
            "seconds": stats.seconds, "cpu_seconds": stats.cpu_seconds}


def stats_from(data: dict) -> StepStats:
    return StepStats(data["name"], data["docs_in"], data["docs_out"], data["changed"],
                     Counter(data["dropped"]), Counter(data["counters"]),
                     {k: list(v) for k, v in data["samples"].items()}, data["seconds"],
                     data["cpu_seconds"])


def stats_dicts(stats: dict[str, StepStats]) -> list[dict]:
    return [stats_dict(s) for s in stats.values()]

__all__ = ["Recipe", "merge_stats", "stats_dict", "stats_dicts", "stats_from"]
