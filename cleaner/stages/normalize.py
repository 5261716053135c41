"""Whitespace and sentence-boundary normalisation of ``doc.text``.

Small pure functions, applied in order by :func:`normalize_text`:

1. :func:`normalize_spaces` — full-width (U+3000), no-break and other odd spaces become plain
   spaces; zero-width characters go; indentation and trailing spaces go.
2. :func:`normalize_paragraphs` — paragraphs are separated by exactly one blank line.
3. :func:`split_glued_sentences` — restore the space lost between two sentences
   ("Shanghai.We must" → "Shanghai. We must"), never inside "U.S.", "e.g.", "3.5" or a URL.

The principle for glued text is *restore boundaries, never change words*: a space is inserted
only where two tokens are evidently glued at a sentence boundary. Machine translation sometimes
leaves an untranslated particle glued to the next sentence ("supply chain.wantContinue to
deepen"): the boundary after the full stop and the one inside "wantContinue" (a lowercase word
glued to a capitalised one, right at a sentence start) are both restored — "supply chain. want
Continue to deepen" — and no word is dropped or guessed.
"""

from __future__ import annotations

import re

from cleaner.document import Document, Drop
from cleaner.pipeline import DocumentStep, StepStats
from cleaner.text.chars import INVISIBLE, has_shown, strip_terminal_codes
from cleaner.text.repair import straighten_lines

