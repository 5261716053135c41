"""Decode: raw bytes -> text or markup, front matter -> metadata, broken text -> repaired text.

:class:`DecodeStep` turns ``doc.data`` into ``doc.html`` (markup) or ``doc.text`` (plain text):

1. **Binary?** Known file signatures (PNG, PDF, ZIP...) and NUL/control bytes are rejected
   (``Drop("binary")``), whatever the file is called.
2. **Which encoding?** In this order of evidence: byte-order mark, HTTP/WARC header
   (``doc.charset_hint``), ``<meta charset>`` / ``http-equiv``, XML declaration, then
   detection for undeclared bytes. A declared charset is only trusted if the bytes decode
   cleanly with it (pages lie: "UTF-8" that is GBK), valid UTF-8 wins over a declared legacy
   charset, and a legacy one gives way to a decoding that reads far better. Detection tries
   the common web encodings and charset-normalizer's guess, and keeps the decoding that reads
   most like real text (:func:`plausibility`: common characters of one script; a letter
   model from langdetect's profiles breaks ties). Labels are read the way browsers read
   them (GB2312 and GBK as GB18030, Big5 as Big5-HKSCS, Shift_JIS as cp932, latin-1 as
   cp1252...).
3. **Front matter** (YAML ``---`` or TOML ``+++``, after optional blank lines) is parsed safely
   into ``title``, ``published``, ``author``, ``url`` and ``meta`` (categories, tags...).
4. **HTML or text?** Decided from the content; the file name is only a hint.
5. **Repairs** of plain text with ftfy (mojibake, C1 controls, NFC...), plus HTML entities
   (also escaped twice, ``&amp;#123;``). Every repair applied is named in ``doc.repairs``.
   Markup is left as decoded; its text is repaired after extraction.

:func:`repair_text` is the pure repair function; the extraction stage calls it on the text it
takes out of HTML (inside markup, entities are left to the HTML parser: unescaping ``&lt;p&gt;``
before parsing would turn text into tags).
"""

from __future__ import annotations

import codecs
import contextlib
import datetime as dt
import functools
import math
import re
import tomllib
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import ftfy
import ftfy.badness
import ftfy.chardata
import ftfy.fixes
import yaml

from cleaner.document import Document, Drop
from cleaner.pipeline import DocumentStep, StepStats
from cleaner.stages.ingest.reader import IngestConfig
from cleaner.text.dates import parse_date
from cleaner.text.repair import repair_text


def utf8(text: str) -> bytes:
    """``text`` in UTF-8, lone surrogates kept: the form in which the checks below scan it
    (a bytes pattern runs ~10x faster than a str pattern over text beyond Latin-1)."""
    return text.encode("utf-8", "surrogatepass")


# C1 control characters (U+0080 to U+009F, in UTF-8 C2 80 to C2 9F): in decoded text they
# are almost always the trace of mojibake.
C1_CONTROL_UTF8 = re.compile(b"\xc2[\x80-\x9f]")

# --- binary content -------------------------------------------------------------------------

# File signatures of common non-text formats that end up in scraped folders under any name.
SIGNATURES: list[tuple[bytes, str]] = [
    (b"\x89PNG\r\n\x1a\n", "PNG image"), (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"), (b"GIF89a", "GIF image"), (b"%PDF-", "PDF document"),
    (b"PK\x03\x04", "ZIP archive"), (b"\x1f\x8b", "gzip data"),
    (b"\xfd7zXZ\x00", "xz data"), (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"Rar!\x1a\x07", "RAR archive"), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "OLE document"),
    (b"\x7fELF", "ELF executable"), (b"wOFF", "WOFF font"), (b"wOF2", "WOFF2 font"),
    (b"OggS\x00", "Ogg media"), (b"ID3\x02", "MP3 audio"), (b"ID3\x03", "MP3 audio"),
    (b"ID3\x04", "MP3 audio"), (b"fLaC\x00", "FLAC audio"),
    (b"SQLite format 3\x00", "SQLite database"), (b"\x00asm", "WebAssembly"),
    (b"\x00\x00\x01\x00", "ICO image"), (b"II*\x00", "TIFF image"), (b"MM\x00*", "TIFF image"),
]
# Control characters that have no place in text (tab, newlines and form feed excluded).
CONTROL_CHARS = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F])
# The same as bytes, minus ESC (ISO-2022-JP text is made of escape sequences).
CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x1B), *range(0x1C, 0x20), 0x7F])


def binary_signature(data: bytes) -> str | None:
    """Name the binary format ``data`` starts with, or None.

    >>> binary_signature(b"\\x89PNG\\r\\n\\x1a\\n...."), binary_signature(b"<html>")
    ('PNG image', None)
    """
    for magic, name in SIGNATURES:
        if data.startswith(magic):
            return name
    if data[:4] == b"RIFF" and data[8:12] in (b"WEBP", b"WAVE", b"AVI "):
        return f"RIFF {data[8:12].decode('ascii').strip()} media"
    if re.match(rb"BZh[1-9]1AY&SY", data[:10]):
        return "bzip2 data"
    if data[4:8] == b"ftyp":
        return "MP4/ISO media"
    return None


def binary_reason(data: bytes, charset_hint: str | None = None) -> str | None:
    """Why ``data`` is binary rather than text, or None.

    A known file signature, NUL bytes (beyond one in a thousand) or more than 5% control
    bytes, as in images, archives and executables whatever their names. UTF-16/32 text
    (by BOM, header or content), whose NULs are part of the characters, is left to be
    checked once decoded.

    >>> binary_reason(b"hello\\x00world"), binary_reason("上海".encode("utf-16"))
    ('NUL bytes', None)
    """
    signature = binary_signature(data)
    if signature:
        return signature
    declared = codec_for_label(charset_hint) or ""
    if (data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
            or declared.startswith(("utf-16", "utf-32")) or utf16_without_bom(data)):
        return None
    sample = data[:65536]
    if not sample:
        return None
    if sample.count(0) > len(sample) * 0.001:
        return "NUL bytes"
    controls = len(sample) - len(sample.translate(None, CONTROL_BYTES))
    if controls >= 2 and controls > len(sample) * 0.05:
        return f"{controls / len(sample):.0%} control bytes"
    return None


