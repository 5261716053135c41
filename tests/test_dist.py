"""The published versions under dist/ are valid, and the current one is what the code builds."""

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


def test_dist_is_exactly_what_the_code_builds_from_the_seeds(tmp_path):
    """Every file of the version dataset.toml names (card, manifest, Croissant, charts and
    Parquet) is what `make dataset` writes on a fresh clone, so that it is a no-op there.

    The build runs beside copies of the earlier versions, as in dist/, since the card's
    changelog compares with the previous one.
    """
    config = load_config(ROOT / "dataset.toml")
    name, version = config.dataset.name, config.dataset.version
    work = tmp_path / "work"
    shutil.copytree(ROOT / "seeds", work / "seeds")
    shutil.copy(ROOT / "dataset.toml", work / "dataset.toml")
    for earlier in VERSIONS:
        if earlier.parent.name == name and semver(earlier) < tuple(map(int, version.split("."))):
            shutil.copytree(earlier, work / "dist" / name / earlier.name)
    built = build(load_config(work / "dataset.toml"), workers=1).write.path
    published = ROOT / "dist" / name / version
    files = sorted(p.relative_to(published) for p in published.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(built) for p in built.rglob("*") if p.is_file())
    for relative in files:
        assert (published / relative).read_bytes() == (built / relative).read_bytes(), relative
