"""Characters with a meaning of their own in cleaning: shared by every stage that reads lines."""

from __future__ import annotations

import re

# Characters that take no room on screen (zero-width spaces and joiners, word joiner, BOM,
# soft hyphen): a line made of them is blank, and a rule must read a line without them.
INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")

# A character that is a word of its own, in scripts written without spaces between words:
# kana and Han (with its extension A and compatibility ideographs). Counting words counts them.
WORD_CHARACTER = r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]"
WORD_CHARACTER_RE = re.compile(WORD_CHARACTER)

__all__ = ["INVISIBLE", "WORD_CHARACTER", "WORD_CHARACTER_RE"]
