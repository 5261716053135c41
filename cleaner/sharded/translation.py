"""Translation pairing of a sharded build as tasks over files (issue 17), byte-identical to
:class:`~cleaner.stages.dedup.translate.step.TranslationPairStep` in memory.

What each decision of :func:`~cleaner.stages.dedup.translate.pairing.find_pairs` depends on:

* *per document*: its profile (made in prepare, stored on the prep file's documents), its
  meaning vector (:func:`~.index.meaning_vectors`, row by row) and the inverse of its length;
* *corpus-wide, small*: how many profiles hold each 4-gram (the idf of the spelling view),
  the 4-gram bucket counts of each language (the centroids of :mod:`~.samelang`), and then the
  spelling families, which take medians over each language's documents (8 bytes per document
  and language);
* *per document, given those*: its spelling vector and its fit to each language;
* *per (tile of query documents, tile of other documents)*: a matrix of similarities; the
  ``k`` nearest of each query document merge over the tiles of the others in any order
  (:class:`~.index.TopK`: by similarity, then position, as one stable sort of the row). The
  positions are cut into the same :data:`~.index.TILE` x TILE tiles in memory, so every
  float32 sum is computed with the same shapes;
* *per candidate*: its similarities, alignment, evidence and score need the profiles, vectors
  and neighbour lists (hubness means, ranks) of its two documents only;
* *per language pair, corpus-wide*: whether the bilingual mutual best applies (the share of
  paired documents); the greedy one-to-one pass, mutual bests and pivots otherwise only look
  at pairs sharing a document, i.e. at one connected component of scored pairs;
* *per story* (a component of accepted pairs): the keep policy.

So the tasks are: ``scan`` per shard (profiles, meaning rows, counts) → ``counts`` (one small
reduce) → ``vectors`` per shard (spelling rows, fits) → ``families`` (one task over the fit
table) → ``candidates`` per query tile → ``scores`` per tile (the candidates routed to it by
one of their documents), keeping only the pairs that can still change a decision
(:func:`prune_below`) → the matching and the keep policy of :mod:`cleaner.sharded.matching`.
No task holds the corpus's profiles or vectors: a tile of each at a time.
"""

from __future__ import annotations

from collections import Counter
from itertools import combinations

from cleaner.pipeline.shards import WorkDir
from cleaner.sharded.matching import edge_arrays
from cleaner.sharded.near import exact_dropped
from cleaner.sharded.recipe import Recipe
from cleaner.stages.dedup.translate import index as tr_index
from cleaner.stages.dedup.translate.index import (
    HASH_DIM,
    CorpusIndex,
    Neighbours,
    TopK,
    add_counts,
    allowed_pairs,
    counted_weights,
    gram_counts,
    inverse_norms,
    meaning_vectors,
    pair_similarity,
    spelling_row,
    tile_similarities,
)
from cleaner.stages.dedup.translate.match import BILINGUAL_MARGIN, MUTUAL_MARGIN
from cleaner.stages.dedup.translate.pairing import (
    PairingConfig,
    edge_of,
    score_candidates,
)
from cleaner.stages.dedup.translate.profile import VERSION
from cleaner.stages.dedup.translate.samelang import (
    buckets,
    families_from,
    fit_table,
)
from cleaner.stages.dedup.translate.step import (
    profile_document,
)

VIEWS = ("meaning", "spelling")
# Candidates scored at once by a scores task (see translation_scores).
SCORE_CHUNK = 4096


def _dir(build: str) -> str:
    return f"builds/{build}/translation"


def _save(work: WorkDir, name: str, array) -> None:
    """An .npy file written atomically (read back memory-mapped, or by ranges from an
    object store)."""
    import numpy as np

    def save(temp) -> None:
        with temp.open("wb") as handle:
            np.save(handle, np.ascontiguousarray(array))

    work._atomic(name, save)


def _open(work: WorkDir, name: str):
    """An .npy file by rows: memory-mapped on a disk, read by ranges from an object store
    (:meth:`WorkDir.matrix`); a 1-D file (a label per document) is read whole there."""
    import io

    import numpy as np

    if work.local:
        return np.load(work.path(name), mmap_mode="r")
    try:
        return work.matrix(name)
    except ValueError:
        return np.load(io.BytesIO(work.read_bytes(name)))