def control_ratio(text: str) -> float:
    """Share of characters that are control characters (binary data decoded as text).

    >>> control_ratio("ab\\x00\\x01")
    0.5
    """
    if not text:
        return 0.0
    data = utf8(text)  # (in UTF-8 these bytes stand for themselves only)
    return (len(data) - len(data.translate(None, CONTROL_CHARS))) / len(text)


# --- encodings ------------------------------------------------------------------------------

BOMS: list[tuple[bytes, str]] = [
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]

# Labels read the way browsers read them (WHATWG Encoding Standard): the superset wins.
LABELS: dict[str, str] = {}
for _codec, _labels in {
    "gb18030": "gb2312 gbk x-gbk gb_2312 gb_2312-80 gb-2312 chinese csgb2312 iso-ir-58 euc-cn "
               "cp936 ms936 windows-936 gb18030",
    "big5hkscs": "big5 big5-hkscs cn-big5 csbig5 x-x-big5 cp950 x-big5",
    "cp932": "shift_jis shift-jis sjis x-sjis ms_kanji csshiftjis windows-31j ms932 cp932 "
             "x-ms-cp932",
    "euc_jp": "euc-jp x-euc-jp cseucpkdfmtjapanese eucjp",
    "iso2022_jp": "iso-2022-jp csiso2022jp",
    "cp949": "euc-kr ks_c_5601-1987 ks_c_5601-1989 ksc5601 ksc_5601 korean windows-949 "
             "cp949 iso-ir-149 csksc56011987 csEUCKR".lower(),
    "cp1252": "iso-8859-1 iso8859-1 iso_8859-1 latin1 latin-1 l1 us-ascii ascii ansi_x3.4-1968 "
              "windows-1252 cp1252 x-cp1252 cp819 ibm819 iso-ir-100 csisolatin1",
    "cp1254": "iso-8859-9 iso8859-9 latin5 l5 windows-1254 cp1254",
    "cp874": "tis-620 iso-8859-11 windows-874 cp874 dos-874",
    "cp1251": "windows-1251 cp1251 x-cp1251",
    "koi8_r": "koi8-r koi8r koi8 cskoi8r",
    "koi8_u": "koi8-u koi8-ru",
    "mac_cyrillic": "x-mac-cyrillic x-mac-ukrainian",
    "mac_roman": "macintosh mac x-mac-roman csmacintosh",
    "utf-8": "utf-8 utf8 unicode-1-1-utf-8 unicode11utf8 unicode20utf8 x-unicode20utf8",
    "utf-16-le": "utf-16 utf-16le ucs-2 unicode csunicode iso-10646-ucs-2",
    "utf-16-be": "utf-16be",
}.items():
    for _label in _labels.split():
        LABELS[_label] = _codec

SINGLE_BYTE = {"cp1252", "cp1254", "cp874", "cp1251", "koi8_r", "koi8_u", "mac_cyrillic",
               "mac_roman", "latin-1", "iso8859-2", "cp1250", "cp1253", "cp1255", "cp1256",
               "cp1257", "cp1258", "iso8859-5", "iso8859-7", "iso8859-8", "iso8859-13",
               "iso8859-15", "iso8859-16", "cp437", "cp850", "cp866"}
META_CHARSET_RE = re.compile(
    rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9_.:+-]{2,40})""", re.IGNORECASE)
UTF8_SEQUENCE_RE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}")
HIGH_BYTES = bytes(range(0x80, 0x100))
XML_DECLARATION_RE = re.compile(
    rb"""\A\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9_.:+-]{2,40})["']""")


