"""Language identification: which language (and script) each document is written in.

The step sets ``doc.lang`` (a BCP-47 primary subtag such as ``en``, ``zh``, ``nb``),
``doc.script`` (ISO 15924, e.g. ``Latn``, ``Hans``), ``doc.lang_score`` (0..1, low on short or
ambiguous text) and ``doc.langs`` (each language's share of the text, from per-paragraph
detection). It never drops a document.

First version: script rules plus langdetect (seeded). Statistical backends are added later.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from cleaner.document import Document
from cleaner.pipeline import DocumentStep, StepStats

UNDETERMINED = "und"

# Codes some detectors emit, mapped to the BCP-47 primary subtag we publish.
CODE_ALIASES = {
    "no": "nb", "iw": "he", "in": "id", "ji": "yi", "jw": "jv", "mo": "ro", "tl": "fil",
    "zh-cn": "zh", "zh-tw": "zh", "sh": "sr",
}


@dataclass
class LanguageConfig:
    """``[language]``: how languages are identified."""

    seed: int = 0
    # Fewer letters than this gives ``und``: no linguistic evidence to judge from.
    min_letters: int = 1
    # Longer texts are sampled (evenly spread paragraphs) up to this many characters.
    max_chars: int = 3000
    backends: list[str] = field(default_factory=lambda: ["langdetect"])
    paragraphs: bool = True
    # A second language with at least this share of the text marks the document ``mixed``.
    mixed_share: float = 0.2

    def check(self) -> None:
        if self.min_letters < 0:
            raise ValueError("min_letters: must be >= 0")
        if self.max_chars < 100:
            raise ValueError("max_chars: must be >= 100")
        if not 0.0 < self.mixed_share <= 0.5:
            raise ValueError("mixed_share: must be in (0, 0.5]")
        unknown = sorted(set(self.backends) - {"langdetect"})
        if unknown:
            raise ValueError(f"backends: unknown backend(s) {', '.join(unknown)}")
        if not self.backends:
            raise ValueError("backends: at least one backend is needed")


def normalize_code(code: str) -> str:
    """Map a detector's code to a BCP-47 primary subtag.

    >>> normalize_code("no"), normalize_code("zh-cn"), normalize_code("iw")
    ('nb', 'zh', 'he')
    """
    code = code.strip().lower().replace("_", "-")
    if code in CODE_ALIASES:
        return CODE_ALIASES[code]
    return CODE_ALIASES.get(code.split("-")[0], code.split("-")[0])


def is_valid_language(code: str) -> bool:
    """Whether ``code`` is a primary subtag this step can produce (or ``und``).

    >>> is_valid_language("nb"), is_valid_language("no"), is_valid_language("english")
    (True, False, False)
    """
    return code == UNDETERMINED or (re.fullmatch(r"[a-z]{2,3}", code) is not None
                                    and code not in CODE_ALIASES)


def count_letters(text: str) -> int:
    """Number of letters (Unicode category L*) in ``text``.

    >>> count_letters("12 apples!")
    6
    """
    return sum(1 for ch in text if unicodedata.category(ch).startswith("L"))


_detector_cache: dict[int, object] = {}


def _langdetect(text: str, seed: int) -> tuple[str, float]:
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = seed
    try:
        best = detect_langs(text)[0]
    except LangDetectException:
        return UNDETERMINED, 0.0
    return normalize_code(best.lang), float(best.prob)


def detect(text: str, config: LanguageConfig | None = None) -> tuple[str, float]:
    """The language of ``text`` and a confidence in [0, 1].

    >>> detect("1234 -- 5678")
    ('und', 0.0)
    """
    config = config or LanguageConfig()
    text = text[: config.max_chars]
    if count_letters(text) < max(config.min_letters, 1):
        return UNDETERMINED, 0.0
    return _langdetect(text, config.seed)


def paragraphs(text: str) -> list[str]:
    """Non-empty paragraphs (lines) of ``text``.

    >>> paragraphs("a\\n\\n b \\n")
    ['a', 'b']
    """
    return [line.strip() for line in text.splitlines() if line.strip()]


class LanguageStep(DocumentStep):
    """Set ``lang``, ``lang_score``, ``script`` and ``langs`` on each document; never drops."""

    name = "language"

    def __init__(self, config: LanguageConfig) -> None:
        self.config = config

    def process(self, doc: Document, stats: StepStats) -> Document:
        lang, score = detect(doc.text, self.config)
        shares: Counter[str] = Counter()
        if self.config.paragraphs:
            for para in paragraphs(doc.text):
                para_lang, _ = detect(para, self.config)
                if para_lang != UNDETERMINED:
                    shares[para_lang] += count_letters(para)
        total = sum(shares.values())
        doc.lang, doc.lang_score = lang, round(score, 4)
        doc.langs = {k: round(v / total, 4) for k, v in sorted(shares.items())} if total else {}
        stats.counters[f"lang:{lang}"] += 1
        second = sorted(doc.langs.values(), reverse=True)[1:2]
        if second and second[0] >= self.config.mixed_share:
            stats.counters["mixed"] += 1
        return doc