def prune_below(config: PairingConfig) -> float:
    """The score under which a scored pair changes no decision: it passes no floor, and as a
    rival it is beaten by every margin (a pair above a floor beats it by more than any
    margin). Matching drops such pairs, most of the candidates.

    >>> prune_below(PairingConfig())
    -12.0
    """
    floor = min(config.floor, config.mutual_floor, config.bilingual_floor, config.pivot_floor)
    return floor - max(0.0, config.margin, MUTUAL_MARGIN, BILINGUAL_MARGIN)


def translation_scan(work: WorkDir, recipe: Recipe, build: str, index: int, prep: str,
                     buckets_: int) -> dict:
    """One shard's surviving documents: their profiles (made here when missing, as the
    in-memory step does), meaning rows, and the counts the corpus-wide reduce adds up."""
    import numpy as np

    gone = {o for o in exact_dropped(work, build, buckets_) if o[0] == index}
    gone.update(o for o, _ in work.load(f"builds/{build}/near.pkl") if o[0] == index)
    config: PairingConfig = recipe.translation.config
    ordinals, profiles, survivors, here = [], [], 0, 0
    for position, doc in enumerate(work.load(prep + ".pkl")["docs"]):
        if (index, position) in gone:
            continue
        survivors += 1
        profile = doc.translation_profile
        if profile is None or getattr(profile, "version", None) != VERSION:
            profile = profile_document(doc, config)
            here += profile is not None
        if profile is not None and profile.segments:
            ordinals.append((index, position))
            profiles.append(profile)
    langs = [p.lang for p in profiles]
    meaning = meaning_vectors(profiles)
    by_lang: dict[str, list] = {}
    for profile in profiles:
        by_lang.setdefault(profile.lang, []).append(buckets(profile.grams))
    spelled = {lang: np.unique(np.concatenate(parts), return_counts=True)
               for lang, parts in by_lang.items()}
    base = f"{_dir(build)}/s{index:05d}"
    work.dump(base + "-profiles.pkl", profiles)
    work.dump(base + "-facts.pkl", {
        "ordinals": ordinals, "langs": langs,
        "dates": [p.published if p.published is not None else -1 for p in profiles],
        "grams": gram_counts([p.grams for p in profiles]), "buckets": spelled})
    _save(work, base + "-meaning.npy", meaning)
    _save(work, base + "-scale.npy", inverse_norms(meaning))
    return {"survivors": survivors, "usable": len(profiles), "profiled_here": here}


def translation_globals(work: WorkDir, recipe: Recipe, build: str, shards: int) -> dict:
    """The corpus-wide counts (4-gram idf, language centroids) and every position's
    language and date: a few bytes per document."""
    import numpy as np

    from cleaner.stages.dedup.translate.samelang import BUCKETS

    facts = [work.load(f"{_dir(build)}/s{i:05d}-facts.pkl") for i in range(shards)]
    langs = [lang for f in facts for lang in f["langs"]]
    names = sorted(set(langs))
    code = {name: k for k, name in enumerate(names)}
    counts = np.zeros((len(names), BUCKETS), dtype=np.int64)
    for f in facts:
        for lang, (keys, found) in f["buckets"].items():
            counts[code[lang], keys] += found
    keys, grams = add_counts([f["grams"] for f in facts])
    config: PairingConfig = recipe.translation.config
    searched = any(config.searched(a, b) for a, b in combinations(names, 2))
    offsets = np.cumsum([0] + [len(f["langs"]) for f in facts])
    work.dump(f"{_dir(build)}/globals.pkl", {
        "names": names, "codes": np.array([code[x] for x in langs], dtype=np.int64),
        "dates": np.array([d for f in facts for d in f["dates"]], dtype=np.int64),
        "offsets": offsets, "searched": searched, "sizes": dict(Counter(langs))})
    # Only the vectors tasks read these (a few MB per language, 12 bytes per distinct 4-gram).
    work.dump(f"{_dir(build)}/grams.pkl", {"keys": keys, "counts": grams, "centroids": counts})
    return {"profiled": len(langs), "searched": searched, "sizes": dict(Counter(langs))}


