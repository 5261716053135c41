"""Letter models: which single-byte decoding spells a real language's letters.

Two code pages that read most bytes alike (cp1250 and cp1252, cp1251 and cp1253) give texts
that :mod:`cleaner.stages.decode.detect` scores alike; only the right one spells the letters
of a real language. The models are the single-letter frequencies of langdetect's profiles.
"""

from __future__ import annotations

import functools
import math
import unicodedata
from collections import Counter


@functools.cache
def _letter_models() -> dict[str, dict[str, float]]:
    """Log-probabilities of single letters per language, from langdetect's shipped profiles.

    Empty if langdetect (or its profiles) cannot be read: ranking then rests on
    :func:`plausibility` alone.
    """
    import json
    from importlib import resources

    models: dict[str, dict[str, float]] = {}
    try:
        folder = resources.files("langdetect") / "profiles"
        for entry in folder.iterdir():
            profile = json.loads(entry.read_text(encoding="utf-8"))
            counts = {k: v for k, v in profile["freq"].items() if len(k) == 1 and k.isalpha()}
            total = sum(counts.values())
            if total:
                models[entry.name] = {k: math.log(v / total) for k, v in counts.items()}
                models[entry.name][""] = math.log(0.5 / total)  # unseen letters
    except (ModuleNotFoundError, OSError, ValueError, KeyError):
        return {}
    return models


def language_fit(text: str) -> float:
    """Mean log-probability of the letters of ``text`` under the language that fits it best.

    Tells apart single-byte decodings that :func:`plausibility` cannot (cp1250 or cp1252,
    cp1251 or cp1253...): only the right one spells a real language's letters.

    >>> language_fit("Příliš žluťoučký kůň") > language_fit("PŸÌliš ûlùouèký kùò")
    True
    """
    # Combining marks and non-ASCII digits count as letters: a Thai or Arabic mark or digit
    # in a Latin word ("Condِ", "Schr๖der") must cost the decoding that made it, not go
    # unseen.
    letters = Counter(char for char in text if char.isalpha() or (
        char >= "\u0300" and unicodedata.category(char) in ("Mn", "Nd")))
    total = sum(letters.values())
    models = _letter_models()
    if not total or not models:
        return 0.0
    return max(sum(count * model.get(char, model[""]) for char, count in letters.items())
               for model in models.values()) / total
