"""Translated documents (the dedup stage): the seeds case and the matching rules."""

from __future__ import annotations

import datetime as dt

from cleaner.document import Document
from cleaner.pipeline import RunState
from cleaner.pipeline.run import run_corpus_step
from cleaner.stages.dedup.near import DedupConfig
from cleaner.stages.dedup.translation import (
    TranslationStep,
    match_one_to_one,
    number_anchors,
)

# A Chinese report (the original: it carries its 原标题 credit) ...
ZH_ORIGINAL = "\n".join([
    "杭州市召开新能源汽车产业发展推进会",
    ("杭州市委副书记、市长刘文涛今天（6月18日）主持召开新能源汽车产业发展推进会，强"
     "调要加快建设充电基础设施，推动新能源汽车产业高质量发展。"),
    ("会议指出，今年前五个月，全市新能源汽车产量达到12.5万辆，同比增长48%，产业"
     "规模持续扩大。"),
    ("会议要求，到2025年全市建成公共充电桩3万个，实现城区充电服务半径小于1公里，"
     "并加大对电池回收企业的支持力度。"),
    ("刘文涛强调，要优化营商环境，吸引更多龙头企业落户杭州，同时加强人才培养，为产业发"
     "展提供支撑。"),
    "副市长陈建华出席会议。",
])
# ... its English machine translation ...
EN_TRANSLATION = "\n".join([
    ("Hangzhou holds a meeting to promote the development of the new energy vehicle "
     "industry"),
    ("Liu Wentao, deputy secretary of the Hangzhou Municipal Party Committee and mayor, "
     "presided over a meeting today (June 18) to promote the development of the new energy"
     " vehicle industry, stressing the need to accelerate the construction of charging "
     "infrastructure and promote the high-quality development of the new energy vehicle "
     "industry."),
    ("The meeting pointed out that in the first five months of this year, the city’s "
     "output of new energy vehicles reached 125,000, a year-on-year increase of 48%, and "
     "the scale of the industry continued to expand."),
    ("The meeting required that by 2025 the city build 30,000 public charging piles, so "
     "that the charging service radius in urban areas is less than 1 kilometer, and "
     "increase support for battery recycling enterprises."),
    ("Liu Wentao stressed the need to optimize the business environment, attract more "
     "leading enterprises to settle in Hangzhou, and strengthen talent training to support"
     " the development of the industry."),
    "Vice Mayor Chen Jianhua attended the meeting.",
])
# ... and same-topic documents that translate nothing here.
EN_OTHER = "\n".join([
    "Hangzhou mayor inspects electric bus depot",
    ("Liu Wentao, mayor of Hangzhou, visited an electric bus depot in the west of the city"
     " on Monday and called for better maintenance of the fleet."),
    ("He said the city had replaced 2,300 diesel buses with electric ones since 2019 and "
     "would finish the switch by the end of next year."),
    ("Workers at the depot told the mayor that winter weather shortens battery range, and "
     "asked for more spare vehicles during the cold months."),
    "The city transport bureau said it would publish a plan for new depots in September.",
])
ZH_OTHER = "\n".join([
    "杭州市召开安全生产工作会议",
    ("杭州市委副书记、市长刘文涛今天主持召开全市安全生产工作会议，部署夏季防汛和消防安"
     "全工作。"),
    ("会议强调，要压实企业主体责任，加强对化工园区、建筑工地和人员密集场所的检查，坚决"
     "防范重大事故发生。"),
    "刘文涛要求，各区县要完善应急预案，加强值班值守，确保群众生命财产安全。",
    "会议还通报了上半年全市安全生产情况。",
])


def seed_like_corpus() -> list[Document]:
    return [
        Document(source="000.txt", text=EN_TRANSLATION, lang="en"),
        Document(source="001.txt", text=ZH_ORIGINAL, lang="zh", published=dt.date(2024, 6, 18),
                 meta={"original_title": "杭州市召开新能源汽车产业发展推进会"}),
        Document(source="002.txt", text=EN_OTHER, lang="en"),
        Document(source="003.txt", text=ZH_OTHER, lang="zh"),
    ]


def run(docs: list[Document], config: DedupConfig | None = None
        ) -> tuple[list[Document], RunState]:
    state = RunState()
    kept = run_corpus_step(docs, TranslationStep(config or DedupConfig()), state)
    return kept, state


