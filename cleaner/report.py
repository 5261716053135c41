"""What a person reads after a run: the steps' table, their examples, and the build summary.

Only formatting: everything shown comes from the run's stats and the written version.
"""

from __future__ import annotations

import os
from pathlib import Path

from cleaner.build import BuildResult
from cleaner.pipeline import RunState
from cleaner.pipeline.progress import format_duration, table
from cleaner.publish.version import WriteResult
from cleaner.text.escape import terminal


def summary_table(state: RunState) -> str:
    """The end-of-build table: one row per step, with drops by reason and time.

    >>> from cleaner.pipeline import StepStats
    >>> stats = StepStats("dedup", docs_in=3, docs_out=2, seconds=0.5)
    >>> stats.dropped["exact_duplicate"] += 1
    >>> print(summary_table(RunState(stats={"dedup": stats})))
    step   in  out  changed  dropped            time
    dedup   3    2        0  exact_duplicate 1  0.5s
    """
    rows = [("step", "in", "out", "changed", "dropped", "time")]
    for stats in state.stats.values():
        dropped = ", ".join(f"{reason} {n}" for reason, n in sorted(stats.dropped.items())) or "-"
        rows.append((stats.name, str(stats.docs_in), str(stats.docs_out), str(stats.changed),
                     dropped, format_duration(stats.seconds)))
    return table(rows, right={1, 2, 3, 5}, rule=False)


def samples_text(state: RunState, limit: int = 3) -> str:
    """What ``--verbose`` adds: each step's counters (lines removed per boilerplate rule...)
    with a few examples, so a rule that removes too much is seen at once."""
    lines = []
    for stats in state.stats.values():
        keys = sorted(set(stats.counters) | set(stats.samples))
        if not keys:
            continue
        lines.append(f"{stats.name}:")
        for key in keys:
            count = stats.counters.get(key)
            lines.append(f"  {terminal(key)}" + (f": {count}" if count is not None else ""))
            for example in stats.samples.get(key, [])[:limit]:
                short = " ".join(example.split())
                short = short if len(short) <= 100 else short[:99] + "…"
                lines.append(f"      e.g. {short!r}")
    return "\n".join(lines)


def _compared(write: WriteResult) -> list[str]:
    """One line on the changes since the previous version, when there is one."""
    log = write.changelog
    if write.previous is None or log is None:
        return []
    line = (f"compared:   with {terminal(write.previous)}: {len(log.added)} added, "
            f"{len(log.removed)} "
            f"removed, {len(log.changed)} changed documents")
    if write.suggested_version and write.suggested_version != write.path.name:
        line += f" (these changes call for version {write.suggested_version})"
    return [line]


def _sharded(sizes: dict[str, int]) -> list[str]:
    """What a sharded build's stages did: shards, reuse, the largest buckets and clusters,
    the giant LSH band groups compared in tiles.

    >>> _sharded({"shards": 3, "buckets": 16, "largest_near_cluster": 4})
    ['sharded:    3 shards, 16 buckets; largest: near cluster 4']
    >>> _sharded({"shards": 1, "buckets": 2, "largest_band_group": 60,
    ...           "tiled_band_groups": 3, "tasks:near tiles": 45})
    ['sharded:    1 shards, 2 buckets; largest: band group 60; tiled: 3 band groups in 45 tasks']
    """
    if not sizes:
        return []
    largest = ", ".join(f"{key.removeprefix('largest_').replace('_', ' ')} {n}"
                        for key, n in sorted(sizes.items()) if key.startswith("largest_"))
    reused = ", ".join(f"{key.removeprefix('reused:')} {n}"
                       for key, n in sorted(sizes.items()) if key.startswith("reused:"))
    line = f"sharded:    {sizes.get('shards', 0)} shards, {sizes.get('buckets', 0)} buckets"
    if largest:
        line += f"; largest: {largest}"
    if sizes.get("tiled_band_groups"):
        line += (f"; tiled: {sizes['tiled_band_groups']} band groups in "
                 f"{sizes.get('tasks:near tiles', 0)} tasks")
    if reused:
        line += f"; tasks reused: {reused}"
    return [line]


def build_summary(result: BuildResult, verbose: bool = False, config: str = "") -> str:
    """Everything a person wants to know after a build: steps, which config was used,
    languages, pairs, where the version is and how to load it."""
    state = result.state
    unchanged = result.write.status == "unchanged"
    parts = [] if unchanged and not state.stats else [summary_table(state)]
    if verbose and (samples := samples_text(state)):
        parts.append("What the steps did, with examples:\n" + samples)
    languages = ", ".join(f"{terminal(lang)} {n}" for lang, n in
                          sorted(result.languages.items(), key=lambda kv: (-kv[1], kv[0])))
    removed = result.removed
    reasons = ", ".join(f"{terminal(reason)} {n}" for reason, n in sorted(removed.items()))
    if not unchanged:
        status = "written"
    elif state.stats:
        status = "unchanged (an identical version already exists)"
    else:
        status = ("unchanged: it was built from the same inputs, settings and tool version; "
                  "nothing was run")
    where = shown_path(result.write.path)
    skipped = [f"skipped:    {len(result.skipped)} not read ("
               + ", ".join(safe(s) for s in result.skipped[:3])
               + (", …" if len(result.skipped) > 3 else "") + ")"] if result.skipped else []
    parts.append("\n".join([
        *([config] if config else []),
        f"documents:  {result.inputs} read, {result.kept} kept, {sum(removed.values())} removed"
        + (f" ({reasons})" if reasons else ""),
        *skipped,
        f"languages:  {languages or '-'}",
        f"pairs:      {result.write.rows.get('pairs', len(state.pairs))} translation pairs",
        f"version:    {where} ({status})",
        *_compared(result.write),
        *_sharded(result.sizes),
        f'load it:    datasets.load_dataset("{where}")',
        f"look at it: cleaner inspect {where}",
    ]))
    return "\n\n".join(parts)


def shown_path(path: Path) -> str:
    """A path as short as a person would type it: relative to the current folder when it is
    inside it (``dist/news/1.0.0``), else as it is."""
    try:
        return terminal(Path(os.path.abspath(path)).relative_to(Path.cwd()).as_posix())
    except ValueError:
        return terminal(path)


def safe(text: str, limit: int = 80) -> str:
    """A name from the inputs, fit for a terminal (:func:`cleaner.text.escape.terminal`: no
    escape sequence, control or bidi character acts), cut short.

    >>> print(safe("a\\x1b[31mb\\n::error::x"))
    ab\\n::error::x
    """
    shown = terminal(text)
    return shown if len(shown) <= limit else shown[:limit - 1] + "…"


__all__ = ["build_summary", "safe", "samples_text", "summary_table"]
