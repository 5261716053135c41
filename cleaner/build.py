"""Orchestration: the step list, and the two things a user runs — clean and build.

The whole pipeline is :func:`build_steps`; read it to know what happens to a document::

    ingest → decode → extract → boilerplate → normalize → repeated-blocks
           → language → exact-dedup → near-dedup → translation → package
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cleaner.boilerplate import BoilerplateStep, RepeatedBlocksStep
from cleaner.config import Config, check_name, check_version
from cleaner.decode import DecodeStep
from cleaner.dedup import ExactDedupStep, NearDedupStep
from cleaner.document import Document, Removal
from cleaner.extract import ExtractStep
from cleaner.ingest import Reader
from cleaner.language import LanguageStep
from cleaner.normalize import NormalizeStep
from cleaner.package import WriteResult, write_version
from cleaner.pipeline import (
    CorpusStep,
    DocumentStep,
    RunState,
    Step,
    StepStats,
    map_documents,
    run_pipeline,
)
from cleaner.translation import TranslationStep


class BuildError(RuntimeError):
    """The build could not finish; the message is one line for the user."""


def cleaning_steps(config: Config) -> list[DocumentStep]:
    """The per-document steps: everything `cleaner clean` does to a page."""
    return [
        DecodeStep(config.ingest),
        ExtractStep(config.extract),
        BoilerplateStep(config.boilerplate),
        NormalizeStep(),
    ]


def build_steps(config: Config) -> list[Step]:
    """The whole pipeline of a build, in order."""
    corpus_boilerplate: list[Step] = [RepeatedBlocksStep(config.boilerplate)]
    return [
        *cleaning_steps(config),
        *corpus_boilerplate,
        LanguageStep(config.language),
        ExactDedupStep(config.dedup),
        NearDedupStep(config.dedup),
        TranslationStep(config.dedup),
    ]


def default_workers() -> int:
    return os.cpu_count() or 1


def input_paths(config: Config, inputs: list[Path] | None) -> list[Path]:
    """The inputs named on the command line, else those of the config (relative to it)."""
    if inputs:
        return list(inputs)
    return [config.base_dir / p for p in config.dataset.inputs]


def _counted(items: Iterable[Document | Removal], stats: StepStats) -> Iterator[Document | Removal]:
    """Count what the reader yields, as the "ingest" step."""
    for item in items:
        stats.docs_in += 1
        if isinstance(item, Removal):
            stats.dropped[item.reason] += 1
        else:
            stats.docs_out += 1
        yield item


def _read(config: Config, paths: list[Path], state: RunState) -> tuple[Reader, Iterator]:
    for path in paths:
        if not path.exists() and not path.is_symlink():
            raise BuildError(f"input not found: {path}")
    reader = Reader(config.ingest)
    return reader, _counted(reader.read(paths), state.stats_for("ingest"))


# --- cleaner clean -------------------------------------------------------------------------

def document_record(doc: Document) -> dict[str, Any]:
    """A cleaned document as the JSON object `cleaner clean` prints."""
    return {
        "source": doc.source,
        "id": doc.id,
        "text": doc.text,
        "title": doc.title,
        "lang": doc.lang,
        "lang_score": round(doc.lang_score, 4),
        "script": doc.script,
        "langs": doc.langs,
        "url": doc.url,
        "published": doc.published.isoformat() if doc.published else None,
        "author": doc.author,
        "meta": doc.meta,
        "repairs": doc.repairs,
    }


def clean_paths(paths: list[Path], config: Config | None = None, workers: int = 1
                ) -> Iterator[dict[str, Any]]:
    """Clean every document under ``paths`` (no corpus step, no filtering), in input order.

    A document that cannot be cleaned still gets a record, with empty text and a ``dropped``
    reason, so that the output has one line per input document.
    """
    config = config or Config()
    state = RunState()
    _, items = _read(config, paths, state)
    steps = [*cleaning_steps(config), LanguageStep(config.language)]
    for item in map_documents(items, steps, state, workers):
        if isinstance(item, Removal):
            yield {"source": item.source, "id": item.id, "text": "", "title": None,
                   "lang": "und", "lang_score": 0.0, "dropped": item.reason,
                   "detail": item.detail}
        else:
            yield document_record(item)


# --- cleaner build -------------------------------------------------------------------------

@dataclass
class BuildResult:
    write: WriteResult
    state: RunState
    kept: int
    inputs: int


def build(config: Config, inputs: list[Path] | None = None, output: Path | None = None,
          workers: int | None = None) -> BuildResult:
    """Run the whole pipeline and publish ``output/NAME/VERSION`` (see CONTRACT.md)."""
    check_name(config.dataset.name)
    check_version(config.dataset.version)
    state = RunState()
    reader, items = _read(config, input_paths(config, inputs), state)
    docs = run_pipeline(items, build_steps(config), state, workers or default_workers())
    inputs_seen = state.stats_for("ingest").docs_in
    if len(docs) + len(state.removals) != inputs_seen:
        raise BuildError(f"accounting failed: {inputs_seen} input documents, {len(docs)} kept + "
                         f"{len(state.removals)} removed")
    root = output if output is not None else config.base_dir / config.dataset.output
    out_dir = root / config.dataset.name / config.dataset.version
    write = write_version(docs, state, config, out_dir, reader.file_digests)
    return BuildResult(write=write, state=state, kept=len(docs), inputs=inputs_seen)


def summary_table(state: RunState) -> str:
    """The end-of-build table: one row per step."""
    rows = [("step", "in", "out", "changed", "dropped", "seconds")]
    for stats in state.stats.values():
        dropped = ", ".join(f"{reason} {n}" for reason, n in sorted(stats.dropped.items())) or "-"
        rows.append((stats.name, str(stats.docs_in), str(stats.docs_out), str(stats.changed),
                     dropped, f"{stats.seconds:.2f}"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
                     for row in rows)


__all__ = ["BuildError", "BuildResult", "CorpusStep", "build", "build_steps", "clean_paths",
           "cleaning_steps", "summary_table"]
