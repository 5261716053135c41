"""Orchestration: the step list, and the two things a user runs — clean and build.

The whole pipeline is :func:`build_steps`; read it to know what happens to a document::

    ingest → decode → extract → boilerplate → normalize → repeated-blocks
           → language → filters → signature → translation-profile → exact-dedup → near-dedup
           → translation → package
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cleaner.config import Config, check_config
from cleaner.document import Document, Removal
from cleaner.errors import BuildError, UsageError
from cleaner.pipeline import (
    CorpusStep,
    DocumentStep,
    Engine,
    LocalEngine,
    RunState,
    Step,
    StepStats,
    map_documents,
    run_pipeline,
)
from cleaner.pipeline.progress import Progress, count_files
from cleaner.pipeline.shards import make_executor, stable_key
from cleaner.publish.existing import Existing, check_existing
from cleaner.publish.lock import VersionLock
from cleaner.publish.settings import PublishSettings
from cleaner.publish.version import WriteResult, write_version
from cleaner.sharded import BUCKETS, SHARD_FILES, TILE, Recipe, build_sharded
from cleaner.stages.boilerplate.repeated import RepeatedBlocksStep
from cleaner.stages.boilerplate.rules import CreditLines
from cleaner.stages.boilerplate.step import BoilerplateStep
from cleaner.stages.decode import DecodeStep
from cleaner.stages.dedup.exact import ExactDedupStep
from cleaner.stages.dedup.near import NearDedupStep, SignatureStep
from cleaner.stages.dedup.translate.step import TranslationPairStep, TranslationProfileStep
from cleaner.stages.dedup.translation import TranslationStep
from cleaner.stages.extract.step import ExtractStep
from cleaner.stages.filters import FiltersStep
from cleaner.stages.ingest.names import clean_name
from cleaner.stages.ingest.reader import Reader
from cleaner.stages.language.step import LanguageStep
from cleaner.stages.normalize import NormalizeStep
from cleaner.tool import VERSION as TOOL_VERSION
from cleaner.tool import code_fingerprint


def cleaning_steps(config: Config) -> list[DocumentStep]:
    """The per-document steps: everything `cleaner clean` does to a page."""
    return [
        DecodeStep(uncurl_quotes=config.ingest.uncurl_quotes,
                   fix_width=config.ingest.fix_character_width,
                   max_front_matter_bytes=config.ingest.max_front_matter_bytes),
        ExtractStep(config.extract, is_credit_line=CreditLines()),
        BoilerplateStep(config.boilerplate),
        NormalizeStep(uncurl_quotes=config.ingest.uncurl_quotes,
                      fix_width=config.ingest.fix_character_width),
    ]


def _after_chrome(config: Config) -> list[DocumentStep]:
    """The per-document steps after repeated blocks: language, filters, signatures."""
    encoder = config.dedup.translation and config.dedup.translation_method == "encoder"
    return [
        LanguageStep(config.language),
        FiltersStep(config.filters),
        SignatureStep(config.dedup),
        *([TranslationProfileStep(config.dedup)] if encoder else []),
    ]


def _translation_step(config: Config) -> CorpusStep:
    encoder = config.dedup.translation and config.dedup.translation_method == "encoder"
    return TranslationPairStep(config.dedup) if encoder else TranslationStep(config.dedup)


def build_steps(config: Config) -> list[Step]:
    """The whole pipeline of a build, in order."""
    return [
        *cleaning_steps(config),
        RepeatedBlocksStep(config.boilerplate),
        *_after_chrome(config),
        ExactDedupStep(config.dedup),
        NearDedupStep(config.dedup),
        _translation_step(config),
    ]


def recipe(config: Config, settings: PublishSettings) -> Recipe:
    """The pipeline of :func:`build_steps`, cut where a sharded build cuts it."""
    work_config = {k: v for k, v in config.to_dict().items() if k != "dataset"}
    return Recipe(ingest=config.ingest, cleaning=cleaning_steps(config),
                  repeated=RepeatedBlocksStep(config.boilerplate),
                  per_document=_after_chrome(config), dedup=config.dedup,
                  near=NearDedupStep(config.dedup), translation=_translation_step(config),
                  settings=settings, step_seconds=config.limits.step_seconds,
                  step_names=["ingest", *(step.name for step in build_steps(config))],
                  key=stable_key(TOOL_VERSION, code_fingerprint(), work_config))


def default_workers() -> int:
    return os.cpu_count() or 1


def input_paths(config: Config, inputs: list[Path] | None) -> list[Path]:
    """The inputs named on the command line, else those of the config (relative to it)."""
    if inputs:
        return list(inputs)
    if not config.dataset.inputs:
        raise UsageError("nothing to build: give an INPUT (a file or a folder), or a config "
                         "whose [dataset] inputs names some (--config FILE)")
    return [config.base_dir / p for p in config.dataset.inputs]


def recorded_config(config: Config, inputs: list[Path] | None) -> Config:
    """The config as a version records it (manifest, card): the inputs named as the config
    gives them, or, when given on the command line, by their names alone, so that nothing
    depends on where the build ran and no absolute path is published. (``--output`` is where
    the version goes, not what it is: not recorded.)

    >>> recorded_config(Config(), [Path("/home/me/crawl")]).dataset.inputs
    ['crawl']
    """
    dataset = config.dataset
    if inputs:
        dataset = replace(dataset, inputs=sorted(clean_name(Path(os.path.abspath(p)).name)
                                                 for p in inputs))
    return replace(config, dataset=dataset)


def _counted(items: Iterable[Document | Removal], stats: StepStats) -> Iterator[Document | Removal]:
    """Count what the reader yields, as the "ingest" step."""
    for item in items:
        stats.docs_in += 1
        if isinstance(item, Removal):
            stats.dropped[item.reason] += 1
        else:
            stats.docs_out += 1
        yield item


def _read(config: Config, paths: list[Path], state: RunState,
          exclude: tuple[Path, ...] = ()) -> tuple[Reader, Iterator]:
    reader = Reader(config.ingest, exclude=exclude)
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


def clean_steps(config: Config) -> list[DocumentStep]:
    """What ``cleaner clean`` runs on each document: cleaning, then language detection."""
    return [*cleaning_steps(config), LanguageStep(config.language)]


def clean_record(item: Document | Removal) -> dict[str, Any]:
    """What ``cleaner clean`` prints for one input document: the cleaned document, or an
    empty text and the reason it could not be cleaned (one line per input, always).

    >>> clean_record(Removal("1234", "a.bin", "binary", "decode"))["dropped"]
    'binary'
    """
    if isinstance(item, Removal):
        return {"source": item.source, "id": item.id, "text": "", "title": None,
                "lang": "und", "lang_score": 0.0, "dropped": item.reason, "detail": item.detail}
    return document_record(item)


def clean_paths(paths: list[Path], config: Config | None = None, workers: int = 1,
                progress: Progress | None = None, engine: Engine | None = None,
                state: RunState | None = None) -> Iterator[dict[str, Any]]:
    """Clean every document under ``paths`` (no corpus step, no filtering), in input order.

    A document that cannot be cleaned still gets a record, with empty text and a ``dropped``
    reason, so that the output has one line per input document. Pass ``state`` to read the
    steps' stats afterwards.
    """
    config = check_config(config or Config())
    progress = progress or Progress("off")
    state = state if state is not None else RunState()
    _, items = _read(config, paths, state)
    cleaned = map_documents(items, clean_steps(config), state, workers, engine=engine,
                            step_seconds=config.limits.step_seconds)
    for item in progress.track(cleaned, "clean", total=count_files(paths)):
        yield clean_record(item)


# --- cleaner build -------------------------------------------------------------------------

@dataclass
class BuildResult:
    write: WriteResult
    state: RunState
    kept: int
    inputs: int
    # Kept documents per language.
    languages: Counter[str] = field(default_factory=Counter)
    # Removed documents per reason.
    removed: Counter[str] = field(default_factory=Counter)
    # What was not read (hidden files, the output folder...).
    skipped: list[str] = field(default_factory=list)
    # A sharded build's sizes worth watching (largest buckets and clusters, tasks per stage).
    sizes: dict[str, int] = field(default_factory=dict)


def _unchanged(existing: Existing, state: RunState) -> BuildResult:
    """The result of a build that found an identical version and ran nothing."""
    counts = existing.counts
    write = WriteResult(path=existing.path, status="unchanged",
                        rows={k: int(counts.get(k, 0)) for k in ("documents", "removed", "pairs")})
    return BuildResult(write=write, state=state, kept=int(counts.get("documents", 0)),
                       inputs=int(counts.get("inputs", 0)), languages=existing.languages,
                       removed=existing.removals)


@dataclass
class ShardOptions:
    """How a sharded build runs (:mod:`cleaner.sharded`); none of it changes the bytes."""

    # Where the tasks' files go (default: OUTPUT/.cleaner-work/NAME-VERSION); any folder or
    # URI of a file system pyarrow opens (s3://…) that every worker reaches.
    work_dir: str | Path | None = None
    # Keep the work directory after success (a later version of a grown corpus reuses it).
    keep_work: bool = False
    shard_files: int = SHARD_FILES
    buckets: int = BUCKETS
    # LSH band groups of more documents are compared in tiles of this many by this many.
    tile: int = TILE


def build(config: Config, inputs: list[Path] | None = None, output: Path | None = None,
          workers: int | None = None, progress: Progress | None = None,
          engine: Engine | None = None, sharded: ShardOptions | None = None) -> BuildResult:
    """Run the whole pipeline and publish ``output/NAME/VERSION`` (docs/version-format.md).

    When that version exists, it is first compared with what this build would use (its
    manifest's input digests, settings and tool version, :mod:`cleaner.publish.existing`):
    the same gives an "unchanged" result at once, anything else a one-line error at once.
    ``progress`` shows how far it is (nothing by default); it never changes what is written.
    """
    check_config(config)  # also a Config made in Python: every number finite and in range
    progress = progress or Progress("off")
    state = RunState()
    paths = input_paths(config, inputs)
    root = output if output is not None else config.base_dir / config.dataset.output
    out_dir = root / config.dataset.name / config.dataset.version
    settings = recorded_config(config, inputs).publish_settings()
    reader = Reader(config.ingest, exclude=(root,))
    if out_dir.exists():
        existing = check_existing(out_dir, settings.config, reader.digests(paths))
        if existing is not None:
            return _unchanged(existing, state)
    if sharded is not None:
        reader.check_inputs(paths)  # a mistake says so before any folder is made
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        # The whole build under the version's lock: a second build of the same version
        # waits, then finds it published (its work directory is the same).
        with VersionLock(out_dir):
            if out_dir.exists():
                existing = check_existing(out_dir, settings.config, reader.digests(paths))
                if existing is not None:
                    return _unchanged(existing, state)
            return _build_sharded(config, settings, paths, root, out_dir, sharded,
                                  engine or LocalEngine(workers or default_workers()), progress)
    items = _counted(reader.read(paths), state.stats_for("ingest"))
    docs = run_pipeline(items, build_steps(config), state, workers or default_workers(), engine,
                        step_seconds=config.limits.step_seconds, progress=progress,
                        expected=count_files(paths))
    inputs_seen = state.stats_for("ingest").docs_in
    if len(docs) + len(state.removals) != inputs_seen:
        raise BuildError(f"accounting failed: {inputs_seen} input documents, {len(docs)} kept + "
                         f"{len(state.removals)} removed")
    with progress.task("write", len(docs)):
        write = write_version(docs, state, settings, out_dir, reader.file_digests)
    return BuildResult(write=write, state=state, kept=len(docs), inputs=inputs_seen,
                       languages=Counter(doc.lang for doc in docs),
                       removed=Counter(r.reason for r in state.removals),
                       skipped=list(reader.skipped))


def _build_sharded(config: Config, settings: PublishSettings, paths: list[Path], root: Path,
                   out_dir: Path, options: ShardOptions, engine: Engine, progress: Progress
                   ) -> BuildResult:
    """The build as stages of tasks over files (:func:`cleaner.sharded.build_sharded`)."""
    default = root / ".cleaner-work" / f"{config.dataset.name}-{config.dataset.version}"
    work_dir = options.work_dir or default
    executor = make_executor(engine)
    try:
        done = build_sharded(recipe(config, settings), paths, root, out_dir, executor,
                             work_dir, options.keep_work, options.shard_files, options.buckets,
                             progress, options.tile)
    finally:
        executor.close()
    if not options.keep_work and options.work_dir is None:
        with contextlib.suppress(OSError):
            default.parent.rmdir()  # .cleaner-work, when no other build uses it
    state = RunState(stats=done.stats)
    write = WriteResult(path=out_dir, status=done.status, previous=done.previous,
                        changelog=done.changelog,  # type: ignore[arg-type]
                        suggested_version=done.suggested_version, rows=done.rows)
    return BuildResult(write=write, state=state, kept=done.kept, inputs=done.inputs,
                       languages=done.languages, removed=done.removed, skipped=done.skipped,
                       sizes=done.sizes)


__all__ = ["BuildError", "BuildResult", "CorpusStep", "ShardOptions", "build", "build_steps",
           "clean_paths", "clean_record", "clean_steps", "cleaning_steps", "recipe"]
