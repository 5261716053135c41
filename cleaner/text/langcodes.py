"""Language codes as cleaner writes them: BCP-47 primary subtags, ``und`` when unknown.

A static list, so that checking a dataset (``cleaner validate``) needs no language model: the
language stage's tests check that it is exactly what the detectors can produce.
"""

from __future__ import annotations

UNDETERMINED = "und"

# Every code the language stage can produce: fastText lid.176's labels and lingua's languages,
# as primary subtags (``nb``, not ``no``), plus ``und``.
LANGUAGE_CODES = frozenset({
    "af", "als", "am", "an", "ar", "arz", "as", "ast", "av", "az", "azb", "ba", "bar", "bcl",
    "be", "bg", "bh", "bn", "bo", "bpy", "br", "bs", "bxr", "ca", "ce", "ceb", "ckb", "co", "cs",
    "cv", "cy", "da", "de", "diq", "dsb", "dty", "dv", "el", "eml", "en", "eo", "es", "et", "eu",
    "fa", "fi", "fr", "frr", "fy", "ga", "gd", "gl", "gom", "gu", "gv", "he", "hi", "hif", "hr",
    "hsb", "ht", "hu", "hy", "ia", "id", "ie", "ilo", "io", "is", "it", "ja", "jv", "ka", "kk",
    "km", "kn", "ko", "krc", "ku", "kv", "ky", "la", "lb", "lez", "lg", "li", "lmo", "lo", "lrc",
    "lt", "lv", "mai", "mg", "mhr", "mi", "min", "mk", "ml", "mn", "mr", "ms", "mt", "mwl", "my",
    "myv", "mzn", "nah", "nap", "nb", "nds", "ne", "new", "nl", "nn", "oc", "or", "os", "pa",
    "pam", "pfl", "pl", "pms", "pnb", "ps", "pt", "qu", "rm", "ro", "ru", "rue", "sa", "sah",
    "sc", "scn", "sco", "sd", "si", "sk", "sl", "sn", "so", "sq", "sr", "st", "su", "sv", "sw",
    "syr", "ta", "te", "tg", "th", "tk", "tl", "tn", "tr", "ts", "tt", "tyv", "uk", "und", "ur",
    "uz", "vec", "vep", "vi", "vls", "vo", "wa", "war", "wuu", "xh", "xmf", "yi", "yo", "zh",
    "zu",
})


def is_valid_language(code: str) -> bool:
    """Whether ``code`` is a language code cleaner produces (or ``und``).

    >>> is_valid_language("nb"), is_valid_language("no"), is_valid_language("english")
    (True, False, False)
    """
    return code in LANGUAGE_CODES


def primary_subtag(tag: str) -> str:
    """The primary subtag of a BCP-47 tag, lower-cased: what "the same language" compares.

    >>> primary_subtag("zh-Hant"), primary_subtag("EN")
    ('zh', 'en')
    """
    return tag.split("-")[0].lower()


__all__ = ["LANGUAGE_CODES", "UNDETERMINED", "is_valid_language", "primary_subtag"]
