"""What the document filters measure: pure functions of a text, each with the reason it gives.

The measures follow datatrove's Gopher, C4 and FineWeb quality filters where they have one
(word counts, mean word length, symbol/word ratio, bullet, ellipsis, duplicate and short line
shares, punctuated lines), with words counted in every script (one CJK character is a word).
Three are particular to cleaner, for what is not prose at all: robots.txt directives, a text
made of markup or code, and a lone photo credit.
"""

from __future__ import annotations

import re
from collections import Counter

from cleaner.text.words import letter_count, words

# robots.txt directives (RFC 9309 and the common extensions).
ROBOTS_LINE = re.compile(r"^(?:user-agent|disallow|allow|sitemap|crawl-delay|host|noindex"
                         r"|clean-param|request-rate|visit-time)\s*:", re.IGNORECASE)
# Markup and code: tags and entities; lines of CSS, JavaScript, JSON or wiki markup.
TAG = re.compile(r"</?[A-Za-z][\w:-]{0,30}(?:\s[^<>]{0,300})?/?>|&#?\w{1,10};")
CODE_LINE = re.compile(
    r"^(?:@media|@import|@font-face|<!--|-->|//|/\*|\*/|\{\{|\[\[|\}\})"  # comments, wiki
    r"|^[\[{]\s*\"[^\"]{1,100}\"\s*:"  # JSON
    r"|[\w.#\-\[\]=\"':>*, ]{1,200}\{[^{}]{0,500}:[^{}]{0,500}\}"  # a CSS rule
    r"|\b(?:function|var|let|const|return|typeof|document|window|jQuery)\b[^\n]{0,500}"
    r"[;{}]\s*\)?;?$"  # JavaScript
    r"|^[^\s]{0,80}\([^()]{0,200}\)\s*[;{]$",  # a call or a block opening
    re.IGNORECASE)
# A photo or image credit: "Photo: Jane Doe/Reuters", "(Foto: dpa)", "图片来源：新华社",
# "Image courtesy of ...", "Jane Doe / Getty Images".
CAPTION = re.compile(
    r"^[(\[]?(?:photo(?:graph)?s?|image|picture|pic|foto|bild|fotografía|imagen|crédits?\s+photo"
    r"|credit|crédit|图片(?:来源)?|图|照片|写真)\b\s*(?:by|courtesy\s+of|de|von|:|：|/|-|—)"
    r".{0,150}$"
    r"|^.{0,120}(?:/|\||,|\s)\s*(?:getty\s+images|reuters|afp|ap\s+photo|epa|dpa|shutterstock"
    r"|unsplash|istock(?:photo)?|alamy|xinhua|新华社)[)\].]?$",
    re.IGNORECASE)
# Sentence punctuation that ends a line of prose (C4/FineWeb's "terminal punctuation").
TERMINAL = (".", "!", "?", '"', "”", "’", "'", "»", "。", "！", "？", "」", "』", "…", ":",
            "：", ")", "）")
BULLETS = ("•", "●", "○", "▪", "■", "□", "◦", "-", "–", "—", "*", "·", "‣", "⁃", "►", "▶", "➢",
           "✓", "✔")


def lines_of(text: str) -> list[str]:
    """The non-blank lines of a text, stripped."""
    return [line.strip() for line in text.split("\n") if line.strip()]


def robots_share(text: str) -> float:
    """Share of lines that are robots.txt directives (comments ignored).

    >>> robots_share("User-agent: *\\nDisallow: /admin/\\n# hi\\nSitemap: https://a.example/s")
    1.0
    """
    lines = [line for line in lines_of(text) if not line.startswith("#")]
    if not lines:
        return 0.0
    return sum(1 for line in lines if ROBOTS_LINE.match(line)) / len(lines)


def letter_share(text: str) -> float:
    """Letters among the non-space characters.

    >>> letter_share("123 456"), letter_share("Hi 12")
    (0.0, 0.5)
    """
    visible = sum(1 for ch in text if not ch.isspace())
    return letter_count(text) / visible if visible else 0.0


