"""Deciding translation pairs in a sharded build, per bucket of connected components, then
the keep policy per story (after :mod:`cleaner.sharded.translation` scored the candidates).

The greedy one-to-one pass, the mutual bests and the pivots of
:func:`~cleaner.stages.dedup.translate.pairing.decide` only compare pairs that share a
document, so they give the same result on each connected component of the scored pairs as on
the whole graph; one thing is corpus-wide, whether a language pair has enough one-to-one
matches for the long mutual best (:func:`~.pairing.bilingual_keys`). So:

``components`` (one task over the scored edges as arrays, 34 bytes each) → ``match`` per bucket
of components (one-to-one and short mutual bests, over the edges as arrays:
:mod:`~cleaner.stages.dedup.translate.match_arrays`; counts per language pair) → ``match 2`` per
bucket (long mutual bests of the language pairs the counts allow, pivots) → ``stories`` (one
task over the accepted pairs and their documents only).
"""

from __future__ import annotations

import time
from collections import Counter

from cleaner.document import Document
from cleaner.pipeline import CorpusContext, StepStats
from cleaner.pipeline.shards import WorkDir
from cleaner.sharded.dedup import translation_outcome
from cleaner.sharded.recipe import Recipe, stats_dicts
from cleaner.stages.dedup.translate.match_arrays import (
    EdgeTable,
    decide_first_arrays,
    decide_rest_arrays,
)
from cleaner.stages.dedup.translate.pairing import (
    Decision,
    Edge,
    PairingConfig,
    decision_counts,
    first_counts,
)
from cleaner.stages.dedup.translate.step import drop_translation, keep_stories

EDGE = [("left", "<i8"), ("right", "<i8"), ("score", "<f8"), ("a", "<i4"), ("b", "<i4"),
        ("short", "?"), ("long", "?")]


def _dir(build: str) -> str:
    return f"builds/{build}/translation"


def edge_arrays(edges: list[Edge], names: list[str]):
    """Edges as one structured array (languages by their code in ``names``).

    >>> arrays = edge_arrays([Edge(1, 2, 0.5, ("de", "en"), True, False)], ["de", "en"])
    >>> edges_of(arrays, ["de", "en"])
    [Edge(left=1, right=2, score=0.5, key=('de', 'en'), short=True, long=False)]
    """
    import numpy as np

    code = {name: k for k, name in enumerate(names)}
    return np.array([(e.left, e.right, e.score, code[e.key[0]], code[e.key[1]], e.short,
                      e.long) for e in edges], dtype=EDGE)


def edges_of(arrays, names: list[str]) -> list[Edge]:
    """:func:`edge_arrays` back to edges (the same floats: float64 both ways)."""
    return [Edge(int(r["left"]), int(r["right"]), float(r["score"]),
                 (names[int(r["a"])], names[int(r["b"])]), bool(r["short"]), bool(r["long"]))
            for r in arrays]


def component_roots(left, right):
    """The component of every edge, named by its smallest document (min-label propagation
    with pointer jumping, on arrays: no dict per document).

    >>> import numpy as np
    >>> component_roots(np.array([3, 1, 2]), np.array([4, 2, 5])).tolist()
    [3, 1, 1]
    """
    import numpy as np

    nodes, inverse = np.unique(np.concatenate([left, right]), return_inverse=True)
    inverse = inverse.ravel()
    a, b = inverse[:len(left)], inverse[len(left):]
    parent = np.arange(len(nodes))
    while True:
        low = np.minimum(parent[a], parent[b])
        np.minimum.at(parent, parent[a], low)
        np.minimum.at(parent, parent[b], low)
        while True:
            jumped = parent[parent]
            if np.array_equal(jumped, parent):
                break
            parent = jumped
        if np.array_equal(parent[a], parent[b]):
            return nodes[parent[a]]


def translation_components(work: WorkDir, recipe: Recipe, build: str, tiles: int,
                           buckets: int) -> dict:
    """The connected components of the scored edges, routed to ``buckets`` by their
    smallest document; the largest component's size for the build summary."""
    import numpy as np

    parts = [work.load(f"{_dir(build)}/edges{t:05d}.pkl") for t in range(tiles)]
    edges = np.concatenate(parts) if parts else np.zeros(0, dtype=EDGE)
    del parts
    roots = component_roots(edges["left"], edges["right"]) if len(edges) else np.zeros(0, int)
    largest_edges = largest_docs = 0
    if len(edges):
        _, per_root = np.unique(roots, return_counts=True)
        largest_edges = int(per_root.max())
        docs_roots = np.concatenate([roots, roots])
        docs = np.unique(np.stack([np.concatenate([edges["left"], edges["right"]]),
                                   docs_roots]), axis=1)
        largest_docs = int(np.unique(docs[1], return_counts=True)[1].max())
    for bucket in range(buckets):
        work.dump(f"{_dir(build)}/components/b{bucket:05d}.pkl", edges[roots % buckets == bucket])
    return {"edges": len(edges), "components": len(np.unique(roots)),
            "largest_component": largest_docs, "largest_component_edges": largest_edges}


