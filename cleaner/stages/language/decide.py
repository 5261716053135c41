"""Combining the evidence: scripts, the detectors' mix, markers and priors, per paragraph."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from cleaner.stages.language.backends import (
    LINGUA_LOW_ACCURACY_CHARS,
    fasttext_distribution,
    langdetect_distribution,
    lingua_codes,
    lingua_distribution,
)
from cleaner.stages.language.config import LanguageConfig
from cleaner.stages.language.hints import apply_hints
from cleaner.stages.language.markers import apply_markers, apply_priors
from cleaner.stages.language.scripts import (
    FAMILY,
    NON_LATIN,
    SCRIPT_CANDIDATES,
    SCRIPT_LANGUAGE,
    SCRIPT_WEIGHT,
    han_script,
    japanese_kanji,
    main_script,
    normalized,
    script_counts,
    telltale_filter,
    telltale_languages,
)
from cleaner.text.langcodes import UNDETERMINED

# --- combining the evidence -------------------------------------------------------------------


def _allowed(script: str, code: str) -> bool:
    """Whether language ``code`` is written in ``script`` (see ``SCRIPT_CANDIDATES``)."""
    if script == "Latn":
        return code not in NON_LATIN
    if script == "Zzzz":
        return code not in SCRIPT_LANGUAGE.values()
    return code in SCRIPT_CANDIDATES.get(script, ())


def _restrict(dist: dict[str, float], script: str) -> dict[str, float]:
    return normalized({k: v for k, v in dist.items() if _allowed(script, k)})


def best(dist: dict[str, float]) -> tuple[str, float]:
    """The most probable language (ties broken by code, for determinism)."""
    code = min(dist, key=lambda k: (-dist[k], k))
    return code, dist[code]


def letters_trust(letters: float) -> float:
    """How much a text of ``letters`` letters can be trusted: 0.5 at 10, 0.9 at 90.

    >>> round(letters_trust(10), 2), round(letters_trust(90), 2)
    (0.5, 0.9)
    """
    return letters / (letters + 10.0)


def _weighted_letters(scripts: Counter[str]) -> float:
    return sum(n * SCRIPT_WEIGHT.get(s, 1.0) for s, n in scripts.items())


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
        candidates = {code for code in lingua_codes() if _allowed(script, code)}
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
    if (classify and script is not None and script not in SCRIPT_DECIDES
            and para.letters >= config.paragraph_min_letters):
        para.dist = _backend_distribution(config.backends[0], text, script, config)
    return para


SCRIPT_DECIDES = set(SCRIPT_LANGUAGE) | {"Jpan", "Kore"}


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
    if para.script in SCRIPT_DECIDES:
        return _script_language(para.script, para.text)[0]
    if not para.dist:
        return UNDETERMINED
    lang, prob = best(para.dist)
    if (prob < 0.5 or para.dist.get(document_lang, 0.0) >= 0.5 * prob
            or lang in FAMILY.get(document_lang, ())):
        return document_lang
    return lang


def _needs_lingua(dist: dict[str, float], text: str, config: LanguageConfig) -> bool:
    """lingua is worth its cost on short text, unsure answers and close relatives."""
    if not dist or len(text) < config.short_text:
        return True
    top, prob = best(dist)
    return prob < config.fasttext_sure or top in FAMILY


# lingua weighs the languages the other backends give at least this probability, with their
# close relatives (each language lingua weighs loads its models once per process).
_CANDIDATE_MIN = 0.03
# ... and on text of at most ``_FEW_WORDS`` words also the languages langdetect gives at
# least this probability.
_SECOND_OPINION_MIN = 0.2
_FEW_WORDS = 3


def _likely(dist: dict[str, float], floor: float) -> set[str]:
    """The languages of ``dist`` with at least ``floor`` probability.

    >>> sorted(_likely({"sv": 0.6, "da": 0.3, "fi": 0.1}, 0.2))
    ['da', 'sv']
    """
    return {k for k, v in dist.items() if v >= floor}


@dataclass(frozen=True)
class Guess:
    """A document-level decision: language, script subtag and confidence."""

    lang: str
    script: str | None
    score: float


def decide(paras: list[Paragraph], config: LanguageConfig,
           hints: frozenset[str] = frozenset()) -> Guess:
    """The language of the text made of ``paras``, mixing the configured backends.

    ``hints`` are languages the page declares (``<html lang>``, front matter) or its
    country domain suggests: each weighs like one marker word, between close relatives only
    (:func:`cleaner.stages.language.hints.apply_hints`).
    """
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
    trust = letters_trust(letters) * min(1.0, letters / total) if total else 0.0
    text = "\n".join(p.text for p in in_script)
    if script in SCRIPT_DECIDES:
        lang, subtag = _script_language(script, text)
        return Guess(lang, subtag, trust)
    mixed: dict[str, float] = {}
    lingua_dist: dict[str, float] = {}
    covered = sum(p.letters for p in in_script if p.dist)
    for backend in config.backends:
        weight = config.weights.get(backend, 1.0)
        if backend == config.backends[0] and covered >= 0.8 * letters:
            # The paragraphs were classified already: their letter-weighted mean.
            summed: dict[str, float] = {}
            for para in in_script:
                for k, v in para.dist.items():
                    summed[k] = summed.get(k, 0.0) + v * para.letters
            dist = normalized(summed)
        elif backend == "lingua":
            current = normalized(mixed)
            if current and not _needs_lingua(current, text, config):
                continue
            candidates = None
            if current:
                candidates = _likely(current, _CANDIDATE_MIN)
                if len(text) < config.short_text:
                    # A letter of few orthographies ("vấp": Vietnamese) puts their languages
                    # in play even when fastText, lost on a short word, did not propose them.
                    candidates |= telltale_languages(text)
                if len(text.split()) <= _FEW_WORDS:
                    # langdetect's character n-grams propose languages fastText, lost on a
                    # word or two, left out (tune half: +2 word pairs, +1 single word; it
                    # costs 2-8 ms, so longer text, where fastText is not lost, skips it).
                    candidates |= _likely(_backend_distribution("langdetect", text, script,
                                                                config), _SECOND_OPINION_MIN)
                for code in list(candidates):
                    candidates |= FAMILY.get(code, set())
            dist = _backend_distribution(backend, text, script, config, candidates)
            lingua_dist = dist
        else:
            dist = _backend_distribution(backend, text, script, config)
        for k, v in dist.items():
            mixed[k] = mixed.get(k, 0.0) + weight * v
    mix = normalized(mixed)
    dist = _weigh_evidence(mix, text, config, hints)
    if not dist:
        return Guess(UNDETERMINED, script, 0.0)
    unjudged = dist
    if lingua_dist:
        judged = within_family(mix, lingua_dist, LINGUA_BLIND.get(script, frozenset()))
        dist = _weigh_evidence(judged, text, config, hints) or dist
    lang, prob = best(dist)
    # The score counts the relatives as close as either the judged or the plain mix has them:
    # where lingua and the mix disagree within a family, the text did not settle it.
    apart = min(separation(dist, lang), separation(unjudged, lang))
    return Guess(lang, script, prob * trust * apart)


def _weigh_evidence(dist: dict[str, float], text: str, config: LanguageConfig,
                    hints: frozenset[str]) -> dict[str, float]:
    """The detectors' mix weighed by what else the text and page say: marker words, the
    page's declared language, priors and (on short text) telltale letters."""
    if config.markers:
        dist = apply_markers(text, dist, config.marker_factor)
    if hints:
        dist = apply_hints(dist, hints, config.marker_factor)
    dist = apply_priors(dist, config.priors)
    if len(text) < config.short_text:
        dist = telltale_filter(text, dist)
    return dist


