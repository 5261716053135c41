"""Engines: the same steps give the same bytes on one process, a pool, or a Ray cluster."""

import hashlib
import os
import shutil
import socket
import time
from pathlib import Path

import pytest
from helpers import ROOT

from cleaner.build import build, clean_paths
from cleaner.config import Config, load_config
from cleaner.document import Document, Removal
from cleaner.pipeline import DocumentStep, LocalEngine, RunState, StepStats, map_documents
from cleaner.pipeline.batch import batches
from cleaner.pipeline.engines import EngineError, make_engine
from cleaner.pipeline.ray_engine import RayEngine, check_reachable

SEEDS = ROOT / "seeds"
CONFIG = ROOT / "dataset.toml"


class Tag(DocumentStep):
    name = "tag"

    def process(self, doc, stats):
        doc.text = f"{doc.text}|{len(doc.text)}"
        stats.counters["tagged"] += 1
        stats.sample("first", doc.source)
        return doc


def tree_digest(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root``, by relative path."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def pages(tmp_path: Path, n: int = 8) -> Path:
    """A small folder of HTML and text pages, with one exact duplicate."""
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(n):
        body = f"Paragraph {i} about river floods in the north and the cost of repairs. " * (i + 3)
        (folder / f"p{i:02d}.html").write_text(
            f"<html><head><title>Story {i}</title></head><body><nav>Home | News</nav>"
            f"<article><h1>Story {i}</h1><p>{body}</p><p>{body[::-1]}</p></article>"
            "<footer>Copyright</footer></body></html>", encoding="utf-8")
    (folder / "copy.txt").write_text("Same text here, twice over.\n" * 5, encoding="utf-8")
    (folder / "copy2.txt").write_text("Same text here, twice over.\n" * 5, encoding="utf-8")
    return folder


# --- batching and the local engine -----------------------------------------------------------


def test_batches_close_on_count_or_bytes():
    docs = [Document(source=str(i), text="x" * (1000 if i == 2 else 10)) for i in range(6)]
    assert [len(b) for b in batches(docs, size=3, max_bytes=500)] == [3, 3]
    assert [len(b) for b in batches(docs, size=10, max_bytes=500)] == [3, 3]
    assert [len(b) for b in batches(docs, size=10, max_bytes=15)] == [2, 1, 2, 1]
    assert list(batches([], size=3)) == []


@pytest.mark.parametrize("workers,batch_size", [(1, 64), (2, 1), (2, 3), (3, 2)])
def test_results_and_stats_do_not_depend_on_workers_or_batches(workers, batch_size):
    items = [Document(source=f"{i:02d}", text="a" * i) for i in range(20)]
    items.insert(5, Removal("r", "bad.bin", "unreadable", "ingest"))
    state = RunState()
    out = list(map_documents(items, [Tag()], state, workers=workers, batch_size=batch_size))
    assert [o.source for o in out] == [i.source for i in items]
    assert out[1].text == "a|1"
    stats = state.stats["tag"]
    assert (stats.docs_in, stats.docs_out, stats.counters["tagged"]) == (20, 20, 20)
    assert stats.samples["first"] == ["00", "01", "02"]
    assert stats.seconds >= 0 and stats.cpu_seconds >= 0


class Busy(DocumentStep):
    name = "busy"

    def process(self, doc, stats):
        sum(range(20_000))
        return doc


def test_step_seconds_add_up_to_the_wall_time_of_the_pass(small_batches):
    items = [Document(source=str(i), text="x") for i in range(6)]
    state = RunState()
    started = time.perf_counter()
    list(map_documents(items, [Tag(), Busy()], state, workers=2))
    wall = time.perf_counter() - started
    seconds = sum(s.seconds for s in state.stats.values())
    assert 0 < seconds <= wall
    assert state.stats["busy"].cpu_seconds > 0


def test_make_engine():
    assert make_engine("local", workers=3) == LocalEngine(3)
    assert make_engine("local").workers >= 1
    with pytest.raises(EngineError, match="unknown engine"):
        make_engine("spark")
    with pytest.raises(EngineError, match="needs --engine ray"):
        make_engine("local", ray_address="auto")


def test_an_unreachable_ray_head_fails_fast():
    with socket.socket() as listener:  # a free port on this machine, closed again
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
    with pytest.raises(EngineError, match="no Ray head node answers"):
        check_reachable(f"127.0.0.1:{port}", timeout=1)
    check_reachable("auto")


@pytest.fixture
def small_batches(monkeypatch):
    """Batches of two documents, so that a small corpus really goes through the pool."""
    monkeypatch.setattr("cleaner.pipeline.run.BATCH_DOCS", 2)


def test_clean_output_does_not_depend_on_workers(tmp_path, small_batches):
    folder = pages(tmp_path)
    one = list(clean_paths([folder], Config(), workers=1))
    two = list(clean_paths([folder], Config(), workers=2))
    assert one == two and len(one) == 10


def test_build_bytes_do_not_depend_on_workers(tmp_path, small_batches):
    folder = pages(tmp_path)
    config = Config(base_dir=tmp_path)
    build(config, inputs=[folder], output=tmp_path / "w1", workers=1)
    build(config, inputs=[folder], output=tmp_path / "w2", workers=2)
    first, second = tree_digest(tmp_path / "w1"), tree_digest(tmp_path / "w2")
    assert first == second and any(name.endswith(".parquet") for name in first)


# --- Ray -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ray_instance():
    ray = pytest.importorskip("ray")
    # Ray's workers import the test steps from this folder.
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR",
             runtime_env={"env_vars": {"PYTHONPATH": os.pathsep.join(
                 [str(Path(__file__).parent), str(ROOT / "tests")])}})
    yield ray
    ray.shutdown()