def _latin1_fallback(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: bytes a code page leaves undefined stay as their latin-1 chars.

    Browsers decode 0x81, 0x8D, 0x8F, 0x90 and 0x9D in "windows-1252" this way.
    """
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return "".join(chr(b) for b in error.object[error.start:error.end]), error.end


codecs.register_error("cleaner-latin1", _latin1_fallback)


def codec_for_label(label: str | None) -> str | None:
    """The Python codec for a charset label as browsers read it, or None if unknown.

    >>> codec_for_label("GB2312"), codec_for_label(" Shift_JIS "), codec_for_label("nope")
    ('gb18030', 'cp932', None)
    """
    if not label:
        return None
    name = label.strip().strip("'\"").lower()
    if name in LABELS:
        return LABELS[name]
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    if not getattr(info, "_is_text_encoding", True):  # base64, zlib... are not charsets
        return None
    return LABELS.get(info.name, info.name)


def decode_strict(data: bytes, codec: str) -> str | None:
    """``data`` decoded with ``codec``, or None if any byte sequence is invalid in it.

    cp1252 keeps its five undefined bytes as latin-1 characters, as browsers do.

    >>> decode_strict("上海".encode("gbk"), "gb18030"), decode_strict(b"\\xff", "utf-8")
    ('上海', None)
    """
    errors = "cleaner-latin1" if codec == "cp1252" else "strict"
    try:
        return data.decode(codec, errors=errors)
    except (UnicodeDecodeError, LookupError):
        return None


def utf8_evidence(data: bytes) -> tuple[int, int]:
    """(valid sequences, invalid bytes): how much of the non-ASCII in ``data`` is UTF-8.

    Legacy encodings almost never form valid multi-byte UTF-8 sequences by chance, so many
    valid ones and few invalid bytes mean UTF-8 whatever a page declares.

    >>> utf8_evidence("café".encode("utf-8")), utf8_evidence("café".encode("cp1252"))
    ((1, 0), (0, 1))
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        sequences = UTF8_SEQUENCE_RE.findall(data)
        high = len(data) - len(data.translate(None, HIGH_BYTES))
        return len(sequences), high - sum(len(s) for s in sequences)
    # Valid UTF-8: every ASCII byte is one character, so the rest of the text is non-ASCII.
    return len(text) - len(data.translate(None, HIGH_BYTES)), 0


def utf16_without_bom(data: bytes) -> str | None:
    """"utf-16-le"/"utf-16-be" for UTF-16 text without a byte-order mark, else None.

    Mostly-ASCII text shows NUL bytes at every other position; other text (CJK, Cyrillic...)
    is recognised when its NUL or control bytes, read as UTF-16, give plausible text.

    >>> utf16_without_bom("hello world".encode("utf-16-le"))
    'utf-16-le'
    >>> utf16_without_bom("上海市政府今天召开常务会议，研究部署绿色发展。".encode("utf-16-be"))
    'utf-16-be'
    """
    sample = data[:4096]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    even_nul, odd_nul = even.count(0) / len(even), odd.count(0) / len(odd)
    if odd_nul > 0.3 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.3 and odd_nul < 0.05:
        return "utf-16-be"
    controls = len(sample) - len(sample.translate(None, CONTROL_BYTES))
    if controls < len(sample) * 0.01:
        return None  # an 8-bit text: no reason to think of UTF-16
    sample = sample[: len(sample) // 2 * 2]
    for codec in ("utf-16-le", "utf-16-be"):
        text = decode_strict(sample, codec)
        if text is not None and plausibility(text, codec) >= 0.6:
            return codec
    return None


@dataclass
class Decoded:
    """Text decoded from bytes, the codec used, and what the choice rested on."""

    text: str
    codec: str
    evidence: str  # bom, header, meta, xml, utf8, detected, fallback
    repairs: list[str] = field(default_factory=list)


def declared_charsets(data: bytes) -> list[tuple[str, str]]:
    """Charsets a document declares in its own bytes: (evidence, label), strongest first.

    >>> declared_charsets(b'<meta http-equiv="Content-Type" content="text/html; charset=gbk">')
    [('meta', 'gbk')]
    """
    head = data[:16384]
    found = []
    match = META_CHARSET_RE.search(head)
    if match:
        found.append(("meta", match[1].decode("ascii").lower()))
    match = XML_DECLARATION_RE.match(head)
    if match:
        found.append(("xml", match[1].decode("ascii").lower()))
    return found


def decode_bytes(data: bytes, charset_hint: str | None = None) -> Decoded:
    """Decode ``data`` by the strongest evidence that holds up.

    BOM, then the header charset (``charset_hint``), then ``<meta charset>``/``http-equiv``,
    then the XML declaration, each used only if the bytes decode cleanly with it; then UTF-8
    if valid; then statistical detection (charset-normalizer); last, UTF-8 with U+FFFD.

    >>> page = '<meta charset="utf-8"><p>上海市政府常务会议今天召开，研究部署绿色低碳发展。</p>'
    >>> decode_bytes(page.encode("gbk")).codec  # the declaration lies
    'gb18030'
    """
    for bom, codec in BOMS:
        if data.startswith(bom):
            text = data[len(bom):].decode(codec, errors="replace")
            repairs = ["replaced_invalid_bytes"] if "\ufffd" in text else []
            return Decoded(text, codec, "bom", repairs)
    codec = utf16_without_bom(data)
    if codec and (text := decode_strict(data, codec)) is not None:
        return Decoded(text, codec, "utf16-pattern")

    repairs: list[str] = []
    valid, invalid = utf8_evidence(data)
    candidates = []
    if charset_hint:
        candidates.append(("header", charset_hint))
    candidates += declared_charsets(data)
    for evidence, label in candidates:
        codec = codec_for_label(label)
        if codec is None:
            repairs.append(f"unknown_charset:{label}")
            continue
        if codec.startswith("utf-16") and evidence != "header":
            continue  # a UTF-16 declaration in ASCII-compatible bytes is wrong (WHATWG)
        if codec != "utf-8" and invalid == 0 and valid >= _utf8_override_threshold(codec):
            repairs.append(f"declared_charset_wrong:{label}")
            return Decoded(data.decode("utf-8"), "utf-8", "utf8", repairs)
        text = decode_strict(data, codec)
        if text is None and codec == "utf-8" and _mostly_utf8(valid, invalid):
            text = data.decode("utf-8", errors="replace")
            return Decoded(text, codec, evidence, repairs + ["replaced_invalid_bytes"])
        if text is not None:
            better = _better_than_declared(data, codec)
            if better is None:
                return Decoded(text, codec, evidence, repairs)
            repairs.append(f"declared_charset_wrong:{label}")
            return Decoded(better[1], better[0], "detected", repairs)
        repairs.append(f"declared_charset_wrong:{label}")

    if invalid == 0:
        if b"\x1b$" in data and (text := decode_strict(data, "iso2022_jp")) is not None:
            return Decoded(text, "iso2022_jp", "detected", repairs)  # 7-bit Japanese
        return Decoded(data.decode("utf-8"), "utf-8", "utf8", repairs)
    if _mostly_utf8(valid, invalid):
        # UTF-8 with a few broken sequences (a cut-off character): keep it UTF-8.
        text = data.decode("utf-8", errors="replace")
        return Decoded(text, "utf-8", "utf8", repairs + ["replaced_invalid_bytes"])
    detected = detect_charset(data)
    if detected is not None:
        codec, text = detected
        return Decoded(text, codec, "detected", repairs)
    text = data.decode("utf-8", errors="replace")
    return Decoded(text, "utf-8", "fallback", repairs + ["replaced_invalid_bytes"])


def _mostly_utf8(valid: int, invalid: int) -> bool:
    """UTF-8 with a few broken bytes (a character cut by truncation, a stray byte).

    Twenty well-formed multi-byte sequences do not happen by chance in a legacy encoding, so
    one or two broken ones do not outweigh them, even on a page with little non-ASCII text.

    >>> _mostly_utf8(47, 1), _mostly_utf8(1000, 20), _mostly_utf8(1000, 40), _mostly_utf8(5, 1)
    (True, True, False, False)
    """
    return valid >= 20 and invalid <= max(2, valid * 0.02)


def _better_than_declared(data: bytes, codec: str) -> tuple[str, str] | None:
    """(codec, text) of a decoding far more plausible than the declared ``codec``, or None.

    A declared legacy charset that decodes without error can still be wrong (a GBK page
    labelled ISO-8859-1 decodes, into nonsense); it is kept unless another reads clearly
    better. Pages with little non-ASCII text are not second-guessed.
    """
    sample = data[:SCORE_SAMPLE_BYTES]
    if codec == "utf-8" or len(sample) - len(sample.translate(None, HIGH_BYTES)) < 4:
        return None
    text = _decode_prefix(data, score_sample(data), codec)
    if text is None or plausibility(text, codec) >= 0.9:
        return None  # reads well: nothing could be clearly better
    ranked = rank_decodings(data, [codec, *DETECT_CODECS])
    scores = {name: score for score, name in ranked}
    best_score, best = ranked[0]
    if best == codec or best_score < scores.get(codec, -9.0) + DECLARED_MARGIN:
        return None
    text = decode_strict(data, best)
    return (best, text) if text is not None else None


def _utf8_override_threshold(codec: str) -> int:
    """How many valid UTF-8 sequences outweigh a declared legacy charset.

    Text in a single-byte code page almost never contains one; short double-byte (CJK) text
    sometimes does by chance, so it takes more.
    """
    return 1 if codec in SINGLE_BYTE else 8


# Encodings tried on undeclared bytes that are not UTF-8, most common on the web first (the
# order breaks ties). charset-normalizer's best guess is tried too.
DETECT_CODECS = ["gb18030", "big5hkscs", "cp932", "euc_jp", "cp949", "cp1252", "cp1251",
                 "koi8_r", "cp1250", "cp1253", "cp1254", "cp1257", "cp1255", "cp1256", "cp874"]
SCORE_SAMPLE_BYTES = 64 * 1024
# Single-byte decodings scoring this close to the best are told apart by language_fit.
TIE_MARGIN = 0.3
# A declared charset gives way only to a decoding that scores this much better.
DECLARED_MARGIN = 0.5
# Below this plausibility a legacy decoding is not text in any language (undecodable).
UNREADABLE_SCORE = -0.5
JAPANESE_CODECS = {"cp932", "euc_jp", "iso2022_jp", "shift_jis", "euc_jis_2004",
                   "shift_jis_2004"}
KOREAN_CODECS = {"cp949", "euc_kr", "johab", "iso2022_kr"}
CHINESE_CODECS = {"gb18030", "big5hkscs", "gbk", "gb2312", "big5", "cp950"}


@functools.cache
def _common_characters() -> frozenset[str]:
    """The frequently used CJK characters, read from the legacy codecs themselves.

    GB2312 level 1 (3,755 common simplified hanzi), Big5 level 1 (5,401 frequently used
    traditional hanzi), JIS X 0208 level 1 (2,965 common kanji) and the 2,350 KS X 1001
    Hangul syllables. Text decoded with the wrong codec is full of characters outside them.
    """
    blocks = [("gb2312", range(0xB0, 0xD8), range(0xA1, 0xFF)),
              ("big5", range(0xA4, 0xC7), [*range(0x40, 0x7F), *range(0xA1, 0xFF)]),
              ("cp932", range(0x88, 0x99), [*range(0x40, 0x7F), *range(0x80, 0xFD)]),
              ("cp949", range(0xB0, 0xC9), range(0xA1, 0xFF))]
    common = set()
    for codec, leads, trails in blocks:
        for lead in leads:
            for trail in trails:
                with contextlib.suppress(UnicodeDecodeError):
                    common.add(bytes((lead, trail)).decode(codec))
    return frozenset(common)


@functools.lru_cache(maxsize=1 << 16)
def _category(char: str) -> str:
    return unicodedata.category(char)


@functools.lru_cache(maxsize=1 << 16)
def _script(char: str) -> str:
    """The first word of a character's Unicode name: LATIN, CYRILLIC, GREEK, CJK..."""
    return unicodedata.name(char, "UNKNOWN").split(" ", 1)[0]


# Kinds of characters whose score depends on their neighbours.
_HAN, _WIDE_PUNCT, _LETTER, _MARK, _FIXED = range(5)


@functools.lru_cache(maxsize=1 << 16)
def _char_kind(char: str) -> tuple[int, float]:
    """(kind, score) of a non-ASCII character; for _FIXED the score is final (-3 to 1)."""
    code = ord(char)
    category = _category(char)
    if category in ("Cc", "Co", "Cn", "Cs") or char == "\ufffd":
        return _FIXED, -3.0
    if (0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF
            or code >= 0x20000):
        return _HAN, 1.0 if char in _common_characters() else -1.0
    if 0x3000 <= code <= 0x303F or 0xFF01 <= code <= 0xFF60:
        return _WIDE_PUNCT, 1.0  # CJK and full-width punctuation
    if 0x3041 <= code <= 0x30FF:
        return _FIXED, 1.0  # kana
    if 0xAC00 <= code <= 0xD7A3:
        return _FIXED, 1.0 if char in _common_characters() else -1.0
    if 0xFF61 <= code <= 0xFF9F:
        return _FIXED, -1.0  # half-width katakana: nearly always a wrong decoding today
    if 0x2010 <= code <= 0x205E:
        return _FIXED, 1.0  # dashes, quotes, ellipsis, bullets
    if char in "ªº":
        return _FIXED, 0.0
    if category.startswith("L"):
        return _LETTER, 0.0
    if category.startswith("S"):
        return _FIXED, 0.0 if code >= 0x1F000 else -0.5  # emoji are common; ° ± ¨ are not
    if category == "Mn":
        return _MARK, 0.0
    return _FIXED, 0.0


@functools.lru_cache(maxsize=1 << 16)
def _neighbour(char: str) -> tuple[bool, bool, bool, str]:
    """(is a letter, is an ASCII letter, is lower case, script) of a neighbouring character."""
    alpha = char.isalpha()
    return alpha, alpha and char.isascii(), char.islower(), _script(char) if alpha else ""


def _char_score(prev: str, char: str, nxt: str) -> float:
    """How natural one non-ASCII character looks between its neighbours (-3 to 1)."""
    kind, score = _char_kind(char)
    if kind == _FIXED:
        return score
    if kind == _HAN:
        # Chinese and Japanese are written without spaces; hanzi glued to Latin letters or
        # between spaces are what Korean or Western bytes look like when read as GBK.
        if prev == " " or nxt == " " or _neighbour(prev)[1] or _neighbour(nxt)[1]:
            return score - 0.5
        return score
    if kind == _WIDE_PUNCT:
        # ... but not inside a Latin word ("it＊s" is Big5 misread as GBK)
        inside = prev.isascii() and nxt.isascii() and prev.isalnum() and nxt.isalnum()
        return -0.5 if inside else 1.0
    if kind == _MARK:
        return 0.0 if _neighbour(prev)[0] else -1.0
    return _letter_score(prev, char, nxt)


def _letter_score(prev: str, char: str, nxt: str) -> float:
    """Letters belong in words of their own script, lower case after lower case."""
    before, after, (_, _, lower, script) = _neighbour(prev), _neighbour(nxt), _neighbour(char)
    if script == "LATIN":
        ascii_neighbour = before[1] or after[1]
        foreign = (before[0] and not before[1]) or (after[0] and not after[1])
        score = 1.0 if ascii_neighbour else (-0.5 if foreign else 0.5)
    else:
        mixed = (before[0] and before[3] != script) or (after[0] and after[3] != script)
        alone = not (before[0] or after[0])
        score = -1.0 if mixed else (0.5 if alone else 1.0)
    if not lower and char.isupper():
        # Text is mostly lower case: KOI8-R read as cp1251 is all capitals, and capitals
        # inside a word ("оПЮБХРЕКЭЯ") are the case pattern of cp1251 read as KOI8-R.
        score -= 1.5 if before[0] and before[2] else 0.3
    return score


def plausibility(text: str, codec: str = "") -> float:
    """How much ``text`` looks like real text, per non-ASCII character (about -3 to 1).

    Used to choose among the decodings of undeclared bytes: the right one gives common
    characters in words of one script; wrong ones give rare hanzi, symbols, controls and
    mixed-case letter soup. Japanese text has kana; Chinese text has none.

    >>> plausibility("上海市政府") > plausibility("ÉÏº£ÊÐÕþ¸®")
    True
    """
    total = count = kana = han = hangul = 0
    padded = f"\n{text}\n"  # line ends are natural neighbours for any character
    for index in range(1, len(padded) - 1):
        char = padded[index]
        if char < "\x80":
            continue
        count += 1
        total += _char_score(padded[index - 1], char, padded[index + 1])
        if "\u3041" <= char <= "\u30ff":
            kana += 1
        elif "\u4e00" <= char <= "\u9fff":
            han += 1
        elif "\uac00" <= char <= "\ud7a3":
            hangul += 1
    if not count:
        return 0.0
    score = total / count
    cjk = kana + han
    if cjk >= 6 and codec in JAPANESE_CODECS and kana < cjk * 0.05:
        score -= 0.3  # hanzi only: Chinese read as Japanese
    if cjk >= 6 and codec in CHINESE_CODECS and kana > cjk * 0.1:
        score -= 0.3  # many kana: Japanese read as Chinese
    if codec in KOREAN_CODECS and han > hangul:
        score -= 0.5  # Korean is written in Hangul; hanja-heavy "Korean" is other bytes
    return score


def score_sample(data: bytes) -> bytes:
    """The start of ``data`` that holds enough non-ASCII bytes to judge a decoding by.

    Grows in 4 KB steps until it holds 2,000 non-ASCII bytes (or 64 KB), so that the ASCII
    head of a web page does not leave nothing to judge.
    """
    end = 0
    high = 0
    while end < min(len(data), SCORE_SAMPLE_BYTES) and high < 2000:
        chunk = data[end:end + 4096]
        high += len(chunk) - len(chunk.translate(None, HIGH_BYTES))
        end += len(chunk)
    return data[:end]


def _decode_prefix(data: bytes, sample: bytes, codec: str) -> str | None:
    """Decode ``sample``, the start of ``data`` (a character cut at its end is dropped)."""
    if len(sample) == len(data):
        return decode_strict(sample, codec)
    for cut in range(4):
        text = decode_strict(sample[: len(sample) - cut], codec)
        if text is not None:
            return text
    return None


@functools.cache
def _letter_models() -> dict[str, dict[str, float]]:
    """Log-probabilities of single letters per language, from langdetect's shipped profiles.

    Empty if langdetect (or its profiles) cannot be read: ranking then rests on
    :func:`plausibility` alone.
    """
    import json
    from importlib import resources

    models: dict[str, dict[str, float]] = {}
    try:
        folder = resources.files("langdetect") / "profiles"
        for entry in folder.iterdir():
            profile = json.loads(entry.read_text(encoding="utf-8"))
            counts = {k: v for k, v in profile["freq"].items() if len(k) == 1 and k.isalpha()}
            total = sum(counts.values())
            if total:
                models[entry.name] = {k: math.log(v / total) for k, v in counts.items()}
                models[entry.name][""] = math.log(0.5 / total)  # unseen letters
    except (ModuleNotFoundError, OSError, ValueError, KeyError):
        return {}
    return models


def language_fit(text: str) -> float:
    """Mean log-probability of the letters of ``text`` under the language that fits it best.

    Tells apart single-byte decodings that :func:`plausibility` cannot (cp1250 or cp1252,
    cp1251 or cp1253...): only the right one spells a real language's letters.

    >>> language_fit("Příliš žluťoučký kůň") > language_fit("PŸÌliš ûlùouèký kùò")
    True
    """
    letters = Counter(char for char in text if char.isalpha())
    total = sum(letters.values())
    models = _letter_models()
    if not total or not models:
        return 0.0
    return max(sum(count * model.get(char, model[""]) for char, count in letters.items())
               for model in models.values()) / total


def rank_decodings(data: bytes, codecs_to_try: list[str]) -> list[tuple[float, str]]:
    """(plausibility, codec) of every codec that decodes ``data``, best first, ties by order.

    Single-byte decodings within TIE_MARGIN of the best are ordered by :func:`language_fit`.
    """
    ranked = []
    texts = {}
    sample = score_sample(data)
    for order, codec in enumerate(dict.fromkeys(codecs_to_try)):
        text = _decode_prefix(data, sample, codec)
        if text is not None:
            texts[codec] = text
            ranked.append((plausibility(text, codec), -order, codec))
    ranked.sort(reverse=True)
    if len(ranked) > 1 and ranked[0][2] in SINGLE_BYTE:
        best = ranked[0][0]
        tied = [item for item in ranked if item[0] >= best - TIE_MARGIN and item[2] in SINGLE_BYTE]
        if len(tied) > 1:
            fits = {codec: language_fit(texts[codec]) for _, _, codec in tied}
            tied.sort(key=lambda item: (fits[item[2]], item[1]), reverse=True)
            rest = [item for item in ranked if item not in tied]
            ranked = tied + rest
    return [(score, codec) for score, _, codec in ranked]


def detect_charset(data: bytes) -> tuple[str, str] | None:
    """Guess the charset of undeclared, non-UTF-8 bytes: (codec, text) or None.

    Candidates are the common web encodings plus charset-normalizer's best guess; the one
    whose decoding reads most like real text wins (:func:`plausibility`).

    >>> detect_charset("Съешь же ещё этих мягких французских булок".encode("koi8_r"))[0]
    'koi8_r'
    """
    candidates = list(DETECT_CODECS)
    guess = _charset_normalizer_guess(data)
    if guess:
        candidates.append(guess)
    for _, codec in rank_decodings(data, candidates):
        text = decode_strict(data, codec)
        if text is not None:
            return codec, text
    return None


def _charset_normalizer_guess(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(score_sample(data)).best()
    return codec_for_label(best.encoding) if best is not None else None


# Replacement characters, private use and lone surrogates: what no text is made of. In UTF-8:
# U+FFFD, U+E000-U+EFFF, U+F000-U+F8FF, U+F0000-U+FFFFF,
# U+100000-U+10FFFF, surrogates (tests/test_decode.py checks every code point).
UNREADABLE_UTF8 = re.compile(b"\xef\xbf\xbd|\xee[\x80-\xbf]{2}|\xef[\x80-\xa3][\x80-\xbf]"
                             b"|\xf3[\xb0-\xbf][\x80-\xbf]{2}|\xf4[\x80-\x8f][\x80-\xbf]{2}"
                             b"|\xed[\xa0-\xbf][\x80-\xbf]")
UNREADABLE_LEADS = b"\xed\xee\xef\xf3\xf4"  # the first byte of each of those characters


def undecodable_reason(text: str, codec: str) -> str | None:
    """Why decoded ``text`` is still not readable, or None.

    Too many replacement characters, private-use code points or lone surrogates; or,
    for a legacy or UTF-16 decoding (valid UTF-8 is strong evidence on its own), characters
    that read like no text at all (:func:`plausibility`).

    >>> undecodable_reason("\ufffd" * 20 + "abc", "utf-8")
    '87% unreadable characters (utf-8)'
    """
    sample = text[:100_000]
    if not sample:
        return None
    # (C1 controls do not count: they are mojibake that the repairs can still undo.)
    data = utf8(sample)
    # Each unreadable character starts with one of these bytes: their count bounds the
    # number of unreadable characters, and is quick to take.
    bound = len(data) - len(data.translate(None, UNREADABLE_LEADS))
    if bound <= len(sample) * 0.1 and bound < len(sample.strip()):
        return _implausible_reason(sample, codec)
    bad = len(UNREADABLE_UTF8.findall(data))
    if bad >= 10 and bad > len(sample) * 0.1 or 0 < bad == len(sample.strip()):
        return f"{bad / len(sample):.0%} unreadable characters ({codec})"
    return _implausible_reason(sample, codec)


def _implausible_reason(sample: str, codec: str) -> str | None:
    head = sample[:5000]
    if codec != "utf-8" and len(head) - len(head.encode("ascii", "ignore")) >= 20:
        score = plausibility(head, codec)
        if score < UNREADABLE_SCORE:
            return f"decoded as {codec}, reads like no language (plausibility {score:.2f})"
    return None


# --- front matter ---------------------------------------------------------------------------

FRONT_MATTER_RE = re.compile(
    r"\A(?:[ \t]*\r?\n)*(?P<fence>---|\+\+\+)[ \t]*\r?\n(?:(?P<body>.*?)\r?\n)??"
    r"(?P<close>---|\+\+\+|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL)
YAML_KEY_RE = re.compile(r"\A\s*(?:#.*\n\s*)*[\"']?[\w-]+[\"']?\s*:")
TOML_KEY_RE = re.compile(r"\A\s*(?:#.*\n\s*)*(?:[\w.\"'-]+\s*=|\[)")
MAX_YAML_ALIASES = 20

TITLE_KEYS = ("title", "headline")
DATE_KEYS = ("date", "published", "pubdate", "publish_date", "published_at", "date_published",
             "publishdate", "created", "created_at", "time", "datetime")
AUTHOR_KEYS = ("author", "authors", "byline", "creator", "writer")
URL_KEYS = ("url", "link", "canonical", "canonical_url", "canonicalurl", "permalink",
            "source_url", "original_url", "origin_url", "originalurl", "source", "href")
META_KEYS: dict[str, tuple[str, ...]] = {
    "categories": ("categories", "category"),
    "tags": ("tags", "tag", "keywords"),
    "description": ("description", "summary", "excerpt", "abstract"),
    "site_name": ("site_name", "sitename", "site", "publisher"),
    "image": ("image", "headimg", "thumbnail", "cover", "featured_image", "og_image"),
    "language": ("lang", "language", "locale"),
    "original_title": ("original_title",),
    "subtitle": ("subtitle",),
    "editor": ("editor",),
    "reporter": ("reporter",),
    "updated": ("updated", "lastmod", "modified", "last_modified", "date_modified"),
}
LIST_META = {"categories", "tags"}


class _BoundedSafeLoader(yaml.SafeLoader):
    """yaml.SafeLoader that refuses documents with many aliases (``billion laughs`` bombs).

    SafeLoader already constructs only plain types and rejects ``!!python/...`` tags.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_YAML_ALIASES:
                raise yaml.YAMLError(f"more than {MAX_YAML_ALIASES} aliases (alias bomb?)")
        return super().compose_node(parent, index)


@dataclass
class FrontMatter:
    """The outcome of splitting front matter off a text."""

    body: str
    data: dict[str, Any] | None = None
    error: str | None = None
    kind: str | None = None  # "yaml" or "toml"


def split_front_matter(text: str, max_bytes: int = 64 * 1024) -> FrontMatter:
    """Split YAML (``---``) or TOML (``+++``) front matter off ``text`` and parse it safely.

    Leading blank lines are allowed. A block whose first line is not ``key: ...`` (YAML) or
    ``key = ...`` (TOML) is not front matter (a Markdown rule, say) and is left in the text.
    A broken block is removed, the body kept, and the problem returned in ``error``.

    >>> split_front_matter("\\n---\\ntitle: 'A'\\n---\\nBody").data
    {'title': 'A'}
    >>> split_front_matter("---\\ntitle: [oops\\n---\\nBody").body
    'Body'
    """
    match = FRONT_MATTER_RE.match(text)
    if not match:
        return FrontMatter(text)
    fence, block = match["fence"], match["body"] or ""
    kind = "yaml" if fence == "---" else "toml"
    if (match["close"] != fence and not (kind == "yaml" and match["close"] == "...")):
        return FrontMatter(text)
    if block.strip() and not (YAML_KEY_RE if kind == "yaml" else TOML_KEY_RE).match(block):
        return FrontMatter(text)
    body = text[match.end():]
    if len(block.encode("utf-8")) > max_bytes:
        return FrontMatter(body, error=f"front matter larger than {max_bytes} bytes", kind=kind)
    try:
        data = _parse_yaml(block) if kind == "yaml" else tomllib.loads(block)
    except (yaml.YAMLError, tomllib.TOMLDecodeError, ValueError, RecursionError) as error:
        message = " ".join(str(error).split())
        if isinstance(error, yaml.constructor.ConstructorError) and "!!python" in block:
            message = f"unsafe tag rejected ({message})"
        return FrontMatter(body, error=f"{kind}: {message}"[:300], kind=kind)
    if data is None:
        return FrontMatter(body, {}, kind=kind)
    if not isinstance(data, dict):
        return FrontMatter(body, error=f"{kind}: front matter is a {type(data).__name__}, "
                           "not a mapping", kind=kind)
    return FrontMatter(body, data, kind=kind)


def _parse_yaml(block: str) -> Any:
    loader = _BoundedSafeLoader(block)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def _scalar_text(value: Any) -> str | None:
    """A front-matter value as a short string (numbers and dates too); None for the rest."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (str, int, float)):
        text = str(value).strip()
        return text or None
    if isinstance(value, dict):
        return _scalar_text(value.get("name"))
    return None


def _text_list(value: Any) -> list[str]:
    """A front-matter value as a list of strings: ``"a, b"`` and ``[a, b]`` both work.

    >>> _text_list("金融, 财经"), _text_list([" 金融", 2020, None])
    (['金融', '财经'], ['金融', '2020'])
    """
    if isinstance(value, str):
        items: list[Any] = re.split(r"[,，;；]", value)
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        items = [value]
    out = []
    for item in items:
        text = _scalar_text(item)
        if text and text not in out:
            out.append(text)
    return out


def _looks_like_url(value: str) -> bool:
    return bool(re.match(r"(?i)https?://[^\s/]+\.[^\s]*$", value.strip()))


def apply_front_matter(doc: Document, data: dict[str, Any]) -> None:
    """Copy front-matter fields into typed document fields and ``doc.meta``.

    Fields the container already filled are kept, except ``published``: a container date
    (a WARC capture time) is weaker than the page's own date.
    """
    fields = {str(key).strip().lower().replace("-", "_"): value for key, value in data.items()}

    def first(keys: tuple[str, ...]) -> Any:
        for key in keys:
            if fields.get(key) not in (None, "", [], {}):
                return fields[key]
        return None

    title = _scalar_text(first(TITLE_KEYS))
    if title and not doc.title:
        doc.title = title
    published = parse_date(first(DATE_KEYS))
    if published:
        doc.published = published
    author = first(AUTHOR_KEYS)
    author_text = ", ".join(_text_list(author)) if isinstance(author, list) else (
        _scalar_text(author))
    if author_text and not doc.author:
        doc.author = author_text
    for key in URL_KEYS:
        value = _scalar_text(fields.get(key))
        if value and _looks_like_url(value):
            doc.url = doc.url or value.strip()
            break
    source = _scalar_text(fields.get("source"))
    if source and not _looks_like_url(source):
        doc.meta.setdefault("credit_source", source)
    for meta_key, keys in META_KEYS.items():
        value = first(keys)
        if value is None:
            continue
        if meta_key in LIST_META:
            items = _text_list(value)
            if items:
                doc.meta[meta_key] = items
        elif meta_key == "updated":
            date = parse_date(value)
            if date:
                doc.meta[meta_key] = date.isoformat()
        elif (text := _scalar_text(value)) is not None:
            doc.meta[meta_key] = text


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


# --- the step -------------------------------------------------------------------------------


class DecodeStep(DocumentStep):
    """Bytes -> ``doc.html`` or ``doc.text``, with front matter, repairs and an audit trail.

    Drops (with a detail for the audit): ``binary`` (file signatures, NUL or control bytes),
    ``undecodable`` (no decoding reads as text), ``empty`` (nothing left to read).
    """

    name = "decode"

    def __init__(self, config: IngestConfig) -> None:
        self.config = config

    def process(self, doc: Document, stats: StepStats) -> Document | Drop:
        decoded = self._decode(doc, stats)
        if isinstance(decoded, Drop):
            return decoded
        text = self._front_matter(doc, decoded, stats)
        is_html = looks_like_html(text, doc.content_type)
        if not is_html:
            # Markup is left as decoded: the extraction stage repairs the text it takes out
            # of it with repair_text (entities belong to the HTML parser).
            text, repairs = repair_text(text, uncurl_quotes=self.config.uncurl_quotes,
                                        fix_width=self.config.fix_character_width)
            doc.repairs.extend(repairs)
            for name in repairs:
                stats.counters[f"repair:{name}"] += 1
        for attribute in ("title", "author"):
            value = getattr(doc, attribute)
            if value:
                setattr(doc, attribute, repair_text(value)[0].strip() or None)
        if is_html:
            if C1_CONTROL_UTF8.search(utf8(text)):
                # Mojibake such as "â€\x9d" loses its C1 control in the HTML parser and can
                # no longer be undone afterwards: fix the encoding of the markup first.
                fixed = ftfy.fix_encoding(text)
                if fixed != text:
                    text = fixed
                    doc.repairs.append("fix_encoding_markup")
                    stats.counters["repair:fix_encoding_markup"] += 1
            if not has_visible_text(text):
                return Drop("empty", detail="markup without text")
            doc.content_type, doc.html, doc.text = "html", text, ""
        else:
            if not text.strip():
                return Drop("empty", detail="no text after decoding")
            doc.content_type, doc.html, doc.text = "text", None, text
        return doc

    def _decode(self, doc: Document, stats: StepStats) -> str | Drop:
        """The document's text (``doc.data`` decoded and cleared), or why there is none."""
        if doc.data:
            reason = binary_reason(doc.data, doc.charset_hint)
            if reason:
                return Drop("binary", detail=reason)
            decoded = decode_bytes(doc.data, doc.charset_hint)
            text, codec = decoded.text, decoded.codec
            doc.repairs.extend(decoded.repairs)
            for repair in decoded.repairs:  # e.g. declared_charset_wrong:utf-8
                stats.counters[f"repair:{repair.split(':')[0]}"] += 1
                stats.sample(repair.split(":")[0], f"{doc.source}: {repair} -> {codec}")
            if codec != "utf-8" or decoded.evidence == "bom":
                doc.meta["charset"] = codec  # worth keeping when it was not plain UTF-8
            stats.counters[f"charset:{codec}"] += 1
            stats.counters[f"charset_from:{decoded.evidence}"] += 1
        elif doc.html is not None or doc.text:
            text = doc.html if doc.html is not None else doc.text
            codec = "utf-8"  # handed over as text already
        else:
            return Drop("empty", detail="no bytes")
        doc.data = b""
        text = text.removeprefix("\ufeff")
        ratio = control_ratio(text[:100_000])
        if ratio > 0.05:
            return Drop("binary", detail=f"{ratio:.0%} control characters")
        if "\x00" in text:
            text = text.replace("\x00", "")
            doc.repairs.append("removed_nul_bytes")
        problem = undecodable_reason(text, codec)
        if problem:
            return Drop("undecodable", detail=problem)
        return text

    def _front_matter(self, doc: Document, text: str, stats: StepStats) -> str:
        """Move front matter into the document's fields; return the body."""
        front = split_front_matter(text, self.config.max_front_matter_bytes)
        if front.data:
            apply_front_matter(doc, front.data)
            stats.counters[f"front_matter:{front.kind}"] += 1
        if front.error:
            doc.meta["front_matter_error"] = front.error
            stats.counters["front_matter_error"] += 1
            stats.sample("front_matter_error", f"{doc.source}: {front.error}")
        return front.body