# Families whose members fastText cannot tell apart well: its Serbo-Croatian label ``sh``
# is shared by Bosnian, Croatian and Serbian, and its Bosnian, Malay, Nynorsk and Slovak
# models saw little text next to their big relatives'. Within them lingua, trained for
# these distinctions, decides how the family's probability is shared (bench_langid.py,
# tune half: +1 sentence, +4 word pairs, +3 single words; letting lingua judge the other
# families too lost es/pt, hi/mr, ru/uk/bg and fa/ur items).
LINGUA_JUDGES = (("bs", "hr", "sr"), ("id", "ms"), ("da", "nb", "nn", "sv"), ("cs", "sk"))
# Languages lingua has no model for in a script (its Serbian is Cyrillic only): they keep the
# share the mix gave them.
LINGUA_BLIND = {"Latn": frozenset({"sr"})}


def within_family(dist: dict[str, float], judge: dict[str, float],
                  blind: frozenset[str] = frozenset()) -> dict[str, float]:
    """``dist`` with the probability of each family of :data:`LINGUA_JUDGES` shared out among
    its members as ``judge`` shares it; the family's total (what the mix says about the
    family as a whole) stays, and so does the share of the ``blind`` languages, which the
    judge cannot see.

    >>> d = within_family({"hr": 0.6, "bs": 0.2, "en": 0.2}, {"bs": 0.6, "hr": 0.4})
    >>> round(d["bs"], 2), round(d["hr"], 2), d["en"]
    (0.48, 0.32, 0.2)
    >>> d = within_family({"sr": 0.5, "hr": 0.3, "bs": 0.2}, {"bs": 0.6, "hr": 0.4}, {"sr"})
    >>> d["sr"], round(d["bs"], 2)
    (0.5, 0.3)
    """
    out = dict(dist)
    for family in LINGUA_JUDGES:
        members = [k for k in family if (k in out or k in judge) and k not in blind]
        total = sum(out.get(k, 0.0) for k in members)
        judged = sum(judge.get(k, 0.0) for k in members)
        if len(members) < 2 or total <= 0 or judged <= 0:
            continue
        for k in members:
            out[k] = total * judge.get(k, 0.0) / judged
    return out


def separation(dist: dict[str, float], lang: str) -> float:
    """How clearly ``lang`` stands apart from its close relatives in ``dist``: 1 with no
    relative in play, 0 when one is as likely. Bosnian and Croatian text without a word that
    tells them apart is not known to be either, and its score says so.

    >>> separation({"hr": 0.5, "bs": 0.5}, "hr"), separation({"en": 0.9, "fr": 0.1}, "en")
    (0.0, 1.0)
    """
    rivals = [dist.get(code, 0.0) for code in FAMILY.get(lang, ()) if code != lang]
    top = dist.get(lang, 0.0)
    return max(0.0, 1.0 - max(rivals, default=0.0) / top) if top > 0 else 0.0
