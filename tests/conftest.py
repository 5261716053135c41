"""Shared fixtures: the repository's paths and a built copy of the seeds dataset."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"

# Tests never reach the network.
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def seeds_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds built once per test session with the project's dataset.toml, into a temp dir."""
    from cleaner.build import build
    from cleaner.config import load_config

    work = tmp_path_factory.mktemp("seeds-build")
    shutil.copytree(SEEDS, work / "seeds")
    shutil.copy(ROOT / "dataset.toml", work / "dataset.toml")
    config = load_config(work / "dataset.toml")
    result = build(config, workers=1)
    return result.write.path
