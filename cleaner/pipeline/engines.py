"""Where the per-document steps run: this machine's processes, or a Ray cluster.

An engine only decides *where* batches of documents are processed; every engine runs the same
steps on the same batches and hands the results back in input order, so a build writes the
same bytes whatever engine and worker count it used.

* ``local`` (:class:`cleaner.pipeline.LocalEngine`): a process pool of ``--workers`` processes.
* ``ray`` (:class:`RayEngine`): one Ray task per batch, on the cluster at ``--ray-address``
  (``auto``: the cluster this machine belongs to; ``HOST:PORT``: a given head node; none: a
  Ray instance started for this run on this machine). The corpus-level steps (repeated blocks,
  exact and near dedup, translation pairs) run on the driver, over the documents the tasks
  send back: they compare every document with every other one, and the kept texts fit in the
  driver's memory up to millions of documents (see benchmarks/README.md for the cost per
  document). Their costly per-document part, near-dedup's MinHash signatures, is a
  per-document step (:class:`cleaner.dedup.SignatureStep`) and runs on the cluster. Every
  node needs the same environment as the driver (``pip install cleaner``).

Ray is optional: ``pip install ray``; asking for the ray engine without it is a clear error.
"""

from __future__ import annotations

import os
import socket
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from cleaner.pipeline import BatchResult, DocumentStep, Engine, Item, LocalEngine, process_batch

ENGINES = ("local", "ray")


class EngineError(RuntimeError):
    """The engine could not start; the message is one line for the user."""


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise EngineError("--engine ray needs Ray: pip install ray") from None
    return ray


class RayEngine:
    """Run batches as Ray tasks, at most ``2 * cluster CPUs`` in flight, results in order.

    ``address`` is passed to ``ray.init``: ``"auto"``, ``"HOST:PORT"``, or ``None`` to start
    a local Ray instance with ``num_cpus`` CPUs. It connects at the first batch and stays
    connected for the later passes of the build (Ray disconnects when the process ends, or
    call :meth:`close`). When Ray is already initialised in this process (a test, a
    notebook), that instance is used and left running.
    """

    def __init__(self, address: str | None = None, num_cpus: int | None = None) -> None:
        self.address = address
        self.num_cpus = num_cpus
        self._started = False

    def __repr__(self) -> str:
        return f"RayEngine(address={self.address!r}, num_cpus={self.num_cpus!r})"

    def _connect(self) -> Any:
        """The ray module, connected to the cluster."""
        ray = _ray()
        if ray.is_initialized():
            return ray
        if self.address:
            check_reachable(self.address)
        try:
            ray.init(address=self.address, num_cpus=None if self.address else self.num_cpus,
                     include_dashboard=False, log_to_driver=False,
                     logging_level="ERROR", configure_logging=True)
        except (ConnectionError, RuntimeError, ValueError) as error:
            where = self.address or "a local instance"
            raise EngineError(f"could not start Ray on {where}: {error}") from None
        self._started = True
        return ray

    def close(self) -> None:
        """Shut Ray down if this engine started it."""
        if self._started:
            _ray().shutdown()
            self._started = False

    def map_batches(self, batches: Iterable[list[Item]], steps: list[DocumentStep]
                    ) -> Iterator[BatchResult]:
        ray = self._connect()
        remote = ray.remote(process_batch)
        # The steps go to the object store once, not once per task.
        steps_ref = ray.put(steps)
        in_flight = 2 * max(1, int(ray.cluster_resources().get("CPU", 1)))
        pending: deque = deque()
        for batch in batches:
            pending.append(remote.remote(batch, steps_ref))
            if len(pending) >= in_flight:
                yield ray.get(pending.popleft())
        while pending:
            yield ray.get(pending.popleft())


def check_reachable(address: str, timeout: float = 5.0) -> None:
    """Fail fast when a ``HOST:PORT`` head node does not answer (Ray would retry for minutes).

    ``auto`` and ``ray://`` addresses are left to Ray.

    >>> check_reachable("auto")
    """
    host, _, port = address.rpartition(":")
    if address == "auto" or "://" in address or not port.isdigit():
        return
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as error:
        raise EngineError(f"no Ray head node answers at {address}: {error}") from None


def make_engine(name: str = "local", workers: int | None = None,
                ray_address: str | None = None) -> Engine:
    """The engine called ``name`` ("local" or "ray"), as the command line asks for it.

    ``workers`` is the local pool's size (default: the machine's cores); for a local Ray
    instance it is the number of CPUs Ray may use. ``ray_address`` needs the ray engine.

    >>> make_engine("local", workers=2)
    LocalEngine(workers=2)
    """
    if name not in ENGINES:
        raise EngineError(f"unknown engine {name!r}; choose one of: {', '.join(ENGINES)}")
    if name == "local":
        if ray_address is not None:
            raise EngineError("--ray-address needs --engine ray")
        return LocalEngine(workers or os.cpu_count() or 1)
    _ray()
    if ray_address:
        check_reachable(ray_address)
    return RayEngine(ray_address, workers)


__all__ = ["ENGINES", "EngineError", "LocalEngine", "RayEngine", "make_engine"]
