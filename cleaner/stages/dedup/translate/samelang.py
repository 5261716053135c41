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
  belongs to that one (a Livonian document detected as Portuguese, among real Portuguese);
* two languages are one family when most documents of one (the median) fit the other at
  least as well as their own (:data:`SAME`): Livonian detected as Latvian and as Estonian.

Related but distinct languages stay apart: on WMT22 a Russian document fits Ukrainian at a
median 0.56 of its own, a Japanese one Chinese at 0.60, while a Livonian document detected as
Estonian fits "Latvian" (other Livonian documents) at 1.10 and a Croatian one detected as
Bosnian fits Croatian at 1.11. Counts and dot products are integers, so the fits are exactly
the same on every machine.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

BUCKETS = 1 << 16
# A document belongs to another language when it fits it this many times as well as its own.
MOVE = 1.5
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


def fits(docs: list[np.ndarray], langs: list[str]) -> tuple[list[str], np.ndarray]:
    """The languages found and, per document and language, how well the document fits it
    (cosine with the language's centroid, its own left out; 0 when undefined).

    >>> import numpy as np
    >>> names, table = fits([np.array([1, 2]), np.array([1, 2]), np.array([3])],
    ...                     ["lv", "et", "en"])
    >>> names, table.round(3).tolist()
    (['en', 'et', 'lv'], [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
    """
    import numpy as np

    names = sorted(set(langs))
    code = {name: k for k, name in enumerate(names)}
    counts = np.zeros((len(names), BUCKETS), dtype=np.int64)
    for grams, lang in zip(docs, langs, strict=True):
        counts[code[lang], grams] += 1
    squares = (counts * counts).sum(axis=1)
    table = np.zeros((len(docs), len(names)))
    for row, (grams, lang) in enumerate(zip(docs, langs, strict=True)):
        if not len(grams):
            continue
        dots = counts[:, grams].sum(axis=1)
        norms = squares.copy()
        own = code[lang]
        # Leave the document out of its own language: its buckets count one less there.
        dots[own] -= len(grams)
        norms[own] -= 2 * int(counts[own, grams].sum()) - len(grams)
        for k in range(len(names)):
            if norms[k] > 0 and dots[k] > 0:
                table[row, k] = int(dots[k]) / math.sqrt(int(norms[k]) * len(grams))
    return names, table


def families(docs: list[np.ndarray], langs: list[str]) -> list[int]:
    """Per document, its spelling family (see the module docstring), as a number: documents
    of one family are never translations of each other.

    >>> import numpy as np
    >>> liv = [np.array([1, 2, 3, 4]), np.array([1, 2, 3, 5]), np.array([1, 2, 4, 5]),
    ...        np.array([2, 3, 4, 5])]
    >>> en = [np.array([10, 11, 12]), np.array([10, 11, 13])]
    >>> families(liv + en, ["lv", "lv", "et", "et", "en", "en"])
    [1, 1, 1, 1, 0, 0]
    """
    import numpy as np

    if not docs:
        return []
    names, table = fits(docs, langs)
    code = {name: k for k, name in enumerate(names)}
    own = np.array([table[row, code[lang]] for row, lang in enumerate(langs)])
    # Where each document belongs: its own language, unless it fits another far better.
    home = []
    for row, lang in enumerate(langs):
        best = int(np.argmax(table[row]))
        moved = own[row] > 0 and table[row, best] >= MOVE * own[row]
        home.append(best if moved else code[lang])
    # Languages whose median document fits another language as well as its own: one family.
    parent = list(range(len(names)))

    def find(k: int) -> int:
        while parent[k] != k:
            k = parent[k]
        return k

    members_of: dict[int, list[int]] = {}
    for row, lang in enumerate(langs):
        if own[row] > 0:
            members_of.setdefault(code[lang], []).append(row)
    for k in range(len(names)):
        members = members_of.get(k, [])
        if not members:
            continue
        for other in range(len(names)):
            if other == k:
                continue
            ratios = sorted(table[row, other] / own[row] for row in members)
            if ratios[len(ratios) // 2] >= SAME:
                a, b = find(k), find(other)
                parent[max(a, b)] = min(a, b)
    roots = sorted({find(k) for k in range(len(names))})
    number = {root: n for n, root in enumerate(roots)}
    return [number[find(k)] for k in home]
