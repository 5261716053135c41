"""Characters with a meaning of their own in cleaning: shared by every stage that reads lines,
and by the checks of a published version.
"""

from __future__ import annotations

import re

# Characters that take no room on screen (zero-width spaces and joiners, word joiner, BOM,
# soft hyphen): a line made of them is blank, and a rule must read a line without them.
INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")

# A character that is a word of its own, in scripts written without spaces between words:
# kana and Han (with its extension A and compatibility ideographs). Counting words counts them.
WORD_CHARACTER = r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]"
WORD_CHARACTER_RE = re.compile(WORD_CHARACTER)

# What never shows as a glyph: controls, spaces of every width, format characters (zero-width
# and bidirectional ones, invisible operators). A text made only of these is empty; the
# schemas' text pattern (schemas/documents.json, pairs.json) says the same for validate.
NOT_SHOWN = ("\\s\x00-\x20\x7f-\xa0\xad\u034f\u061c\u115f\u1160\u1680\u180b-\u180e"
             "\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\u3164\ufe00-\ufe0f\ufeff\uffa0"
             "\ufff0-\ufffb")
SHOWN = re.compile(f"[^{NOT_SHOWN}]")

# ANSI escape sequences a terminal would act on (colours, cursor moves, screen clears, window
# titles), found in text copied from consoles and logs. Bodies are bounded: an ESC ] with no
# end must not swallow a page.
TERMINAL_ESCAPE = re.compile(r"\x1b\[[0-?]{0,32}[ -/]{0,4}[@-~]"
                             r"|\x1b\][^\x07\x1b]{0,512}(?:\x07|\x1b\\)"
                             r"|\x1b[PX^_][^\x1b]{0,512}\x1b\\|\x1b[ -/]{0,4}[0-~]")
# What is left of a colour or cursor sequence once its ESC was lost on the way ("[31mred[0m"):
# digits are required, so "[m]" or "[Hello" are text.
TERMINAL_RESIDUE = re.compile(r"\[(?:\d{1,3}(?:;\d{1,3}){0,15}[mGJKHf]|\?\d{1,4}[hl])(?!\])")
# Bidirectional embeddings, overrides and isolates: they reorder what follows them on screen
# ("Trojan source"). The marks (LRM, RLM, ALM) are left: they are part of right-to-left text.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def has_shown(text: str) -> bool:
    """Whether ``text`` shows anything: a character that is not a space, control or format
    character.

    >>> has_shown("\\u3000\\u00a0\\u200b\\n"), has_shown("\\u3000上")
    (False, True)
    """
    return SHOWN.search(text) is not None


def strip_terminal_codes(text: str) -> str:
    """``text`` without ANSI escape sequences, their residue and bidirectional overrides.

    Stable: what is left never forms a new sequence (``"[3[31mm"`` loses both layers).

    >>> strip_terminal_codes("\\x1b[1mBold\\x1b[0m [31mred[0m \\u202eevil\\u202c [m] [1]")
    'Bold red evil [m] [1]'
    >>> strip_terminal_codes("[3[31mm x")
    ' x'
    """
    if "\x1b" in text:
        text = TERMINAL_ESCAPE.sub("", text)
    if "[" in text:
        while (stripped := TERMINAL_RESIDUE.sub("", text)) != text:
            text = stripped
    return BIDI_CONTROLS.sub("", text)


__all__ = ["BIDI_CONTROLS", "INVISIBLE", "NOT_SHOWN", "SHOWN", "TERMINAL_ESCAPE",
           "TERMINAL_RESIDUE", "WORD_CHARACTER", "WORD_CHARACTER_RE", "has_shown",
           "strip_terminal_codes"]
