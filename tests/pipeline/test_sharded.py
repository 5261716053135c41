"""The sharded build (cleaner.sharded): byte-identical to the in-memory build whatever the
shard size, bucket count, worker count or engine; resumable; incremental."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cleaner.build import ShardOptions, build
from cleaner.config import Config
from cleaner.pipeline.shards.work import FAIL_MODE, FAIL_ONCE

ROOT = Path(__file__).resolve().parents[2]


def tree_digest(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root``, by relative path."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def story(i: int, words: int = 60) -> str:
    """A paragraph of text unique to ``i`` (shared chrome and copies are added on purpose)."""
    return " ".join(f"w{i}x{j} river{(i * 7 + j) % 13}" for j in range(words)) + "."


def write_corpus(folder: Path, n: int = 24, start: int = 0) -> Path:
    """Pages of two sites with shared chrome lines, exact and near copies, a JSONL file of
    several records, an empty page, a binary file, and the seeds (translation pairs)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(start, start + n):
        site = "alpha" if i % 2 else "beta"
        chrome = [f"Subscribe to the {site} daily letter for more", f"All rights {site} reserved"]
        body = "\n\n".join([f"Headline number {i}", story(i), story(i + 1000)])
        text = "\n".join([chrome[0], body, chrome[1]])
        (folder / site).mkdir(exist_ok=True)
        (folder / site / f"p{i:03d}.txt").write_text(text, encoding="utf-8")
        if i % 5 == 0:  # an exact copy with other spacing and case
            (folder / site / f"p{i:03d}-copy.txt").write_text(text.upper().replace(" ", "  "),
                                                              encoding="utf-8")
        if i % 7 == 0:  # a near copy: one more line
            (folder / site / f"p{i:03d}-near.txt").write_text(text + "\nOne more line here.",
                                                              encoding="utf-8")
    records = [{"id": f"r{i}", "text": story(5000 + i)} for i in range(3)]
    records.append({"id": "r0", "text": story(5000)})
    (folder / "feed.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n",
                                       encoding="utf-8")
    (folder / "empty.txt").write_text("   \n", encoding="utf-8")
    (folder / "blob.bin").write_bytes(bytes(range(256)) * 4)
    if not (folder / "seeds").exists():
        shutil.copytree(ROOT / "seeds", folder / "seeds")
    return folder


def config() -> Config:
    cfg = Config()
    cfg.boilerplate.repeated_min_docs = 3
    return cfg


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("sharded") / "in")


