"""Issue 16 round 3: short mutual best pairs below the floor, backed by independent evidence."""

from __future__ import annotations

from dataclasses import replace

from cleaner.stages.dedup.translate.match import Scored, add_mutual_best, match_one_to_one
from cleaner.stages.dedup.translate.score import Evidence, short_and_consistent

SHORT = Evidence(covered=True, meaning=0.6, meaning_csls=0.35, meaning_rank=2.0, gain=0.3,
                 coverage=0.6, quality=0.5, spelling=0.0, spelling_csls=0.0, spelling_rank=1.0,
                 shared_anchors=0, anchor_overlap=0.0, any_anchors=False, length_drift=0.05,
                 shorter_chars=110)


def test_short_mutual_best_below_floor_is_accepted_only_with_its_evidence():
    scored = [Scored(0, 10, -2.0), Scored(0, 11, -15.0), Scored(1, 11, 4.0)]
    direct = match_one_to_one(scored)
    assert [(p.left, p.right) for p in direct] == [(1, 11)]
    assert add_mutual_best(direct, scored, lambda p: True) == [Scored(0, 10, -2.0)]
    assert add_mutual_best(direct, scored, lambda p: False) == []


def test_a_close_rival_or_a_low_score_blocks_the_mutual_best():
    close = [Scored(0, 10, -2.0), Scored(0, 11, -5.0)]
    assert add_mutual_best([], close, lambda p: True) == []
    assert add_mutual_best([], [Scored(0, 10, -7.0)], lambda p: True) == []
    # Not the best of its partner: 10 prefers 1.
    assert add_mutual_best([], [Scored(0, 10, -2.0), Scored(1, 10, -1.0)], lambda p: True) == []


def test_evidence_must_be_short_covered_meaningful_and_of_the_expected_length():
    assert short_and_consistent(SHORT)
    assert not short_and_consistent(replace(SHORT, covered=False))
    assert not short_and_consistent(replace(SHORT, shorter_chars=2000))
    assert not short_and_consistent(replace(SHORT, meaning_csls=0.05))
    assert not short_and_consistent(replace(SHORT, length_drift=0.5))


def test_long_evidence_is_outside_the_encoder_long_and_of_the_expected_length():
    from cleaner.stages.dedup.translate.score import long_and_consistent

    story = replace(SHORT, covered=False, meaning_csls=-0.6, shorter_chars=700)
    assert long_and_consistent(story)
    assert not long_and_consistent(replace(story, covered=True))
    assert not long_and_consistent(replace(story, shorter_chars=150))
    assert not long_and_consistent(replace(story, length_drift=0.4))
