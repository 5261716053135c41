"""Marker words and priors: what tells close relatives apart (bs/hr/sr, ms/id, nb/nn/da/sv).

The words live in ``markers.toml`` beside this module.
"""

from __future__ import annotations

import importlib.resources
import importlib.util
import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from cleaner.stages.language.scripts import normalized

_WORD_BREAK = re.compile(r"[\s\d!-/:-@\[-`{-~\u00a0-\u00bf\u2000-\u206f\u3000-\u303f]+")


def words(text: str) -> set[str]:
    """The distinct lower-case words of ``text``.

    >>> sorted(words("Gdje je, 2020. godine, bila-sedmica?"))
    ['bila', 'gdje', 'godine', 'je', 'sedmica']
    """
    return {w for w in _WORD_BREAK.split(text.lower()) if w}


@dataclass(frozen=True)
class Family:
    """One family's markers: whole words, word beginnings (``historij-``), word endings
    (``-sjon``) and letter groups anywhere in a word (``~ei``), each with the languages it
    points to."""

    members: frozenset[str]
    exact: dict[str, frozenset[str]]
    prefixes: dict[str, frozenset[str]]
    suffixes: dict[str, frozenset[str]]
    infixes: dict[str, frozenset[str]]

    def hits(self, found: set[str]) -> Counter[str]:
        """How many distinct words of ``found`` point to each language (a word counts once
        per language, whichever of its rules matched).

        >>> fam = _markers()[0]
        >>> sorted(fam.hits({"historija", "vrijeme", "auto"}).items())
        [('bs', 2), ('hr', 1)]
        """
        counts: Counter[str] = Counter()
        for word in found:
            langs: set[str] = set(self.exact.get(word, ()))
            for n in range(_AFFIX_MIN, len(word)):
                langs |= self.prefixes.get(word[:n], frozenset())
                langs |= self.suffixes.get(word[-n:], frozenset())
            if self.infixes and len(word) >= _AFFIX_MIN:
                for group, pointed in self.infixes.items():
                    if group in word:
                        langs |= pointed
            counts.update(langs)
        return counts


# Affix rules only look at words longer than the affix, and at affixes of 2+ letters.
_AFFIX_MIN = 2


@lru_cache(maxsize=1)
def _markers() -> list[Family]:
    """The marker families read from ``markers.toml``."""
    path = importlib.resources.files("cleaner.stages.language") / "markers.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    families = []
    for table in data.values():
        members: set[str] = set()
        rules: dict[str, dict[str, set[str]]] = {
            "exact": {}, "prefixes": {}, "suffixes": {}, "infixes": {}}
        for key, listed in table.items():
            langs = set(key.split())
            members |= langs
            for entry in listed:
                kind, word = _rule(entry.lower())
                rules[kind].setdefault(word, set()).update(langs)
        families.append(Family(frozenset(members), **{
            kind: {w: frozenset(langs) for w, langs in table_.items()}
            for kind, table_ in rules.items()}))
    return families


def _rule(entry: str) -> tuple[str, str]:
    """The kind of a marker entry and its letters.

    >>> _rule("tko"), _rule("historij-"), _rule("-sjon"), _rule("~ei")
    (('exact', 'tko'), ('prefixes', 'historij'), ('suffixes', 'sjon'), ('infixes', 'ei'))
    """
    if entry.startswith("~"):
        return "infixes", entry[1:]
    if entry.startswith("-") and len(entry) > 1:
        return "suffixes", entry[1:]
    if entry.endswith("-") and len(entry) > 1:
        return "prefixes", entry[:-1]
    return "exact", entry


def apply_markers(text: str, dist: dict[str, float], factor: float) -> dict[str, float]:
    """Shift probability between close relatives by the marker words found in ``text``.

    Each distinct marker word multiplies the probability of the languages it points to by
    ``factor``; only members of the word's family are touched, and only those already in
    ``dist`` (a marker never brings in a language no detector proposed), and only when the
    family holds at least a fifth of the probability.

    >>> d = apply_markers("Kerajaan mahu wang", {"id": 0.6, "ms": 0.4, "en": 0.0}, 3.0)
    >>> max(d, key=d.get)
    'ms'
    """
    found: set[str] | None = None
    out = dict(dist)
    for family in _markers():
        # Only a family that is a likely answer, with two members in play, is looked at.
        present = sorted(lang for lang in family.members & out.keys() if out[lang] >= 0.01)
        if len(present) < 2 or sum(out[lang] for lang in present) < 0.2:
            continue
        found = words(text) if found is None else found
        hits = family.hits(found)
        if not hits:
            continue
        # Scale within the family so that its total probability is unchanged.
        before = sum(out[lang] for lang in present)
        for lang in present:
            out[lang] *= factor ** min(hits[lang], 8)
        after = sum(out[lang] for lang in present)
        if after > 0:
            for lang in present:
                out[lang] *= before / after
    return out


def apply_priors(dist: dict[str, float], priors: dict[str, float]) -> dict[str, float]:
    """Weigh each language by its prior (1.0 when not listed) and renormalise.

    >>> apply_priors({"nb": 0.4, "nn": 0.6}, {"nn": 0.5})["nb"]
    0.5714285714285715
    """
    return normalized({k: v * priors.get(k, 1.0) for k, v in dist.items()})
