"""``cleaner inspect``: a terminal summary of a built version."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
from helpers import SEEDS_VERSION

from cleaner import cli
from cleaner.pipeline.progress import table
from cleaner.publish.describe import display_width, render_summary, snippet


def test_summary_of_the_seeds(seeds_build):
    text = render_summary(seeds_build)
    lines = text.splitlines()
    assert lines[0].startswith(f"green-finance-news {SEEDS_VERSION}")
    assert "5 input documents: 4 kept, 1 removed, 1 translation pairs" in text
    assert "Documents per language and split:" in text
    languages = text[text.index("Documents per language"):text.index("Text length")]
    assert [row.split()[0] for row in languages.strip().splitlines()[3:]] == ["en", "zh", "all"]
    assert "Text length (characters):" in text
    assert "translation          1" in text  # removals by reason
    assert "Translation pair scores: lowest" in text
    assert "Sample documents:" in text and "Sample pairs:" in text
    assert "Sample removals:" in text and "(duplicate of " in text


def test_sample_rows_are_real_rows(seeds_build):
    ids = [row["id"] for path in sorted((seeds_build / "data/documents").glob("*.parquet"))
           for row in pq.read_table(path, columns=["id"]).to_pylist()]
    text = render_summary(seeds_build, samples=2)
    documents = text[text.index("Sample documents:"):text.index("Sample pairs:")]
    shown = [i for i in ids if i in documents]
    assert len(shown) == 2
    assert render_summary(seeds_build, samples=0).count("Sample") == 0


def test_lines_fit_a_terminal(seeds_build):
    for line in render_summary(seeds_build).splitlines():
        if not line.startswith("Load it:") and "(" not in line[:3]:
            assert display_width(line) <= 130, line


def test_inspect_command(seeds_build, capsys):
    assert cli.main(["inspect", str(seeds_build), "--samples", "1"]) == 0
    out, err = capsys.readouterr()
    assert f"green-finance-news {SEEDS_VERSION}" in out and err == ""


def test_inspect_does_not_change_the_folder(seeds_build):
    before = {p: p.read_bytes() for p in seeds_build.rglob("*") if p.is_file()}
    render_summary(seeds_build)
    assert before == {p: p.read_bytes() for p in seeds_build.rglob("*") if p.is_file()}


def test_a_broken_manifest_is_one_line(seeds_build, tmp_path, capsys):
    copy = tmp_path / "1.0.0"
    shutil.copytree(seeds_build, copy)
    (copy / "manifest.json").write_text("{not json", encoding="utf-8")
    assert cli.main(["inspect", str(copy)]) == cli.EXIT_INVALID
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "manifest.json: not valid JSON" in err


def test_negative_samples_is_a_usage_error(seeds_build, capsys):
    assert cli.main(["inspect", str(seeds_build), "--samples", "-1"]) == cli.EXIT_USAGE
    assert "--samples must be 0 or more" in capsys.readouterr().err


def test_a_version_without_pairs_or_removals(seeds_build, tmp_path):
    copy = tmp_path / "1.0.0"
    shutil.copytree(seeds_build, copy)
    shutil.rmtree(copy / "data/pairs")
    table_ = pq.read_table(copy / "audit/removed.parquet").slice(0, 0)
    pq.write_table(table_, copy / "audit/removed.parquet")
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    manifest.pop("previous_version", None)
    (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    text = render_summary(copy)
    assert "0 translation pairs" in text
    assert "Removed documents by reason" not in text and "Sample pairs" not in text


def test_snippet_and_table():
    assert snippet(None) == "-"
    assert snippet("one\n\ntwo   three") == "one two three"
    cut = snippet("上海" * 100, width=21)
    assert display_width(cut) <= 21 and cut.endswith("…")
    assert table([["a", "bb"], ["ccc", "1"]], right={1}).splitlines() == [
        "a    bb", "---  --", "ccc   1"]


def test_path_outside_cwd_is_shown_as_given(seeds_build):
    assert str(Path(seeds_build)) in render_summary(seeds_build).splitlines()[0]
