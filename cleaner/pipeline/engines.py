"""Where the per-document steps run: this machine's processes, or a Ray cluster.

An engine only decides *where* batches of documents are processed; every engine runs the same
steps on the same batches and hands the results back in input order, so a build writes the
same bytes whatever engine and worker count it used.

* ``local`` (:class:`~cleaner.pipeline.local.LocalEngine`): a process pool of ``--workers``
  processes.
* ``ray`` (:class:`~cleaner.pipeline.ray_engine.RayEngine`): one Ray task per batch, on the
  cluster at ``--ray-address``. The corpus-level steps (repeated blocks, exact and near dedup,
  translation pairs) run on the driver, over the documents the tasks send back; their costly
  per-document parts (near-dedup's MinHash signatures) are document steps and run on the
  cluster.
"""

from __future__ import annotations

import os

from cleaner.errors import EngineError
from cleaner.pipeline.local import Engine, LocalEngine


def _local(workers: int | None, ray_address: str | None) -> Engine:
    if ray_address is not None:
        raise EngineError("--ray-address needs --engine ray")
    return LocalEngine(workers or os.cpu_count() or 1)


def _ray(workers: int | None, ray_address: str | None) -> Engine:
    from cleaner.pipeline.ray_engine import RayEngine, check_reachable, ray_module

    ray_module()
    if ray_address:
        check_reachable(ray_address)
    return RayEngine(ray_address, workers)


# The engines by name (the choices of ``--engine``).
ENGINES = {"local": _local, "ray": _ray}


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
    return ENGINES[name](workers, ray_address)


__all__ = ["ENGINES", "make_engine"]
