"""The last task of a sharded build: the version's files linked (copied from a remote work
directory) into the version's temporary folder, then what
:func:`cleaner.publish.version.finish_version` does (charts, card, croissant, manifest,
validation, rename), from the written files and the merged facts of the tasks."""

from __future__ import annotations

import contextlib
from collections import Counter
from pathlib import Path

from cleaner.pipeline.shards import WorkDir, fresh_process
from cleaner.publish.layout import SplitFiles
from cleaner.publish.version import Tables, finish_version
from cleaner.sharded.recipe import Recipe, stats_from


def split_files(parts: dict[str, dict]) -> SplitFiles:
    out = SplitFiles()
    for split, part in parts.items():
        if part["rows"]:
            out.files[split] = list(part["files"])
            out.rows[split] = part["rows"]
            out.nbytes[split] = part["nbytes"]
            out.file_bytes[split] = part["file_bytes"]
    return out


def lean_arrow_memory() -> None:
    """Give this process Arrow's jemalloc pool where the wheel has one: Arrow's default
    (mimalloc) keeps the pages of buffers it freed, so reading every file of the version
    once (charts, validation) would leave the process at the high-water mark of all of them;
    jemalloc, as Arrow configures it, hands them back to the system after a short delay.
    Only where the bytes are not concerned: the pool decides where buffers live, not what
    they hold."""
    import pyarrow as pa

    with contextlib.suppress(NotImplementedError, AttributeError, pa.ArrowException):
        pa.set_memory_pool(pa.jemalloc_memory_pool())


@fresh_process
def finish_task(work: WorkDir, recipe: Recipe, build: str, out_dir: str, temp: str,
                facts: dict, shards: list[str]) -> dict:
    """Publish the version from the work files (the driver holds the version's lock).

    It runs in a process of its own (:func:`~cleaner.pipeline.shards.fresh_process`): it
    needs no language model or other state of the document stages, only Arrow."""
    lean_arrow_memory()
    temp_path = Path(temp)
    work.copy_tree(f"builds/{build}/out", temp_path)  # hard links on a local disk
    documents = split_files(facts["documents"])
    pairs = facts["pairs"]
    pair_files = SplitFiles(files=pairs["files"], rows=pairs["rows"], nbytes=pairs["nbytes"],
                            file_bytes=pairs["file_bytes"])
    row_counts = {"audit/removed.parquet": facts["audit"]["rows"], **pairs["row_counts"]}
    languages: dict[str, Counter] = {}
    for split, part in facts["documents"].items():
        row_counts.update(part["row_counts"])
        if part["rows"]:
            languages[split] = Counter(part["languages"])
    if pairs["languages"]:
        languages["pairs"] = Counter(pairs["languages"])
    digests: dict[str, str] = {}
    for shard in shards:
        digests.update(work.load(f"shards/{shard}/digests.pkl"))
    tables = Tables(documents, pair_files, row_counts, languages, facts["counts"],
                    facts["newest"], Counter(facts["audit"]["reasons"]),
                    Counter(pairs["pair_languages"]))
    stats = [stats_from(s) for s in facts["stats"]]
    result = finish_version(tables, stats, recipe.settings, Path(out_dir), temp_path, digests,
                            place=False)
    # The changelog (lists of ids) goes to a file: a summary stays small.
    work.dump(f"builds/{build}/changelog-{Path(temp).name}.pkl", result.changelog)
    return {"status": result.status, "previous": result.previous,
            "suggested_version": result.suggested_version, "rows": result.rows}


__all__ = ["finish_task", "lean_arrow_memory"]
