"""The filters step: drop documents that are not prose, or that fail an opt-in threshold.

Each removal is a :class:`~cleaner.document.Drop` with its reason (``robots_txt``,
``no_letters``, ``markup``, ``too_few_words``...) and a detail naming the measure, its value
and the ``[filters]`` key: an audit row, counted by reason in the build summary and the card.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from cleaner.document import Document, Drop
from cleaner.pipeline import DocumentStep, StepStats
from cleaner.stages.filters import measures as m
from cleaner.stages.filters.config import FiltersConfig
from cleaner.text.words import letter_count, words

# A failed check: (reason, its [filters] key, the measured value, the threshold).
Failure = tuple[str, str, float, float]


def _below(reason: str, key: str, value: float, limit: float) -> Failure | None:
    return (reason, key, value, limit) if limit and value < limit else None


def _above(reason: str, key: str, value: float, limit: float) -> Failure | None:
    return (reason, key, value, limit) if limit and value > limit else None


def failures(doc: Document, config: FiltersConfig) -> Iterator[Failure | None]:
    """Each filter in turn (cheap ones first); the first failure decides the reason."""
    text = doc.text or ""
    if config.content_types:
        media = str(doc.meta.get("media_type") or "")
        if media and media not in config.content_types:
            yield ("content_type", "content_types", 0.0, 0.0)
    if config.robots_txt:
        url_path = (doc.url or "").split("?", 1)[0].split("#", 1)[0]
        if url_path.lower().endswith("/robots.txt"):
            yield ("robots_txt", "robots_txt", 1.0, 0.5)
        yield _above("robots_txt", "robots_txt", m.robots_share(text), 0.5)
    yield _below("no_letters", "min_letters", letter_count(text), config.min_letters)
    yield _below("few_letters", "min_letter_share", m.letter_share(text), config.min_letter_share)
    yield _above("markup", "max_markup_share", m.markup_share(text), config.max_markup_share)
    if config.captions and m.is_caption(text):
        yield ("caption", "captions", 1.0, 0.0)
    yield _below("too_short", "min_chars", len(text.strip()), config.min_chars)
    if config.min_words or config.max_words or config.max_symbol_word_ratio:
        count = len(words(text))
        yield _below("too_few_words", "min_words", count, config.min_words)
        yield _above("too_many_words", "max_words", count, config.max_words)
        yield _above("symbols", "max_symbol_word_ratio", m.symbol_word_ratio(text),
                     config.max_symbol_word_ratio)
    if config.min_mean_word_length or config.max_mean_word_length:
        mean = m.mean_word_length(text)
        yield _below("word_length", "min_mean_word_length", mean, config.min_mean_word_length)
        yield _above("word_length", "max_mean_word_length", mean, config.max_mean_word_length)
    yield _above("bullet_lines", "max_bullet_line_share", *_lazy(m.bullet_line_share, text,
                                                                  config.max_bullet_line_share))
    yield _above("ellipsis_lines", "max_ellipsis_line_share",
                 *_lazy(m.ellipsis_line_share, text, config.max_ellipsis_line_share))
    if config.max_duplicate_line_share or config.max_duplicate_line_char_share:
        lines, chars = m.duplicate_line_shares(text)
        yield _above("repeated_lines", "max_duplicate_line_share", lines,
                     config.max_duplicate_line_share)
        yield _above("repeated_lines", "max_duplicate_line_char_share", chars,
                     config.max_duplicate_line_char_share)
    yield _below("no_sentences", "min_punctuated_line_share",
                 *_lazy(m.punctuated_line_share, text, config.min_punctuated_line_share))
    if config.max_short_line_share:
        yield _above("short_lines", "max_short_line_share",
                     m.short_line_share(text, config.short_line_chars), config.max_short_line_share)
    if config.languages and doc.lang not in config.languages:
        yield ("language", "languages", 0.0, 0.0)
    yield _below("low_lang_score", "min_lang_score", doc.lang_score, config.min_lang_score)


def _lazy(measure: Callable[[str], float], text: str, limit: float) -> tuple[float, float]:
    """(value, limit), measuring only when the filter is on."""
    return (measure(text) if limit else 0.0), limit


def describe(failure: Failure, doc: Document) -> str:
    """The audit detail: which measure, its value, the threshold and its key.

    >>> describe(("markup", "max_markup_share", 0.91234, 0.5), Document("a"))
    'markup share 0.912 > 0.5 ([filters] max_markup_share)'
    """
    reason, key, value, limit = failure
    if key in ("robots_txt", "captions"):
        return f"{reason.replace('_', ' ')} ([filters] {key} = true)"
    if key == "languages":
        return f"language {doc.lang!r} is not in [filters] languages"
    if key == "content_types":
        media = str(doc.meta.get("media_type"))[:80]
        return f"media type {media!r} is not in [filters] content_types"
    measure = key.split("_", 1)[1].replace("_", " ")
    sign = "<" if key.startswith("min_") else ">"
    shown = f"{value:.3f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
    return f"{measure} {shown} {sign} {limit:g} ([filters] {key})"


class FiltersStep(DocumentStep):
    """Drop each document that a filter of ``[filters]`` rejects; counts ``filter:<reason>``."""

    name = "filters"

    def __init__(self, config: FiltersConfig) -> None:
        self.config = config

    def process(self, doc: Document, stats: StepStats) -> Document | Drop:
        if not self.config.enabled:
            return doc
        for failure in failures(doc, self.config):
            if failure is not None:
                stats.sample(f"filter:{failure[0]}", f"{doc.source}: {(doc.text or '')[:80]}")
                return Drop(failure[0], detail=describe(failure, doc))
        return doc


__all__ = ["FiltersStep", "describe", "failures"]
