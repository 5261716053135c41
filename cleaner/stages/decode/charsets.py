"""Charsets and codecs: labels read the way browsers read them, strict decoding, byte classes.

The ground the rest of the stage stands on: which codec a label means (GB2312 and GBK as
GB18030, Big5 as Big5-HKSCS, Shift_JIS as cp932, latin-1 as cp1252...), decoding that fails
instead of guessing, and how much of a byte string reads as UTF-8.
"""

from __future__ import annotations

import codecs
import re


def utf8(text: str) -> bytes:
    """``text`` in UTF-8, lone surrogates kept: the form in which the checks below scan it
    (a bytes pattern runs ~10x faster than a str pattern over text beyond Latin-1)."""
    return text.encode("utf-8", "surrogatepass")


# C1 control characters (U+0080 to U+009F, in UTF-8 C2 80 to C2 9F): in decoded text they
# are almost always the trace of mojibake.
C1_CONTROL_UTF8 = re.compile(b"\xc2[\x80-\x9f]")

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

# Control characters that have no place in text (tab, newlines and form feed excluded).
CONTROL_CHARS = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F])
# The same as bytes, minus ESC (ISO-2022-JP text is made of escape sequences).
CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x1B), *range(0x1C, 0x20), 0x7F])