# Every alternative of CODE_LINE needs one of these characters, or one of these starts.
_CODE_SIGNS = frozenset("{};")
_CODE_STARTS = ("@", "<!--", "-->", "//", "/*", "*/", "[[", "{{", "}}")


def _may_be_code(line: str) -> bool:
    """A cheap test first: most lines of prose have no brace or semicolon."""
    return line.startswith(_CODE_STARTS) or not _CODE_SIGNS.isdisjoint(line)


def markup_share(text: str) -> float:
    """Share of the characters that are markup or code: lines of CSS, JavaScript, JSON or
    wiki markup, and tags or entities in the other lines.

    >>> markup_share("<div class='a'>x</div>") > 0.9, markup_share("body{margin:0}")
    (True, 1.0)
    >>> markup_share("A sentence; with x = 3 {and braces}.")
    0.0
    """
    total = code = 0
    for line in lines_of(text):
        size = len(line)
        total += size
        if _may_be_code(line) and CODE_LINE.search(line):
            code += size
        else:
            code += sum(len(match.group(0)) for match in TAG.finditer(line))
    return round(min(1.0, code / total), 4) if total else 0.0


def is_caption(text: str) -> bool:
    """Whether the whole text is one photo or image credit.

    >>> is_caption("Photo: Jane Doe/Reuters"), is_caption("Jane Doe / Getty Images")
    (True, True)
    >>> is_caption("The photo shows the mayor at the opening of the new bridge.")
    False
    """
    lines = lines_of(text)
    return len(lines) == 1 and len(lines[0]) <= 200 and CAPTION.match(lines[0]) is not None


def mean_word_length(text: str) -> float:
    """Mean length of the words made of letters (Gopher), 0 when there is none.

    >>> mean_word_length("big red dog 42")
    3.0
    """
    lengths = [len(word) for word in words(text) if word.isalpha()]
    return sum(lengths) / len(lengths) if lengths else 0.0


def symbol_word_ratio(text: str) -> float:
    """("#" + ellipses) per word (Gopher).

    >>> symbol_word_ratio("#tag #other words...")
    1.0
    """
    count = len(words(text))
    symbols = text.count("#") + text.count("...") + text.count("…")
    return symbols / count if count else float(symbols > 0)


def bullet_line_share(text: str) -> float:
    lines = lines_of(text)
    return sum(1 for line in lines if line.startswith(BULLETS)) / len(lines) if lines else 0.0


def ellipsis_line_share(text: str) -> float:
    lines = lines_of(text)
    return (sum(1 for line in lines if line.endswith(("...", "…"))) / len(lines)
            if lines else 0.0)


def duplicate_line_shares(text: str) -> tuple[float, float]:
    """Share of lines that repeat an earlier line, and share of the characters in them
    (Gopher's dup_line_frac and dup_line_char_frac).

    >>> duplicate_line_shares("a\\nb\\na\\na")
    (0.5, 0.5)
    """
    lines = lines_of(text)
    if not lines:
        return 0.0, 0.0
    seen: Counter[str] = Counter()
    repeated = repeated_chars = 0
    for line in lines:
        if seen[line]:
            repeated += 1
            repeated_chars += len(line)
        seen[line] += 1
    total_chars = sum(len(line) for line in lines)
    return repeated / len(lines), repeated_chars / total_chars if total_chars else 0.0


def punctuated_line_share(text: str) -> float:
    """Share of lines that end with sentence punctuation (C4, FineWeb).

    >>> punctuated_line_share("A sentence.\\nMenu\\nAnother one!")
    0.6667
    """
    lines = lines_of(text)
    if not lines:
        return 0.0
    return round(sum(1 for line in lines if line.endswith(TERMINAL)) / len(lines), 4)


def short_line_share(text: str, limit: int) -> float:
    """Share of lines shorter than ``limit`` characters (FineWeb)."""
    lines = lines_of(text)
    return sum(1 for line in lines if len(line) < limit) / len(lines) if lines else 0.0


__all__ = ["bullet_line_share", "duplicate_line_shares", "ellipsis_line_share", "is_caption",
           "letter_share", "lines_of", "markup_share", "mean_word_length",
           "punctuated_line_share", "robots_share", "short_line_share", "symbol_word_ratio"]
