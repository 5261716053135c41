"""Progress: bars on a terminal, log lines otherwise, nothing when quiet — and never a change
in what is built. Also the end-of-build summary and --quiet / --verbose."""

from __future__ import annotations

import io
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import NEXT_VERSION, ROOT, SEEDS_VERSION

from cleaner import cli
from cleaner.document import Document, Drop
from cleaner.pipeline import (
    CorpusContext,
    CorpusStep,
    DocumentStep,
    RunState,
    StepStats,
    run_pipeline,
)
from cleaner.pipeline.progress import (
    Progress,
    count_files,
    format_duration,
    log_line,
    make_progress,
)
from cleaner.report import samples_text, summary_table


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


# --- the Progress object -------------------------------------------------------------------

def test_off_writes_nothing_and_passes_items_through():
    stream = io.StringIO()
    progress = Progress("off", stream)
    assert list(progress.track(iter(range(5)), "clean", total=5)) == [0, 1, 2, 3, 4]
    with progress.task("dedup", 5):
        pass
    assert stream.getvalue() == ""


def test_log_mode_reports_counts_and_a_final_line():
    stream = io.StringIO()
    progress = Progress("log", stream, interval=0.0)
    items = [object() for _ in range(4)]
    assert list(progress.track(items, "clean", total=4)) == items  # same objects, same order
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("clean: 1/4 documents (25%)")
    assert "left" in lines[0]  # an ETA while unfinished
    assert lines[-1].startswith("clean: 4 documents in ")


def test_log_mode_is_quiet_between_intervals():
    stream = io.StringIO()
    list(Progress("log", stream, interval=3600).track(range(1000), "clean", total=1000))
    assert len(stream.getvalue().splitlines()) == 1  # only the final line


def test_log_mode_task_says_when_it_starts_and_ends():
    stream = io.StringIO()
    with Progress("log", stream).task("near-dedup", 12):
        pass
    lines = stream.getvalue().splitlines()
    assert lines[0] == "near-dedup: started on 12 documents"
    assert lines[1].startswith("near-dedup: done in ")


def test_bar_mode_draws_a_tqdm_bar_with_counts():
    stream = FakeTerminal()
    progress = Progress("bar", stream)
    assert list(progress.track(range(7), "clean", total=7)) == list(range(7))
    text = stream.getvalue()
    assert "clean" in text and "7/7" in text


def test_bar_grows_when_the_estimate_was_low():
    stream = FakeTerminal()
    assert len(list(Progress("bar", stream).track(range(9), "clean", total=3))) == 9
    assert "9/9" in stream.getvalue()


def test_the_mode_follows_the_stream():
    assert make_progress(stream=FakeTerminal()).mode == "bar"
    assert make_progress(stream=io.StringIO()).mode == "log"
    assert make_progress(quiet=True, stream=FakeTerminal()).mode == "off"
    with pytest.raises(ValueError, match="progress mode"):
        Progress("loud")


def test_format_duration_and_log_line():
    assert format_duration(0.04) == "0.0s"
    assert format_duration(61) == "1m01s"
    assert format_duration(3600 * 3 + 60) == "3h01m"
    assert log_line("clean", 10, 40, 5.0) == "clean: 10/40 documents (25%), 2.0/s, about 15.0s left"
    assert log_line("clean", 40, 40, 5.0) == "clean: 40/40 documents (100%), 8.0/s"


