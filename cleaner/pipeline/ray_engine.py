"""Where batches run on a cluster: one Ray task per batch.

``--ray-address`` names the cluster (``auto``: the cluster this machine belongs to;
``HOST:PORT``: a given head node; none: a Ray instance started for this run on this machine).
Every node needs the same environment as the driver (``pip install cleaner``). Ray is
optional: asking for it without ``pip install ray`` is a clear error, and so is a cluster that
cannot be reached or lost, at its first batch or later (:class:`~cleaner.errors.EngineError`).
"""

from __future__ import annotations

import socket
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from cleaner.errors import EngineError
from cleaner.pipeline.batch import BatchResult, Item, process_batch
from cleaner.pipeline.steps import DocumentStep


def ray_module() -> Any:
    """The ``ray`` module, or a clear error when it is not installed."""
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
        ray = ray_module()
        if ray.is_initialized():
            return ray
        if self.address:
            check_reachable(self.address)
        try:
            ray.init(address=self.address, num_cpus=None if self.address else self.num_cpus,
                     include_dashboard=False, log_to_driver=False,
                     logging_level="ERROR", configure_logging=True)
        except Exception as error:  # noqa: BLE001 - Ray fails to start in many ways
            where = self.address or "a local instance"
            first = (str(error).strip().splitlines() or [type(error).__name__])[0]
            raise EngineError(f"could not start Ray on {where}: {first[:300]}") from None
        self._started = True
        return ray

    def close(self) -> None:
        """Shut Ray down if this engine started it."""
        if self._started:
            ray_module().shutdown()
            self._started = False

    def map_batches(self, batches: Iterable[list[Item]], steps: list[DocumentStep],
                    step_seconds: float) -> Iterator[BatchResult]:
        ray = self._connect()
        with _lost(ray, "could not submit work to Ray"):
            remote = ray.remote(process_batch)
            # The steps go to the object store once, not once per task.
            steps_ref = ray.put(steps)
            in_flight = 2 * max(1, int(ray.cluster_resources().get("CPU", 1)))
        pending: deque = deque()
        for batch in batches:
            with _lost(ray, "could not submit work to Ray"):
                pending.append(remote.remote(batch, steps_ref, step_seconds))
            if len(pending) >= in_flight:
                yield _result(ray, pending.popleft())
        while pending:
            yield _result(ray, pending.popleft())


@contextmanager
def _lost(ray: Any, what: str) -> Iterator[None]:
    """A cluster lost past Ray's retries (a dead head, a lost node, a killed worker) is one
    line for the user (an :class:`EngineError`), not a traceback or an "internal error"."""
    try:
        yield
    except (ray.exceptions.RayError, ConnectionError, TimeoutError) as error:
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise EngineError(f"{what}: {type(error).__name__}: {first[:300]}") from None


def _result(ray: Any, ref: Any) -> BatchResult:
    """A task's result. A page that breaks a step never fails the task: the runner records
    it in the audit inside the task."""
    with _lost(ray, "a Ray task failed"):
        return ray.get(ref)
    raise AssertionError("unreachable")  # pragma: no cover - for the type checker


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


__all__ = ["RayEngine", "check_reachable"]