# Space characters other than the plain space (Unicode Zs), and tabs.
ODD_SPACES = re.compile(r"[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
# Invisible characters that only get in the way (zero-width space/joiners, BOM, soft hyphen).
MULTI_SPACE = re.compile(r" {2,}")
# Line breaks other than \n: CR LF, CR, vertical tab, form feed, NEL, Unicode line/paragraph.
ODD_BREAKS = re.compile(r"\r\n?|[\x0b\x0c\x85\u2028\u2029]")


def normalize_spaces(text: str) -> str:
    """Plain spaces only, one at a time, no indentation, no trailing spaces.

    >>> normalize_spaces("\\u3000\\u3000上海市委副书记\\u00a0 said  hi \\n")
    '上海市委副书记 said hi\\n'
    >>> normalize_spaces("a\\r\\nb\\u2029c")
    'a\\nb\\nc'
    """
    text = INVISIBLE.sub("", ODD_SPACES.sub(" ", ODD_BREAKS.sub("\n", text)))
    return "\n".join(MULTI_SPACE.sub(" ", line).strip() for line in text.split("\n"))


def normalize_paragraphs(text: str) -> str:
    """Paragraphs separated by exactly one blank line.

    A text that already marks paragraphs with blank lines keeps its single line breaks inside
    a paragraph; a text without any blank line (extracted HTML: one block a line) gets each
    line as a paragraph.

    >>> normalize_paragraphs("One\\nTwo\\n")
    'One\\n\\nTwo'
    >>> normalize_paragraphs("A\\nb\\n\\n\\n\\nC")
    'A\\nb\\n\\nC'
    """
    lines = text.strip("\n").split("\n")
    if "" not in lines:
        return "\n\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


# Two lowercase letters, a full stop (or ! ?), then a capitalised word: "Shanghai.We".
# Two lowercase letters keep out "U.S.", "e.g.Foo" and "Mr.Smith"; digits keep out "3.5".
# (Each pattern starts with the character it is about, not a lookbehind: the regex engine
# then skips straight to candidates instead of testing the lookbehind at every position.)
GLUED_STOP = re.compile(r"([.!?])(?<=[a-z]{2}[.!?])(?=[A-Z][a-z])"
                        r"(?!(?i:com|org|net|gov|edu|info)\b)")
# The same after a closing quote or bracket: 'said.”The' → 'said.” The'.
GLUED_STOP_QUOTED = re.compile(r"([\"”’)])(?<=[a-z]{2}[.!?][\"”’)])(?=[A-Z][a-z])")
# A comma or semicolon glued to a capitalised word: "security,Provide".
GLUED_COMMA = re.compile(r"([,;])(?<=[a-z]{2}[,;])(?=[A-Z][a-z])")
# A stop glued to an untranslated lowercase particle and a capitalised word: "chain.wantContinue".
# The particle has three letters or more, so a domain glued to a name ("libertas.smSan") stays.
GLUED_STOP_PARTICLE = re.compile(r"\.(?<=[a-z]{2}\.)(?=[a-z]{3,}[A-Z][a-z]{2,})"
                                 r"(?!(?:com|org|net|gov|edu|info)[A-Z])")
# At a sentence start, a lowercase word glued to a capitalised one: ". wantContinue".
GLUED_PARTICLE = re.compile(r"([.!?] [a-z]{3,})(?=[A-Z][a-z]{2,})")
# Tokens that legitimately glue dots and letters: URLs and e-mail addresses.
URLISH = re.compile(r"(?:[a-z][a-z0-9+.-]*://|www\.)\S+|\S+@\S+\.\S+", re.IGNORECASE)


def _outside_urls(text: str, fix) -> str:
    """Apply ``fix`` to the parts of ``text`` that are not URLs or e-mail addresses."""
    out, last = [], 0
    for match in URLISH.finditer(text):
        out.append(fix(text[last:match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(fix(text[last:]))
    return "".join(out)


def split_glued_sentences(text: str) -> str:
    """Insert the space missing after a sentence-final stop (and a glued comma).

    >>> split_glued_sentences("in Shanghai.We must")
    'in Shanghai. We must'
    >>> split_glued_sentences("the U.S. and e.g. 3.5% at www.Example.com")
    'the U.S. and e.g. 3.5% at www.Example.com'
    >>> split_glued_sentences("supply chain.wantContinue to deepen")
    'supply chain. want Continue to deepen'
    >>> split_glued_sentences("security,Provide jobs")
    'security, Provide jobs'
    """
    def fix(part: str) -> str:
        part = GLUED_STOP_PARTICLE.sub(". ", part)
        part = GLUED_STOP.sub(r"\1 ", part)
        part = GLUED_STOP_QUOTED.sub(r"\1 ", part)
        part = GLUED_COMMA.sub(r"\1 ", part)
        return GLUED_PARTICLE.sub(r"\1 ", part)

    return _outside_urls(text, fix)


def normalize_text(text: str) -> str:
    """All normalisations, in order: spaces, glued sentences, paragraphs.

    >>> normalize_text("\\u3000\\u3000First.Second line  \\n\\n\\n  Next ")
    'First. Second line\\n\\nNext'
    """
    return normalize_paragraphs(split_glued_sentences(normalize_spaces(text))).strip()


def normalize_title(title: str | None, uncurl_quotes: bool = True, fix_width: bool = True
                    ) -> str | None:
    """A title on one line, cleaned as the text is; ``None`` when nothing shows.

    >>> normalize_title("\\x1b[1mBig\\x1b[0m  “news”\\u202e\\n"), normalize_title("\\u200b")
    ('Big "news"', None)
    """
    if not title:
        return None
    title = " ".join(normalize_spaces(strip_terminal_codes(title)).split())
    title = straighten_lines(title, uncurl_quotes, fix_width)
    return title if has_shown(title) else None


class NormalizeStep(DocumentStep):
    """Whitespace, full-width spaces and glued sentences; terminal codes (ANSI sequences and
    their residue, bidirectional overrides) in text and title; quotes and widths as the final
    lines call for (:func:`cleaner.text.repair.straighten_lines`, so that cleaning twice
    changes nothing). Drops a document with nothing left that shows.

    ``uncurl_quotes`` and ``fix_width`` are the ``[ingest]`` repairs, handed in by build.py.
    """

    name = "normalize"

    def __init__(self, uncurl_quotes: bool = True, fix_width: bool = True) -> None:
        self.uncurl_quotes = uncurl_quotes
        self.fix_width = fix_width

    def process(self, doc: Document, stats: StepStats) -> Document | Drop:
        text = normalize_text(strip_terminal_codes(doc.text))
        text = straighten_lines(text, self.uncurl_quotes, self.fix_width)
        if text != doc.text:
            stats.counters["normalized"] += 1
        if not has_shown(text):
            return Drop("empty", detail="no text left after cleaning")
        doc.text = text
        doc.title = normalize_title(doc.title, self.uncurl_quotes, self.fix_width)
        return doc
