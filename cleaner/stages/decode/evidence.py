"""Which encoding: the strongest evidence that holds up.

Byte-order mark, then the HTTP/WARC header (``doc.charset_hint``), then ``<meta charset>`` /
``http-equiv``, then the XML declaration, each trusted only if the bytes decode cleanly with it
(pages lie: "UTF-8" that is GBK); valid UTF-8 wins over a declared legacy charset, and a
legacy one gives way to a decoding that reads far better (:mod:`.identify`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cleaner.stages.decode.charsets import (
    BOMS,
    HIGH_BYTES,
    META_CHARSET_RE,
    SINGLE_BYTE,
    XML_DECLARATION_RE,
    codec_for_label,
    decode_strict,
    utf8_evidence,
)
from cleaner.stages.decode.detect import (
    DECLARED_MARGIN,
    DETECT_CODECS,
    SCORE_SAMPLE_BYTES,
    decode_prefix,
    detect_charset,
    plausibility,
    rank_decodings,
    score_sample,
    utf16_without_bom,
)


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
    text = decode_prefix(data, score_sample(data), codec)
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
