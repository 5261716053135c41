"""The work directory on any file system pyarrow reaches (cleaner.pipeline.shards.fs/work):
a ``file://`` URI and an S3 server on localhost (moto) give the bytes of a local work
directory, a failed task is retried and a stopped build resumes there; a URI that cannot be
used is one line."""

from __future__ import annotations

import logging
import os
import socket
from pathlib import Path

import numpy as np
import pytest
from test_sharded import config, tree_digest, write_corpus

from cleaner.build import ShardOptions, build
from cleaner.pipeline.shards import fs as workfs
from cleaner.pipeline.shards.work import FAIL_ONCE, WorkDir

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("workfs") / "in", n=12)


@pytest.fixture(scope="module")
def local_build(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The sharded build with a local work directory: what every other place must give."""
    out = tmp_path_factory.mktemp("local")
    options = ShardOptions(work_dir=out / "work", shard_files=4, buckets=3)
    return tree_digest(build(config(), [corpus], out / "out", workers=2,
                             sharded=options).write.path)


@pytest.fixture(scope="module")
def s3() -> str:
    """A URI prefix on an S3 server of this machine (moto): ``s3://bucket/...?endpoint...``;
    the test is skipped when moto is not installed or its server cannot start."""
    server_module = pytest.importorskip("moto.server")
    from pyarrow import fs

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    saved = {key: os.environ.get(key) for key in
             ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_EC2_METADATA_DISABLED")}
    # Any key does for moto; and never ask a cloud metadata service (no network).
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                      AWS_EC2_METADATA_DISABLED="true")
    try:
        server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=0,
                                                  verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        endpoint = f"{host}:{port}"
        fs.S3FileSystem(endpoint_override=endpoint, scheme="http",
                        allow_bucket_creation=True).create_dir("bucket")
    except Exception as error:  # noqa: BLE001 - no server, no test
        pytest.skip(f"the S3 test server cannot start: {error}")
    yield f"s3://bucket/{{}}?endpoint_override={endpoint}&scheme=http"
    server.stop()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def test_a_file_uri_work_dir_gives_the_same_bytes(corpus, local_build, tmp_path):
    work = tmp_path / "work"
    options = ShardOptions(work_dir=work.as_uri(), shard_files=4, buckets=3)
    result = build(config(), [corpus], tmp_path / "out", workers=2, sharded=options)
    assert tree_digest(result.write.path) == local_build
    assert not work.exists()  # removed after success


def test_a_build_with_its_work_dir_on_s3_resumes_and_gives_the_same_bytes(
        corpus, local_build, s3, tmp_path, monkeypatch):
    location = s3.format("work")
    work = WorkDir.at(location)
    options = ShardOptions(work_dir=location, shard_files=4, buckets=3)
    # Every attempt of the translation task fails (a build killed there): the build stops,
    # its finished tasks stay on S3, and the same command resumes from them.
    monkeypatch.setattr("cleaner.pipeline.shards.executors.ATTEMPTS", 1)
    monkeypatch.setenv(FAIL_ONCE, "/translation")
    with pytest.raises(Exception, match="failed once"):
        build(config(), [corpus], tmp_path / "out", workers=2, sharded=options)
    files = work.files("")
    markers = [name for name in files if name.endswith(".ok.json")]
    assert any(name.endswith("/clean.ok.json") for name in markers)
    assert any("/edges/" in name for name in markers)  # pairs confirmed on S3 rows
    assert not any("translation" in name for name in markers)
    # No temporary object: objects are written whole (and files a task stages under a
    # dot name are not uploaded); the flag is the test's own.
    assert [name for name in files if name.rpartition("/")[2].startswith(".")] == [
        name for name in files if name.startswith(".failed-once-")]
    monkeypatch.delenv(FAIL_ONCE)
    again = build(config(), [corpus], tmp_path / "out", workers=2, sharded=options)
    assert tree_digest(again.write.path) == local_build
    assert again.sizes["reused:clean"] == again.sizes["shards"]
    assert work.files("") == []  # removed after success


@pytest.mark.parametrize("where", ["local", "s3", "renaming"])
def test_work_files_round_trip(where, request, tmp_path, monkeypatch):
    remote = where != "local"
    if where == "s3":
        work = WorkDir.at(request.getfixturevalue("s3").format(tmp_path.name))
    elif where == "renaming":  # a remote file system with rename (as HDFS): fsspec's memory
        from fsspec.implementations.memory import MemoryFileSystem
        from pyarrow.fs import FSSpecHandler, PyFileSystem

        memory = PyFileSystem(FSSpecHandler(MemoryFileSystem()))
        monkeypatch.setattr("cleaner.pipeline.shards.work.resolve",
                            lambda root: (memory, f"/{tmp_path.name}"))
        work = WorkDir("memory://work")
    else:
        work = WorkDir.at(tmp_path / "work")
    work.dump("a/b.pkl", {"x": [1, 2]})
    assert work.load("a/b.pkl") == {"x": [1, 2]}
    assert work.load("a/missing.pkl", "none") == "none"
    assert work.done("t") is None
    work.finish("t", {"rows": 3})
    assert work.done("t") == {"rows": 3}
    matrix = np.arange(7 * 5, dtype=np.uint32).reshape(7, 5)

    def save(temp: Path) -> None:
        with temp.open("wb") as handle:
            np.save(handle, matrix)

    work._atomic("m/s.npy", save)
    # Blocks of two rows on a remote file system: rows cross block edges.
    monkeypatch.setattr(workfs, "BLOCK_BYTES", 2 * 5 * 4)
    rows = work.matrix("m/s.npy")
    assert rows.shape == (7, 5)
    assert all(np.array_equal(rows[i], matrix[i]) for i in range(-7, 7))
    assert np.array_equal(rows[[6, 0, 3]], matrix[[6, 0, 3]])
    assert np.array_equal(rows[2:5], matrix[2:5]) and np.array_equal(rows[1, 2:4], [7, 8])
    with pytest.raises(IndexError):
        rows[7]
    assert not [name for name in work.files("") if ".tmp-" in name]  # renamed or whole
    with work.task_scope() as task:  # how a task writes files for a Parquet writer
        written = task.path("out/data/x.bin")
        written.parent.mkdir(parents=True, exist_ok=True)
        written.write_bytes(b"parquet")
        if remote:  # a temporary name is not uploaded
            (written.parent / ".x.bin.tmp").write_bytes(b"half")
    assert work.files("out") == ["data/x.bin"]
    work.copy_tree("out", tmp_path / "copy")
    assert (tmp_path / "copy/data/x.bin").read_bytes() == b"parquet"
    assert sorted(work.files("")) == ["a/b.pkl", "m/s.npy", "out/data/x.bin", "t.ok.json"]
    work.remove()
    assert work.files("") == []
    work.remove()  # gone already is fine


def test_a_work_dir_uri_that_cannot_be_used_is_one_line(tmp_path, capsys, monkeypatch):
    from cleaner.cli import main

    seeds = ROOT / "seeds"
    assert main(["build", str(seeds), "--output", str(tmp_path), "--quiet",
                 "--work-dir", "nosuch://bucket/work"]) == 2
    err = capsys.readouterr().err
    assert "--work-dir nosuch://bucket/work: pyarrow cannot open it" in err
    assert len(err.strip().splitlines()) == 1
    assert main(["build", str(seeds), "--output", str(tmp_path), "--quiet",
                 "--work-dir", "s3://bucket?endpoint_override=127.0.0.1:1"]) == 2
    assert "name a folder inside the bucket (such as s3://bucket/work)" in \
        capsys.readouterr().err
    with socket.socket() as probe:  # a port of this machine where nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    uri = (f"s3://KEY:SECRET@bucket/work?endpoint_override=127.0.0.1:{port}&scheme=http"
           "&region=us-east-1")
    assert main(["build", str(seeds), "--output", str(tmp_path), "--quiet",
                 "--work-dir", uri]) == 1
    err = capsys.readouterr().err
    assert "work directory s3://bucket/work cannot be written" in err
    assert "SECRET" not in err and len(err.strip().splitlines()) == 1
    assert not list(tmp_path.rglob("*.parquet"))


def test_a_local_work_dir_never_loads_pyarrow(tmp_path):
    """The driver of a build with a local work directory stays small: the work directory
    goes through Python's own file functions there (pyarrow and an S3 client: +55 MB)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from cleaner.sharded.driver import build_sharded\n"
        "from cleaner.pipeline.shards.work import WorkDir\n"
        f"for where in ({str(tmp_path / 'w')!r}, {(tmp_path / 'u').as_uri()!r}):\n"
        "    work = WorkDir.at(where)\n"
        "    work.check(); work.dump('a/b.pkl', [1]); work.finish('t', {'n': 1})\n"
        "    assert work.load('a/b.pkl') == [1] and work.done('t') == {'n': 1}\n"
        "    assert work.files('') == ['a/b.pkl', 't.ok.json'] and work.local\n"
        "    work.remove()\n"
        "    print(where.split(':')[0], 'pyarrow' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    # A file:// URI is parsed by pyarrow (then served by Python's functions all the same).
    assert done.stdout.split("\n")[0].endswith("False"), done.stdout
