"""Detection for undeclared bytes: the decoding that reads most like real text.

Detection tries the common web encodings and charset-normalizer's guess, and keeps the
decoding that reads most like real text (:func:`plausibility`: common characters of one
script; a letter model from langdetect's profiles breaks ties).
"""

from __future__ import annotations

import contextlib
import functools
import re
import unicodedata

from cleaner.stages.decode.charsets import (
    CONTROL_BYTES,
    HIGH_BYTES,
    SINGLE_BYTE,
    codec_for_label,
    decode_strict,
    utf8,
)
from cleaner.stages.decode.letters import language_fit

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
_HAN, _WIDE_PUNCT, _LETTER, _MARK, _FIXED, _SIGN = range(6)


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
        return _HAN, 1.0  # kana
    if 0xAC00 <= code <= 0xD7A3:
        return _FIXED, 1.0 if char in _common_characters() else -1.0
    if 0xFF61 <= code <= 0xFF9F:
        return _FIXED, -1.0  # half-width katakana: nearly always a wrong decoding today
    if 0x2010 <= code <= 0x205E:
        return _FIXED, 1.0  # dashes, quotes, ellipsis, bullets
    if char in "ªº":
        return _FIXED, 0.0
    if char == "µ" or category == "Sc" or (category in ("Sm", "So", "No") and code < 0x2200):
        return _SIGN, 0.0  # £ € ° ± × µ © ® ½ ²: their neighbours tell
    if category.startswith("L") or category == "Nd":
        return _LETTER, 0.0  # (a Thai or Arabic digit in a Latin word is as mixed as a letter)
    if category.startswith("S"):
        return _FIXED, 0.0 if code >= 0x1F000 else -0.5  # emoji are common; ¨ ´ ¯ are not
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
        # Chinese and Japanese are written without spaces, in runs of hanzi and kana: one
        # alone among Latin text is a Western byte pair read as GBK or Big5 ("µg" as "痢");
        # hanzi glued to Latin letters or between spaces are what Korean or Western bytes
        # look like when read as GBK.
        if not (_is_cjk(prev) or _is_cjk(nxt)):
            return -1.0
        if prev == " " or nxt == " " or _neighbour(prev)[1] or _neighbour(nxt)[1]:
            return score - 0.5
        return score
    if kind == _WIDE_PUNCT:
        # ... but not inside a Latin word ("it＊s" is Big5 misread as GBK)
        inside = prev.isascii() and nxt.isascii() and prev.isalnum() and nxt.isalnum()
        return -0.5 if inside else 1.0
    if kind == _MARK:
        return _mark_score(prev, char)
    if kind == _SIGN:
        return _sign_score(prev, char, nxt)
    return _letter_score(prev, char, nxt)


def _is_cjk(char: str) -> bool:
    """Whether ``char`` is a hanzi, a kana or CJK punctuation (what runs of CJK text are
    made of).

    >>> _is_cjk("上"), _is_cjk("か"), _is_cjk("。"), _is_cjk("a")
    (True, True, True, False)
    """
    return "\u3000" <= char <= "\u9fff" or char >= "\U00020000" or (
        "\uf900" <= char <= "\ufaff") or "\uff01" <= char <= "\uff60"


def _sign_score(prev: str, sign: str, nxt: str) -> float:
    """Signs of the Latin-1 range (£ € ° ± × µ © ® ½ ²) are common in text next to numbers
    ("£9", "30°C", "245 ± 72", "5 µg"); ©, ®, ° and µ also at the edge of a word
    ("Motorola®"). Inside a word ("wi¹zać": cp1250 "ą" read as cp1252), a currency sign or
    a superscript glued to a letter ("da฿": "daß" read as cp874) or among other non-ASCII
    characters ("Â£", "º£ÊÐ"), they are the trace of a wrong decoding.

    Scoring them as rare symbols wherever they stood made a story about "£9 billion" read
    better as cp1251 ("Ј9 billion": a lone Cyrillic letter) than as the cp1252 it was in.

    >>> _sign_score(" ", "£", "9"), _sign_score("a", "®", ","), _sign_score("a", "£", " ")
    (1.0, 1.0, -0.5)
    """
    if prev.isdigit() or nxt.isdigit():
        return 1.0
    if not (prev.isascii() or prev.isspace()) or not (nxt.isascii() or nxt.isspace()):
        return -0.5
    if prev.isalpha() and nxt.isalpha():
        return -0.5
    if prev.isalpha() or nxt.isalpha():
        # Currency signs and superscripts stand next to numbers, not letters.
        return -0.5 if _category(sign) in ("Sc", "No") else 1.0
    return 0.5


