"""Giant LSH band groups in the sharded build (cleaner.sharded.near): compared in tiles, with
the same edges, clusters, counters and bytes as the in-memory build and the untiled build."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from cleaner.build import ShardOptions, build
from cleaner.config import Config
from cleaner.report import build_summary
from cleaner.sharded.near import first_band, plan_tiles

COPIES = 60


def tree_digest(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root``, by relative path."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def words(i: int, count: int) -> str:
    return " ".join(f"w{i}x{j} stream{(i * 7 + j) % 11}" for j in range(count))


def write_corpus(folder: Path) -> Path:
    """COPIES pages of one boilerplate text, each with a few words of its own (so they are
    equal on some bands and not others), every fifth with a tail of its variant (a small
    group on some bands, inside the giant one on others), and unrelated pages."""
    folder.mkdir(parents=True)
    shared = words(0, 120)
    for i in range(COPIES):
        own = " ".join(f"own{i}y{k}" for k in range(i % 4 + 1))
        variant = words(1, 30) if i % 5 == 0 else ""
        (folder / f"copy{i:03d}.txt").write_text(f"Notice {i % 3}\n\n{shared} {variant} {own}.",
                                                 encoding="utf-8")
    for i in range(1, 13):
        (folder / f"page{i:03d}.txt").write_text(f"Headline {i}\n\n{words(i, 80)}.",
                                                 encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("tiles") / "in")


@pytest.fixture(scope="module")
def in_memory(corpus: Path, tmp_path_factory: pytest.TempPathFactory):
    result = build(Config(), [corpus], tmp_path_factory.mktemp("memory"), workers=1)
    assert result.removed["near_duplicate"] > COPIES // 2
    assert result.state.stats["near-dedup"].counters["candidates"] > 0
    return result


@pytest.mark.parametrize(("tile", "shard_files", "buckets"),
                         [(20, 7, 3), (30, 500, 2), (1000, 3, 4)])
def test_tiled_build_is_byte_identical_to_the_in_memory_build(
        corpus, in_memory, tmp_path, tile, shard_files, buckets):
    options = ShardOptions(work_dir=tmp_path / "work", shard_files=shard_files,
                           buckets=buckets, tile=tile)
    result = build(Config(), [corpus], tmp_path / "out", workers=2, sharded=options)
    assert tree_digest(result.write.path) == tree_digest(in_memory.write.path)
    near, reference = result.state.stats["near-dedup"], in_memory.state.stats["near-dedup"]
    assert near.counters == reference.counters and near.dropped == reference.dropped
    largest = result.sizes["largest_band_group"]
    assert COPIES // 2 < largest <= COPIES
    summary = build_summary(result)
    assert f"band group {largest}" in summary
    if tile >= largest:  # nothing to tile: no tile stage, nothing said of it
        assert "tiled_band_groups" not in result.sizes and "tiled:" not in summary
        return
    groups, tasks = result.sizes["tiled_band_groups"], result.sizes["tasks:near tiles"]
    assert groups >= 1 and tasks >= groups
    assert f"tiled: {groups} band groups in {tasks} tasks" in summary


def test_first_band_is_the_first_band_both_signatures_share():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 50, size=(200, 12), dtype=np.uint32)
    b = rng.integers(0, 50, size=(200, 12), dtype=np.uint32)
    b[:100, 4:8] = a[:100, 4:8]  # these share band 1 at least
    equal = a == b
    got = first_band(equal, bands=3, width=4)
    for i in range(200):
        shared = [k for k in range(3) if equal[i, k * 4:(k + 1) * 4].all()]
        assert got[i] == (shared[0] if shared else 3)
    assert (got[:100] <= 1).all()


def test_plan_tiles_covers_every_pair_of_a_group_once():
    plan = plan_tiles([{"file": "g", "band": 2, "size": 10, "digest": "x"}], tile=3)
    covered = []
    for _, _, i, j in plan:
        left, right = range(i * 3, min(i * 3 + 3, 10)), range(j * 3, min(j * 3 + 3, 10))
        covered += [(a, b) for a in left for b in right if a < b]
    assert sorted(covered) == [(a, b) for a in range(10) for b in range(a + 1, 10)]
    assert len(plan) == 10  # 4 blocks: 4 * 5 / 2 tiles


def test_the_tile_option_of_the_command_line(corpus, in_memory, tmp_path, capsys):
    from cleaner.cli import main

    assert main(["build", str(corpus), "--output", str(tmp_path / "out"), "--tile", "20",
                 "--workers", "1"]) == 0
    assert "tiled:" in capsys.readouterr().err  # the summary goes to stderr
    (version,) = [p.parent for p in (tmp_path / "out").rglob("manifest.json")]
    # The data (the card may differ: the command reads the dataset.toml of its folder).
    assert tree_digest(version / "data") == tree_digest(in_memory.write.path / "data")
    assert main(["build", str(corpus), "--output", str(tmp_path / "bad"), "--tile", "0"]) == 2