@pytest.fixture(scope="module")
def in_memory(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("memory")
    result = build(config(), [corpus], out, workers=1)
    assert result.kept > 20 and result.removed["exact_duplicate"] > 0
    assert result.removed["near_duplicate"] > 0
    assert result.state.stats["repeated-blocks"].changed > 0
    return tree_digest(result.write.path)


@pytest.mark.parametrize(("shard_files", "buckets", "workers"),
                         [(1, 1, 1), (4, 3, 2), (500, 16, 2)])
def test_sharded_build_is_byte_identical_to_the_in_memory_build(
        corpus, in_memory, tmp_path, shard_files, buckets, workers):
    options = ShardOptions(work_dir=tmp_path / "work", shard_files=shard_files, buckets=buckets)
    result = build(config(), [corpus], tmp_path / "out", workers=workers, sharded=options)
    assert tree_digest(result.write.path) == in_memory
    assert not (tmp_path / "work").exists()  # removed after success
    assert result.sizes["shards"] >= 1 and result.sizes["tasks:exact"] == buckets


def test_a_failed_task_is_retried_and_a_rerun_resumes(corpus, in_memory, tmp_path, monkeypatch):
    options = ShardOptions(work_dir=tmp_path / "work", shard_files=4, buckets=3,
                           keep_work=True)
    # A worker that dies in the middle of a near-dedup task: retried on a new pool.
    monkeypatch.setenv(FAIL_ONCE, "/near")
    monkeypatch.setenv(FAIL_MODE, "exit")
    first = build(config(), [corpus], tmp_path / "out", workers=2, sharded=options)
    assert tree_digest(first.write.path) == in_memory
    markers = {p: p.stat().st_mtime_ns for p in (tmp_path / "work").rglob("*.ok.json")}
    assert len(markers) > 20
    # The same build again, into a new folder: every task but the finish is reused.
    monkeypatch.delenv(FAIL_ONCE)
    again = build(config(), [corpus], tmp_path / "out2", workers=2, sharded=options)
    assert tree_digest(again.write.path) == in_memory
    assert all(p.stat().st_mtime_ns == mtime for p, mtime in markers.items())


def test_a_killed_build_resumes_from_its_finished_tasks(corpus, in_memory, tmp_path,
                                                        monkeypatch):
    options = ShardOptions(work_dir=tmp_path / "work", shard_files=4, buckets=3)
    # Every attempt of the translation task fails (as a build killed there): the build
    # stops with an error, its finished tasks stay in the work directory.
    monkeypatch.setattr("cleaner.pipeline.shards.executors.ATTEMPTS", 1)
    monkeypatch.setenv(FAIL_ONCE, "/translation")
    with pytest.raises(Exception, match="failed once"):
        build(config(), [corpus], tmp_path / "out", workers=1, sharded=options)
    done = list((tmp_path / "work").rglob("*.ok.json"))
    assert any("/clean.ok.json" in str(p) for p in done)
    monkeypatch.delenv(FAIL_ONCE)
    cleaned = {p: p.stat().st_mtime_ns for p in done}
    result = build(config(), [corpus], tmp_path / "out", workers=1, sharded=options)
    assert tree_digest(result.write.path) == in_memory
    assert not (tmp_path / "work").exists()
    del cleaned


def test_a_grown_corpus_reuses_unchanged_shards_and_equals_a_full_build(corpus, tmp_path):
    grown = tmp_path / "in"
    shutil.copytree(corpus, grown)
    options = ShardOptions(work_dir=tmp_path / "work", shard_files=4, buckets=3,
                           keep_work=True)
    build(config(), [grown], tmp_path / "out", workers=2, sharded=options)
    # New files that sort last: the earlier shards keep their files and keys.
    (grown / "zz").mkdir()
    for i in range(3):
        (grown / "zz" / f"new{i}.txt").write_text(f"Headline {i}\n\n{story(9000 + i)}",
                                                  encoding="utf-8")
    cfg = config()
    cfg.dataset.version = "1.0.1"
    grown_result = build(cfg, [grown], tmp_path / "out", workers=2, sharded=options)
    assert grown_result.sizes["reused_prepared_shards"] > 0
    assert grown_result.sizes["reused:clean"] == grown_result.sizes["shards"] - 1
    # The full build sees the same previous version (the card's changelog).
    first = tmp_path / "out" / cfg.dataset.name / "1.0.0"
    shutil.copytree(first, tmp_path / "full" / cfg.dataset.name / "1.0.0")
    full = build(cfg, [grown], tmp_path / "full", workers=1)
    assert tree_digest(grown_result.write.path) == tree_digest(full.write.path)


def test_a_file_named_like_a_record_of_another_gets_the_in_memory_name(tmp_path):
    """``feed.jsonl#r0`` (a file) and record r0 of ``feed.jsonl``: the in-memory build
    renames the second ``feed.jsonl#r0~2``; the sharded build reads both in one shard."""
    folder = tmp_path / "in"
    folder.mkdir()
    records = [{"id": f"r{i}", "text": story(7000 + i)} for i in range(2)]
    (folder / "feed.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n",
                                       encoding="utf-8")
    (folder / "feed.jsonl#r0").write_text(f"A headline\n\n{story(7100)}", encoding="utf-8")
    (folder / "feed.jsonl.txt").write_text(f"Another\n\n{story(7200)}", encoding="utf-8")
    for i in range(6):
        (folder / f"page{i}.txt").write_text(f"Page {i}\n\n{story(7300 + i)}",
                                             encoding="utf-8")
    memory = build(config(), [folder], tmp_path / "memory", workers=1)
    options = ShardOptions(work_dir=tmp_path / "work", shard_files=1, buckets=2)
    sharded = build(config(), [folder], tmp_path / "out", workers=1, sharded=options)
    assert tree_digest(sharded.write.path) == tree_digest(memory.write.path)
    assert sharded.sizes["shards"] < 9  # the three feed files in one shard


def test_files_inserted_among_the_old_ones_redo_only_their_shards(corpus, tmp_path):
    grown = tmp_path / "in"
    shutil.copytree(corpus, grown)
    options = ShardOptions(work_dir=tmp_path / "work", shard_files=4, buckets=3,
                           keep_work=True)
    first = build(config(), [grown], tmp_path / "out", workers=2, sharded=options)
    # Two new pages that sort between old ones, in two places.
    for site, name, i in (("alpha", "p005-new.txt", 9100), ("beta", "p016-new.txt", 9200)):
        (grown / site / name).write_text(f"Headline {i}\n\n{story(i)}", encoding="utf-8")
    cfg = config()
    cfg.dataset.version = "1.0.1"
    second = build(cfg, [grown], tmp_path / "out", workers=2, sharded=options)
    redone = second.sizes["shards"] - second.sizes["reused:clean"]
    assert first.sizes["shards"] > 8 and 2 <= redone <= 4  # each file's shard (+ a neighbour)
    first_version = tmp_path / "out" / cfg.dataset.name / "1.0.0"
    shutil.copytree(first_version, tmp_path / "full" / cfg.dataset.name / "1.0.0")
    full = build(cfg, [grown], tmp_path / "full", workers=1)
    assert tree_digest(second.write.path) == tree_digest(full.write.path)


def test_the_hash_seed_changes_no_byte(corpus, tmp_path):
    """Builds in processes of different PYTHONHASHSEED (set iteration orders differ)."""
    digests = []
    for seed in ("0", "12345"):
        out = tmp_path / f"out-{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed, "HF_DATASETS_OFFLINE": "1",
               "HF_HUB_OFFLINE": "1"}
        done = subprocess.run([sys.executable, "-m", "cleaner", "build", str(corpus),
                               "--output", str(out), "--work-dir", str(tmp_path / f"w{seed}"),
                               "--shard-files", "4", "--buckets", "3", "--workers", "2",
                               "--quiet"], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=140)
        assert done.returncode == 0, done.stderr[-2000:]
        (version,) = [p.parent for p in out.rglob("manifest.json")]
        digests.append(tree_digest(version))
    assert digests[0] == digests[1] and len(digests[0]) > 5


