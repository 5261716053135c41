"""Shared fixtures: the repository's paths and a built copy of the seeds dataset."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"

# Tests never reach the network.
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

# Property tests explore new random cases on every local run; CI (.ci/run sets
# HYPOTHESIS_PROFILE=ci) replays the same ones, so a build never fails by chance. A case that
# a local run finds goes into the test as an @example.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


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


# Tests that start Ray in this process run after every other test. Ray leaves threads behind
# even after ray.shutdown() (gRPC, its client's event loops: 12 native threads on Ray 2.x), and
# a process pool forked from a process with threads can deadlock its child on a lock one of
# them held at the fork: the test then waits forever on idle-looking workers (the hang seen
# after a failed Ray test: an F, then a later test's pool never answering).
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "ray_instance" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.ray)
    items.sort(key=lambda item: item.get_closest_marker("ray") is not None)  # stable


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "ray: starts Ray in the test process (run last)")
