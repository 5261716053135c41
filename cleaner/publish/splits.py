"""Stable splits: a document's split is a pure function of its cluster key and the seed.

Adding documents never moves an existing one, and a cluster (with its removed duplicates and
translations) never straddles two splits.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from cleaner.document import Document, Pair
from cleaner.errors import PublishError

if TYPE_CHECKING:

    pass


# --- splits --------------------------------------------------------------------------------

def split_of(key: str, seed: int, ratios: dict[str, float]) -> str:
    """The split of a cluster: hash ``seed:key`` to [0, 1) and cut by the ratios.

    Pure and per-key, so a document keeps its split whatever else is added.

    >>> split_of("a02bd8a3e8e4bd5c", 0, {"train": 1.0, "validation": 0.0, "test": 0.0})
    'train'
    """
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    point = int.from_bytes(digest[:8], "big") / 2**64
    edge = 0.0
    chosen = None
    for name, ratio in ratios.items():
        if ratio <= 0:
            continue
        chosen = name
        edge += ratio
        if point < edge:
            return name
    if chosen is None:
        raise PublishError("[splits]: every ratio is zero")
    return chosen  # rounding left the point just above the last edge


def split_keys(docs: list[Document], pairs: list[Pair]) -> dict[str, str]:
    """The split key of each kept document: its cluster, merged with clusters linked by pairs.

    Dedup puts a translation in its original's cluster; if two kept documents of a pair still
    carry different clusters, they are merged here (smallest key wins) so a pair never links
    two splits.
    """
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        while parent.get(key, key) != key:
            key = parent[key]
        return key

    cluster = {doc.id: doc.cluster for doc in docs}
    for pair in sorted(pairs, key=lambda p: (p.id_a, p.id_b)):
        if pair.id_a in cluster and pair.id_b in cluster:
            a, b = find(cluster[pair.id_a]), find(cluster[pair.id_b])
            if a != b:
                parent[max(a, b)] = min(a, b)
    return {doc_id: find(key) for doc_id, key in cluster.items()}
