"""Language-independent anchors: what a translation carries over unchanged or nearly so.

A translation keeps a text's numbers, links, names and dates. Each becomes a short key that
is the same in every language:

* numbers of two digits or more, as their digits only (``1,234`` / ``1.234`` / ``1 234``
  all give ``#1234``; decimal commas and points alike);
* links, e-mail addresses, @handles and #tags, lower-cased (``@cleaner``);
* names: words that start with a capital letter inside a sentence (not at its start),
  transliterated to Latin by ``anyascii`` and cut to their first five letters, so that
  *Zelenskyy*, *Зеленський* and *Zelenského* all give ``~zelen``; words written in Latin
  letters inside a text of another script (*iPhone* in Chinese) count as names too;
* months, from the month names of the document's language as ``babel`` (CLDR) knows them,
  or ``3月`` in Chinese and Japanese: ``m3``.
"""

from __future__ import annotations

import re
from functools import lru_cache

NUMBER = re.compile(r"\d+(?:[.,\u00a0\u202f ]\d+)*")
LINK = re.compile(r"(?:https?://|www\.)[^\s<>\"')\]]+|[\w.+-]+@[\w-]+\.[\w.]+|[@#][\w]{2,}",
                  re.IGNORECASE)
WORD = re.compile(r"\w+")
CJK_MONTH = re.compile(r"(\d{1,2})\s*月")
SENTENCE_START = re.compile(r"(?:^|[.!?;:…。！？]\s*|[\"“”«»„(]\s*)$")
# At most this many anchors per document (the first ones in text order).
MAX_ANCHORS = 64
NAME_KEY = 5


@lru_cache(maxsize=128)
def month_names(lang: str) -> dict[str, int]:
    """Lower-cased month names of a language (wide, in running text and stand-alone) -> month.

    Unknown languages have none.

    >>> month_names("cs")["ledna"], month_names("cs")["leden"], month_names("xx")
    (1, 1, {})
    """
    try:
        from babel import Locale

        locale = Locale.parse(lang)
        forms = (locale.months["format"]["wide"], locale.months["stand-alone"]["wide"])
    except Exception:  # noqa: BLE001 - babel raises several kinds for unknown locales
        return {}
    names: dict[str, int] = {}
    for form in forms:
        for month, name in form.items():
            key = name.lower()
            if WORD.fullmatch(key) and not key.isdigit():
                names.setdefault(key, int(month))
    return names


def transliterate(text: str) -> str:
    """Latin letters for any script (anyascii), lower-cased.

    >>> transliterate("Київ Praha")
    'kiiv praha'
    """
    from anyascii import anyascii

    return anyascii(text).lower()


def number_keys(text: str) -> list[str]:
    """Numbers of at least two digits, separators removed, in text order.

    >>> number_keys("3,5 % of 1.234 and 7; 2024")
    ['#35', '#1234', '#2024']
    """
    keys = []
    for match in NUMBER.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if len(digits) >= 2:
            keys.append("#" + digits.lstrip("0")[:12] if digits.strip("0") else "#0")
    return keys


def name_keys(text: str, latin_text: bool, skip: dict[str, int] | None = None) -> list[str]:
    """Keys of the names in ``text`` (``latin_text``: the document is written in Latin letters,
    so only capitalised words inside a sentence are names; in another script every Latin word
    is one; words in ``skip``, lower-cased, are not: month names).

    >>> name_keys("Yesterday Zelenskyy met Biden in Kyiv.", True)
    ['~zelen', '~biden', '~kyiv']
    >>> name_keys("Вчора Зеленський зустрівся з Байденом у Києві.", False)
    ['~zelen', '~bayde', '~kiiev']
    """
    keys = []
    for match in WORD.finditer(text):
        word = match.group()
        if not word[0].isupper() or word.isdigit() or (skip and word.lower() in skip):
            continue
        if SENTENCE_START.search(text[max(0, match.start() - 3):match.start()]):
            continue
        is_latin = word.isascii()
        if latin_text and not is_latin and not word[0].isalpha():
            continue
        key = transliterate(word)
        key = re.sub(r"[^a-z0-9]", "", key)[:NAME_KEY]
        if len(key) >= 3:
            keys.append("~" + key)
    return keys


def month_keys(text: str, lang: str) -> list[str]:
    """Months named in ``text``, as ``m1``..``m12``.

    >>> month_keys("Dne 3. března a v lednu", "cs"), month_keys("3月13日", "zh")
    (['m3'], ['m3'])
    """
    keys = [f"m{int(m)}" for m in CJK_MONTH.findall(text) if 1 <= int(m) <= 12]
    names = month_names(lang)
    if names:
        keys += [f"m{names[w]}" for w in WORD.findall(text.lower()) if w in names]
    return keys


def anchors(text: str, lang: str, latin_text: bool) -> tuple[str, ...]:
    """The anchors of a text: numbers, links, names and months, each once, sorted.

    >>> anchors("On 3 March 2024 see https://x.org/a, said Zelenskyy.", "en", True)
    ('#2024', 'https://x.org/a', 'm3', '~zelen')
    """
    found: list[str] = []
    links = [m.group().lower().rstrip(".,;:") for m in LINK.finditer(text)]
    rest = LINK.sub(" ", text)
    found += links
    found += number_keys(rest)
    found += month_keys(rest, lang)
    found += name_keys(rest, latin_text, month_names(lang))
    unique = list(dict.fromkeys(found))[:MAX_ANCHORS]
    return tuple(sorted(unique))