def test_seed_case_pairs_the_translation_with_its_original_only() -> None:
    docs = seed_like_corpus()
    kept, state = run(docs)
    assert [d.source for d in kept] == ["001.txt", "002.txt", "003.txt"]
    assert [(r.source, r.reason, r.duplicate_of) for r in state.removals] == [
        ("000.txt", "translation", docs[1].id)]
    (pair,) = state.pairs
    assert (pair.source_a, pair.source_b, pair.lang_a, pair.lang_b) == (
        "001.txt", "000.txt", "zh", "en")
    assert pair.text_a == ZH_ORIGINAL and pair.text_b == EN_TRANSLATION
    assert 0.0 < pair.score <= 1.0
    assert docs[0].cluster == docs[1].cluster == docs[1].id
    assert docs[2].cluster == docs[2].id and docs[3].cluster == docs[3].id


def test_result_does_not_depend_on_input_order() -> None:
    _, forward = run(seed_like_corpus())
    _, backward = run(list(reversed(seed_like_corpus())))
    assert forward.pairs == backward.pairs
    assert forward.removals == backward.removals


def test_same_topic_documents_alone_are_not_pairs() -> None:
    docs = seed_like_corpus()
    kept, state = run([docs[2], docs[3]])
    assert len(kept) == 2 and state.pairs == []


def test_preferred_language_decides_without_other_evidence() -> None:
    docs = [Document(source="en", text=EN_TRANSLATION, lang="en"),
            Document(source="zh", text=ZH_ORIGINAL, lang="zh")]
    config = DedupConfig(keep="preferred_language", preferred_languages=["en", "zh"])
    kept, state = run(docs, config)
    assert [d.source for d in kept] == ["en"]
    assert state.pairs[0].lang_a == "en"


def test_disabled_translation_keeps_everything() -> None:
    kept, state = run(seed_like_corpus(), DedupConfig(translation=False))
    assert len(kept) == 4 and not state.pairs and not state.removals


def test_one_to_one_matching_uses_each_document_once() -> None:
    scores = {(0, 0): 0.9, (1, 0): 0.6, (1, 1): 0.7, (2, 1): 0.2}
    assert match_one_to_one(scores, threshold=0.3, margin=0.05) == [(0, 0, 0.9), (1, 1, 0.7)]


def test_margin_rejects_ambiguous_candidates() -> None:
    scores = {(0, 0): 0.80, (0, 1): 0.78}
    assert match_one_to_one(scores, threshold=0.3, margin=0.05) == []
    assert match_one_to_one(scores, threshold=0.3, margin=0.0) == [(0, 0, 0.80)]


def test_a_second_version_of_the_translation_is_a_translation_too() -> None:
    docs = seed_like_corpus()
    twin = Document(source="000-copy.txt", text=EN_TRANSLATION + " ", lang="en")
    kept, state = run([*docs, twin])
    # The two English versions are alike, so they are not rivals of each other: both are
    # translations of the original (exact dedup would normally have removed the copy first).
    assert [d.source for d in kept] == ["001.txt", "002.txt", "003.txt"]
    assert sorted(p.source_b for p in state.pairs) == ["000-copy.txt", "000.txt"]
    assert {p.source_a for p in state.pairs} == {"001.txt"}
    assert twin.cluster == docs[1].id


