"""The array matching of the sharded build decides exactly as the in-memory one."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.stages.dedup.translate.match_arrays import (
    EdgeTable,
    decide_first_arrays,
    decide_rest_arrays,
)
from cleaner.stages.dedup.translate.pairing import (
    Edge,
    PairingConfig,
    bilingual_keys,
    decide_first,
    decide_rest,
    first_counts,
)

LANGS = ["de", "en", "fr"]
# Few distinct scores, so ties (broken by position) are common.
SCORES = [-9.0, -6.5, -4.0, -3.0, -2.5, -2.0, -1.0, -0.0, 0.0, 0.5, 1.0, 1.5, 4.0, 7.0, 12.0]
# Scores within a story (documents i // 3): high, or just under the floor (pivots).
STORY = [-2.0, -1.0, 4.0, 7.0, 12.0]


@st.composite
def graphs(draw):
    docs = draw(st.integers(2, 9))
    # Mostly one document of each language per story: pivots need three languages.
    lang = [draw(st.sampled_from([LANGS[i % 3]] * 3 + LANGS)) for i in range(docs)]
    edges = []
    for i in range(docs):
        for j in range(i + 1, docs):
            if lang[i] == lang[j]:
                continue
            # Three quarters of the edges inside a story, a quarter of those between stories.
            roll = draw(st.integers(0, 3))
            if (roll == 0) == (i // 3 == j // 3):
                continue
            key = tuple(sorted((lang[i], lang[j])))
            score = draw(st.sampled_from(STORY if i // 3 == j // 3 else SCORES))
            edges.append(Edge(i * 3 + 5, j * 3 + 5, score, key,
                              draw(st.booleans()), draw(st.booleans())))
    order = draw(st.permutations(range(len(edges))))
    return [edges[k] for k in order], {i * 3 + 5: lang[i] for i in range(docs)}


def table_of(edges: list[Edge]) -> EdgeTable:
    # Codes deliberately not in the sorted order of the pairs they name.
    keys = sorted({e.key for e in edges}, reverse=True)
    code = {k: c for c, k in enumerate(keys)}
    return EdgeTable([e.left for e in edges], [e.right for e in edges],
                     [e.score for e in edges], [code[e.key] for e in edges], keys)


@settings(max_examples=300, deadline=None)
@given(graphs(), st.sampled_from([0.0, 1.0, -1.0]), st.sampled_from([1.0, 0.0, -0.5]),
       st.sampled_from([0.0, 0.3]))
def test_array_matching_decides_as_the_objects(graph, floor, margin, share):
    edges, langs = graph
    config = PairingConfig(floor=floor, margin=margin, bilingual_share=share)
    table = table_of(edges)
    first = decide_first(edges, config)
    got = decide_first_arrays(table, [e.short for e in edges], config)
    assert got == first
    sizes = {lang: sum(1 for v in langs.values() if v == lang) for lang in LANGS}
    bilingual = bilingual_keys(first_counts(first), sizes, config)
    expected = decide_rest(edges, first, bilingual, langs.__getitem__, config)
    found = decide_rest_arrays(table, [e.long for e in edges], got, bilingual,
                               langs.__getitem__, config)
    assert found == expected
    assert [type(x) for _, p in found for x in (p.left, p.right, p.score)] == \
        [t for _ in found for t in (int, int, float)]


def test_a_pivot():
    edges = [Edge(0, 1, 4.0, ("de", "en"), False, False),
             Edge(1, 2, 4.0, ("en", "fr"), False, False),
             Edge(0, 2, -1.0, ("de", "fr"), False, False)]
    config = PairingConfig()
    first = decide_first_arrays(table_of(edges), [False] * 3, config)
    found = decide_rest_arrays(table_of(edges), [False] * 3, first, set(),
                               ["de", "en", "fr"].__getitem__, config)
    assert [(kind, p.left, p.right) for kind, p in found] == [
        ("direct", 0, 1), ("direct", 1, 2), ("pivot", 0, 2)]


def test_no_edges():
    table = EdgeTable([], [], [], [], [])
    assert decide_first_arrays(table, [], PairingConfig()) == {}
    assert decide_rest_arrays(table, [], {}, set(), str, PairingConfig()) == []
