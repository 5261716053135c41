"""Exact and near-duplicate removal (cleaner.stages.dedup.near)."""

from __future__ import annotations

import datetime as dt

import pytest

from cleaner.document import Document
from cleaner.pipeline import RunState, StepStats, map_documents
from cleaner.pipeline.run import run_corpus_step
from cleaner.stages.dedup.exact import ExactDedupStep
from cleaner.stages.dedup.near import (
    DedupConfig,
    NearDedupStep,
    SignatureStep,
    normalize_for_exact,
    shingles,
)

ARTICLE_EN = (
    "The city council approved a new plan on Tuesday to expand the tram network by 40 "
    "kilometres over the next decade, adding three lines that connect the northern suburbs "
    "with the harbour district. Officials said construction of the first line would begin "
    "next spring and cost about 1.2 billion euros, funded jointly by the city and the regional "
    "government. Residents of the northern districts have complained for years about crowded "
    "buses and long commutes, and local business groups welcomed the decision. The opposition "
    "questioned whether the budget was realistic, pointing to delays and overruns on the last "
    "extension, which opened two years late. The mayor said lessons had been learned and that "
    "an independent panel would review costs every six months."
)
ARTICLE_ZH = (
    "市议会周二批准了一项新计划，将在未来十年内把有轨电车网络扩展40公里，新增三条线路，"
    "连接北部郊区和港区。官员表示，第一条线路将于明年春季开工，耗资约12亿欧元，由市政府和地区政府"
    "共同出资。多年来，北部地区的居民一直抱怨公交车拥挤、通勤时间长，当地商业团体对这一决定表示欢迎。"
    "反对派质疑预算是否现实，并指出上一次延长线工程延误和超支，晚了两年才开通。"
)


def run(step, docs: list[Document]) -> tuple[list[Document], RunState]:
    state = RunState()
    return run_corpus_step(docs, step, state), state


def test_normalisation_ignores_width_case_and_spacing() -> None:
    assert normalize_for_exact("Ｈｅｌｌｏ  World\n") == normalize_for_exact("hello world")


def test_shingles_use_characters_for_chinese_and_words_for_english() -> None:
    assert "上海绿色" in shingles("上海绿色金融", "zh", char_size=4)
    assert "the cat sat" in shingles("The cat sat down", "en", word_size=3)
    assert shingles("", "en") == set()


def test_byte_identical_and_reformatted_copies_are_exact_duplicates() -> None:
    docs = [Document(source="a", text=ARTICLE_EN, lang="en"),
            Document(source="b", text=ARTICLE_EN, lang="en"),
            Document(source="c", text=ARTICLE_EN.upper().replace(" ", "  "), lang="en"),
            Document(source="d", text=ARTICLE_ZH, lang="zh")]
    kept, state = run(ExactDedupStep(DedupConfig()), docs)
    assert len(kept) == 2
    assert {r.reason for r in state.removals} == {"exact_duplicate"}
    kept_id = next(d.id for d in kept if d.lang == "en")
    assert all(r.duplicate_of == kept_id for r in state.removals)
    assert {d.cluster for d in docs[:3]} == {kept_id}
    assert docs[3].cluster == docs[3].id


def test_empty_texts_are_not_duplicates_of_each_other() -> None:
    docs = [Document(source="a", text="", lang="en"), Document(source="b", text=" ", lang="en")]
    kept, _ = run(ExactDedupStep(DedupConfig()), docs)
    assert len(kept) == 2


def test_mirrored_article_with_different_chrome_is_a_near_duplicate() -> None:
    site_a = f"Home | News | World\nShare on Twitter\n{ARTICLE_EN}\nRelated: Weather today"
    site_b = (f"MENU Sign in Subscribe\n{ARTICLE_EN.replace('Tuesday', 'Tuesday,')}\n"
              "Copyright 2024 Daily Mirror Ltd. All rights reserved. Cookies policy.")
    other = ("A late goal gave the visitors a narrow win on Saturday, ending a run of five "
             "defeats. The coach praised the defence and said the team had finally found its "
             "rhythm after a difficult autumn with many injuries among senior players.")
    docs = [Document(source="a", text=site_a, lang="en"),
            Document(source="b", text=site_b, lang="en", published=dt.date(2024, 1, 1)),
            Document(source="c", text=other, lang="en")]
    kept, state = run(NearDedupStep(DedupConfig()), docs)
    assert [d.source for d in kept] == ["b", "c"]  # b has the earlier known date
    assert [(r.source, r.reason, r.duplicate_of) for r in state.removals] == [
        ("a", "near_duplicate", docs[1].id)]
    assert docs[0].cluster == docs[1].cluster == docs[1].id


