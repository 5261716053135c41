"""Cutting the listing of a corpus into shards at content-defined boundaries.

A shard's work is keyed by its own files, so a grown corpus reuses the work of every shard
whose files did not change. Cutting every N files of the sorted listing would make one file
inserted among the old ones shift every later boundary (and redo every later shard); here a
file ends a shard when a stable hash of its name says so, as content-defined chunking cuts a
byte stream: inserting or removing one file changes its own shard (and at most a neighbour
when it is, or was, a boundary itself).

Sizes are bounded both ways: a boundary counts only after ``low`` files (no crowd of tiny
shards) and a shard reaching ``high`` files is cut at its last *backup* boundary (a weaker
hash condition, as the TTTD algorithm does), or at ``high`` when it has none, so a long run
without boundaries stays bounded and its cuts still mostly depend on the names only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

# A shard holds at most this many times the mean (``--shard-files``) files.
HIGH_FACTOR = 4


def name_hash(name: str) -> int:
    """A stable 64-bit hash of a file's source name (never ``hash()``: salted per process).

    >>> name_hash("site/a.html") == name_hash("site/a.html"), name_hash("a") == name_hash("b")
    (True, False)
    """
    data = name.encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(data, digest_size=8, person=b"shard-cut").digest(),
                          "big")


def limits(size: int) -> tuple[int, int, int, int]:
    """``(low, divisor, backup divisor, high)`` for shards of ``size`` files on average:
    a boundary counts from ``low`` files on, and happens with probability ``1/divisor``
    per file, so the mean is about ``low + divisor - 1 = size``.

    >>> limits(1), limits(500)
    ((1, 1, 1, 4), (125, 376, 188, 2000))
    """
    low = max(1, size // 4)
    divisor = size - low + 1
    return low, divisor, max(1, divisor // 2), HIGH_FACTOR * size


def cut_shards(items: Iterable[T], name: Callable[[T], str], size: int) -> Iterator[list[T]]:
    """The shards of ``items`` (in their order), holding at most one shard at a time.

    >>> names = [f"f{i:03d}" for i in range(300)]
    >>> shards = list(cut_shards(names, str, 10))
    >>> sum(shards, []) == names, max(map(len, shards)) <= 40
    (True, True)
    >>> grown = list(cut_shards(names[:150] + ["f149b"] + names[150:], str, 10))
    >>> len([s for s in grown if s not in shards]) <= 2  # the new file's shard (+ one)
    True
    """
    low, divisor, backup_divisor, high = limits(size)
    shard: list[T] = []
    hashes: list[int] = []
    for item in items:
        digest = name_hash(name(item))
        shard.append(item)
        hashes.append(digest)
        if len(shard) >= low and digest % divisor == 0:
            yield shard
            shard, hashes = [], []
        elif len(shard) >= high:
            # The last backup boundary past ``low`` (the same files give the same cut).
            cut = next((i + 1 for i in range(len(shard) - 1, low - 2, -1)
                        if hashes[i] % backup_divisor == 0), len(shard))
            yield shard[:cut]
            shard, hashes = shard[cut:], hashes[cut:]
    if shard:
        yield shard


__all__ = ["cut_shards", "limits", "name_hash"]