def test_two_different_near_ties_are_left_alone() -> None:
    docs = seed_like_corpus()
    # An English text that mixes the translation with an unrelated story: a weaker rival.
    mixed = Document(source="mix.txt", lang="en",
                     text=EN_TRANSLATION[: len(EN_TRANSLATION) // 2] + "\n" + EN_OTHER)
    _, strict = run([*docs, mixed], DedupConfig(translation_margin=0.9))
    assert strict.pairs == []  # no candidate beats its rivals by that much
    _, normal = run([*docs, mixed])
    assert [(p.source_a, p.source_b) for p in normal.pairs] == [("001.txt", "000.txt")]


def test_number_anchors_agree_across_languages() -> None:
    assert number_anchors("12.5万辆，6月18日") == number_anchors("125,000 cars, June 18")


def test_length_tells_the_direction_when_metadata_is_silent() -> None:
    docs = seed_like_corpus()
    plain = [Document(source=d.source, text=d.text, lang=d.lang) for d in docs]
    _, state = run(plain)
    (pair,) = state.pairs
    # English per Chinese character is above the neutral ratio: the English is the translation.
    assert (pair.source_a, state.stats["translation"].counters["kept_by_length"]) == ("001.txt", 1)


def test_an_earlier_date_marks_the_original() -> None:
    docs = seed_like_corpus()
    docs[0].published = dt.date(2024, 6, 17)  # the English one is now the earlier
    _, state = run(docs)
    assert state.pairs[0].source_a == "000.txt"
    assert state.removals[0].source == "001.txt"


def test_dates_outside_the_window_are_never_candidates() -> None:
    docs = seed_like_corpus()
    docs[0].published = dt.date(2023, 1, 1)
    kept, state = run(docs, DedupConfig(translation_date_window_days=30))
    assert state.pairs == [] and len(kept) == 4


def test_titles_outside_the_text_are_compared_too() -> None:
    zh_title, *zh_body = ZH_ORIGINAL.split("\n")
    en_title, *en_body = EN_TRANSLATION.split("\n")
    docs = [Document(source="zh", lang="zh", title=zh_title, text="\n".join(zh_body)),
            Document(source="en", lang="en", title=en_title, text="\n".join(en_body))]
    _, state = run(docs)
    assert [(p.source_a, p.source_b) for p in state.pairs] == [("zh", "en")]


def test_unsupported_languages_and_empty_texts_are_left_alone() -> None:
    docs = [Document(source="fr", text="Le maire a présidé la réunion.", lang="fr"),
            Document(source="und", text="", lang="und"),
            Document(source="zh", text="", lang="zh"),
            Document(source="en", text=EN_OTHER, lang="en")]
    kept, state = run(docs, DedupConfig(translation_pairs=["zh-en", "fr-de"]))
    assert len(kept) == 4 and state.pairs == []
    assert state.stats["translation"].counters["no_lexicon:fr-de"] == 1


def test_glossary_stems_a_word_on_first_lookup_only() -> None:
    """Terms are computed when a word is looked up, then reused; membership needs no stemming."""
    from cleaner.stages.dedup.lexicon import Glossary

    glossary = Glossary({"会议": "meeting/conference/CL:個|个[ge4]", "说": "to speak"})
    assert "会议" in glossary and "开会" not in glossary and len(glossary) == 2
    first = glossary["会议"]
    assert first == frozenset({"meet", "confer"})
    assert glossary["会议"] is first  # cached, not recomputed


def test_cedict_leaves_out_entries_without_content_words() -> None:
    """Cross-reference-only entries stay out of the dictionary, as when glosses were stemmed at
    load (segmentation depends on which words are in it)."""
    from cleaner.stages.dedup.lexicon import has_content_word, load_cedict

    assert not has_content_word(["variant of 說|说[shuo1]", "see 說|说[shuo1]"])
    assert not has_content_word(["used in 說|说[shuo1]", "the"])
    assert has_content_word(["(archaic) meeting"]) and not has_content_word(["(old) meeting"])
    dictionary = load_cedict()
    assert "会议" in dictionary and "meet" in dictionary["会议"]


def test_source_profiles_share_one_translation_lookup() -> None:
    """A profile keeps units only; their translations live once per side, and the slice terms
    rebuilt from them are what the lexicon gave."""
    from cleaner.stages.dedup.lexicon import CedictLexicon
    from cleaner.stages.dedup.translation import source_profile, target_profile

    lexicon = CedictLexicon()
    lookup: dict[str, frozenset[str]] = {}
    first = source_profile(0, Document(source="a", text=ZH_ORIGINAL, lang="zh"), lexicon, lookup)
    second = source_profile(1, Document(source="b", text="会议在杭州召开。", lang="zh"), lexicon,
                            lookup)
    assert first.lookup is second.lookup is lookup
    assert all(isinstance(units, tuple) for units in first.bins)
    units, _ = lexicon.analyse_source("会议在杭州召开。")
    assert second.bin_terms() == [frozenset().union(*units.values())]
    target = target_profile(2, Document(source="c", text="The meeting was held.", lang="en"),
                            lexicon)
    assert target.lookup is None and target.bin_terms() == [frozenset({"meet", "held"})]
