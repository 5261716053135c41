"""Atomic publishing and the accounting rule.

A `cleaner build` killed at any moment (SIGKILL: no clean-up code runs) leaves no partial
version; the next run publishes files byte-identical to those of a build never interrupted.
A version whose audit lost a row fails `cleaner validate`, even with its checksums fixed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from helpers import refresh_manifest

from cleaner.cli import main

NAME, VERSION = "interrupted", "1.0.0"
TOPICS = ("harbour", "railway", "orchard", "museum", "bridge", "clinic", "forest", "market",
          "library", "tunnel", "festival", "reservoir", "airport", "village", "factory")


def make_project(root: Path, pages: int = 30) -> Path:
    """A folder with a dataset.toml and ``pages`` distinct pages (plus a few bad inputs)."""
    rng = random.Random(7)  # the same corpus in every folder
    inputs = root / "input"
    inputs.mkdir(parents=True)
    for number in range(pages):
        words = [rng.choice(TOPICS) for _ in range(400)]
        sentences = [" ".join(words[i:i + 12]).capitalize() + "." for i in range(0, 400, 12)]
        body = "".join(f"<p>{' '.join(sentences[i:i + 4])}</p>" for i in range(0, 33, 4))
        (inputs / f"page-{number:04d}.html").write_text(
            f"<html><head><title>Page {number}</title></head><body><article>{body}</article>"
            "</body></html>")
    (inputs / "empty.html").write_bytes(b"")
    (inputs / "image.html").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(500))
    (root / "dataset.toml").write_text(
        f'[dataset]\nname = "{NAME}"\nversion = "{VERSION}"\ninputs = ["input"]\n'
        'output = "dist"\n')
    return root


def build_here(root: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """`cleaner build` in ``root``, in this process (no second start-up of the tool)."""
    with monkeypatch.context() as patch:
        patch.chdir(root)
        return main(["build", "--quiet", "--workers", "2"])


def file_hashes(folder: Path) -> dict[str, str]:
    return {path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, str]:
    """The files of a build that nobody interrupted."""
    root = make_project(tmp_path_factory.mktemp("reference"))
    with pytest.MonkeyPatch.context() as patch:
        assert build_here(root, patch) == 0
    return file_hashes(root / "dist" / NAME / VERSION)


def start_build(root: Path, *options: str) -> subprocess.Popen:
    env = {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}
    return subprocess.Popen([sys.executable, "-m", "cleaner", "build", "--quiet", "--workers",
                             "2", *options], cwd=root, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)


def kill(process: subprocess.Popen) -> None:
    """SIGKILL the build, then its orphaned workers (its own process group, by id)."""
    process.kill()
    process.wait(timeout=30)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def wait_for_temp(parent: Path, process: subprocess.Popen, timeout: float = 120) -> bool:
    """Wait until the build has begun writing its temporary version folder."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if any(parent.glob(f".{VERSION}.tmp-*")):
            return True
        time.sleep(0.01)
    return False


def wait_for_markers(work: Path, process: subprocess.Popen, timeout: float = 120) -> bool:
    """Wait until a sharded build has finished some tasks (their markers are in ``work``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if any(work.rglob("clean.ok.json")):
            return True
        time.sleep(0.01)
    return False


@pytest.mark.parametrize("moment", ["early", "while writing", "between tasks"])
def test_a_killed_build_leaves_no_version_and_the_rerun_is_byte_identical(
        tmp_path, monkeypatch, reference, moment):
    root = make_project(tmp_path)
    parent = root / "dist" / NAME
    # The in-memory build writes its tables into the temporary folder: it is killed there;
    # the sharded build (the default) between its tasks.
    process = start_build(root, *(["--in-memory"] if moment == "while writing" else []))
    try:
        if moment == "early":
            time.sleep(0.7)  # reading and cleaning
        elif moment == "between tasks":
            assert wait_for_markers(root / "dist" / ".cleaner-work", process), "no task ended"
        else:
            assert wait_for_temp(parent, process), "the build never started writing"
            time.sleep(0.2)
        assert process.poll() is None, "the build ended before it could be killed"
    finally:
        kill(process)
    assert process.returncode == -signal.SIGKILL
    assert not (parent / VERSION).exists()  # no partial version, whatever the moment
    if moment == "between tasks":  # the rerun resumes: finished tasks stay
        assert any((root / "dist" / ".cleaner-work").rglob("clean.ok.json"))
    assert build_here(root, monkeypatch) == 0
    assert file_hashes(parent / VERSION) == reference
    assert sorted(p.name for p in parent.iterdir()) == [VERSION]  # stale temp folder cleaned
    assert main(["validate", str(parent / VERSION)]) == 0


# --- the accounting rule, checked by validate ---------------------------------------------

def test_a_version_missing_an_audit_row_fails_validation_even_with_fixed_checksums(
        tmp_path, monkeypatch, capsys, reference):
    root = make_project(tmp_path, pages=6)
    assert build_here(root, monkeypatch) == 0
    version = root / "dist" / NAME / VERSION
    capsys.readouterr()
    assert main(["validate", str(version)]) == 0
    audit_path = version / "audit" / "removed.parquet"
    audit = pq.read_table(audit_path)
    assert audit.num_rows == 2
    pq.write_table(audit.slice(1), audit_path)  # one input now unaccounted for
    refresh_manifest(version)
    capsys.readouterr()
    assert main(["validate", str(version)]) == 1
    assert "counts.removed" in capsys.readouterr().out


# --- SIGTERM and Ctrl-C: workers stopped, nothing left behind, one line (issue 19) ---------

def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry))
    return found


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("signum, code, line", [(signal.SIGTERM, 143, "cleaner: terminated"),
                                                (signal.SIGINT, 130, "cleaner: interrupted")])
@pytest.mark.parametrize("moment", ["while cleaning", "while writing"])
def test_a_stopped_build_stops_its_workers_and_leaves_nothing(tmp_path, signum, code, line,
                                                              moment):
    root = make_project(tmp_path, pages=400 if moment == "while cleaning" else 30)
    parent = root / "dist" / NAME
    process = start_build(root)
    try:
        deadline = time.monotonic() + 120
        if moment == "while cleaning":
            while not children(process.pid) and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(0.2)
        else:
            assert wait_for_temp(parent, process), "the build never started writing"
        assert process.poll() is None, "the build ended before it could be stopped"
        if signum == signal.SIGINT:
            os.killpg(process.pid, signum)  # a terminal sends Ctrl-C to the whole group
        else:
            process.send_signal(signum)  # `kill PID`, a container stopping: the main process
        process.wait(timeout=60)
        deadline = time.monotonic() + 10
        while group_alive(process.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        outlived = group_alive(process.pid)
    finally:
        kill(process)  # before reading stderr: a worker left alive would hold it open
    err = process.stderr.read().decode()
    assert not outlived, "worker processes outlived the build"
    assert process.returncode == code, err
    assert err.strip() == line, err
    assert not parent.exists() or sorted(p.name for p in parent.iterdir()) == []
