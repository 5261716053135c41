"""The published versions under dist/ are valid, and the latest is what main's code builds."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cleaner.build import build
from cleaner.config import load_config
from cleaner.publish.validate import validate_version

ROOT = Path(__file__).resolve().parent.parent
VERSIONS = sorted(p for p in (ROOT / "dist").glob("*/*") if (p / "manifest.json").is_file())


def semver(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in path.name.split("."))


@pytest.mark.parametrize("version", VERSIONS, ids=[str(v.relative_to(ROOT)) for v in VERSIONS])
def test_published_version_is_valid(version):
    assert [str(v) for v in validate_version(version)] == []


def test_dist_holds_the_seeds_dataset():
    config = load_config(ROOT / "dataset.toml")
    version = ROOT / "dist" / config.dataset.name / config.dataset.version
    assert (version / "manifest.json").is_file()


def test_rebuilding_the_latest_version_gives_identical_parquet_files(tmp_path):
    config = load_config(ROOT / "dataset.toml")
    latest = max((p for p in VERSIONS if p.parent.name == config.dataset.name), key=semver)
    work = tmp_path / "work"
    shutil.copytree(ROOT / "seeds", work / "seeds")
    shutil.copy(ROOT / "dataset.toml", work / "dataset.toml")
    config = load_config(work / "dataset.toml")
    config.dataset.version = latest.name
    rebuilt = build(config, workers=1).write.path
    published = sorted(p.relative_to(latest) for p in latest.rglob("*.parquet"))
    assert published == sorted(p.relative_to(rebuilt) for p in rebuilt.rglob("*.parquet"))
    for relative in published:
        assert (latest / relative).read_bytes() == (rebuilt / relative).read_bytes(), relative
