"""The two steps: a per-document profile, then pairing over the corpus.

* :class:`TranslationProfileStep` (a ``DocumentStep``, after language identification) makes
  each document's :class:`~.profile.Profile` where documents are processed
  (worker processes, Ray) and stores it on ``doc.translation_profile`` (never packaged). Only
  documents whose language has a possible counterpart are profiled. The segments of a whole
  batch are encoded in one call (``prepare``), which saves about a third of the encoder's time.
* :class:`TranslationPairStep` (a ``CorpusStep``, after exact and near dedup, so a document they
  removed is never part of a pair) finds the pairs (:func:`~.pairing.find_pairs`)
  and applies the keep policy per story: the documents linked by accepted pairs form a
  component, one of them is kept (the original when the evidence shows it), every other one
  goes to the audit with reason ``translation``, ``duplicate_of`` the kept id and the score in
  ``detail``, and is published as a :class:`~cleaner.document.Pair` with the kept document (a
  removed document is in no other pair: two translations of one story are both removed, so
  their pair is not published; ``last_result`` still holds every accepted pair).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from cleaner.document import Document, Pair
from cleaner.pipeline import CorpusContext, CorpusStep, DocumentStep, StepStats
from cleaner.stages.dedup.config import DedupConfig
from cleaner.stages.dedup.keep import has_origin_credit, language_rank
from cleaner.stages.dedup.translate.encoder import encode
from cleaner.stages.dedup.translate.index import expected_ratio
from cleaner.stages.dedup.translate.match import components
from cleaner.stages.dedup.translate.pairing import Decision, PairingConfig, find_pairs
from cleaner.stages.dedup.translate.profile import (
    VERSION,
    Profile,
    encoded_segments,
    make_profile,
)


def primary(lang: str) -> str:
    """The primary subtag of a BCP-47 tag: ``zh-Hant`` -> ``zh``.

    >>> primary("zh-Hant")
    'zh'
    """
    return lang.split("-")[0].lower()


def matching_text(doc: Document) -> str:
    """The text compared across languages: the title (when extraction moved it out of the
    text) followed by the text, since a translation translates its headline too.

    >>> matching_text(Document(source="a", title="Hello", text="World")).split()
    ['Hello', 'World']
    """
    title = (doc.title or "").strip()
    if title and not doc.text.lstrip().startswith(title):
        return f"{title}\n{doc.text}"
    return doc.text


def pairing_config(dedup: DedupConfig) -> PairingConfig:
    """The pairing settings of ``[dedup]`` (keys ``translation_*``).

    >>> pairing_config(DedupConfig(translation_pairs=["de-en"])).pairs
    ['de-en']
    """
    return PairingConfig(
        pairs=list(dedup.translation_pairs),
        floor=math.log(dedup.translation_min_probability
                       / (1.0 - dedup.translation_min_probability)),
        margin=dedup.translation_log_odds_margin,
        neighbours=dedup.translation_neighbours,
        window_days=dedup.translation_date_window_days,
    )


def profile_wanted(doc: Document, config: PairingConfig) -> bool:
    """Whether the document can have a counterpart: it has a language and text, and its
    language is in a pair searched.

    >>> profile_wanted(Document(source="a", text="Hi", lang="und"), PairingConfig())
    False
    """
    lang = primary(doc.lang)
    languages = config.languages()
    if lang in ("und", "") or not doc.text.strip():
        return False
    return languages is None or lang in languages


def profile_document(doc: Document, config: PairingConfig, encode=None) -> Profile | None:
    """The document's profile, or None when it cannot have a counterpart
    (:func:`profile_wanted`)."""
    if not profile_wanted(doc, config):
        return None
    published = doc.published.toordinal() if doc.published else None
    return make_profile(matching_text(doc), primary(doc.lang), published, encode)


class TranslationProfileStep(DocumentStep):
    """Per document: the profile that pairing needs (see the module docstring)."""

    name = "translation-profile"

    def __init__(self, dedup: DedupConfig) -> None:
        self.dedup = dedup
        # Segment text -> unit vector, encoded for the current batch by prepare().
        self._ready: dict[str, object] = {}

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_ready": {}}

    def prepare(self, docs: list[Document]) -> None:
        """Encode the segments of every document of the batch in one call of the encoder
        (a third cheaper than one call per document: fewer, fuller matrix products)."""
        self._ready = {}
        if not self.dedup.translation:
            return
        config = pairing_config(self.dedup)
        wanted = sorted({piece for doc in docs if profile_wanted(doc, config)
                         for piece in encoded_segments(matching_text(doc), primary(doc.lang))})
        if wanted:
            self._ready = dict(zip(wanted, encode(wanted), strict=True))

    def _encode(self, texts: list[str]):
        """Vectors of ``texts``: those prepare() encoded, the others now."""
        import numpy as np

        missing = [t for t in texts if t not in self._ready]
        fresh = dict(zip(missing, encode(missing), strict=True)) if missing else {}
        rows = [self._ready[t] if t in self._ready else fresh[t] for t in texts]
        return np.asarray(rows, dtype=np.float32).reshape(len(texts), -1)

    def process(self, doc: Document, stats: StepStats) -> Document:
        if not self.dedup.translation:
            return doc
        profile = profile_document(doc, pairing_config(self.dedup), self._encode)
        doc.translation_profile = profile
        if profile is None:
            stats.counters["not_profiled"] += 1
        else:
            stats.counters["profiled"] += 1
            stats.counters["segments"] += profile.segments
            stats.counters["profile_bytes"] += profile.nbytes
        return doc


def _original_votes(docs: list[Document], decisions: list[Decision]) -> dict[int, int]:
    """Per document position: how many of its accepted pairs show it as the original by
    length (a translation comes out longer than its source predicts)."""
    votes: dict[int, int] = {}
    for decision in decisions:
        a, b = docs[decision.left], docs[decision.right]
        la, lb = len("".join(a.text.split())), len("".join(b.text.split()))
        if not la or not lb:
            continue
        drift = math.log(lb / la / expected_ratio(primary(a.lang), primary(b.lang)))
        if abs(drift) > 0.02:
            winner = decision.left if drift > 0 else decision.right
            votes[winner] = votes.get(winner, 0) + 1
    return votes


def keep_key(doc: Document, votes: int, config: DedupConfig) -> tuple:
    """Sort key of a story's members: the smallest is kept.

    ``keep = "original"``: the earliest known date, then metadata crediting a source or an
    original title, then the most pairs in which its length shows it as the source, then
    ``preferred_languages``, then the smallest id. ``preferred_language`` puts the language
    first; ``first`` uses the id alone.
    """
    date_key = doc.published.toordinal() if doc.published else math.inf
    credit = 0 if has_origin_credit(doc) else 1
    rank = language_rank(doc.lang, config.preferred_languages)
    if config.keep == "first":
        return (doc.id,)
    if config.keep == "preferred_language":
        return (rank, date_key, credit, -votes, doc.id)
    return (date_key, credit, -votes, rank, doc.id)


def story_links(kept: int, inside: list[Decision]) -> dict[int, float]:
    """Per member of a story (a component of accepted pairs), the probability of the weakest
    pair on the strongest path that ties it to the ``kept`` document (its own pair with the
    kept one when there is one and no path is stronger).

    >>> d = [Decision(0, 1, 2.0, "direct"), Decision(1, 2, 0.0, "direct"),
    ...      Decision(0, 2, -1.0, "pivot")]
    >>> {k: round(v, 3) for k, v in sorted(story_links(0, d).items())}
    {0: 1.0, 1: 0.881, 2: 0.5}
    """
    best = {kept: 1.0}
    edges: dict[int, list[tuple[int, float]]] = {}
    for d in inside:
        edges.setdefault(d.left, []).append((d.right, d.probability))
        edges.setdefault(d.right, []).append((d.left, d.probability))
    for _ in range(len(edges)):  # widest paths: a story has a few members
        changed = False
        for node in sorted(best):
            for other, weight in sorted(edges.get(node, [])):
                value = min(best[node], weight)
                if value > best.get(other, -1.0):
                    best[other] = value
                    changed = True
        if not changed:
            break
    return best


class TranslationPairStep(CorpusStep):
    """Pair documents that translate each other, in every language pair searched; keep the
    original of each story, audit its translations."""

    name = "translation"

    def __init__(self, dedup: DedupConfig) -> None:
        self.dedup = dedup
        self.config = pairing_config(dedup)
        self.last_result = None

    def run(self, docs: list[Document], context: CorpusContext) -> Iterator[Document]:
        if not self.dedup.translation:
            yield from docs
            return
        stats = context.stats
        profiles: list[Profile | None] = []
        for doc in docs:
            profile = doc.translation_profile
            if profile is None or getattr(profile, "version", None) != VERSION:
                profile = profile_document(doc, self.config)
                if profile is not None:
                    stats.counters["profiled_here"] += 1
            profiles.append(profile)
            doc.translation_profile = None  # the pairing holds it now
        result = find_pairs(profiles, self.config)
        self.last_result = result
        del profiles
        for key, value in sorted(result.counters.items()):
            stats.counters[key] += value
        dropped = keep_stories(docs, result.decisions, self.dedup, context)
        for i, doc in enumerate(docs):
            if i in dropped:
                drop_translation(docs, i, dropped[i], context)
            else:
                yield doc


def keep_stories(docs, decisions: list[Decision], dedup: DedupConfig, context: CorpusContext
                 ) -> dict[int, tuple[Document, Decision]]:
    """The keep policy per story (see the module docstring): sets the members' cluster,
    records the published pairs, and returns the removed members by position with the kept
    document and the pair that removes them. ``docs`` (a list or a mapping by position)
    need only hold the documents of ``decisions``."""
    stats = context.stats
    votes = _original_votes(docs, decisions)
    dropped: dict[int, tuple[Document, Decision]] = {}
    for members in components([(d.left, d.right) for d in decisions]):
        kept = min(members, key=lambda i: keep_key(docs[i], votes.get(i, 0), dedup))
        for i in members:
            docs[i].cluster = docs[kept].cluster
        inside = [d for d in decisions if d.left in members]
        links = story_links(kept, inside)
        for i in members:
            if i == kept:
                continue
            # The pair that links it most directly to the kept document, else its best.
            own = sorted((d for d in inside if i in (d.left, d.right)),
                         key=lambda d: (kept not in (d.left, d.right), -d.score,
                                        d.left, d.right))
            dropped[i] = (docs[kept], own[0])
            # Published as the kept document's translation (the only pair a removed
            # document may be in), scored by the weakest link that ties it to the kept one.
            first, second = docs[kept], docs[i]
            stats.counters[f"pairs:{primary(first.lang)}-{primary(second.lang)}"] += 1
            stats.counters[f"{own[0].kind}_pairs"] += 1
            context.pair(Pair(
                id_a=first.id, id_b=second.id, source_a=first.source,
                source_b=second.source, lang_a=first.lang, lang_b=second.lang,
                text_a=first.text, text_b=second.text,
                score=round(min(1.0, max(0.0, links[i])), 6)))
    return dropped


def drop_translation(docs, i: int, dropped: tuple[Document, Decision],
                     context: CorpusContext) -> None:
    """The audit row of the removed member at position ``i`` (see :func:`keep_stories`)."""
    kept_doc, decision = dropped
    other = docs[decision.right if decision.left == i else decision.left]
    context.drop(docs[i], "translation", duplicate_of=kept_doc.id,
                 detail=f"{decision.kind} pair with {other.id} ({other.lang}), "
                        f"score {decision.probability:.3f}")