def _mark_score(prev: str, mark: str) -> float:
    """A combining mark belongs on a letter, and a mark of one script (Arabic kasra, Thai tone
    mark) on a letter of that script: "Kِnnen" is the cp1256 reading of cp1252 "Können".

    >>> _mark_score("a", "\u0301"), _mark_score("K", "\u0650"), _mark_score("\u0643", "\u0650")
    (0.0, -1.0, 0.0)
    """
    alpha, _, _, script = _neighbour(prev)
    if not alpha:
        return -1.0
    own = _script(mark)
    return 0.0 if own in ("COMBINING", script) else -1.0


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
    lone = non_latin = 0  # non-Latin letters standing alone; non-Latin letters in all
    padded = f"\n{text}\n"  # line ends are natural neighbours for any character
    for index in range(1, len(padded) - 1):
        char = padded[index]
        if char < "\x80":
            continue
        count += 1
        prev, nxt = padded[index - 1], padded[index + 1]
        total += _char_score(prev, char, nxt)
        if "\u3041" <= char <= "\u30ff":
            kana += 1
        elif "\u4e00" <= char <= "\u9fff":
            han += 1
        elif "\uac00" <= char <= "\ud7a3":
            hangul += 1
        alpha, _, _, script = _neighbour(char)
        if alpha and script != "LATIN" and _char_kind(char)[0] == _LETTER:
            non_latin += 1
            lone += not (_neighbour(prev)[0] or _neighbour(nxt)[0])
    if lone and non_latin * 2 < _latin_letters(text):
        # In a Latin text, a Cyrillic, Arabic or Thai letter standing alone ("Ј9 billion",
        # "ہ qui") is one Latin-1 byte read in another code page, not a word.
        total -= 1.5 * lone
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


ASCII_LETTERS = bytes(range(0x41, 0x5B)) + bytes(range(0x61, 0x7B))


def _latin_letters(text: str) -> int:
    """How many letters of ``text`` are ASCII letters (the Latin text around a few accents).

    >>> _latin_letters("Ça va, 2 €")
    3
    """
    data = utf8(text)
    return len(data) - len(data.translate(None, ASCII_LETTERS))


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


def decode_prefix(data: bytes, sample: bytes, codec: str) -> str | None:
    """Decode ``sample``, the start of ``data`` (a character cut at its end is dropped)."""
    if len(sample) == len(data):
        return decode_strict(sample, codec)
    for cut in range(4):
        text = decode_strict(sample[: len(sample) - cut], codec)
        if text is not None:
            return text
    return None


def rank_decodings(data: bytes, codecs_to_try: list[str]) -> list[tuple[float, str]]:
    """(plausibility, codec) of every codec that decodes ``data``, best first, ties by order.

    Single-byte decodings within TIE_MARGIN of the best are compared again, two by two, on the
    characters where they differ (:func:`_outclassed`); those still level there are ordered
    by :func:`language_fit`.
    """
    ranked = []
    texts = {}
    sample = score_sample(data)
    for order, codec in enumerate(dict.fromkeys(codecs_to_try)):
        text = decode_prefix(data, sample, codec)
        if text is not None:
            texts[codec] = text
            ranked.append((plausibility(text, codec), -order, codec))
    ranked.sort(reverse=True)
    if len(ranked) > 1 and ranked[0][2] in SINGLE_BYTE:
        best = ranked[0][0]
        tied = [item for item in ranked if item[0] >= best - TIE_MARGIN and item[2] in SINGLE_BYTE]
        if len(tied) > 1:
            beaten = _outclassed(sample, {codec: texts[codec] for *_, codec in tied})
            level = [item for item in tied if item[2] not in beaten] or tied
            fits = {codec: language_fit(texts[codec]) for _, _, codec in level}
            # Equal fits (the letters that differ are unknown to every model) fall back to
            # plausibility, then to the order of the codecs, not to rounding noise.
            level.sort(key=lambda item: (round(fits[item[2]], 6), item[0], item[1]),
                       reverse=True)
            behind = [item for item in tied if item not in level]
            rest = [item for item in ranked if item not in tied]
            ranked = level + behind + rest
    return [(score, codec) for score, _, codec in ranked]


# On the characters where two single-byte decodings differ, one this much better wins.
DIFFER_MARGIN = 0.5
HIGH_BYTE_RE = re.compile(b"[\x80-\xff]")


def _outclassed(sample: bytes, texts: dict[str, str], limit: int = 2000) -> set[str]:
    """The codecs whose single-byte decoding of ``sample`` another one beats clearly where
    the two differ (mean :func:`_char_score` of those characters, by DIFFER_MARGIN).

    Two code pages agree on most bytes of a text (é, à, ’ are the same in cp1252 and
    cp1256): averaged over all its characters, one wrong letter in a French text ("اa me"
    for "Ça me") hardly moves the score, and the letter models cannot tell an unknown
    letter from a rare one. Compared where they differ, the wrong letter decides.

    >>> data = "Ça marche, très bien.".encode("cp1252")
    >>> sorted(_outclassed(data, {c: data.decode(c) for c in ("cp1252", "cp1256")}))
    ['cp1256']
    """
    end = min(map(len, texts.values()))
    high = HIGH_BYTE_RE.findall(sample, 0, end)
    chars = {byte: {codec: byte.decode(codec, "cleaner-latin1") for codec in texts}
             for byte in set(high)}
    positions: dict[bytes, list[int]] = {}
    for match in HIGH_BYTE_RE.finditer(sample, 0, end):
        found = positions.setdefault(match[0], [])
        if len(found) < limit:
            found.append(match.start())
    padded = {codec: f"\n{text}\n" for codec, text in texts.items()}

    def score(codec: str, where: list[int]) -> float:
        text = padded[codec]
        return sum(_char_score(text[i], text[i + 1], text[i + 2]) for i in where)

    beaten = set()
    names = list(texts)
    for a_index, a in enumerate(names):
        for b in names[a_index + 1:]:
            where = [i for byte, found in positions.items() if chars[byte][a] != chars[byte][b]
                     for i in found]
            if not where:
                continue
            gap = (score(a, where) - score(b, where)) / len(where)
            if gap >= DIFFER_MARGIN:
                beaten.add(b)
            elif gap <= -DIFFER_MARGIN:
                beaten.add(a)
    return beaten


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
