"""The per-document part: a compact profile of what pairing needs to know about a document.

Made once per document, where documents are processed (worker processes or Ray tasks), after
language identification; the corpus part (:mod:`~.pairing`) never reads the
text again. A :class:`Profile` holds plain values only (str, int, bytes, tuples), so it
pickles and converts to an Arrow struct as is (:meth:`Profile.as_record`).

What it holds, and why:

* ``vectors``: the sentence-encoder vector of each *segment* (a line, cut further at sentence
  ends, see :func:`segments`) of the beginning of the document, 512 int8 values each. Pairs are
  scored by aligning these in order (:mod:`~.align`); a translation keeps the
  order of its source, a text on the same topic does not.
* ``seg_chars``: the visible length of each encoded segment (alignment weighs by length).
* ``grams``: hashes of the character 4-grams of the same beginning, transliterated to Latin
  letters: cognates and names across related languages (Czech, Ukrainian, Croatian...) that the
  encoder knows less well.
* ``anchors``: numbers, links, names and months (:mod:`~.anchors`).
* ``chars``: the visible length of the whole text (the length ratio of a pair is evidence).

Only the beginning is encoded: at most :data:`MAX_SEGMENTS` segments and :data:`BUDGET`
characters of English-equivalent length (fewer for Chinese and Japanese, which say the same in
fewer characters, see :data:`DENSITY`), enough to tell a translation from a look-alike. So the
cost per document is bounded (about 10 ms of encoder time per segment on one core), and so is
the profile: at most 24 x 512 bytes of vectors plus 4 bytes per 4-gram (about 6 KiB for a news
story, a few hundred bytes for a one-line message).
"""

from __future__ import annotations

import re
import zlib
from dataclasses import asdict, dataclass
from typing import Any

from cleaner.stages.dedup.translate.anchors import anchors, transliterate

# Segments encoded per document, at most.
MAX_SEGMENTS = 24
# Visible characters of English-equivalent length encoded per document, at most.
BUDGET = 2000
# A segment longer than this is cut (one sentence rarely is; the encoder averages anyway).
MAX_SEGMENT_CHARS = 400
# Visible characters of a language per visible character of English for the same content
# (median of WMT22 translation pairs: zh 0.33, ja 0.48; ko is an estimate); others are 1.0
# within about 10 % (de 1.11, fr 1.12, cs 0.93, ru 1.00, uk 0.96, hr 1.04, liv 0.93).
DENSITY = {"zh": 0.33, "yue": 0.33, "ja": 0.48, "ko": 0.5}
GRAM = 4
# Profile layout version: a stored profile of another version is made again.
VERSION = 1

SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’»)]*\s+(?=[\"'“‘«(\[]?[A-ZÀ-ÞА-ЯЁЇІЄҐ0-9])"
                          r"|(?<=[。！？])[」』”’）]*")
LATIN_WORD = re.compile(r"[a-z0-9]+")


@dataclass(slots=True)
class Profile:
    """What pairing needs of one document (see the module docstring); plain values only."""

    lang: str
    # Visible characters of the whole text.
    chars: int
    # int8 vectors of the encoded segments, row after row (len = 512 x segments).
    vectors: bytes
    # Visible characters of each encoded segment.
    seg_chars: tuple[int, ...]
    # Whether every segment of the text was encoded (else only its beginning).
    complete: bool
    # Sorted unique CRC-32 of the transliterated character 4-grams, as little-endian uint32.
    grams: bytes
    # Numbers, links, names, months (sorted).
    anchors: tuple[str, ...]
    # Publication date as a proleptic ordinal (None when unknown).
    published: int | None = None
    version: int = VERSION

    @property
    def segments(self) -> int:
        return len(self.seg_chars)

    @property
    def nbytes(self) -> int:
        """Bytes of the profile's payload (vectors, lengths, grams, anchors)."""
        return (len(self.vectors) + 2 * len(self.seg_chars) + len(self.grams)
                + sum(len(a) for a in self.anchors) + len(self.lang) + 16)

    def as_record(self) -> dict[str, Any]:
        """A dict of plain values (an Arrow struct row; :meth:`from_record` reverses it)."""
        record = asdict(self)
        record["seg_chars"] = list(self.seg_chars)
        record["anchors"] = list(self.anchors)
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Profile:
        return cls(**{**record, "seg_chars": tuple(record["seg_chars"]),
                      "anchors": tuple(record["anchors"])})


def visible_length(text: str) -> int:
    """Characters that are not whitespace (spacing differs by language and by page).

    >>> visible_length(" 上海 Shanghai  2024 ")
    14
    """
    return sum(map(len, text.split()))


def density(lang: str) -> float:
    """Visible characters per English character for the same content (see :data:`DENSITY`).

    >>> density("zh"), density("de")
    (0.33, 1.0)
    """
    return DENSITY.get(lang, 1.0)


def segments(text: str) -> list[str]:
    """The text's lines, each cut further at sentence ends; empty lines are left out.

    Pages break lines differently (a paragraph per line, a sentence per line), so both sides
    of a pair are cut alike: at line breaks and at sentence ends.

    >>> segments("Hello there. How are you?\\n\\n你好。你好吗？")
    ['Hello there.', 'How are you?', '你好。', '你好吗？']
    """
    out = []
    for line in text.split("\n"):
        for piece in SENTENCE_END.split(line):
            piece = piece.strip() if piece else ""
            if piece and any(ch.isalnum() for ch in piece):
                out.append(piece)
    return out


def window(pieces: list[str], lang: str) -> tuple[list[str], bool]:
    """The segments encoded: the first ones within :data:`MAX_SEGMENTS` and the
    character budget of ``lang``; and whether that is all of them.

    >>> window(["a" * 1500, "b" * 1500], "en")[1], len(window(["x"] * 30, "en")[0])
    (False, 24)
    """
    budget = BUDGET * density(lang)
    chosen: list[str] = []
    used = 0
    for piece in pieces:
        if len(chosen) >= MAX_SEGMENTS or (chosen and used >= budget):
            break
        piece = piece[:MAX_SEGMENT_CHARS]
        chosen.append(piece)
        used += visible_length(piece)
    return chosen, len(chosen) == len(pieces) and all(
        len(p) <= MAX_SEGMENT_CHARS for p in pieces)


def gram_hashes(text: str) -> bytes:
    """Sorted unique CRC-32 of the character 4-grams of the transliterated words (padded
    with a space at both ends, so short words count too), as little-endian uint32.

    >>> import numpy as np
    >>> len(np.frombuffer(gram_hashes("Praha Прага"), dtype="<u4"))  # " pra" is shared
    7
    """
    import numpy as np

    grams = set()
    for word in LATIN_WORD.findall(transliterate(text)):
        padded = f" {word} "
        for i in range(max(1, len(padded) - GRAM + 1)):
            grams.add(zlib.crc32(padded[i:i + GRAM].encode("ascii")))
    return np.array(sorted(grams), dtype="<u4").tobytes()


def encoded_segments(text: str, lang: str) -> list[str]:
    """The segments of ``text`` that its profile encodes (:func:`window` of
    :func:`segments`).

    >>> encoded_segments("One. Two.", "en")
    ['One.', 'Two.']
    """
    return window(segments(text), lang.split("-")[0].lower())[0]


def make_profile(text: str, lang: str, published: int | None = None,
                 encode=None) -> Profile:
    """The profile of a text in ``lang`` (``encode``: texts -> unit vectors; the sentence
    encoder by default, a stand-in in tests)."""
    from cleaner.stages.dedup.translate.encoder import encode as default_encode
    from cleaner.stages.dedup.translate.encoder import quantize

    lang = lang.split("-")[0].lower()
    chosen, complete = window(segments(text), lang)
    vectors = quantize((encode or default_encode)(chosen)) if chosen else None
    joined = "\n".join(chosen)
    latin = sum(ch.isascii() for ch in joined if ch.isalpha()) * 2 > sum(
        ch.isalpha() for ch in joined)
    return Profile(
        lang=lang,
        chars=visible_length(text),
        vectors=b"" if vectors is None else vectors.tobytes(),
        seg_chars=tuple(visible_length(p) for p in chosen),
        complete=complete,
        grams=gram_hashes(joined),
        anchors=anchors(joined, lang, latin),
        published=published,
    )