def edge_table(arrays, names: list[str]) -> EdgeTable:
    """The edges of :func:`edge_arrays` as an :class:`EdgeTable` (language pairs coded by the
    pairs present).

    >>> table = edge_table(edge_arrays([Edge(1, 2, 0.5, ("de", "en"), True, False)],
    ...                                ["de", "en"]), ["de", "en"])
    >>> table.keys, table.left.tolist()
    ([('de', 'en')], [1])
    """
    import numpy as np

    size = len(names)
    # Codes by counting, not np.unique (which sorts a copy): the pairs of languages are few.
    pair = arrays["a"].astype(np.int64) * size + arrays["b"]
    present = np.flatnonzero(np.bincount(pair, minlength=size * size))
    lookup = np.zeros(size * size, dtype=np.int32)
    lookup[present] = np.arange(len(present))
    keys = [(names[p // size], names[p % size]) for p in present.tolist()]
    return EdgeTable(arrays["left"], arrays["right"], arrays["score"], lookup[pair], keys)


def translation_match_first(work: WorkDir, recipe: Recipe, build: str, bucket: int) -> dict:
    """One-to-one matches and short mutual bests of one bucket of components; its matches
    per language pair (the corpus-wide share adds them up). The edges stay arrays (a
    component can hold nearly every edge of the corpus)."""
    names = work.load(f"{_dir(build)}/globals.pkl")["names"]
    arrays = work.load(f"{_dir(build)}/components/b{bucket:05d}.pkl")
    first = decide_first_arrays(edge_table(arrays, names), arrays["short"],
                                recipe.translation.config)
    work.dump(f"{_dir(build)}/components/first{bucket:05d}.pkl", first)
    return {"direct": [[a, b, n] for (a, b), n in sorted(first_counts(first).items())]}


def translation_match_rest(work: WorkDir, recipe: Recipe, build: str, bucket: int,
                           bilingual: list[tuple[str, str]]) -> dict:
    """The accepted pairs of one bucket of components: its first matches, the long mutual
    bests of the ``bilingual`` language pairs, the pivots."""
    g = work.load(f"{_dir(build)}/globals.pkl")
    names, codes = g["names"], g["codes"]
    arrays = work.load(f"{_dir(build)}/components/b{bucket:05d}.pkl")
    first = work.load(f"{_dir(build)}/components/first{bucket:05d}.pkl")
    config: PairingConfig = recipe.translation.config
    found = decide_rest_arrays(edge_table(arrays, names), arrays["long"], first,
                               {tuple(key) for key in bilingual},
                               lambda row: names[codes[row]], config)
    work.dump(f"{_dir(build)}/components/found{bucket:05d}.pkl",
              [(kind, p.left, p.right, p.score) for kind, p in found])
    return {"accepted": len(found)}


def translation_stories(work: WorkDir, recipe: Recipe, build: str, preps: list[str],
                        survivors: int, buckets: int, scans: list[dict],
                        scores: list[dict]) -> dict:
    """The accepted pairs of every bucket, then the keep policy per story over the member
    documents only (read from the prep files): the same removals, pairs, clusters and split
    keys as the in-memory step."""
    stats = StepStats(recipe.translation.name, docs_in=survivors)
    started, cpu = time.perf_counter(), time.process_time()
    g = work.load(f"{_dir(build)}/globals.pkl")
    here = sum(s["profiled_here"] for s in scans)
    if here:
        stats.counters["profiled_here"] += here
    counters: dict[str, int] = {"profiled": int(g["offsets"][-1]), "candidates": 0}
    decisions: list[Decision] = []
    if g["searched"]:
        totals: Counter[str] = Counter()
        for s in scores:
            totals.update(s["counts"])
        counters["candidates"] = sum(totals.values())
        counters.update(totals)
        found = [(kind, Decision(left, right, score, kind)) for bucket in range(buckets)
                 for kind, left, right, score in work.load(
                     f"{_dir(build)}/components/found{bucket:05d}.pkl")]
        counters.update(decision_counts(found))
        decisions = [d for _, d in found]
    for key, value in sorted(counters.items()):
        stats.counters[key] += value
    docs = _members(work, build, preps, g["offsets"], decisions)
    context = CorpusContext(stats)
    dropped = keep_stories(docs, decisions, recipe.dedup, context)
    for position in sorted(dropped):
        drop_translation(docs, position, dropped[position], context)
    out = translation_outcome([docs[p] for p in sorted(docs) if p not in dropped], context)
    stats.docs_out = stats.docs_in - len(out["removals"])
    stats.cpu_seconds = time.process_time() - cpu
    stats.seconds = time.perf_counter() - started
    work.dump(f"builds/{build}/translation.pkl", out)
    return {"stats": stats_dicts({stats.name: stats}), "removed": len(out["removals"]),
            "pairs": len(out["pairs"]), "members": len(docs)}


def _members(work: WorkDir, build: str, preps: list[str], offsets,
             decisions: list[Decision]) -> dict[int, Document]:
    """The documents of the decisions, by global position, one prep file at a time."""
    import numpy as np

    wanted = sorted({p for d in decisions for p in (d.left, d.right)})
    out: dict[int, Document] = {}
    shards = np.searchsorted(offsets, wanted, side="right") - 1
    for shard in sorted(set(shards.tolist())):
        ordinals = work.load(f"{_dir(build)}/s{shard:05d}-facts.pkl")["ordinals"]
        base = int(offsets[shard])
        where = {ordinals[r - base][1]: r for r in wanted if base <= r < base + len(ordinals)}
        for position, doc in enumerate(work.load(preps[shard] + ".pkl")["docs"]):
            if position in where:
                doc.signature = doc.translation_profile = None
                out[where[position]] = doc
    return out


__all__ = ["component_roots", "edge_arrays", "edge_table", "edges_of", "translation_components",
           "translation_match_first", "translation_match_rest", "translation_stories"]
