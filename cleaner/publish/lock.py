"""One build writes a version at a time: a lock per version folder, across processes and hosts.

Two builds of the same version may run at once: in two containers (both PID 1), or on two
hosts sharing a volume. A process id says nothing there, so nothing here trusts one to tell
whether a build is alive. :class:`VersionLock` holds an ``flock`` on ``DIR/NAME/.X.Y.Z.lock``
(the kernel releases it when the holder dies, however it dies; on NFS, Linux maps it to a
POSIX lock that the server releases when the client's lease ends). The lock file holds its
owner (host, process, when) for the message a waiting build prints.

Where the file system has no locks, the lock is the file itself, created exclusively
(``O_CREAT | O_EXCL``); it is taken over only when its owner is known to be gone: same host
(boot id and process namespace) and no such process. An owner on another host is never
presumed dead: the waiting build says whose lock it is and where, after ``wait`` seconds.

The holder of a version's lock is the only one writing that version, so any temporary folder
of that version found then is a leftover of a build that died (see ``version.py``).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import socket
import time
from pathlib import Path
from typing import Any

from cleaner.errors import PublishError

# How long a build waits for another build of the same version to publish it.
DEFAULT_WAIT = 600.0
POLL = 0.1


def lock_path(out_dir: Path) -> Path:
    """``DIR/NAME/.X.Y.Z.lock`` for the version ``DIR/NAME/X.Y.Z``.

    >>> lock_path(Path("dist/news/1.0.0")).as_posix()
    'dist/news/.1.0.0.lock'
    """
    return out_dir.parent / f".{out_dir.name}.lock"


def _read(path: Path) -> str:
    with contextlib.suppress(OSError):
        return path.read_text(encoding="utf-8", errors="replace")[:4096]
    return ""


def machine() -> dict[str, str]:
    """What tells this host and process namespace apart from others (not the process id)."""
    boot = _read(Path("/proc/sys/kernel/random/boot_id")).strip()
    namespace = ""
    with contextlib.suppress(OSError):
        namespace = os.readlink("/proc/self/ns/pid")
    return {"host": socket.gethostname(), "boot": boot, "pid_namespace": namespace}


def owner_info() -> dict[str, Any]:
    """This build, as written into the lock file."""
    return {**machine(), "pid": os.getpid(),
            "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def describe_owner(text: str) -> str:
    """The owner of a lock, for a message: ``host x, process 12, since ...``.

    >>> describe_owner('{"host": "ci-7", "pid": 1, "since": "2024-05-01T10:00:00Z"}')
    'host ci-7, process 1, since 2024-05-01T10:00:00Z'
    >>> describe_owner("")
    'an unknown owner'
    """
    try:
        owner = json.loads(text)
        return (f"host {owner.get('host', '?')}, process {owner.get('pid', '?')}, since "
                f"{owner.get('since', '?')}")
    except (ValueError, AttributeError):
        return "an unknown owner"


def _gone(text: str) -> bool:
    """Whether the owner of a lock file is known to have ended: on this very host and
    process namespace, with no such process. Anything else may still be running."""
    try:
        owner = json.loads(text)
        pid = int(owner["pid"])
    except (ValueError, KeyError, TypeError):
        return False
    here = machine()
    if not here["boot"] or any(owner.get(key) != value for key, value in here.items()):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class VersionLock:
    """``with VersionLock(out_dir):`` — the right to write the version ``out_dir``."""

    def __init__(self, out_dir: Path, wait: float = DEFAULT_WAIT) -> None:
        self.path = lock_path(out_dir)
        self.out_dir = out_dir
        self.wait = wait
        self._fd: int | None = None
        self._exclusive = False

    def __enter__(self) -> VersionLock:
        deadline = time.monotonic() + self.wait
        while not self._try():
            if time.monotonic() >= deadline:
                raise PublishError(
                    f"another build is writing {self.out_dir} ({describe_owner(_read(self.path))})"
                    f"; waited {self.wait:g}s. If that build is gone, delete {self.path}")
            time.sleep(POLL)
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _try(self) -> bool:
        """Take the lock if it is free; ``False`` when another build holds it."""
        if self._exclusive:
            return self._try_exclusive()
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except OSError as error:
            os.close(fd)
            if error.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL):
                self._exclusive = True  # this file system has no locks
                return self._try_exclusive()
            raise
        # The file may have been released and removed by its previous holder between our
        # open and our lock: then this lock is on a file nobody else will see. Start again.
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(self.path))
        except FileNotFoundError:
            same = False
        if not same:
            os.close(fd)
            return False
        self._write_owner(fd)
        self._fd = fd
        return True

    def _try_exclusive(self) -> bool:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            if _gone(_read(self.path)):
                with contextlib.suppress(FileNotFoundError):
                    self.path.unlink()
            return False
        self._write_owner(fd)
        self._fd = fd
        return True

    @staticmethod
    def _write_owner(fd: int) -> None:
        os.ftruncate(fd, 0)
        os.write(fd, (json.dumps(owner_info(), sort_keys=True) + "\n").encode())

    def release(self) -> None:
        """Remove the lock file (while still holding it), then let go."""
        if self._fd is None:
            return
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        os.close(self._fd)
        self._fd = None


__all__ = ["DEFAULT_WAIT", "VersionLock", "describe_owner", "lock_path", "owner_info"]
