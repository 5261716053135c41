"""``[filters]``: which documents are not kept, and at which thresholds.

The defaults remove only what is not prose at all: a robots.txt, a text without letters
(digits, symbols), a text mostly made of markup or code, a lone photo credit. They never
remove short real prose: a one-sentence news brief or a chat turn is a document. The other
filters are those of datatrove's Gopher, C4 and FineWeb filters; each is off (0 or empty) until
a threshold is set, e.g. the Gopher values: ``min_words = 50``, ``max_words = 100000``,
``min_mean_word_length = 3``, ``max_mean_word_length = 10``, ``max_symbol_word_ratio = 0.1``,
``max_bullet_line_share = 0.9``, ``max_ellipsis_line_share = 0.3``,
``max_duplicate_line_share = 0.3``, ``max_duplicate_line_char_share = 0.2``; FineWeb's
``min_punctuated_line_share = 0.12``, ``max_short_line_share = 0.67``; a language score
``min_lang_score = 0.65``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from cleaner.text.langcodes import is_valid_language


@dataclass
class FiltersConfig:
    """``[filters]``: document filters (each removal is an audit row with its reason)."""

    # Run the filters at all.
    enabled: bool = True
    # --- on by default: what is not prose --------------------------------------------------
    # A robots.txt (User-agent / Disallow / Allow / Sitemap lines): reason ``robots_txt``.
    robots_txt: bool = True
    # A document that is only a photo or image credit ("Photo: Jane Doe/Reuters"): ``caption``.
    captions: bool = True
    # Fewer letters than this (any script): ``no_letters`` (digits-only or symbols-only files).
    min_letters: int = 1
    # Letters under this share of the non-space characters: ``few_letters`` (tables of
    # numbers, lists of codes).
    min_letter_share: float = 0.2
    # Characters of markup or code (tags, braces, CSS/JS/JSON syntax) over this share of the
    # text: ``markup`` (a page whose "text" is leftover markup).
    max_markup_share: float = 0.5
    # --- off by default (0 or empty): stricter, opt-in -------------------------------------
    # Fewer characters than this: ``too_short``.
    min_chars: int = 0
    # Fewer / more words than this (a CJK character is a word): ``too_few_words`` /
    # ``too_many_words``.
    min_words: int = 0
    max_words: int = 0
    # Mean word length outside these bounds (words of letters only): ``word_length``.
    min_mean_word_length: float = 0.0
    max_mean_word_length: float = 0.0
    # "#" and "…" / "..." per word over this: ``symbols``.
    max_symbol_word_ratio: float = 0.0
    # Share of lines starting with a bullet over this: ``bullet_lines``.
    max_bullet_line_share: float = 0.0
    # Share of lines ending with an ellipsis over this: ``ellipsis_lines``.
    max_ellipsis_line_share: float = 0.0
    # Share of lines that repeat an earlier line / of characters in them: ``repeated_lines``.
    max_duplicate_line_share: float = 0.0
    max_duplicate_line_char_share: float = 0.0
    # Share of lines ending with sentence punctuation under this: ``no_sentences``.
    min_punctuated_line_share: float = 0.0
    # Share of lines shorter than ``short_line_chars`` over this: ``short_lines``.
    max_short_line_share: float = 0.0
    short_line_chars: int = 30
    # Language detection less sure than this: ``low_lang_score``.
    min_lang_score: float = 0.0
    # Keep only these languages (ISO 639-1 codes): ``language``.
    languages: list[str] = field(default_factory=list)
    # Keep only these media types of WARC records (e.g. ["text/html"]): ``content_type``.
    content_types: list[str] = field(default_factory=list)

    # The range of every number (checked with the types when dataset.toml is read).
    RANGES: ClassVar[dict[str, tuple[float, float]]] = {
        **{key: (0.0, 1.0) for key in (
            "min_letter_share", "max_markup_share", "max_bullet_line_share",
            "max_ellipsis_line_share", "max_duplicate_line_share",
            "max_duplicate_line_char_share", "min_punctuated_line_share", "max_short_line_share",
            "min_lang_score")},
        "min_letters": (0, 1_000_000_000), "min_chars": (0, 1_000_000_000),
        "min_words": (0, 1_000_000_000), "max_words": (0, 1_000_000_000),
        "short_line_chars": (0, 1_000_000), "min_mean_word_length": (0.0, 1000.0),
        "max_mean_word_length": (0.0, 1000.0), "max_symbol_word_ratio": (0.0, 1000.0)}

    def check(self) -> None:
        """Raise ValueError("key: what is wrong") for a bad value."""
        for key in ("min_letter_share", "max_markup_share", "max_bullet_line_share",
                    "max_ellipsis_line_share", "max_duplicate_line_share",
                    "max_duplicate_line_char_share", "min_punctuated_line_share",
                    "max_short_line_share", "min_lang_score"):
            if not 0.0 <= getattr(self, key) <= 1.0:
                raise ValueError(f"{key}: {getattr(self, key)} is not in [0, 1]")
        for key in ("min_letters", "min_chars", "min_words", "max_words", "short_line_chars",
                    "min_mean_word_length", "max_mean_word_length", "max_symbol_word_ratio"):
            if getattr(self, key) < 0:
                raise ValueError(f"{key}: must not be negative")
        if self.max_words and self.max_words < self.min_words:
            raise ValueError(f"max_words: {self.max_words} is below min_words {self.min_words}")
        for code in self.languages:
            if not is_valid_language(code):
                raise ValueError(f"languages: {code!r} is not a language code like 'en'")
        for media in self.content_types:
            if "/" not in media:
                raise ValueError(f"content_types: {media!r} is not a media type like 'text/html'")


__all__ = ["FiltersConfig"]
