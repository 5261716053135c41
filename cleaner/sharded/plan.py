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

One exception to the bounds: a file whose name extends another's by ``#`` or ``~``
(``feed.jsonl#r0`` beside ``feed.jsonl``, whose record r0 has that name) is kept in that
file's shard, so that one reader renames the second of the two equal names as the in-memory
build does (``feed.jsonl#r0~2``) instead of two shards publishing one id twice.
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


class WholeListing(Exception):
    """A file's name extends the name of a file already in an earlier shard by ``#`` or
    ``~``: cut the listing held whole (:func:`joined_names`) instead."""


def extends(earlier: str, name: str) -> bool:
    """Whether ``name`` may equal a name the reader gives inside the file ``earlier``: its
    records are ``earlier#id`` and a repeated name becomes ``earlier~2``. The reader keeps
    names unique in the order it reads, so the two files must be read by one reader (in one
    shard), as the in-memory build reads them.

    >>> extends("feed.jsonl", "feed.jsonl#r0"), extends("a.html", "a.html~"), extends("a", "ab")
    (True, True, False)
    """
    return name.startswith(earlier) and name[len(earlier):len(earlier) + 1] in ("#", "~")


def joined_names(names: list[str]) -> list[bool]:
    """For sorted ``names``: whether no cut may fall before each one, because it or a later
    name :func:`extends` an earlier one (every name between them starts with that one, so
    they are kept together too).

    >>> joined_names(["a", "a.txt", "a~", "b"])
    [False, True, True, False]
    """
    opened = [0] * (len(names) + 1)  # runs to keep together: +1 where one starts, -1 after
    chain: list[int] = []  # earlier names that are prefixes of the current one
    for index, name in enumerate(names):
        while chain and not name.startswith(names[chain[-1]]):
            chain.pop()
        earlier = next((i for i in chain if extends(names[i], name)), None)
        if earlier is not None:
            opened[earlier + 1] += 1
            opened[index + 1] -= 1
        chain.append(index)
    flags, depth = [], 0
    for change in opened[:-1]:
        depth += change
        flags.append(depth > 0)
    return flags


def cut_shards(items: Iterable[T], name: Callable[[T], str], size: int,
               joined: list[bool] | None = None) -> Iterator[list[T]]:
    """The shards of ``items`` (in their order), holding at most one shard at a time.

    A name that :func:`extends` an earlier one stays in its shard (the shard may then pass
    ``high``); :class:`WholeListing` is raised when that shard was already given out, and
    ``joined`` (:func:`joined_names` of the whole listing) tells the cuts not to make.

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
    joins: list[bool] = []  # no cut before this item
    chain: list[tuple[str, int]] = []  # earlier names that are prefixes of the current one
    start = 0  # the index of the shard's first item
    pending = False  # the last item ends a shard, unless the next one joins it
    stuck = False  # past ``high`` with no place that may be cut (until the next cut)
    for index, item in enumerate(items):
        label = name(item)
        while chain and not label.startswith(chain[-1][0]):
            chain.pop()
        join = bool(joined and joined[index])
        earlier = next((i for n, i in chain if extends(n, label)), None)
        chain.append((label, index))
        if earlier is not None:
            if earlier < start:
                raise WholeListing(f"{label!r} extends the name of a file in an earlier shard")
            join = True
            joins[earlier + 1 - start:] = [True] * (index - earlier - 1)
        if pending and not join:
            yield shard
            shard, hashes, joins, start, stuck = [], [], [], index, False
        pending = False
        digest = name_hash(label)
        shard.append(item)
        hashes.append(digest)
        joins.append(join)
        if len(shard) > high and not stuck:
            # The last backup boundary past ``low`` that may be cut (the same files give the
            # same cut), else the last place that may be cut.
            allowed = [i for i in range(min(high, len(shard) - 1) - 1, low - 2, -1)
                       if not joins[i + 1]]
            cut = next((i + 1 for i in allowed if hashes[i] % backup_divisor == 0),
                       allowed[0] + 1 if allowed else 0)
            if cut:
                yield shard[:cut]
                shard, hashes, joins, start = shard[cut:], hashes[cut:], joins[cut:], start + cut
            else:  # all joined: cut before the next item that may be cut
                stuck = True
        if stuck or (len(shard) >= low and digest % divisor == 0):
            pending = True
    if shard:
        yield shard


__all__ = ["WholeListing", "cut_shards", "extends", "joined_names", "limits", "name_hash"]
