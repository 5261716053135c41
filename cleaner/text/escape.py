"""Showing untrusted strings: one helper per place a string from the data can end up.

A source name, a WARC header, a page's title or a manifest field is attacker-controlled. It
must never act on what shows it: a terminal (escape sequences retitle the window, clear the
screen; a newline plus ``::error ...::`` forges a CI annotation), a Markdown card (a backtick
or a newline opens a heading; raw ``<img onerror>``, ``javascript:`` links, a closing
``</details>``), or a JUnit report (control characters make the XML invalid). Each function
below makes a string inert for one of them, and changes nothing in ordinary text:

* :func:`terminal` — for terminal and CI output (one line, no control, no bidi override);
* :func:`markdown_text` — inline Markdown text (a list item, a table cell, a heading);
* :func:`markdown_code` — the same, set in code style;
* :func:`markdown_fence` — a fenced block that its content cannot close;
* :func:`link_target` — an ``http(s)`` address for a Markdown link, or ``None``;
* :func:`xml_text` — text that XML 1.0 can hold, and that a CI log shows as one line.

What is neutralised (:data:`UNSAFE`): every control character (C0, DEL, C1), line and
paragraph separators, surrogates (undecodable file-name bytes) and the bidirectional
embeddings, overrides, isolates and marks that reorder what follows them on screen. They are
shown as Python-style escapes (``\\x1b``, ``\\u202e``), so two names that differ only there
still read differently; a complete ANSI escape sequence (colour, cursor, window title) goes
altogether, as it has nothing to show.

>>> terminal("report\\x1b]0;pwned\\x07.html\\n::error::x")
'report.html\\\\n::error::x'
>>> markdown_code("a|b\\n# c")
'`a\\\\|b\\\\n# c`'
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from cleaner.text.chars import TERMINAL_ESCAPE

# ANSI escape sequences: CSI (ESC [ ... final), OSC (ESC ] ... BEL or ESC \), other ESC x,
# and the 8-bit CSI (U+009B). What a terminal would act on, whole.
ANSI = re.compile(f"(?:{TERMINAL_ESCAPE.pattern})" + r"|\x9b[0-?]{0,32}[ -/]{0,4}[@-~]")
# Characters shown escaped: controls, line/paragraph separators, surrogates, bidi controls.
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff"
                    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# ASCII punctuation with a meaning in Markdown or HTML (CommonMark lets any of them be
# backslash-escaped; the result shows the character itself). An underscore inside a word
# (robots_txt) opens no emphasis, and parentheses make a link only after a "]": both stay.
MARKDOWN_SPECIAL = re.compile(r"([\\`*{}\[\]<>#|!~&]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")
# At the start of a line, these open a block (list, quote, heading, rule, ordered list).
BLOCK_START = re.compile(r"^([-+=>]|\d+(?=[.)]))")


def _escaped(match: re.Match[str]) -> str:
    """``\\x1b``, ``\\n``, ``\\u202e``: what a control character is, in visible form."""
    char = match.group(0)
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    if char in named:
        return named[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def strip_ansi(text: str) -> str:
    """``text`` without ANSI escape sequences (colours, cursor moves, window titles).

    >>> strip_ansi("\\x1b[31mred\\x1b[0m and \\x1b]0;title\\x07plain")
    'red and plain'
    """
    return ANSI.sub("", text)


def visible(text: str) -> str:
    """``text`` with every unsafe character (:data:`UNSAFE`) shown as an escape, ANSI
    sequences removed. The result is one line and cannot steer a terminal.

    >>> visible("a\\u202eb\\tc\\udcff")
    'a\\\\u202eb\\\\tc\\\\udcff'
    """
    return UNSAFE.sub(_escaped, strip_ansi(str(text)))


def terminal(text: object) -> str:
    """A string from the data, safe to print on a terminal or in a CI log, on one line.

    >>> terminal("新闻/page.html"), terminal(None)
    ('新闻/page.html', 'None')
    """
    return visible(str(text))


def markdown_text(text: object, line_start: bool = False) -> str:
    """Inline Markdown that shows ``text`` as it is: no HTML, no link, no emphasis and no
    line break can come out of it; with ``line_start`` (text that begins a line), no block
    either (heading, list, quote).

    >>> markdown_text("<img src=x onerror=alert(1)> [a](javascript:x) *b*")
    '\\\\<img src=x onerror=alert(1)\\\\> \\\\[a\\\\](javascript:x) \\\\*b\\\\*'
    >>> markdown_text("robots_txt _x_")
    'robots_txt \\\\_x\\\\_'
    >>> markdown_text("1. in a line"), markdown_text("1. a list", line_start=True)
    ('1. in a line', '1\\\\. a list')
    """
    line = MARKDOWN_SPECIAL.sub(r"\\\1", visible(str(text)))
    if not line_start:
        return line
    return BLOCK_START.sub(lambda m: m.group(0) + "\\" if m.group(0)[0].isdigit()
                           else "\\" + m.group(0), line, count=1)


def markdown_code(text: object) -> str:
    """``text`` in code style, for names (sources, files): a backtick, a pipe, a newline or
    markup inside cannot end the code span, split a table cell or open a block.

    Backslash escapes do not work inside a code span, so this is a code span only for the
    text it can hold as it is; a name with a backtick is escaped as text instead.

    >>> markdown_code("seeds/001.txt"), markdown_code("a|b")
    ('`seeds/001.txt`', '`a\\\\|b`')
    """
    shown = visible(str(text))
    if "`" in shown or not shown.strip():
        return markdown_text(shown)
    # GFM tables split cells at "|" even inside code spans, unless it is escaped.
    return "`" + shown.replace("|", "\\|") + "`"


def markdown_fence(text: str, info: str = "") -> str:
    """A fenced code block holding ``text``: its fence is longer than any run of backticks
    in ``text``, so the text cannot close it (and its controls are shown escaped).

    >>> print(markdown_fence("a ``` b", "toml"))
    ````toml
    a ``` b
    ````
    """
    lines = [visible(line) for line in str(text).split("\n")]
    longest = max((len(run) for run in re.findall(r"`+", "\n".join(lines))), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n" + "\n".join(lines) + f"\n{fence}"


def link_target(url: object) -> str | None:
    """An ``http``/``https`` address made safe as a Markdown link target, or ``None`` for
    anything else (``javascript:``, ``data:``, relative, malformed).

    >>> link_target("https://example.org/a b(c)"), link_target("javascript:alert(1)")
    ('https://example.org/a%20b%28c%29', None)
    """
    text = str(url or "").strip()
    if UNSAFE.search(text) or len(text) > 2000:
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return quote(text, safe="/:?#@!$&'*+,;=%~-._")


def xml_text(text: object) -> str:
    """Text that an XML 1.0 document can hold (ElementTree escapes ``<>&`` but writes
    control characters as they are, which no parser accepts), shown on one line.

    >>> xml_text("bad\\x00byte\\x1b[2J\\ufffe")
    'bad\\\\x00byte\\\\ufffe'
    """
    return re.sub("[\ufffe\uffff]", lambda m: f"\\u{ord(m.group(0)):04x}", visible(str(text)))


__all__ = ["ANSI", "UNSAFE", "link_target", "markdown_code", "markdown_fence", "markdown_text",
           "strip_ansi", "terminal", "visible", "xml_text"]
