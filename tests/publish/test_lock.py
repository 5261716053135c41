"""One build writes a version at a time; no build deletes the folder of a live one.

Two builds in two containers are both PID 1; two hosts sharing a volume have unrelated PIDs.
The race is reproduced by two processes sharing a folder, each told its PID is 1.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from cleaner.errors import PublishError
from cleaner.publish import lock as lock_module
from cleaner.publish.lock import VersionLock, lock_path

ROOT = Path(__file__).resolve().parents[2]
NAME, VERSION = "race", "1.0.0"


def make_project(root: Path, pages: int = 12) -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    from test_interrupt import make_project as interrupt_project

    interrupt_project(root, pages)
    (root / "dataset.toml").write_text(
        f'[dataset]\nname = "{NAME}"\nversion = "{VERSION}"\ninputs = ["input"]\n'
        'output = "dist"\n')


# Both builds believe they are PID 1, as in two containers.
AS_PID_1 = textwrap.dedent("""
    import os, sys
    os.getpid = lambda: 1
    from cleaner.cli import main
    sys.exit(main(["build", "--quiet", "--workers", "1"]))
""")


def test_two_builds_sharing_a_folder_as_pid_1_both_succeed(tmp_path):
    make_project(tmp_path)
    env = {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}
    outcomes = []
    for _ in range(3):
        processes = [subprocess.Popen([sys.executable, "-c", AS_PID_1], cwd=tmp_path, env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                     for _ in range(2)]
        results = [(p.wait(timeout=300), p.stderr.read()) for p in processes]
        outcomes.append(results)
        for code, err in results:
            assert code == 0, err
        parent = tmp_path / "dist" / NAME
        assert sorted(p.name for p in parent.iterdir()) == [VERSION]  # no temp, no lock left
        from cleaner.cli import main

        assert main(["validate", str(parent / VERSION)]) == 0
        for path in parent.iterdir():  # the next round races again
            subprocess.run(["rm", "-rf", str(path)], check=True)


HOLD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from cleaner.publish.lock import VersionLock
    out = Path(sys.argv[1])
    with VersionLock(out):
        temp = out.parent / f".{out.name}.tmp-live"
        temp.mkdir()
        print("held", flush=True)
        time.sleep(float(sys.argv[2]))
""")


def test_a_live_build_keeps_its_folder_and_the_other_waits_then_says_whose_lock(tmp_path):
    from test_version import DIGESTS, corpus, settings

    out = tmp_path / "news" / VERSION
    out.parent.mkdir(parents=True)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(out), "30"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        docs, state = corpus()
        from cleaner.publish.version import write_version

        started = time.monotonic()
        with pytest.raises(PublishError) as raised:
            write_version(docs, state, settings(), out, DIGESTS, lock_wait=1.0)
        assert time.monotonic() - started < 10
        message = str(raised.value)
        assert "another build is writing" in message and f"process {holder.pid}" in message
        assert len(message.splitlines()) == 1
        assert (out.parent / f".{VERSION}.tmp-live").is_dir()  # the live build's folder stays
        assert not out.exists()
    finally:
        holder.kill()
        holder.wait()
    # Its holder gone (killed: no clean-up ran), the lock is free and the leftover goes.
    docs, state = corpus()
    from cleaner.publish.version import write_version

    assert write_version(docs, state, settings(), out, DIGESTS, lock_wait=5.0).written
    assert sorted(p.name for p in out.parent.iterdir()) == [VERSION]


def test_the_lock_is_exclusive_and_removed_on_release(tmp_path):
    out = tmp_path / "news" / VERSION
    out.parent.mkdir(parents=True)
    with VersionLock(out, wait=0):
        owner = json.loads(lock_path(out).read_text())
        assert owner["pid"] == os.getpid() and owner["host"]
        with pytest.raises(PublishError, match="another build is writing"), \
                VersionLock(out, wait=0.2):
            pass
    assert not lock_path(out).exists()


@pytest.fixture
def no_flock(monkeypatch):
    """A file system without locks (some network and FUSE file systems)."""
    def refuse(fd, operation):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(lock_module.fcntl, "flock", refuse)


def test_without_locks_an_owner_on_another_host_is_never_presumed_dead(tmp_path, no_flock):
    out = tmp_path / "news" / VERSION
    out.parent.mkdir(parents=True)
    other = {**lock_module.owner_info(), "host": "another-host", "pid": 999999999}
    lock_path(out).write_text(json.dumps(other))
    with pytest.raises(PublishError, match="host another-host"), VersionLock(out, wait=0.3):
        pass
    assert lock_path(out).exists()


def test_without_locks_a_dead_owner_on_this_host_is_taken_over(tmp_path, no_flock):
    out = tmp_path / "news" / VERSION
    out.parent.mkdir(parents=True)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    lock_path(out).write_text(json.dumps({**lock_module.owner_info(), "pid": int(dead)}))
    with VersionLock(out, wait=2.0):
        assert json.loads(lock_path(out).read_text())["pid"] == os.getpid()
    assert not lock_path(out).exists()
