"""What the quality benchmarks share: where the eval data is, and a tune/confirm split of it.

The eval sets in ``../shared/eval`` are development sets: the project is also measured on a
held-out part of the same sources. A figure printed only on the visible whole hides how much
of it was fitted to those very items, so each set is split deterministically in two by the
SHA-256 of an item's id: ``tune`` (even first byte) is where settings may be chosen,
``confirm`` (odd) is the half no setting was chosen on. Benchmarks print the whole and both
halves; a change that helps ``tune`` but not ``confirm`` fitted the pages, not the method.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
HALVES = ("whole", "tune", "confirm")
T = TypeVar("T")


def eval_dir() -> Path:
    """``$CLEANER_EVAL_DIR``, else ``../shared/eval`` next to the repository."""
    return Path(os.environ.get("CLEANER_EVAL_DIR", ROOT.parent / "shared" / "eval"))


def require(*parts: str) -> Path:
    """The eval path ``parts`` (relative to :func:`eval_dir`); exits with one line saying
    what is missing and how to point at it, not a traceback, when it is absent."""
    path = eval_dir().joinpath(*parts)
    if not path.exists():
        raise SystemExit(f"eval data not found: {path} (set CLEANER_EVAL_DIR to the folder "
                         "holding extraction/, langid/, mojibake/, parallel/)")
    return path


def half(key: str) -> str:
    """``tune`` or ``confirm`` for an item id, the same on every machine and run.

    >>> half("tv000"), half("tv001")
    ('confirm', 'tune')
    """
    return "tune" if hashlib.sha256(key.encode("utf-8")).digest()[0] % 2 == 0 else "confirm"


def split(items: Iterable[T], key: Callable[[T], str]) -> dict[str, list[T]]:
    """``{"whole": all, "tune": ..., "confirm": ...}``, each in input order."""
    out: dict[str, list[T]] = {name: [] for name in HALVES}
    for item in items:
        out["whole"].append(item)
        out[half(key(item))].append(item)
    return out
