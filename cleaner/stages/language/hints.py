"""What a page says about its own language: its declared language and its country domain.

Hints weigh only between close relatives (bs/hr/sr, ms/id, nb/nn/da...): a page's declared
language or domain is often wrong about the language (templates say ``lang="en"``
everywhere), but between Bosnian and Croatian, or Malay and Indonesian, a Bosnian or
Malaysian site is the better bet. The eval's items are bare texts without either.
"""

from __future__ import annotations

import re

from cleaner.stages.language.backends import normalize_code
from cleaner.stages.language.scripts import FAMILY

# Country domains whose language decides between close relatives (scripts.RELATIVES).
TLD_LANGUAGE = {"hr": "hr", "ba": "bs", "rs": "sr", "si": "sl", "mk": "mk", "my": "ms",
                "id": "id", "no": "nb", "dk": "da", "se": "sv", "cz": "cs", "sk": "sk",
                "ua": "uk", "ru": "ru", "by": "be", "bg": "bg", "br": "pt", "pt": "pt",
                "es": "es", "ir": "fa", "pk": "ur", "nl": "nl", "tr": "tr", "az": "az"}
SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")


def page_hints(declared: object, url: str | None) -> frozenset[str]:
    """Languages a page points to: its declared language (``nb-NO`` -> ``nb``) and the one
    of its country domain.

    >>> sorted(page_hints("bs-BA", "https://www.klix.ba/vijesti")), page_hints(None, None)
    (['bs'], frozenset())
    """
    hints = set()
    if isinstance(declared, str) and declared.strip():
        hints.add(normalize_code(declared))
    if url:
        host = SCHEME.sub("", url.strip().lower()).split("/", 1)[0]
        tld = host.split(":", 1)[0].rsplit(".", 1)[-1]
        if tld in TLD_LANGUAGE:
            hints.add(TLD_LANGUAGE[tld])
    return frozenset(hints)


def apply_hints(dist: dict[str, float], hints: frozenset[str],
                factor: float) -> dict[str, float]:
    """Weigh each hinted language like one marker word, against its close relatives only
    (the family's total probability is unchanged; other languages are not touched).

    >>> d = apply_hints({"hr": 0.5, "bs": 0.4, "en": 0.1}, frozenset({"bs"}), 3.0)
    >>> max(d, key=d.get), round(d["en"], 2)
    ('bs', 0.1)
    >>> apply_hints({"en": 0.6, "fr": 0.4}, frozenset({"fr"}), 3.0)["en"]
    0.6
    """
    out = dict(dist)
    for hint in hints:
        family = [code for code in FAMILY.get(hint, ()) if out.get(code, 0.0) > 0]
        if hint not in family or len(family) < 2:
            continue
        before = sum(out[code] for code in family)
        out[hint] *= factor
        after = sum(out[code] for code in family)
        for code in family:
            out[code] *= before / after
    return out
