"""Translation pairing in every language pair (cleaner/translate/): small, offline fixtures.

Most tests use a stand-in encoder (:func:`toy_encode`) so they are fast and exact; the tests
marked ``encoder`` load the real one (about 2 s) to check that it works offline and that an
unrelated pair of the same date is never a pair.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import pickle
import random
import socket

import numpy as np
import pytest

from cleaner.document import Document
from cleaner.pipeline.run import RunState, run_corpus_steps
from cleaner.stages.dedup.config import DedupConfig
from cleaner.stages.dedup.exact import ExactDedupStep
from cleaner.stages.dedup.near import NearDedupStep
from cleaner.stages.dedup.translate import (
    encoder,
    profile,
)
from cleaner.stages.dedup.translate.match import Scored, components, match_one_to_one
from cleaner.stages.dedup.translate.pairing import PairingConfig, find_pairs
from cleaner.stages.dedup.translate.profile import Profile, make_profile
from cleaner.stages.dedup.translate.step import TranslationPairStep, profile_document

# --- a stand-in encoder ------------------------------------------------------------------------
# A "translation" in the toy language "de" writes every word with the suffix "_x"; the toy
# encoder drops the suffix, so a sentence and its toy translation get the same vector, and
# sentences sharing no word get nearly orthogonal ones.

def _word_vector(word: str) -> np.ndarray:
    seed = int.from_bytes(hashlib.sha256(word.encode()).digest()[:8], "little")
    return np.random.default_rng(seed).standard_normal(encoder.DIM).astype(np.float32)


def toy_encode(texts: list[str]) -> np.ndarray:
    rows = []
    for text in texts:
        words = [w[:-2][::-1] if w.endswith("_x") else w
                 for w in text.lower().replace(".", " ").split()]
        vector = sum((_word_vector(w) for w in words), np.zeros(encoder.DIM, np.float32))
        rows.append(vector / (np.linalg.norm(vector) or 1.0))
    return np.stack(rows)


# A vocabulary large enough that two random stories share few words, as real ones.
WORDS = tuple(sorted({"".join(random.Random(n).choices("abcdefghijklmnoprstuvz", k=6))
                      for n in range(3000)}))


def story(rng: random.Random, sentences: int = 4) -> str:
    return " ".join(" ".join(rng.sample(WORDS, 6)).capitalize() + "." for _ in range(sentences))


def toy_translation(text: str) -> str:
    """Each word spelt backwards (another language's spelling; the toy encoder reads it
    back), so the two languages do not look like one (see samelang.py)."""
    def word(w: str) -> str:
        backwards = w.rstrip(".").lower()[::-1]
        return backwards.capitalize() if w[0].isupper() else backwards

    return " ".join(f"{word(w)}_x" + ("." if w.endswith(".") else "") for w in text.split())


def toy_doc(source: str, text: str, lang: str, published: dt.date | None = None) -> Document:
    doc = Document(source=source, text=text, lang=lang, published=published)
    doc.translation_profile = profile_document(doc, PairingConfig(), encode=toy_encode)
    return doc


def toy_corpus(pairs: int, distractors: int, seed: int = 0) -> list[Document]:
    rng = random.Random(seed)
    docs = []
    for n in range(pairs):
        text = story(rng)
        docs.append(toy_doc(f"en{n}", text, "en"))
        docs.append(toy_doc(f"xx{n}", toy_translation(text), "de"))
    for n in range(distractors):
        docs.append(toy_doc(f"d-en{n}", story(rng), "en"))
        docs.append(toy_doc(f"d-xx{n}", toy_translation(story(rng)), "de"))
    return docs


def pair_sources(docs: list[Document], state: RunState) -> set[frozenset[str]]:
    by_id = {d.id: d.source for d in docs}
    return {frozenset((by_id[p.id_a], by_id[p.id_b])) for p in state.pairs}


# --- profile -----------------------------------------------------------------------------------

def test_profile_is_plain_picklable_and_arrow_serialisable() -> None:
    import pyarrow as pa

    built = make_profile("Hello there. How are you?\nFine, 2024.", "en", 738000, toy_encode)
    assert built.segments == 3 and built.complete
    assert len(built.vectors) == 3 * encoder.DIM
    assert pickle.loads(pickle.dumps(built)) == built
    table = pa.Table.from_pylist([built.as_record()])
    assert Profile.from_record(table.to_pylist()[0]) == built


def test_profile_encodes_only_the_beginning() -> None:
    text = "\n".join(f"Sentence number {n} is here." for n in range(200))
    built = make_profile(text, "en", None, toy_encode)
    assert built.segments <= profile.MAX_SEGMENTS and not built.complete
    assert built.chars == profile.visible_length(text)


def test_only_languages_with_a_possible_counterpart_are_profiled() -> None:
    config = PairingConfig(pairs=["de-en"])
    assert profile_document(Document(source="a", text="Bonjour.", lang="fr"), config,
                            toy_encode) is None
    assert profile_document(Document(source="b", text="Hallo.", lang="de"), config,
                            toy_encode) is not None
    assert profile_document(Document(source="c", text="x", lang="und"), PairingConfig(),
                            toy_encode) is None


# --- candidates ---------------------------------------------------------------------------------

def test_nearest_neighbours_keep_recall_as_distractors_grow() -> None:
    """The old capped index found 27 pairs at 10k documents and 1 at 40k; nearest neighbours
    per language pair find every planted pair however many distractors surround it."""
    for distractors in (10, 200):
        docs = toy_corpus(pairs=20, distractors=distractors)
        result = find_pairs([d.translation_profile for d in docs], PairingConfig())
        found = {frozenset((docs[d.left].source, docs[d.right].source))
                 for d in result.decisions}
        assert {frozenset((f"en{n}", f"xx{n}")) for n in range(20)} <= found
        assert len(found) == 20


def test_date_window_excludes_far_apart_documents() -> None:
    rng = random.Random(3)
    text = story(rng)
    docs = [toy_doc("a", text, "en", dt.date(2024, 1, 1)),
            toy_doc("b", toy_translation(text), "de", dt.date(2024, 6, 1))]
    assert find_pairs([d.translation_profile for d in docs], PairingConfig()).decisions == []
    assert len(find_pairs([d.translation_profile for d in docs],
                          PairingConfig(window_days=None)).decisions) == 1


# --- matching ----------------------------------------------------------------------------------

def test_matching_on_the_whole_graph_equals_the_union_over_components() -> None:
    rng = random.Random(7)
    scored = [Scored(rng.randrange(30), 100 + rng.randrange(30), round(rng.uniform(-2, 6), 3))
              for _ in range(120)]
    scored = list({(s.left, s.right): s for s in scored}.values())
    whole = match_one_to_one(scored, 0.0, 1.0)
    parts = []
    for members in components([(s.left, s.right) for s in scored]):
        inside = set(members)
        parts += match_one_to_one([s for s in scored if s.left in inside], 0.0, 1.0)
    assert sorted(whole) == sorted(parts)


def test_pairs_do_not_depend_on_input_order() -> None:
    shuffled = toy_corpus(pairs=8, distractors=8, seed=5)
    random.Random(1).shuffle(shuffled)
    results = []
    for corpus in (toy_corpus(pairs=8, distractors=8, seed=5), shuffled):
        state = RunState()
        run_corpus_steps(corpus, [TranslationPairStep(DedupConfig())], state)
        results.append(sorted((p.id_a, p.id_b, p.score) for p in state.pairs))
    assert results[0] == results[1] and len(results[0]) == 8


# --- the step: keep policy and composition with exact and near dedup ---------------------------

def test_keep_policy_keeps_the_original_and_audits_its_translation() -> None:
    rng = random.Random(11)
    text = story(rng)
    original = toy_doc("orig", text, "en", dt.date(2024, 1, 1))
    translation = toy_doc("trans", toy_translation(text), "de", dt.date(2024, 1, 2))
    state = RunState()
    kept = run_corpus_steps([translation, original], [TranslationPairStep(DedupConfig())],
                            state)
    assert [d.source for d in kept] == ["orig"]
    (removal,) = state.removals
    assert removal.reason == "translation" and removal.duplicate_of == original.id
    assert "score" in removal.detail
    (pair,) = state.pairs
    assert (pair.id_a, pair.id_b) == (original.id, translation.id)
    assert translation.cluster == original.cluster


def test_documents_removed_by_exact_or_near_dedup_are_never_in_a_pair() -> None:
    """A held-out build failed with "document a is not among the kept documents"."""
    rng = random.Random(2)
    text = story(rng, sentences=8)
    docs = [toy_doc("en", text, "en"), toy_doc("en-copy", text, "en"),
            toy_doc("en-near", text + " One more line here.", "en"),
            toy_doc("de", toy_translation(text), "de"),
            toy_doc("xx-copy", toy_translation(text), "de")]
    state = RunState()
    config = DedupConfig()
    kept = run_corpus_steps(docs, [ExactDedupStep(config), NearDedupStep(config),
                                   TranslationPairStep(config)], state)
    kept_ids = {d.id for d in kept}
    removed = {r.id: r for r in state.removals}
    assert state.pairs
    for pair in state.pairs:
        assert pair.id_a in kept_ids
        assert pair.id_b in kept_ids or removed[pair.id_b].reason == "translation"
    assert len(kept_ids) + len(removed) == len(docs)


def test_a_story_in_three_languages_keeps_one_document_and_pairs_every_language() -> None:
    rng = random.Random(4)
    text = story(rng)
    docs = [toy_doc("en", text, "en", dt.date(2024, 1, 1)),
            toy_doc("de", toy_translation(text), "de", dt.date(2024, 1, 2)),
            toy_doc("fr", toy_translation(text), "fr", dt.date(2024, 1, 2))]
    state = RunState()
    step = TranslationPairStep(DedupConfig())
    kept = run_corpus_steps(docs, [step], state)
    assert [d.source for d in kept] == ["en"]
    # Every language pair is found ...
    assert {frozenset((docs[d.left].source, docs[d.right].source))
            for d in step.last_result.decisions} == {
        frozenset(p) for p in (("en", "de"), ("en", "fr"), ("de", "fr"))}
    # ... and each removed document is published once, as the kept document's translation
    # (the held-out build failed: a pair of two removed documents).
    assert [(p.id_a, p.id_b) for p in sorted(state.pairs, key=lambda p: p.id_b)] == sorted(
        ((docs[0].id, d.id) for d in docs[1:]), key=lambda pair: pair[1])
    removed = {r.id: r for r in state.removals}
    for pair in state.pairs:
        assert removed[pair.id_b].reason == "translation"
        assert removed[pair.id_b].duplicate_of == pair.id_a


# --- the real encoder ---------------------------------------------------------------------------

@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise OSError("network access in a test")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_encoder_loads_and_embeds_with_the_network_off(no_network) -> None:
    encoder.encoder.cache_clear()
    vectors = encoder.encode(["The city council approved the budget.",
                              "Der Stadtrat hat den Haushalt beschlossen.",
                              "The storm closed the airport."])
    assert vectors.shape == (3, encoder.DIM)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


SINGER_ZH = ("张伟（1985年3月12日－），中国内地流行乐男歌手、词曲创作人，出生于四川省成都市。\n"
             "2006年参加选秀节目出道，次年发行首张个人专辑。\n"
             "2010年凭借歌曲获得华语音乐传媒大奖最佳新人奖。\n"
             "2015年举办个人巡回演唱会，足迹遍布全国二十个城市。\n"
             "他的音乐风格融合了流行、摇滚与民谣元素。")
MERCURIAL_EN = ("Why I still use Mercurial in 2015\n"
                "I have been using Mercurial for version control since 2006.\n"
                "Its command line is simpler than Git's, and the history is never rewritten "
                "by accident.\n"
                "Extensions such as rebase and histedit cover what I need.\n"
                "In this post I compare the two tools on a repository with 20 branches.")
SINGER_EN = ("Zhang Wei (born 12 March 1985) is a Chinese pop singer and songwriter, born in "
             "Chengdu, Sichuan Province.\n"
             "He debuted in 2006 on a talent show and released his first solo album the "
             "following year.\n"
             "In 2010 his song won him the Best Newcomer award of the Chinese Music Media "
             "Awards.\n"
             "In 2015 he held a solo concert tour that reached twenty cities across the "
             "country.\n"
             "His music blends pop, rock and folk.")


def test_unrelated_documents_of_the_same_date_never_pair() -> None:
    """A Baidu Baike biography of a singer (zh) and an English blog post on Mercurial of the
    same crawl date scored 0.417 against a threshold of 0.4 with the lexicon method."""
    day = dt.date(2024, 5, 1)
    docs = [Document(source="singer.zh", text=SINGER_ZH, lang="zh", published=day),
            Document(source="mercurial.en", text=MERCURIAL_EN, lang="en", published=day)]
    state = RunState()
    kept = run_corpus_steps(docs, [TranslationPairStep(DedupConfig())], state)
    assert len(kept) == 2 and state.pairs == []
    # With the real translation present, the biography pairs with it and only with it.
    docs = [Document(source="singer.zh", text=SINGER_ZH, lang="zh", published=day),
            Document(source="mercurial.en", text=MERCURIAL_EN, lang="en", published=day),
            Document(source="singer.en", text=SINGER_EN, lang="en", published=day)]
    state = RunState()
    run_corpus_steps(docs, [TranslationPairStep(DedupConfig())], state)
    assert pair_sources(docs, state) == {frozenset(("singer.zh", "singer.en"))}
