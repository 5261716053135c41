"""What kind of input a file is: by its name, its first bytes, or its HTTP Content-Type.

Names only hint; the first bytes decide containers (gzip, WARC, JSON) and the decode step
decides HTML or text from the content.
"""

from __future__ import annotations

import zlib
from email.message import Message

GZIP_MAGIC = b"\x1f\x8b"
WARC_MAGIC = b"WARC/"


def content_type_from_name(name: str) -> str:
    """Guess "html" or "text" from a file name; "" when the name says nothing.

    The decode step checks the guess against the content.

    >>> content_type_from_name("a/page.HTM.gz"), content_type_from_name("notes.md")
    ('html', 'text')
    """
    lower = name.lower()
    for suffix in (".gz", ".gzip"):
        if lower.endswith(suffix):
            lower = lower[: -len(suffix)]
    if lower.endswith((".html", ".htm", ".xhtml", ".shtml", ".php", ".asp", ".aspx", ".jsp")):
        return "html"
    if lower.endswith((".txt", ".text", ".md", ".markdown", ".mdown", ".rst")):
        return "text"
    return ""


def charset_from_content_type(value: str | None) -> str | None:
    """The ``charset`` parameter of an HTTP Content-Type header, lower-cased.

    >>> charset_from_content_type('text/html; charset="GBK"')
    'gbk'
    """
    if not value:
        return None
    message = Message()
    message["content-type"] = value
    charset = message.get_param("charset")
    if isinstance(charset, tuple):  # RFC 2231 form: (charset, language, value)
        charset = charset[2]
    if not isinstance(charset, str):
        return None
    charset = charset.strip().strip("'\"").lower()
    return charset or None


def mime_type(value: str | None) -> str:
    """The bare, lower-cased media type of a Content-Type header.

    >>> mime_type("Text/HTML; charset=utf-8")
    'text/html'
    """
    return (value or "").split(";", 1)[0].strip().lower()


def content_type_from_mime(mime: str) -> str | None:
    """Map a media type to "html", "text" or "" (unknown); None when it is not a document.

    >>> content_type_from_mime("application/xhtml+xml"), content_type_from_mime("image/png")
    ('html', None)
    """
    if not mime:
        return ""
    if mime in ("text/html", "application/xhtml+xml", "application/xml", "text/xml"):
        return "html"
    if mime in ("text/plain", "text/markdown", "text/x-markdown"):
        return "text"
    if mime.startswith(("image/", "audio/", "video/", "font/")) or mime in (
            "text/css", "text/javascript", "application/javascript", "application/json",
            "application/pdf", "application/zip", "application/octet-stream"):
        return None
    if mime.startswith("text/"):
        return ""
    return None


def is_jsonl_name(name: str) -> bool:
    return name.lower().endswith((".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz"))


def looks_like_json(name: str, head: bytes) -> bool:
    """JSON by name (.json, .jsonl, .ndjson), or by content when the name says nothing."""
    lower = name.lower()
    if lower.endswith((".json", ".jsonl", ".ndjson")):
        return True
    if content_type_from_name(name):
        return False
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:2] in (b'{"', b"[{")


def is_warc(head: bytes) -> bool:
    """Whether a file's first bytes (a few KiB) start a WARC, plain or gzipped.

    >>> import gzip
    >>> is_warc(gzip.compress(b"WARC/1.1\\r\\n")), is_warc(b"<html>")
    (True, False)
    """
    if head.startswith(WARC_MAGIC):
        return True
    if head.startswith(GZIP_MAGIC):
        try:
            start = zlib.decompressobj(wbits=47).decompress(head, len(WARC_MAGIC))
        except zlib.error:
            return False
        return start == WARC_MAGIC
    return False


__all__ = ["GZIP_MAGIC", "WARC_MAGIC", "charset_from_content_type", "content_type_from_mime",
           "content_type_from_name", "is_jsonl_name", "is_warc", "looks_like_json", "mime_type"]