def translation_vectors(work: WorkDir, recipe: Recipe, build: str, index: int) -> dict:
    """One shard's spelling rows (stored sparse: their non-zero values, exactly) and fits to
    each language."""
    import numpy as np

    g = {**work.load(f"{_dir(build)}/globals.pkl"), **work.load(f"{_dir(build)}/grams.pkl")}
    base = f"{_dir(build)}/s{index:05d}"
    profiles = work.load(base + "-profiles.pkl")
    total = int(g["offsets"][-1])
    indptr, indices, values = [0], [], []
    for profile in profiles:
        grams = np.frombuffer(profile.grams, dtype="<u4")
        row = spelling_row(grams, counted_weights(grams, g["keys"], g["counts"], total))
        nonzero = np.flatnonzero(row)
        indices.append(nonzero.astype(np.int64))
        values.append(row[nonzero])
        indptr.append(indptr[-1] + len(nonzero))
    _save(work, base + "-sp-indptr.npy", np.array(indptr, dtype=np.int64))
    _save(work, base + "-sp-indices.npy", np.concatenate(indices or [np.zeros(0, np.int64)]))
    _save(work, base + "-sp-values.npy",
          np.concatenate(values or [np.zeros(0, np.float32)]).astype(np.float32))
    code = {name: k for k, name in enumerate(g["names"])}
    table = fit_table(g["centroids"], [buckets(p.grams) for p in profiles],
                      [code[p.lang] for p in profiles])
    work.dump(base + "-fits.pkl", table)
    return {"rows": len(profiles)}


def translation_families(work: WorkDir, recipe: Recipe, build: str, shards: int) -> dict:
    """The spelling family of every position (:func:`~.samelang.families_from`)."""
    import numpy as np

    g = work.load(f"{_dir(build)}/globals.pkl")
    parts = [work.load(f"{_dir(build)}/s{i:05d}-fits.pkl") for i in range(shards)]
    table = (np.concatenate(parts) if parts else np.zeros((0, len(g["names"]))))
    langs = [g["names"][c] for c in g["codes"].tolist()]
    family = families_from(g["names"], table, langs)
    _save(work, f"{_dir(build)}/families.npy", np.array(family, dtype=np.int64))
    return {"families": len(set(family))}


class _Rows:
    """Rows of the per-shard vector files by global position, read memory-mapped."""

    def __init__(self, work: WorkDir, build: str, offsets) -> None:
        self.work, self.build, self.offsets = work, build, offsets
        self._open: dict[tuple[int, str], object] = {}

    def _file(self, shard: int, name: str):
        key = (shard, name)
        if key not in self._open:
            self._open[key] = _open(self.work, f"{_dir(self.build)}/s{shard:05d}-{name}.npy")
        return self._open[key]

    def _pieces(self, start: int, stop: int):
        import numpy as np

        shard = int(np.searchsorted(self.offsets, start, side="right")) - 1
        while start < stop:
            end = min(stop, int(self.offsets[shard + 1]))
            if end > start:
                yield shard, start - int(self.offsets[shard]), end - int(self.offsets[shard])
            start, shard = end, shard + 1

    def meaning(self, start: int, stop: int):
        import numpy as np

        parts = [self._file(s, "meaning")[a:b] for s, a, b in self._pieces(start, stop)]
        return np.ascontiguousarray(np.concatenate(parts)) if parts else None

    def scale(self, start: int, stop: int):
        import numpy as np

        return np.concatenate([self._file(s, "scale")[a:b]
                               for s, a, b in self._pieces(start, stop)])

    def sparse(self, row: int):
        """The non-zero indices and values of one spelling row (copies)."""
        import numpy as np

        for s, a, _ in self._pieces(row, row + 1):
            first, last = np.asarray(self._file(s, "sp-indptr")[a:a + 2]).tolist()
            return (np.array(self._file(s, "sp-indices")[first:last]),
                    np.array(self._file(s, "sp-values")[first:last]))
        raise IndexError(row)

    def spelling(self, start: int, stop: int):
        """Dense float32 spelling rows (the stored non-zero values put back)."""
        import numpy as np

        out = np.zeros((stop - start, HASH_DIM), dtype=np.float32)
        row = 0
        for s, a, b in self._pieces(start, stop):
            indptr = np.asarray(self._file(s, "sp-indptr")[a:b + 1])
            indices = self._file(s, "sp-indices")[indptr[0]:indptr[-1]]
            values = self._file(s, "sp-values")[indptr[0]:indptr[-1]]
            lengths = np.diff(indptr)
            rows = np.repeat(np.arange(row, row + b - a), lengths)
            out[rows, indices] = values
            row += b - a
        return out


