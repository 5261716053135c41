"""End to end: the seeds become a loadable, validated, versioned dataset (issue "The spine")."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from helpers import NEXT_VERSION, SEEDS_VERSION

from cleaner.cli import main

ROOT = Path(__file__).resolve().parent.parent

# What must never be left in a cleaned text of the seeds.
LEFTOVERS = ["Leave a Comment", "Akismet", "Home »", "Sharing let more people see",
             "all right reserved", "&#123;", "<p", "appendQr", "海量资讯", "责任编辑", "\u3000"]


def documents(version: Path) -> list[dict]:
    rows = []
    for path in sorted((version / "data" / "documents").glob("*.parquet")):
        rows += pq.read_table(path).to_pylist()
    return rows


def by_prefix(rows: list[dict]) -> dict[str, dict]:
    return {row["source"][:3]: row for row in rows}


def test_seeds_keep_four_documents_with_the_right_languages(seeds_build):
    rows = by_prefix(documents(seeds_build))
    assert sorted(rows) == ["001", "002", "003", "004"]
    assert {k: v["lang"] for k, v in rows.items()} == {
        "001": "zh", "002": "en", "003": "zh", "004": "en"}


def test_the_translation_is_in_the_audit_and_the_pair_is_found(seeds_build):
    audit = pq.read_table(seeds_build / "audit" / "removed.parquet").to_pylist()
    assert len(audit) == 1
    (removed,) = audit
    assert removed["source"].startswith("000_") and removed["reason"] == "translation"
    kept = by_prefix(documents(seeds_build))["001"]
    assert removed["duplicate_of"] == kept["id"]
    pairs = []
    for path in sorted((seeds_build / "data" / "pairs").glob("*.parquet")):
        pairs += pq.read_table(path).to_pylist()
    assert len(pairs) == 1
    assert {pairs[0]["source_a"][:3], pairs[0]["source_b"][:3]} == {"000", "001"}
    assert 0 < pairs[0]["score"] <= 1


def test_no_markup_entity_chrome_or_credit_is_left(seeds_build):
    for row in documents(seeds_build):
        for leftover in LEFTOVERS:
            assert leftover not in row["text"], (row["source"], leftover)
        assert row["text"].strip()


def test_the_built_version_validates(seeds_build):
    assert main(["validate", str(seeds_build)]) == 0


def test_a_corrupted_copy_fails_naming_the_file(seeds_build, tmp_path, capsys):
    copy = tmp_path / "copy"
    shutil.copytree(seeds_build, copy)
    shard = sorted((copy / "data" / "documents").glob("*.parquet"))[0]
    data = bytearray(shard.read_bytes())
    data[len(data) // 2] ^= 0xFF
    shard.write_bytes(bytes(data))
    capsys.readouterr()
    assert main(["validate", str(copy)]) == 1
    assert shard.name in capsys.readouterr().out


def test_load_dataset_offline_gives_both_configs(seeds_build):
    datasets = pytest.importorskip("datasets")
    docs = datasets.load_dataset(str(seeds_build))
    assert sum(len(split) for split in docs.values()) == 4
    pairs = datasets.load_dataset(str(seeds_build), "pairs")
    assert sum(len(split) for split in pairs.values()) == 1


def test_rebuilding_identical_content_is_a_no_op(seeds_build, tmp_path):
    before = {p: p.read_bytes() for p in seeds_build.rglob("*") if p.is_file()}
    config_dir = seeds_build.parents[2]
    code = main(["build", "--config", str(config_dir / "dataset.toml"), "--workers", "2", "-q"])
    assert code == 0
    after = {p: p.read_bytes() for p in seeds_build.rglob("*") if p.is_file()}
    assert before == after


def test_clean_prints_one_json_object_per_document_in_input_order(capsys):
    assert main(["clean", str(ROOT / "seeds"), "--workers", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["source"][:3] for r in records] == ["000", "001", "002", "003", "004"]
    for record in records:
        assert {"source", "text", "title", "lang", "lang_score"} <= set(record)
    assert records[0]["lang"] == "en" and records[1]["lang"] == "zh"


def test_python_dash_m_works_like_the_command():
    out = subprocess.run([sys.executable, "-m", "cleaner", "--help"], capture_output=True,
                         text=True, check=True).stdout
    for command in ("build", "clean", "validate"):
        assert command in out


@pytest.mark.parametrize("argv, message", [
    (["build", "does-not-exist"], "input not found"),
    (["build", "--version", "1.0"], "not a semantic version"),
    (["build", "--name", "../escape"], "not allowed"),
    (["validate", "."], "not a version folder"),
    (["build", "--workers", "0"], "--workers"),
])
def test_user_errors_are_one_line_and_non_zero(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) != 0
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err


def test_a_changed_seed_needs_a_new_version(seeds_build, tmp_path, capsys):
    """Same version with other content: refused, untouched; the next version names it."""
    work = tmp_path / "work"
    shutil.copytree(seeds_build.parents[2] / "seeds", work / "seeds")
    shutil.copy(seeds_build.parents[2] / "dataset.toml", work / "dataset.toml")
    shutil.copytree(seeds_build.parent, work / "dist" / seeds_build.parent.name)
    first = work / "dist" / seeds_build.parent.name / seeds_build.name
    before = {p: p.read_bytes() for p in first.rglob("*") if p.is_file()}

    seed = sorted((work / "seeds").glob("002_*"))[0]
    seed.write_text(seed.read_text(encoding="utf-8").replace("The meeting also studied other "
                                                            "matters.", "The meeting ended."),
                    encoding="utf-8")
    config = str(work / "dataset.toml")
    capsys.readouterr()
    assert main(["build", "--config", config, "--workers", "1", "-q"]) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "already exists" in err
    assert before == {p: p.read_bytes() for p in first.rglob("*") if p.is_file()}

    assert main(["build", "--config", config, "--version", NEXT_VERSION, "--workers", "1",
                 "-q"]) == 0
    second = first.parent / NEXT_VERSION
    card = (second / "README.md").read_text(encoding="utf-8")
    changelog = card[card.index("## Changelog"):]
    assert SEEDS_VERSION in changelog and "changed" in changelog
    assert main(["validate", str(first)]) == 0
    assert main(["validate", str(second)]) == 0
    capsys.readouterr()
    assert main(["diff", str(first), str(second)]) == 0
    assert "002_" in capsys.readouterr().out
