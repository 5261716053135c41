"""One language in disguise: documents the language step split between close relatives.

Language identification splits a language it does not know, or knows badly, between its
relatives: Livonian comes out as Latvian, Estonian, Swedish or Vietnamese, Croatian partly as
Bosnian, Yakut as Mongolian, a short Ukrainian message as Kazakh. Two documents of one
language share its spelling (the same endings, function words and stems), which the pair
scores read as the shared names and cognates of a translation: unrelated Livonian documents
then pair as "Latvian-Estonian translations". Two documents of one language are versions of
one text (near dedup's business) or different texts, never translations; so pairs inside one
*spelling family* are not searched.

A document's spelling is the set of its transliterated character 4-grams (the profile's
``grams``), bucketed into :data:`BUCKETS` slots. Each detected language has a *centroid*: how
many of its documents have each bucket. How well a document fits a language is the cosine of
its buckets with that centroid, leaving the document itself out of its own language's centroid
(a language of a few documents would otherwise fit its own members by construction). Then:

* a document that fits another language at least :data:`MOVE` times as well as its own
  belongs to that one (a Livonian document detected as Portuguese, among real Portuguese),
  and so does a document alone in its language that fits another at least ``1 / MOVE`` as
  well as that language's own documents do (their median); only a language of
  :data:`MIN_MEMBERS` documents or more takes documents in;
* two languages are one family when most documents of one that stayed home (the median) fit
  the other, the best of the rest, at least as well as their own (:data:`SAME`): Livonian
  detected as Latvian and as Estonian.

Related but distinct languages stay apart: on WMT22 a Russian document fits Ukrainian at a
median 0.56 of its own, a Japanese one Chinese at 0.60, while a Livonian document detected as
Estonian fits "Latvian" (other Livonian documents) at 1.10 and a Croatian one detected as
Bosnian fits Croatian at 1.11. Counts and dot products are integers, so the fits are exactly
the same on every machine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

BUCKETS = 1 << 16
# A document belongs to another language when it fits it this many times as well as its own.
MOVE = 1.5
# Documents a language needs to be a home for others (see families()).
MIN_MEMBERS = 3
# Two languages are one family when the median document of one fits the other this well
# relative to its own.
SAME = 1.0


def buckets(grams: bytes) -> np.ndarray:
    """The distinct buckets of a profile's 4-gram hashes, sorted.

    >>> import numpy as np
    >>> buckets(np.array([1, 65537, 7], dtype="<u4").tobytes()).tolist()
    [1, 7]
    """
    import numpy as np

    return np.unique(np.frombuffer(grams, dtype="<u4").astype(np.int64) % BUCKETS)


def language_counts(docs: list[np.ndarray], codes: list[int], languages: int) -> np.ndarray:
    """Per language (by code), how many of its documents have each bucket: the centroids,
    summed over any cut of the documents (the sharded build adds its shards' counts)."""
    import numpy as np

    counts = np.zeros((languages, BUCKETS), dtype=np.int64)
    for grams, code in zip(docs, codes, strict=True):
        counts[code, grams] += 1
    return counts


def fit_table(counts: np.ndarray, docs: list[np.ndarray], codes: list[int]) -> np.ndarray:
    """Per document (its buckets and language code), its fit to every language of
    ``counts`` (:func:`language_counts` of the whole corpus); row by row, so any cut of the
    documents gives the same rows."""
    import numpy as np

    squares = (counts * counts).sum(axis=1)
    table = np.zeros((len(docs), len(counts)))
    for row, (grams, own) in enumerate(zip(docs, codes, strict=True)):
        if not len(grams):
            continue
        dots = counts[:, grams].sum(axis=1)
        norms = squares.copy()
        # Leave the document out of its own language: its buckets count one less there.
        dots[own] -= len(grams)
        norms[own] -= 2 * int(counts[own, grams].sum()) - len(grams)
        ok = (norms > 0) & (dots > 0)
        # Integers below 2**53 convert exactly; sqrt and division are correctly rounded.
        table[row] = np.where(ok, dots / np.sqrt(np.where(ok, norms, 1) * len(grams)), 0.0)
    return table


def fits(docs: list[np.ndarray], langs: list[str]) -> tuple[list[str], np.ndarray]:
    """The languages found and, per document and language, how well the document fits it
    (cosine with the language's centroid, its own left out; 0 when undefined).

    >>> import numpy as np
    >>> names, table = fits([np.array([1, 2]), np.array([1, 2]), np.array([3])],
    ...                     ["lv", "et", "en"])
    >>> names, table.round(3).tolist()
    (['en', 'et', 'lv'], [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
    """
    names = sorted(set(langs))
    code = {name: k for k, name in enumerate(names)}
    codes = [code[lang] for lang in langs]
    return names, fit_table(language_counts(docs, codes, len(names)), docs, codes)


def families(docs: list[np.ndarray], langs: list[str]) -> list[int]:
    """Per document, its spelling family (see the module docstring), as a number: documents
    of one family are never translations of each other.

    >>> import numpy as np
    >>> liv = [np.array(sorted({1, 2, 3, 4, 5, 6} - {n})) for n in range(1, 7)]
    >>> en = [np.array(sorted({10, 11, 12, 13} - {n})) for n in range(10, 13)]
    >>> families(liv + en + [np.array([2, 3, 4, 5, 6])], ["lv"] * 3 + ["et"] * 3 + ["en"] * 3
    ...          + ["fi"])
    [1, 1, 1, 1, 1, 1, 0, 0, 0, 1]
    """

    if not docs:
        return []
    names, table = fits(docs, langs)
    return families_from(names, table, langs)


def families_from(names: list[str], table: np.ndarray, langs: list[str]) -> list[int]:
    """:func:`families` from the languages and the fit table (:func:`fit_table`) of every
    document: the corpus-wide decision (medians per language), on 8 bytes per document and
    language."""
    import numpy as np

    if not len(langs):
        return []
    code = {name: k for k, name in enumerate(names)}
    own = np.array([table[row, code[lang]] for row, lang in enumerate(langs)])
    members_of: dict[int, list[int]] = {}
    for row, lang in enumerate(langs):
        if own[row] > 0:
            members_of.setdefault(code[lang], []).append(row)
    # How well a language's own documents fit it (the median), where it has enough of them
    # to be a reference: a language of one or two documents is no one's home.
    level = {k: float(np.median(own[rows])) for k, rows in members_of.items()
             if len(rows) >= MIN_MEMBERS}
    own_code = np.array([code[lang] for lang in langs])
    home = own_code.copy()
    if level:
        homes = np.array(sorted(level))
        candidates = table[:, homes].copy()
        candidates[homes[None, :] == own_code[:, None]] = -1.0  # not its own language
        pick = np.argmax(candidates, axis=1)  # ties: the first language
        best, fit = homes[pick], candidates[np.arange(len(langs)), pick]
        reference = np.array([level[k] for k in best.tolist()])
        # It fits another language far better than its own; or, alone in its language, it
        # fits another as well as that one's own documents do.
        moved = np.where(own > 0, fit >= MOVE * own, (fit > 0) & (fit * MOVE >= reference))
        home = np.where(moved & (fit >= 0), best, own_code)
    # Languages whose median document fits another language as well as its own: one family.
    parent = list(range(len(names)))

    def find(k: int) -> int:
        while parent[k] != k:
            k = parent[k]
        return k

    for k in range(len(names)):
        # Its documents that stayed home (the others moved: they are another's already).
        members = [row for row in members_of.get(k, []) if home[row] == k]
        others = [other for other in sorted(level) if other != k]
        if not members or not others:
            continue
        # The language its documents fit best after their own, by their median fit; one
        # family when that median document fits it as well as its own.
        ratios = np.sort(table[np.ix_(members, others)] / own[members][:, None], axis=0)
        medians = ratios[len(members) // 2]
        pick = int(np.argmax(medians))  # ties: the first language
        other = others[pick]
        if medians[pick] >= SAME:
            a, b = find(k), find(other)
            parent[max(a, b)] = min(a, b)
    roots = sorted({find(k) for k in range(len(names))})
    number = {root: n for n, root in enumerate(roots)}
    return [number[find(k)] for k in home.tolist()]