def _dense(indices, values):
    """A dense spelling row from its non-zero values (the same float32 row as stored)."""
    import numpy as np

    out = np.zeros(HASH_DIM, dtype=np.float32)
    out[indices] = values
    return out


def _allowed(g: dict, config: PairingConfig, family):
    import numpy as np

    names = g["names"]
    pair_ok = np.array([[config.searched(a, b) for b in names] for a in names], dtype=bool)
    return allowed_pairs(g["codes"], pair_ok, family, g["dates"], config.window_days)


def tiles_of(profiled: int) -> int:
    """How many tiles of :data:`~.index.TILE` positions cover ``profiled`` documents."""
    return (profiled + tr_index.TILE - 1) // tr_index.TILE


def translation_candidates(work: WorkDir, recipe: Recipe, build: str, tile: int) -> dict:
    """The ``k`` nearest neighbours in both views of the documents of one query tile, the
    other tiles streamed one at a time; the candidate pairs it finds, routed to the tile of
    one of their documents."""
    import numpy as np

    config: PairingConfig = recipe.translation.config
    g = work.load(f"{_dir(build)}/globals.pkl")
    total = int(g["offsets"][-1])
    rows = _Rows(work, build, g["offsets"])
    allowed = _allowed(g, config, np.asarray(_open(work, f"{_dir(build)}/families.npy")))
    k = min(config.neighbours, total)
    start, stop = tile * tr_index.TILE, min(total, (tile + 1) * tr_index.TILE)
    query = {"meaning": (rows.meaning(start, stop), rows.scale(start, stop)),
             "spelling": (rows.spelling(start, stop), None)}
    top = {view: TopK(stop - start, k) for view in VIEWS}
    for first in range(0, total, tr_index.TILE):
        last = min(total, first + tr_index.TILE)
        mask = ~allowed(np.arange(start, stop), np.arange(first, last))
        other = {"meaning": (rows.meaning(first, last), rows.scale(first, last)),
                 "spelling": (rows.spelling(first, last), None)}
        for view in VIEWS:
            sims = tile_similarities(query[view][0], other[view][0], query[view][1],
                                     other[view][1])
            sims[mask] = -np.inf
            top[view].add(sims, first)
        del other
    found: set[tuple[int, int]] = set()
    for view in VIEWS:
        result = top[view].result()
        _save(work, f"{_dir(build)}/t{tile:05d}-{view}-index.npy", result.index)
        _save(work, f"{_dir(build)}/t{tile:05d}-{view}-similarity.npy", result.similarity)
        for i, row in enumerate(result.index.tolist(), start=start):
            found.update((min(i, j), max(i, j)) for j in row if j >= 0)
    routed: dict[int, list] = {}
    for pair in sorted(found):
        # To the tile of one of its documents, by parity: each tile scores about half the
        # pairs of its documents (by the smaller one, the first tiles would score most).
        owner = pair[0] if (pair[0] + pair[1]) % 2 == 0 else pair[1]
        routed.setdefault(owner // tr_index.TILE, []).append(pair)
    for target in range(tiles_of(total)):
        work.dump(f"{_dir(build)}/t{tile:05d}-to{target:05d}.pkl", routed.get(target, []))
    return {"found": len(found)}


def translation_scores(work: WorkDir, recipe: Recipe, build: str, tile: int) -> dict:
    """Score the candidates routed to ``tile`` (one of their documents is in it), reading
    the profiles, vectors and neighbour lists of their documents only; keep those that can
    still change a decision (:func:`prune_below`)."""
    import numpy as np

    config: PairingConfig = recipe.translation.config
    g = work.load(f"{_dir(build)}/globals.pkl")
    total = int(g["offsets"][-1])
    pairs = sorted({tuple(p) for source in range(tiles_of(total))
                    for p in work.load(f"{_dir(build)}/t{source:05d}-to{tile:05d}.pkl")})
    needed = sorted({r for pair in pairs for r in pair})
    rows = _Rows(work, build, g["offsets"])
    names = g["names"]
    langs = [names[c] for c in g["codes"].tolist()]
    index = CorpusIndex(langs)
    means: dict[str, dict] = {view: {} for view in VIEWS}
    for view in VIEWS:
        index._ranks[view] = {}
        for t in sorted({r // tr_index.TILE for r in needed}):
            ids = [r for r in needed if r // tr_index.TILE == t]
            local = np.array(ids) - t * tr_index.TILE
            found = Neighbours(
                np.asarray(_open(work, f"{_dir(build)}/t{t:05d}-{view}-index.npy")[local]),
                np.asarray(_open(work, f"{_dir(build)}/t{t:05d}-{view}-similarity.npy")[local]))
            mean = found.mean()
            for n, r in enumerate(ids):
                means[view][r] = mean[n]
                index._ranks[view][r] = index._row_ranks(found.index[n].tolist())
    meaning = {r: (rows.meaning(r, r + 1)[0], rows.scale(r, r + 1)[0]) for r in needed}
    index.similarity["meaning"] = {(i, j): pair_similarity(
        meaning[i][0], meaning[j][0], meaning[i][1], meaning[j][1]) for i, j in pairs}
    del meaning
    # Spelling rows kept sparse (a dense one is 16 KiB) and made dense per pair.
    sparse = {r: rows.sparse(r) for r in needed}
    index.similarity["spelling"] = {}
    current, dense = -1, None
    for i, j in pairs:
        if i != current:
            current, dense = i, _dense(*sparse[i])
        index.similarity["spelling"][(i, j)] = pair_similarity(dense, _dense(*sparse[j]))
    del sparse
    profiles = _profiles(work, build, g["offsets"], needed)
    floor = prune_below(config)
    edges, counts = [], Counter()
    # A few thousand candidates at a time: the alignment unpacks the segment vectors of the
    # documents it aligns (up to 100 KiB each), and a tile's candidates reach most of the
    # corpus. Each candidate's score is its own (align_many pads, never mixes).
    for start in range(0, len(pairs), SCORE_CHUNK):
        part = pairs[start:start + SCORE_CHUNK]
        for i, j, evidence, score in score_candidates(profiles, part, index, means):
            edge = edge_of(i, j, evidence, score, langs[i], langs[j])
            counts[f"candidates:{edge.key[0]}-{edge.key[1]}"] += 1
            if score >= floor:
                edges.append(edge)
    work.dump(f"{_dir(build)}/edges{tile:05d}.pkl", edge_arrays(edges, g["names"]))
    return {"candidates": len(pairs), "kept": len(edges), "counts": dict(counts)}


def _profiles(work: WorkDir, build: str, offsets, needed: list[int]) -> dict:
    """Profiles by global position, one shard's file at a time."""
    import numpy as np

    out: dict = {}
    shards = np.searchsorted(offsets, needed, side="right") - 1
    for shard in sorted(set(shards.tolist())):
        loaded = work.load(f"{_dir(build)}/s{shard:05d}-profiles.pkl")
        base = int(offsets[shard])
        for r in needed:
            if base <= r < base + len(loaded):
                out[r] = loaded[r - base]
        del loaded
    return out


__all__ = ["prune_below", "tiles_of", "translation_candidates", "translation_families",
           "translation_globals", "translation_scan", "translation_scores",
           "translation_vectors"]