def test_near_duplicates_in_chinese_use_character_shingles() -> None:
    mirror = "首页 > 新闻 > 本地\n" + ARTICLE_ZH + "\n责任编辑：王明 分享到微博"
    docs = [Document(source="a", text=ARTICLE_ZH, lang="zh"),
            Document(source="b", text=mirror, lang="zh")]
    kept, state = run(NearDedupStep(DedupConfig()), docs)
    assert len(kept) == 1 and state.removals[0].reason == "near_duplicate"


def test_near_dedup_is_deterministic_and_order_independent() -> None:
    def build() -> list[Document]:
        return [Document(source=s, text=ARTICLE_EN + f" Extra line {s}.", lang="en")
                for s in ("x", "y", "z")]

    first, _ = run(NearDedupStep(DedupConfig()), build())
    second, _ = run(NearDedupStep(DedupConfig()), list(reversed(build())))
    assert [d.id for d in first] == [d.id for d in second]
    assert len(first) == 1


def test_disabled_steps_keep_everything() -> None:
    docs = [Document(source="a", text=ARTICLE_EN, lang="en"),
            Document(source="b", text=ARTICLE_EN, lang="en")]
    config = DedupConfig(exact=False, near=False)
    assert len(run(ExactDedupStep(config), docs)[0]) == 2
    assert len(run(NearDedupStep(config), docs)[0]) == 2


@pytest.mark.parametrize("bad", [{"near_threshold": 0.0}, {"num_perm": 4}, {"keep": "newest"},
                                 {"translation_pairs": ["chinese-english"]},
                                 {"translation_date_window_days": -1},
                                 {"length_ratios": {"en/zh": 0.0}}])
def test_check_rejects_bad_values(bad: dict) -> None:
    with pytest.raises(ValueError):
        DedupConfig(**bad).check()


def test_minhash_signature_equals_datasketch_minhash() -> None:
    """Shared permutations give the very signature of a fresh datasketch MinHash."""
    from datasketch import MinHash

    from cleaner.stages.dedup.near import minhash_signature

    grams = {f"word{i} word{i + 1}" for i in range(300)}
    reference = MinHash(num_perm=64, seed=3)
    reference.update_batch([g.encode("utf-8") for g in sorted(grams)])
    assert (minhash_signature(grams, 64, 3) == reference.hashvalues).all()


def test_band_pairs_match_datasketch_lsh_candidates() -> None:
    """Sorting the bands finds exactly the pairs that MinHashLSH buckets together."""
    import numpy as np
    from datasketch import MinHashLSH

    from cleaner.stages.dedup.near import band_pairs, minhash_signature

    base = [f"w{i}" for i in range(60)]
    texts = [base, base[:50] + ["x"] * 3, base[10:], [f"v{i}" for i in range(60)], base[:30]]
    sets = [{" ".join(t[i:i + 3]) for i in range(len(t) - 2)} for t in texts]
    lsh = MinHashLSH(threshold=0.5, num_perm=64)
    for i, grams in enumerate(sets):
        lsh.insert(i, _minhash(grams))
    expected = sorted((i, j) for i, grams in enumerate(sets)
                      for j in lsh.query(_minhash(grams)) if j > i)
    signatures = np.stack([minhash_signature(g, 64, 1) for g in sets])
    assert band_pairs(signatures, lsh.b, lsh.r).tolist() == [list(p) for p in expected]
    assert expected  # the fixture does have candidates


def _minhash(grams: set[str]):
    from datasketch import MinHash

    minhash = MinHash(num_perm=64, seed=1)
    minhash.update_batch([g.encode() for g in grams])
    return minhash


def test_signatures_made_per_document_give_the_same_clusters() -> None:
    """Near-dedup's first stage runs per document (in workers, on Ray); the result is the
    same as computing the signatures in the driver."""
    def build() -> list[Document]:
        texts = [ARTICLE_EN, "MENU\n" + ARTICLE_EN + "\nShare this", ARTICLE_ZH,
                 "首页\n" + ARTICLE_ZH, "A different story about the harbour and its boats.", ""]
        return [Document(source=str(i), text=text, lang="zh" if "市" in text else "en")
                for i, text in enumerate(texts)]

    in_driver, state_a = run(NearDedupStep(DedupConfig()), build())
    step = SignatureStep(DedupConfig())
    docs = list(map_documents(build(), [step], RunState(), workers=2, batch_size=2))
    assert all(doc.signature is not None for doc in docs)
    assert len(docs[-1].signature) == 0  # no shingles: nothing to compare
    staged, state_b = run(NearDedupStep(DedupConfig()), docs)
    assert [d.source for d in staged] == [d.source for d in in_driver] == ["1", "3", "4", "5"]
    assert state_a.removals == state_b.removals
    assert all(doc.signature is None for doc in docs)  # freed once banded
    off = SignatureStep(DedupConfig(near=False)).process(build()[0], StepStats("signature"))
    assert off.signature is None