def test_ray_engine_keeps_order_and_stats(ray_instance):
    items = [Document(source=f"{i:02d}", text="b" * i) for i in range(9)]
    items.insert(3, Removal("r", "bad.bin", "unreadable", "ingest"))
    state = RunState()
    out = list(map_documents(items, [Tag()], state, batch_size=2, engine=RayEngine()))
    assert [o.source for o in out] == [i.source for i in items]
    assert state.stats["tag"].docs_in == 9
    assert state.stats["tag"].samples["first"] == ["00", "01", "02"]


def test_ray_and_local_builds_of_the_seeds_are_byte_identical(ray_instance, tmp_path):
    shutil.copytree(SEEDS, tmp_path / "seeds")
    shutil.copy(CONFIG, tmp_path / "dataset.toml")
    config = load_config(tmp_path / "dataset.toml")
    # One local worker: forking a pool in a process that runs Ray is not safe.
    local = build(config, output=tmp_path / "local", workers=1)
    on_ray = build(config, output=tmp_path / "ray", engine=RayEngine())
    assert local.kept == on_ray.kept > 0
    local_files, ray_files = tree_digest(tmp_path / "local"), tree_digest(tmp_path / "ray")
    assert local_files == ray_files
    assert any(name.endswith(".parquet") for name in local_files)


class DieOnce(DocumentStep):
    """A step whose worker process dies on one page: a lost node, as Ray sees it."""

    name = "die"

    def process(self, doc: Document, stats: StepStats) -> Document:
        if doc.source == "die":
            os._exit(1)
        return doc


def test_a_ray_task_lost_past_its_retries_is_an_engine_error(ray_instance):
    items = [Document(source=name, text="x") for name in ("a", "die", "c")]
    with pytest.raises(EngineError, match=r"^a Ray task failed: \w+"):
        list(map_documents(items, [DieOnce()], RunState(), batch_size=1, engine=RayEngine()))



class GoneCluster:
    """A ray module whose cluster went away after it connected (its head node died)."""

    class exceptions:  # noqa: N801 - the shape of ray.exceptions
        class RayError(Exception):
            pass

    @staticmethod
    def is_initialized() -> bool:
        return True

    @staticmethod
    def remote(function):
        return function

    @staticmethod
    def put(value):
        raise ConnectionError("\x1b[31mGCS has been unreachable for 60 s\x1b[0m\nmore lines")


def test_a_cluster_lost_before_the_first_task_is_an_engine_error_of_one_line(monkeypatch, capsys):
    monkeypatch.setattr("cleaner.pipeline.ray_engine.ray_module", lambda: GoneCluster)
    items = [Document(source=name, text="x") for name in ("a", "b")]
    expected = "could not submit work to Ray: ConnectionError: "
    with pytest.raises(EngineError, match=expected) as raised:
        list(map_documents(items, [Tag()], RunState(), batch_size=1, engine=RayEngine()))
    assert "\n" not in str(raised.value)
    from cleaner.cli import _one_line

    assert "\x1b" not in _one_line(raised.value) and "internal error" not in _one_line(raised.value)