@pytest.fixture
def ray_instance():
    ray = pytest.importorskip("ray")
    ray.shutdown()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR",
             configure_logging=True)
    yield ray
    ray.shutdown()


def test_a_sharded_build_on_ray_is_byte_identical(corpus, in_memory, ray_instance, tmp_path):
    from cleaner.pipeline.ray_engine import RayEngine

    options = ShardOptions(work_dir=tmp_path / "work", shard_files=6, buckets=4)
    result = build(config(), [corpus], tmp_path / "out", engine=RayEngine(), sharded=options)
    assert tree_digest(result.write.path) == in_memory
    assert result.sizes["ray_nodes"] == 1


@pytest.mark.ray
def test_a_ray_worker_killed_mid_task_is_retried(corpus, in_memory, tmp_path, monkeypatch):
    """The worker process running a task dies (os._exit, as the OOM killer would): Ray runs
    the task again and the bytes are those of the in-memory build."""
    ray = pytest.importorskip("ray")
    from cleaner.pipeline.ray_engine import RayEngine

    # Set before Ray starts: its workers inherit the environment of the raylet.
    monkeypatch.setenv(FAIL_ONCE, "/near")
    monkeypatch.setenv(FAIL_MODE, "exit")
    ray.shutdown()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR",
             configure_logging=True)
    try:
        options = ShardOptions(work_dir=tmp_path / "work", shard_files=6, buckets=2,
                               keep_work=True)
        result = build(config(), [corpus], tmp_path / "out", engine=RayEngine(),
                       sharded=options)
    finally:
        ray.shutdown()
    assert tree_digest(result.write.path) == in_memory
    assert list((tmp_path / "work").glob(".failed-once-*"))  # the worker did die


@pytest.mark.ray
def test_a_two_node_ray_cluster_runs_tasks_on_both_nodes(corpus, in_memory, tmp_path):
    ray = pytest.importorskip("ray")
    from ray.cluster_utils import Cluster

    from cleaner.pipeline.ray_engine import RayEngine

    ray.shutdown()
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    try:
        cluster.add_node(num_cpus=1)
        cluster.wait_for_nodes()
        ray.init(address=cluster.address, log_to_driver=False, logging_level="ERROR",
                 configure_logging=True)
        options = ShardOptions(work_dir=tmp_path / "work", shard_files=2, buckets=4)
        result = build(config(), [corpus], tmp_path / "out", engine=RayEngine(),
                       sharded=options)
        assert tree_digest(result.write.path) == in_memory
        assert result.sizes["ray_nodes"] == 2
    finally:
        ray.shutdown()
        cluster.shutdown()


def test_cli_options_of_the_sharded_build(tmp_path, capsys):
    from cleaner.cli import main

    seeds = ROOT / "seeds"
    assert main(["build", str(seeds), "--output", str(tmp_path), "--shard-files", "0"]) == 2
    assert "--shard-files must be at least 1" in capsys.readouterr().err
    assert main(["build", str(seeds), "--output", str(tmp_path), "--in-memory",
                 "--keep-work"]) == 2
    assert "--keep-work is for the sharded build" in capsys.readouterr().err
    assert not tmp_path.joinpath("seeds").exists()
    work = tmp_path / "work"
    assert main(["build", str(seeds), "--output", str(tmp_path / "out"), "--quiet",
                 "--work-dir", str(work), "--keep-work", "--shard-files", "2",
                 "--buckets", "2", "--workers", "1"]) == 0
    assert any(work.rglob("clean.ok.json"))  # kept for the next version


def test_small_row_groups_and_files_stream_to_the_in_memory_bytes(corpus, tmp_path):
    """The writers stream one row group at a time: with row groups of 7 rows and files of 11
    rows (several files per split, a short last group) the bytes and the card's sizes are
    still those of the in-memory build."""
    cfg = config()
    cfg.package.row_group_size, cfg.package.max_rows_per_shard = 7, 11
    memory = build(cfg, [corpus], tmp_path / "memory", workers=1)
    options = ShardOptions(work_dir=tmp_path / "work", shard_files=4, buckets=3)
    sharded = build(cfg, [corpus], tmp_path / "out", workers=2, sharded=options)
    files = tree_digest(memory.write.path)
    assert sum(name.startswith("data/documents/train") for name in files) > 1
    assert tree_digest(sharded.write.path) == files
