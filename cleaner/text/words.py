"""Words and letters, the same for every script: what length and ratio filters count."""

from __future__ import annotations

import re

from cleaner.text.chars import WORD_CHARACTER

# Kana and Han are written without spaces: each character counts as a word (Korean has spaces).
WORD = re.compile(rf"{WORD_CHARACTER}|(?:(?!{WORD_CHARACTER})[^\W_])+"
                  rf"(?:['’](?:(?!{WORD_CHARACTER})[^\W_])+)*")


def words(text: str) -> list[str]:
    """The words of a text: runs of letters and digits (an apostrophe inside a word kept),
    one CJK character each; punctuation and symbols are not words.

    >>> words("It's 3 p.m. — 会议开始")
    ["It's", '3', 'p', 'm', '会', '议', '开', '始']
    """
    return WORD.findall(text)


def letter_count(text: str) -> int:
    """Letters in any script (digits, punctuation, symbols and spaces are not).

    >>> letter_count("Année 2024: 上海!")
    7
    """
    return sum(1 for ch in text if ch.isalpha())


__all__ = ["WORD", "letter_count", "words"]
