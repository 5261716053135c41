"""Binary content under any name: file signatures, NUL and control bytes.

Images, archives and executables end up in scraped folders under any name; they are told
from text by their bytes, never by their file names.
"""

from __future__ import annotations

import codecs
import re

from cleaner.stages.decode.charsets import CONTROL_BYTES, CONTROL_CHARS, codec_for_label, utf8
from cleaner.stages.decode.detect import utf16_without_bom

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