def test_count_files(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    for name in ("a/1.html", "a/b/2.txt", "3.txt"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    assert count_files([tmp_path / "a", tmp_path / "3.txt", tmp_path / "missing"]) == 3


def test_a_streamed_container_never_shows_100_percent_before_the_end(tmp_path):
    """A WARC or JSONL is one file of many documents: no percentage until it is read."""
    (tmp_path / "crawl.warc.gz").write_bytes(b"")
    (tmp_path / "dump.jsonl").write_text("{}")
    assert count_files([tmp_path / "crawl.warc.gz"]) is None
    assert count_files([tmp_path]) is None
    stream = FakeTerminal()
    progress = Progress("bar", stream)
    seen = []
    for _ in progress.track(iter(range(300)), "clean", total=2):
        time.sleep(0.002)  # frames are drawn every 0.1 s
        seen.append(stream.getvalue())
    frames = [frame for frame in "".join(seen[-1:]).split("\r") if frame.strip()]
    assert frames and not any("100%" in frame for frame in frames)


# --- progress never changes what run_pipeline gives ---------------------------------------

class Upper(DocumentStep):
    name = "upper"

    def process(self, doc: Document, stats: StepStats) -> Document | Drop:
        if not doc.text.strip():
            return Drop("empty")
        doc.text = doc.text.upper()
        return doc


class DropDuplicates(CorpusStep):
    name = "dedup"

    def run(self, docs: list[Document], context: CorpusContext) -> Iterator[Document]:
        seen: dict[str, str] = {}
        for doc in docs:
            if doc.text in seen:
                context.drop(doc, "exact_duplicate", seen[doc.text])
            else:
                seen[doc.text] = doc.id
                yield doc


class Strip(DocumentStep):
    name = "strip"

    def process(self, doc: Document, stats: StepStats) -> Document | Drop:
        doc.text = doc.text.strip()
        return doc


def _docs() -> list[Document]:
    texts = ["a", " ", "b ", "a", "c", "", "b "] * 5
    return [Document(f"d{i}.txt", text=t) for i, t in enumerate(texts)]


def _summary(docs: list[Document], state: RunState) -> tuple:
    return ([(d.id, d.text) for d in docs], state.removals,
            {name: (s.docs_in, s.docs_out, s.changed, dict(s.dropped))
             for name, s in state.stats.items()})


@pytest.mark.parametrize("mode", ["off", "log", "bar"])
def test_progress_does_not_change_what_the_pipeline_gives(mode):
    steps = [Upper(), DropDuplicates(), Strip()]
    expected_state = RunState()
    expected = run_pipeline(_docs(), steps, expected_state)
    state = RunState()
    stream = FakeTerminal() if mode == "bar" else io.StringIO()
    docs = run_pipeline(_docs(), steps, state, progress=Progress(mode, stream, interval=0.0),
                        expected=35)
    assert _summary(docs, state) == _summary(expected, expected_state)
    if mode != "off":
        assert "upper" in stream.getvalue() and "dedup" in stream.getvalue()


# --- the summary ---------------------------------------------------------------------------

def test_summary_table_has_drops_by_reason_and_time():
    stats = StepStats("dedup", docs_in=10, docs_out=7, changed=2, seconds=75)
    stats.dropped.update({"near_duplicate": 1, "exact_duplicate": 2})
    text = summary_table(RunState(stats={"dedup": stats}))
    header, row = text.splitlines()
    assert header.split() == ["step", "in", "out", "changed", "dropped", "time"]
    assert "exact_duplicate 2, near_duplicate 1" in row
    assert row.endswith("1m15s")


def test_samples_show_removed_lines_per_rule():
    stats = StepStats("boilerplate")
    stats.counters["rule:share-prompt"] += 2
    stats.sample("rule:share-prompt", "Share this article on Facebook")
    text = samples_text(RunState(stats={"boilerplate": stats}))
    assert "boilerplate:" in text
    assert "rule:share-prompt: 2" in text
    assert "e.g. 'Share this article on Facebook'" in text


# --- the commands: bytes do not depend on progress; quiet / verbose --------------------------

def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("progress")
    shutil.copytree(ROOT / "seeds", work / "seeds")
    shutil.copy(ROOT / "dataset.toml", work / "dataset.toml")
    return work


def test_progress_does_not_change_the_bytes_written(work, monkeypatch, capsys):
    monkeypatch.chdir(work)
    assert cli.main(["build", "--quiet", "--output", "quiet", "--workers", "1"]) == 0
    assert capsys.readouterr().err == ""
    monkeypatch.setattr("sys.stderr", FakeTerminal())  # a terminal: tqdm bars
    assert cli.main(["build", "--verbose", "--output", "bars", "--workers", "1"]) == 0
    # Bars of documents (--in-memory) or of a sharded build's tasks.
    assert any(rate in sys.stderr.getvalue() for rate in ("it/s", "documents/s", "tasks/s"))
    name = f"green-finance-news/{SEEDS_VERSION}"
    quiet = _files(work / "quiet" / name)
    assert quiet and quiet == _files(work / "bars" / name)


def test_default_output_is_progress_then_the_summary(work, monkeypatch, capsys):
    monkeypatch.chdir(work)
    assert cli.main(["build", "--output", "plain", "--workers", "1"]) == 0
    err = capsys.readouterr().err
    # A sharded build (the default) reports its stages' tasks.
    assert "clean: 1 tasks in" in err and "translation: 1 tasks in" in err
    assert cli.main(["build", "--output", "memory", "--workers", "1", "--in-memory"]) == 0
    err = capsys.readouterr().err
    assert "decode + extract + boilerplate + normalize: 5 documents in" in err
    assert "translation: done in" in err
    for fragment in ("step", "translation 1", "documents:  5 read, 4 kept, 1 removed",
                     "languages:  en 2, zh 2", "pairs:      1 translation pairs",
                     "load it:    datasets.load_dataset(", "cleaner inspect "):
        assert fragment in err, fragment
    assert "e.g." not in err  # samples only with --verbose


def test_verbose_shows_samples_and_rebuild_says_unchanged(work, monkeypatch, capsys):
    monkeypatch.chdir(work)
    assert cli.main(["build", "--output", "verbose", "--workers", "1", "--verbose"]) == 0
    err = capsys.readouterr().err
    assert "What the steps did, with examples:" in err
    assert "boilerplate:" in err and "e.g. " in err
    assert cli.main(["build", "--output", "verbose", "--workers", "1", "--verbose"]) == 0
    err = capsys.readouterr().err
    assert "unchanged: it was built from the same inputs, settings and tool version" in err
    assert "documents:  5 read, 4 kept, 1 removed (translation 1)" in err
    assert "languages:  en 2, zh 2" in err


def test_a_later_version_is_compared_with_the_previous_one(work, monkeypatch, capsys):
    monkeypatch.chdir(work)
    assert cli.main(["build", "--output", "plain", "--workers", "1", "--quiet"]) == 0
    assert cli.main(["build", "--output", "plain", "--workers", "1",
                     "--version", NEXT_VERSION]) == 0
    err = capsys.readouterr().err
    assert f"compared:   with {SEEDS_VERSION}: 0 added, 0 removed, 0 changed documents" in err


def test_clean_quiet_prints_only_json(work, monkeypatch, capsys):
    monkeypatch.chdir(work)
    assert cli.main(["clean", "seeds", "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert len(out.splitlines()) == 5
    assert cli.main(["clean", "seeds"]) == 0
    assert capsys.readouterr().err.startswith("clean: 5 documents in ")


def test_clean_verbose_adds_the_step_table(work, monkeypatch, capsys):
    monkeypatch.chdir(work)
    assert cli.main(["clean", "seeds", "--verbose"]) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 5
    assert "boilerplate" in err and "What the steps did, with examples:" in err


def test_quiet_and_verbose_exclude_each_other(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["build", "--quiet", "--verbose"])
    assert exit_info.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
