"""The decode step: raw bytes -> ``doc.html`` (markup) or ``doc.text`` (plain text).

1. **Binary?** (:mod:`.binary`) Known file signatures and NUL/control bytes are rejected
   (``Drop("binary")``), whatever the file is called.
2. **Which encoding?** (:mod:`.evidence`, :mod:`.identify`) By evidence, strongest first.
3. **Front matter** (:mod:`.front_matter`) into ``title``, ``published``, ``author``, ``url``
   and ``meta``.
4. **HTML or text?** (:mod:`.markup`) From the content.
5. **Repairs** of plain text (:func:`cleaner.text.repair.repair_text`: mojibake, C1 controls,
   NFC, HTML entities also escaped twice). Every repair applied is named in ``doc.repairs``.
   Markup is left as decoded; its text is repaired after extraction.
"""

from __future__ import annotations

import ftfy
import ftfy.badness
import ftfy.chardata
import ftfy.fixes

from cleaner.document import Document, Drop
from cleaner.pipeline import DocumentStep, StepStats
from cleaner.stages.decode.binary import binary_reason, control_ratio
from cleaner.stages.decode.charsets import C1_CONTROL_UTF8, utf8
from cleaner.stages.decode.detect import undecodable_reason
from cleaner.stages.decode.evidence import decode_bytes
from cleaner.stages.decode.front_matter import apply_front_matter, split_front_matter
from cleaner.stages.decode.markup import (
    has_visible_text,
    looks_like_html,
    without_terminal_codes,
)
from cleaner.text.repair import repair_text

# --- the step -------------------------------------------------------------------------------


class DecodeStep(DocumentStep):
    """Bytes -> ``doc.html`` or ``doc.text``, with front matter, repairs and an audit trail.

    Drops (with a detail for the audit): ``binary`` (file signatures, NUL or control bytes),
    ``undecodable`` (no decoding reads as text), ``empty`` (nothing left to read).
    """

    name = "decode"

    def __init__(self, uncurl_quotes: bool = False, fix_width: bool = True,
                 max_front_matter_bytes: int = 64 * 1024) -> None:
        # The settings live in [ingest] (what a page is made of); build.py hands them in.
        self.uncurl_quotes = uncurl_quotes
        self.fix_width = fix_width
        self.max_front_matter_bytes = max_front_matter_bytes

    def process(self, doc: Document, stats: StepStats) -> Document | Drop:
        decoded = self._decode(doc, stats)
        if isinstance(decoded, Drop):
            return decoded
        text = self._front_matter(doc, decoded, stats)
        is_html = looks_like_html(text, doc.content_type)
        if not is_html:
            # Markup is left as decoded: the extraction stage repairs the text it takes out
            # of it with repair_text (entities belong to the HTML parser).
            text, repairs = repair_text(text, uncurl_quotes=self.uncurl_quotes,
                                        fix_width=self.fix_width)
            doc.repairs.extend(repairs)
            for name in repairs:
                stats.counters[f"repair:{name}"] += 1
        for attribute in ("title", "author"):
            value = getattr(doc, attribute)
            if value:
                setattr(doc, attribute, repair_text(value)[0].strip() or None)
        if is_html:
            text = without_terminal_codes(text)
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
        front = split_front_matter(text, self.max_front_matter_bytes)
        if front.data:
            apply_front_matter(doc, front.data)
            stats.counters[f"front_matter:{front.kind}"] += 1
        if front.error:
            doc.meta["front_matter_error"] = front.error
            stats.counters["front_matter_error"] += 1
            stats.sample("front_matter_error", f"{doc.source}: {front.error}")
        return front.body
