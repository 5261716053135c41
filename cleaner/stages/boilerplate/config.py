"""``[boilerplate]``: which phrase rules apply, and when a repeated line is site chrome."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from cleaner.stages.boilerplate.rules import RULES_DIR, read_rule_file


@dataclass
class BoilerplateConfig:
    """``[boilerplate]``: phrase rules and corpus-level repetition thresholds."""

    # Rule files shipped in this stage's rules/ folder, by name (common.txt, en.txt, zh.txt...).
    rules: list[str] = field(
        default_factory=lambda: ["common", "en", "zh", "de", "es", "fr", "pt"])
    # More rule files in the same format (paths, relative to the config file).
    extra_rule_files: list[str] = field(default_factory=list)
    # A first line that looks like a headline becomes doc.title when the document has none.
    headline_to_title: bool = True
    # Corpus-level repetition (RepeatedBlocksStep).
    repeated_blocks: bool = True
    # A line is chrome when it appears in at least this many different documents of a site...
    repeated_min_docs: int = 3
    # ...and in at least this share of that site's documents...
    repeated_min_share: float = 0.05
    # ...or, for a line that reads as a sentence (ends with . ! ? 。), this larger share: a
    # formulaic sentence ("The meeting also studied other matters.") recurs in some articles,
    # a footer sentence ("This site uses Akismet…") in most pages of its site.
    repeated_sentence_share: float = 0.5
    # Lines shorter than this (in characters, after normalisation) are never counted: a
    # lone "Yes." or "1." repeats by chance.
    repeated_min_chars: int = 10

    # The range of every number (checked with the types when dataset.toml is read).
    RANGES: ClassVar[dict[str, tuple[float, float]]] = {
        "repeated_min_docs": (2, 1_000_000_000), "repeated_min_share": (0.0, 1.0),
        "repeated_sentence_share": (0.0, 1.0), "repeated_min_chars": (0, 1_000_000)}

    def check(self) -> None:
        available = sorted(p.stem for p in RULES_DIR.glob("*.txt"))
        for name in self.rules:
            if name not in available:
                raise ValueError(f"rules: no rule file {name!r}; available: {', '.join(available)}")
        for path in self.extra_rule_files:
            if not Path(path).is_file():
                raise ValueError(f"extra_rule_files: {path!r} is not a file")
            # A broken rule file is reported when the config is read, not mid-build (and
            # the error never quotes the file: see read_rule_file).
            read_rule_file(path)
        if self.repeated_min_docs < 2:
            raise ValueError("repeated_min_docs: must be at least 2 (a line seen once stays)")
        for key in ("repeated_min_share", "repeated_sentence_share"):
            if not 0.0 <= getattr(self, key) <= 1.0:
                raise ValueError(f"{key}: {getattr(self, key)} is not in [0, 1]")
        if self.repeated_min_chars < 0:
            raise ValueError("repeated_min_chars: must not be negative")


__all__ = ["BoilerplateConfig"]
