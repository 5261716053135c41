"""``[dedup]``: exact, near and translation dedup, and which member of a cluster is kept."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:  # numpy is imported where signatures are made: `cleaner clean` never needs it
    pass


@dataclass
class DedupConfig:
    """``[dedup]``: which duplicates are removed and how each cluster chooses what it keeps."""

    # Exact duplicates on normalised text.
    exact: bool = True
    # Near duplicates: MinHash LSH over shingles.
    near: bool = True
    # Estimated Jaccard similarity of the shingle sets at which two documents are one story.
    near_threshold: float = 0.7
    # MinHash permutations: more is more precise and costs 8 bytes per document each.
    num_perm: int = 128
    # Shingle sizes: words for space-separated languages, characters for zh/ja/th...
    word_shingle: int = 5
    char_shingle: int = 5
    # Seed of the MinHash permutations (the result is deterministic for a given seed).
    seed: int = 1
    # Translated documents (cross-lingual, see cleaner/stages/dedup/translate/).
    translation: bool = True
    # How: "encoder" (every language pair: a multilingual sentence encoder shipped in a wheel,
    # transliterated 4-grams and anchors) or "lexicon" (zh-en only, CC-CEDICT; the method of
    # cleaner <= 0.1, kept for comparison: cleaner/stages/dedup/translation.py).
    translation_method: str = "encoder"
    # Language pairs searched, "a-b" with BCP-47 primary subtags (order does not matter); "*"
    # is every pair of languages found in the corpus, "en-*" every pair with English. Only
    # documents of a language that can have a counterpart are profiled.
    translation_pairs: list[str] = field(default_factory=lambda: ["*"])
    # Encoder method: minimum probability that a pair translates (the absolute floor: the
    # pair's own evidence must say so, whatever its rivals) ...
    translation_min_probability: float = 0.5
    # ... and how much likelier it must be than the best rival of either document, in
    # log-odds (1.0: e = 2.7 times likelier).
    translation_log_odds_margin: float = 1.0
    # Encoder method: nearest neighbours per document and view (meaning, spelling) that are
    # scored as candidates.
    translation_neighbours: int = 20
    # Lexicon method: minimum pair score in [0, 1] (on WMT22 news, true pairs score 0.48-0.79
    # and the best-scoring non-pairs under 0.3), margin over the second best, candidates
    # scored per document (from the term/anchor index).
    translation_threshold: float = 0.4
    translation_margin: float = 0.05
    translation_candidates: int = 10
    # Two documents with known dates further apart than this are never a pair (None: no limit).
    translation_date_window_days: int | None = 31
    # Lexicon method: neutral ratio of visible characters, "b/a", per language pair: used to
    # score lengths and to tell the direction (a translation comes out longer than its source:
    # English from Chinese ~3.9 characters per character, Chinese from English ~1/2.6; 3.2 is their
    # geometric mean, measured on WMT22 news).
    length_ratios: dict[str, float] = field(default_factory=lambda: {"en/zh": 3.2})
    # Which document of a cluster is kept: "original" (metadata, dates, translation direction,
    # then preferred_languages), "preferred_language" (the language order first) or "first"
    # (the smallest document id).
    keep: str = "original"
    # Language preference when nothing shows which document is the original.
    preferred_languages: list[str] = field(default_factory=lambda: ["zh", "en"])

    # The range of every number, and of each value of a table of numbers (checked with the
    # types when dataset.toml is read). numpy seeds are 32-bit.
    RANGES: ClassVar[dict[str, tuple[float, float]]] = {
        "near_threshold": (1e-6, 1.0), "num_perm": (16, 1024), "word_shingle": (1, 100),
        "char_shingle": (1, 100), "seed": (0, 2**32 - 1), "translation_threshold": (0.0, 1.0),
        "translation_margin": (0.0, 0.999), "translation_candidates": (1, 1000),
        "translation_min_probability": (1e-6, 0.999999), "translation_log_odds_margin": (0.0, 20.0),
        "translation_neighbours": (1, 1000),
        "translation_date_window_days": (0, 100_000), "length_ratios": (0.001, 1000.0)}

    def check(self) -> None:
        """Raise ValueError("key: what is wrong") for a value out of range."""
        if not 0.0 < self.near_threshold <= 1.0:
            raise ValueError("near_threshold: must be in (0, 1]")
        if not 16 <= self.num_perm <= 1024:
            raise ValueError("num_perm: must be between 16 and 1024")
        if self.word_shingle < 1 or self.char_shingle < 1:
            raise ValueError("word_shingle/char_shingle: must be at least 1")
        if not 0.0 <= self.translation_threshold <= 1.0:
            raise ValueError("translation_threshold: must be in [0, 1]")
        if not 0.0 <= self.translation_margin < 1.0:
            raise ValueError("translation_margin: must be in [0, 1)")
        if self.translation_candidates < 1:
            raise ValueError("translation_candidates: must be at least 1")
        if self.translation_method not in {"encoder", "lexicon"}:
            raise ValueError("translation_method: must be 'encoder' or 'lexicon'")
        if not 0.0 < self.translation_min_probability < 1.0:
            raise ValueError("translation_min_probability: must be in (0, 1)")
        if not 0.0 <= self.translation_log_odds_margin <= 20.0:
            raise ValueError("translation_log_odds_margin: must be in [0, 20]")
        if not 1 <= self.translation_neighbours <= 1000:
            raise ValueError("translation_neighbours: must be between 1 and 1000")
        if self.translation_date_window_days is not None and self.translation_date_window_days < 0:
            raise ValueError("translation_date_window_days: must be 0 or more (or unset)")
        if self.keep not in {"original", "preferred_language", "first"}:
            raise ValueError("keep: must be 'original', 'preferred_language' or 'first'")
        for pair in self.translation_pairs:
            if pair != "*" and not re.fullmatch(r"([a-z]{2,3}|\*)-([a-z]{2,3}|\*)", pair):
                raise ValueError(f"translation_pairs: {pair!r} is not like 'zh-en', 'en-*' "
                                 "or '*'")
        for key, ratio in self.length_ratios.items():
            if not re.fullmatch(r"[a-z]{2,3}/[a-z]{2,3}", key) or ratio <= 0:
                raise ValueError(f"length_ratios: {key!r} = {ratio!r} is not like 'en/zh' = 3.6")
