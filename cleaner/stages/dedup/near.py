"""Deduplication: exact copies and near duplicates (the ``[dedup]`` section).

Three corpus steps share one configuration, :class:`DedupConfig`:

* :class:`ExactDedupStep` — the same text after normalisation (Unicode NFKC, case folding,
  collapsed whitespace) is one document, whatever bytes it came from.
* :class:`NearDedupStep` — MinHash signatures of shingles that respect the script (character
  n-grams for Chinese and Japanese, word n-grams elsewhere), bucketed with MinHash LSH
  (datasketch); candidate pairs are confirmed on their estimated Jaccard similarity, so the same
  article republished with different site chrome lands in one cluster. The signatures are
  made by a per-document step, :class:`SignatureStep`, so that they are computed in the
  worker processes or on the Ray cluster, shard by shard; the LSH bands and the clusters need
  all of them at once and run in the driver (as datatrove's MinHash stages: signatures per
  shard, then buckets and clusters).
* :class:`~cleaner.stages.dedup.translation.TranslationStep` — translated documents.

Every cluster keeps one document, chosen by :func:`keep_order` (the original when metadata shows
it, else the preferred language, else the longest text, else the smallest id); the others are
recorded in the audit with ``duplicate_of`` the kept id. All members of a cluster get the same
``doc.cluster`` (the kept document's cluster key) so the packager keeps a cluster in one split.

Memory per document of the indexes (peak, measured by ``benchmarks/bench_dedup.py`` on 2,000
generated news documents): exact ~0.2 KiB (one 20-byte digest and its dict entry);
near-duplicate ~1.4 KiB (a row of ``num_perm`` 32-bit values in one numpy matrix, the LSH
bands sorted in place rather than kept as byte keys); translation ~6 KiB (each document's
words per slice as a tuple of shared strings, its anchors, and the inverted index of the
target side). The time is linear in the corpus: LSH buckets and a bounded candidate lookup per
document, never all pairs.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

from cleaner.document import Document
from cleaner.pipeline import CorpusContext, CorpusStep, DocumentStep, StepStats
from cleaner.text.langcodes import primary_subtag

if TYPE_CHECKING:  # numpy is imported where signatures are made: `cleaner clean` never needs it
    import numpy as np
from cleaner.stages.dedup.config import DedupConfig
from cleaner.stages.dedup.exact import normalize_for_exact
from cleaner.stages.dedup.keep import UnionFind, paused_gc, resolve_clusters

# Scripts written without spaces between words: shingle them by characters.
CHARACTER_LANGS = frozenset({"zh", "ja", "th", "lo", "km", "my", "bo"})
WORD = re.compile(r"\w+", re.UNICODE)
# Shingles hashed per MinHash update (bounds the memory of one signature).
SIGNATURE_CHUNK = 10_000


def uses_characters(lang: str) -> bool:
    """Whether a language is shingled by characters (no spaces between words).

    >>> uses_characters("zh"), uses_characters("en")
    (True, False)
    """
    return primary_subtag(lang) in CHARACTER_LANGS


def shingles(text: str, lang: str, word_size: int = 5, char_size: int = 5) -> set[str]:
    """The shingle set of a text: character n-grams for zh/ja/th..., word n-grams elsewhere.

    Punctuation and spacing are ignored, so re-punctuated copies still match. A text shorter
    than one shingle is a single shingle.

    >>> sorted(shingles("The cat sat on the mat", "en", word_size=3))[:2]
    ['cat sat on', 'on the mat']
    >>> sorted(shingles("上海绿色金融", "zh", char_size=5))
    ['上海绿色金', '海绿色金融']
    """
    words = WORD.findall(normalize_for_exact(text))
    if uses_characters(lang):
        # Keep Latin words whole inside Chinese text; split runs of Han/kana into characters.
        units = [c for w in words for c in (w if not w.isascii() else [w])]
        size = char_size
        joiner = ""
    else:
        units, size, joiner = words, word_size, " "
    if not units:
        return set()
    if len(units) <= size:
        return {joiner.join(units)}
    return {joiner.join(units[i:i + size]) for i in range(len(units) - size + 1)}


# --- MinHash signatures and LSH buckets, as numpy arrays -------------------------------------

# Candidate pairs whose similarity is computed in one numpy operation (bounds its memory).
PAIR_CHUNK = 50_000


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int) -> tuple[str, np.ndarray]:
    """The hashing scheme and permutation parameters of datasketch's ``MinHash(num_perm,
    seed)``, drawn once.

    Drawing them is most of the cost of a new MinHash (0.65 ms, against 0.05 ms for the
    hashing of a typical page); every signature shares them.
    """
    from datasketch import MinHash

    template = MinHash(num_perm=num_perm, seed=seed)
    template.permutations.flags.writeable = False
    return template.scheme, template.permutations


def minhash_signature(grams: set[str], num_perm: int, seed: int) -> np.ndarray:
    """The MinHash of a shingle set as ``num_perm`` unsigned integers (512 bytes for 128).

    The same values as ``datasketch.MinHash(num_perm, seed)`` updated with the UTF-8 shingles
    (the permutations are shared, see :func:`permutations`); the order of the shingles does
    not matter.

    >>> from datasketch import MinHash
    >>> reference = MinHash(num_perm=16, seed=1)
    >>> reference.update_batch([b"a b", b"b c"])
    >>> bool((minhash_signature({"a b", "b c"}, 16, 1) == reference.hashvalues).all())
    True
    """
    import numpy as np
    from datasketch import MinHash

    scheme, table = permutations(num_perm, seed)
    # The shingles are hashed here, as datasketch would (sha1_hash32), in one pass that makes
    # no Python int per shingle; datasketch then applies the permutations to the hashes as
    # given (30% faster than hashing in datasketch's per-item function).
    minhash = MinHash(num_perm=num_perm, seed=seed, permutations=table, scheme=scheme,
                      hashfunc=_as_given)
    hashes = np.frombuffer(b"".join([hashlib.sha1(g.encode("utf-8")).digest()[:4]
                                     for g in grams]), dtype="<u4")
    # In chunks: update_batch builds a num_perm x len(batch) array, gigabytes for a 20 MB page
    # in one call; the signature is the same.
    for start in range(0, len(hashes), SIGNATURE_CHUNK):
        minhash.update_batch(hashes[start:start + SIGNATURE_CHUNK].tolist())
    return minhash.hashvalues.copy()


def _as_given(value: int) -> int:
    """A MinHash ``hashfunc`` for values that are already 32-bit hashes."""
    return value


def band_pairs(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """Pairs of rows (``i < j``, sorted, each once) that are equal on at least one band.

    The LSH of datasketch's ``MinHashLSH`` (``bands`` slices of ``rows`` values; two documents
    are candidates when one slice is identical), done by sorting each band instead of keeping
    a dict of byte keys per band and document. Returns an ``(n, 2)`` int64 array.

    >>> import numpy as np
    >>> sig = np.array([[1, 2, 3, 4], [1, 2, 9, 9], [7, 7, 3, 4], [5, 6, 7, 8]], dtype=np.uint32)
    >>> band_pairs(sig, bands=2, rows=2).tolist()
    [[0, 1], [0, 2]]
    """
    import numpy as np

    count = len(signatures)
    codes = []
    for band in range(bands):
        block = np.ascontiguousarray(signatures[:, band * rows:(band + 1) * rows])
        order = np.lexsort(block.T[::-1])
        ordered = block[order]
        # Start of every run of equal rows in the sorted band.
        starts = np.flatnonzero(np.concatenate(
            ([True], (ordered[1:] != ordered[:-1]).any(axis=1), [True])))
        for begin, end in zip(starts[:-1], starts[1:], strict=True):
            if end - begin < 2:
                continue
            members = np.sort(order[begin:end]).astype(np.int64)
            first, second = np.triu_indices(len(members), 1)
            codes.append(members[first] * count + members[second])
    if not codes:
        return np.empty((0, 2), dtype=np.int64)
    unique = np.unique(np.concatenate(codes))
    return np.stack([unique // count, unique % count], axis=1)


def text_signature(doc: Document, config: DedupConfig) -> np.ndarray:
    """The MinHash of a document's shingles (see :func:`minhash_signature`); an empty array
    when its text has none."""
    import numpy as np

    grams = shingles(doc.text, doc.lang, config.word_shingle, config.char_shingle)
    if not grams:
        return np.empty(0, dtype=np.uint32)
    return minhash_signature(grams, config.num_perm, config.seed)


class SignatureStep(DocumentStep):
    """Stage one of near-dedup, per document: the MinHash signature of its final text.

    Runs after language identification (the language picks character or word shingles),
    wherever the per-document steps run; :class:`NearDedupStep` then only bands and clusters.
    """

    name = "signature"

    def __init__(self, config: DedupConfig) -> None:
        self.config = config

    def process(self, doc: Document, stats: StepStats) -> Document:
        if self.config.near:
            doc.signature = text_signature(doc, self.config)
        return doc


class NearDedupStep(CorpusStep):
    """Drop near duplicates found with MinHash LSH (``near_duplicate``).

    Documents are compared only within the same shingling family (characters or words), since
    shingles of the two kinds never match anyway. The signatures are one numpy matrix
    (``num_perm`` values per document, 4 bytes each with datasketch's default scheme) and
    the LSH bands are sorted in place, so memory per document is about 0.6 KiB; the pairs
    found are those of datasketch's ``MinHashLSH`` with the same ``num_perm``, seed and threshold.
    """

    name = "near-dedup"

    def __init__(self, config: DedupConfig) -> None:
        self.config = config

    def signature(self, doc: Document) -> np.ndarray | None:
        """The document's MinHash (made by :class:`SignatureStep`, else here), or None if its
        text has no shingles."""
        sig = doc.signature if doc.signature is not None else text_signature(doc, self.config)
        return sig if len(sig) else None

    def clusters(self, docs: list[Document], stats: StepStats) -> list[list[int]]:
        """Groups of positions whose estimated Jaccard similarity passes the threshold."""
        import numpy as np

        families: dict[bool, list[int]] = {}
        rows: list[np.ndarray] = []
        for i, doc in enumerate(docs):
            sig = self.signature(doc)
            doc.signature = None  # the matrix below holds it now
            if sig is not None:
                families.setdefault(uses_characters(doc.lang), []).append(i)
                rows.append(sig)
        if not rows:
            return []
        signatures = np.stack(rows)
        del rows
        row_of = {i: row for row, i in enumerate(sorted(p for f in families.values() for p in f))}
        union = UnionFind(len(docs))
        for _, members in sorted(families.items()):
            member_rows = np.array([row_of[i] for i in members], dtype=np.int64)
            for a, b in self.family_edges(signatures[member_rows], stats):
                union.union(members[a], members[b])
        return union.groups()

    def family_edges(self, family: np.ndarray, stats: StepStats) -> Iterator[tuple[int, int]]:
        """The confirmed pairs (row positions) of one shingling family's signature matrix:
        LSH band candidates whose estimated Jaccard passes the threshold. Only positions
        matter, not the rows' order, so a sharded build gives the same clusters."""
        import numpy as np
        from datasketch import MinHashLSH

        # Bands and rows as datasketch chooses them for this threshold (fewest false
        # positives and negatives).
        lsh = MinHashLSH(threshold=self.config.near_threshold, num_perm=self.config.num_perm)
        pairs = band_pairs(family, lsh.b, lsh.r)
        stats.counters["candidates"] += len(pairs)
        for start in range(0, len(pairs), PAIR_CHUNK):
            chunk = pairs[start:start + PAIR_CHUNK]
            same = np.count_nonzero(family[chunk[:, 0]] == family[chunk[:, 1]], axis=1)
            # LSH buckets give candidates; the estimated Jaccard (as datasketch computes
            # it) confirms them.
            confirmed = same / float(self.config.num_perm) >= self.config.near_threshold
            yield from (tuple(pair) for pair in chunk[confirmed].tolist())

    def run(self, docs: list[Document], context: CorpusContext) -> Iterator[Document]:
        if not self.config.near:
            yield from docs
            return
        with paused_gc():
            groups = self.clusters(docs, context.stats)
        context.stats.counters["clusters"] += len(groups)
        yield from resolve_clusters(docs, groups, self.config, context, "near_duplicate")
