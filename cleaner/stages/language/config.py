"""``[language]``: which detectors are mixed, with which weights, and how text is sampled."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

BACKENDS = ("fasttext", "lingua", "langdetect")

@dataclass
class LanguageConfig:
    """``[language]``: how languages are identified."""

    # langdetect's random seed (fastText, lingua and the rules are deterministic as they are).
    seed: int = 0
    # Fewer letters than this (a Han, Kana or Hangul character counts as one) gives ``und``.
    min_letters: int = 1
    # Longer texts are sampled (evenly spread paragraphs) down to about this many characters.
    max_chars: int = 1000
    # Statistical backends to combine, among "fasttext", "lingua", "langdetect"; the first
    # also classifies each paragraph, so it should be the fast one.
    backends: list[str] = field(default_factory=lambda: ["fasttext", "lingua"])
    # Weight of each backend's probabilities in the mix.
    weights: dict[str, float] = field(
        default_factory=lambda: {"fasttext": 0.5, "lingua": 1.0, "langdetect": 0.5})
    # lingua sees at most this many characters of a document (it is the slow backend).
    lingua_chars: int = 600
    # lingua is skipped when fastText is at least this sure, outside families of relatives,
    # on texts of at least ``short_text`` characters.
    fasttext_sure: float = 0.9
    short_text: int = 200
    # Words that tell close relatives apart (cleaner/stages/language/markers.toml): each word
    # found multiplies its languages' probability by ``marker_factor`` (within its family).
    markers: bool = True
    marker_factor: float = 3.0
    # Prior weight of languages that detectors over-predict against a much more common
    # relative (Nynorsk is about a tenth of written Norwegian); 1.0 for unlisted languages.
    priors: dict[str, float] = field(default_factory=lambda: {"nn": 0.5})
    # Detect per paragraph to fill ``doc.langs``.
    paragraphs: bool = True
    # Paragraphs with fewer letters are too short to count in ``doc.langs``.
    paragraph_min_letters: int = 12
    # A second language with at least this share of the text marks the document ``mixed``.
    mixed_share: float = 0.2

    # The range of every number, and of each value of a table of numbers (checked with the
    # types when dataset.toml is read).
    RANGES: ClassVar[dict[str, tuple[float, float]]] = {
        "seed": (0, 2**32 - 1), "min_letters": (0, 1_000_000), "max_chars": (100, 10_000_000),
        "weights": (0.0, 1000.0), "lingua_chars": (10, 1_000_000), "fasttext_sure": (0.0, 1.0),
        "short_text": (0, 1_000_000_000), "marker_factor": (1.0, 1000.0),
        "priors": (1e-6, 1000.0), "paragraph_min_letters": (1, 1_000_000),
        "mixed_share": (1e-6, 0.5)}

    def check(self) -> None:
        """Raise ValueError naming the first bad key."""
        if self.min_letters < 0:
            raise ValueError("min_letters: must be >= 0")
        if self.max_chars < 100:
            raise ValueError("max_chars: must be >= 100")
        if self.lingua_chars < 10:
            raise ValueError("lingua_chars: must be >= 10")
        if self.short_text < 0:
            raise ValueError("short_text: must be >= 0")
        if not 0.0 <= self.fasttext_sure <= 1.0:
            raise ValueError("fasttext_sure: must be in [0, 1]")
        if not 0.0 < self.mixed_share <= 0.5:
            raise ValueError("mixed_share: must be in (0, 0.5]")
        if self.paragraph_min_letters < 1:
            raise ValueError("paragraph_min_letters: must be >= 1")
        if not self.backends:
            raise ValueError("backends: at least one backend is needed")
        if len(set(self.backends)) < len(self.backends):
            raise ValueError("backends: a backend is listed twice")
        unknown = sorted(set(self.backends) - set(BACKENDS))
        if unknown:
            raise ValueError(f"backends: unknown {', '.join(unknown)} "
                             f"(valid: {', '.join(BACKENDS)})")
        if self.marker_factor < 1.0:
            raise ValueError("marker_factor: must be >= 1")
        for code, prior in self.priors.items():
            if prior <= 0:
                raise ValueError(f"priors: {code} must be > 0")
        for name in self.backends:
            if self.weights.get(name, 1.0) < 0:
                raise ValueError(f"weights: {name} must be >= 0")
