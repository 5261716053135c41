"""HTML or text? Decided from the content; the file name is only a hint."""

from __future__ import annotations

import re

from cleaner.text.chars import TERMINAL_ESCAPE

# --- HTML or text ---------------------------------------------------------------------------

HTML_START_RE = re.compile(r"\A\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*"
                           r"<(?:!doctype\s+html|html|head|body)\b", re.IGNORECASE | re.DOTALL)
TAG_RE = re.compile(
    r"</?(?:html|head|body|div|p|span|a|br|hr|img|table|tr|td|th|tbody|thead|ul|ol|li|dl|dt|dd|"
    r"h[1-6]|article|section|header|footer|nav|main|aside|script|style|meta|link|title|font|b|"
    r"i|u|em|strong|blockquote|pre|code|figure|figcaption|iframe|form|input|button|center|"
    r"small|sup|sub|noscript|time|label|select|option|picture|source|video|svg)\b[^<>]{0,2000}>",
    re.IGNORECASE)


def looks_like_html(text: str, hint: str = "") -> bool:
    """Whether ``text`` is markup; the name-based ``hint`` ("html"/"text"/"") only tips it.

    A document that starts with a tag or doctype is HTML, whatever its name (the seeds are
    ``.txt`` files holding an HTML fragment); an ``.html`` file with no tag at all is text.

    >>> looks_like_html("<div><p>Hi</p></div>"), looks_like_html("a < b and c > d", "html")
    (True, False)
    """
    if HTML_START_RE.match(text):
        return True
    head = text[:200_000]
    tags = TAG_RE.findall(head)
    if not tags:
        return False
    if hint == "html" or head.lstrip().startswith("<"):
        return True
    return len(tags) >= 5 and any(tag.startswith("</") for tag in tags)


# Character references to control characters other than tab and line breaks (&#27; is the ESC
# of an ANSI sequence): no page shows them, and libxml2 gives up on the whole page at one.
# (Measured: U+0001-0008, U+000E-001F and U+FFFE each empty the page; C1 references are
# cp1252 in HTML, &#150; is a dash, and stay.)
CONTROL_REFERENCE = re.compile(r"&#(?:0*(?:[1-8]|1[4-9]|2[0-9]|3[01]|6553[45])(?![0-9])"
                               r"|[xX]0*(?:[1-8eEfF]|1[0-9a-fA-F]|[fF]{3}[eEfF])(?![0-9a-fA-F]));?")


def without_terminal_codes(markup: str) -> str:
    """Markup without ANSI escape sequences and references to control characters.

    Both would reach the text as residue ("[31m") or, for a reference, cost the whole page;
    what is left of them is stripped with the rest of the text's terminal codes.

    >>> without_terminal_codes("<p>a &#27;[2J b \x1b[31mred\x1b[0m &#x9;tab &#169;</p>")
    '<p>a [2J b red &#x9;tab &#169;</p>'
    """
    if "\x1b" in markup:
        markup = TERMINAL_ESCAPE.sub("", markup)
    if "&#" in markup:
        markup = CONTROL_REFERENCE.sub("", markup)
    return markup


# Markup a reader never sees, a tag, or text: scanned in order, the first text ends the scan.
MARKUP_OR_TEXT = re.compile(r"(?is)<(script|style|noscript|template)\b.*?</\1\s*>|<!--.*?-->"
                            r"|<[^>]*>|([^<]+|<)")


def has_visible_text(markup: str) -> bool:
    """Whether ``markup`` shows any text once scripts, styles, comments and tags are removed.

    Scans only as far as the first text (most pages: their title), not the whole page.

    >>> has_visible_text("<style>p{}</style><p> Hi </p>"), has_visible_text("<p> <!--x--> </p>")
    (True, False)
    """
    return any(match[2] and not match[2].isspace() for match in MARKUP_OR_TEXT.finditer(markup))
