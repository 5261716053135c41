"""Translation pairing, round 2: one language split by the language step never pairs with
itself; the profile step encodes a batch at once with the same result; the card and
``cleaner inspect`` count pairs per language pair."""

from __future__ import annotations

import random

import numpy as np
import pytest

from cleaner.document import Document
from cleaner.pipeline.batch import process_batch
from cleaner.pipeline.steps import DocumentStep, StepStats
from cleaner.stages.dedup.config import DedupConfig
from cleaner.stages.dedup.translate import encoder
from cleaner.stages.dedup.translate.pairing import PairingConfig, find_pairs
from cleaner.stages.dedup.translate.profile import make_profile
from cleaner.stages.dedup.translate.samelang import buckets, families
from cleaner.stages.dedup.translate.step import TranslationProfileStep

SYLLABLES = ("ka", "lo", "mi", "ne", "su", "ta", "vi", "ro", "pe", "du", "ja", "ku")


def word_vector(word: str) -> np.ndarray:
    seed = sum(ord(c) * 31 ** i for i, c in enumerate(word)) % 2**32
    return np.random.default_rng(seed).standard_normal(encoder.DIM).astype(np.float32)


def toy_encode(texts: list[str]) -> np.ndarray:
    """A stand-in encoder: the mean of per-word random vectors (so one language's texts
    that share its function words come out alike, as a real encoder's do)."""
    rows = []
    for text in texts:
        words = text.lower().replace(".", " ").split()
        vector = sum((word_vector(w) for w in words), np.zeros(encoder.DIM, np.float32))
        rows.append(vector / (np.linalg.norm(vector) or 1.0))
    return np.stack(rows)


def one_language(rng: random.Random, sentences: int = 5) -> str:
    """A text of an invented language: its own function words, its own stems."""
    function = ("um", "ja", "ku", "se", "iļ", "nei")
    out = []
    for _ in range(sentences):
        words = [rng.choice(function) if rng.random() < 0.4 else
                 "".join(rng.choices(SYLLABLES, k=3)) for _ in range(9)]
        out.append(" ".join(words).capitalize() + ".")
    return " ".join(out)


def test_one_language_detected_as_two_never_pairs_with_itself() -> None:
    """Livonian came out as Latvian and Estonian, and unrelated Livonian documents paired
    as translations; documents of one spelling family are no candidates."""
    rng = random.Random(1)
    docs = [Document(source=f"d{n}", text=one_language(rng), lang="lv" if n % 2 else "et")
            for n in range(12)]
    profiles = [make_profile(d.text, d.lang, encode=toy_encode) for d in docs]
    assert len(set(families([buckets(p.grams) for p in profiles],
                            [p.lang for p in profiles]))) == 1
    result = find_pairs(profiles, PairingConfig())
    assert result.decisions == [] and result.counters["candidates"] == 0


def test_related_but_distinct_spellings_stay_apart() -> None:
    rng = random.Random(2)
    a = [one_language(rng) for _ in range(6)]
    # Another language: other function words, each stem spelt differently.
    b = [" ".join(w[::-1] + "o" for w in text.split()) for text in a]
    profiles = [make_profile(t, "lv", encode=toy_encode) for t in a] + [
        make_profile(t, "et", encode=toy_encode) for t in b]
    found = families([buckets(p.grams) for p in profiles], [p.lang for p in profiles])
    assert found[0] != found[-1] and len(set(found)) == 2


class Counting(DocumentStep):
    """A step that notes what prepare() saw."""

    name = "counting"

    def __init__(self) -> None:
        self.prepared: list[list[str]] = []

    def prepare(self, docs: list[Document]) -> None:
        self.prepared.append([d.source for d in docs])

    def process(self, doc: Document, stats: StepStats) -> Document:
        doc.text = doc.text.upper()
        return doc


def test_prepare_sees_the_batch_before_process() -> None:
    step = Counting()
    batch = [Document(source=f"s{n}", text="abc") for n in range(3)]
    items, stats = process_batch(batch, [step])
    assert step.prepared == [["s0", "s1", "s2"]]
    assert [d.text for d in items] == ["ABC"] * 3 and stats["counting"].docs_in == 3


def test_batch_encoding_gives_the_same_profiles(monkeypatch: pytest.MonkeyPatch) -> None:
    from cleaner.stages.dedup.translate import step as step_module

    calls: list[int] = []

    def fake(texts: list[str]) -> np.ndarray:
        calls.append(len(texts))
        return toy_encode(texts)

    monkeypatch.setattr(step_module, "encode", fake)
    docs = [Document(source=f"d{n}", text=f"Hello there number {n}. Second line.", lang="en")
            for n in range(4)]
    step = TranslationProfileStep(DedupConfig())
    alone = [step.process(Document(source=d.source, text=d.text, lang="en"), StepStats("t"))
             .translation_profile for d in docs]
    per_doc_calls = len(calls)
    calls.clear()
    step.prepare(docs)
    together = [step.process(d, StepStats("t")).translation_profile for d in docs]
    assert per_doc_calls == 4 and calls == [5]  # "Second line." is encoded once
    assert together == alone


def test_pairs_per_language_pair_on_the_card_and_in_inspect(seeds_build) -> None:
    from cleaner.publish.describe import render_summary

    card = (seeds_build / "README.md").read_text(encoding="utf-8")
    assert "Translation pairs by language" in card
    assert "| zh → en | 1 |" in card or "| en → zh | 1 |" in card
    text = render_summary(seeds_build)
    assert "Translation pairs per language pair" in text
