"""Where the sharded build cuts its listing (cleaner.sharded.plan): content-defined, local to
a change, bounded, and never between a file and a name the reader may give inside it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.sharded.plan import WholeListing, cut_shards, extends, joined_names, limits


def test_shards_are_cut_where_their_names_say_so():
    """Inserting one name anywhere changes its own shard (rarely a neighbour or two), sizes
    stay within their bounds, and nothing is lost or reordered."""
    names = [f"site{i % 3}/page{i:04d}.html" for i in range(400)]
    names.sort()
    before = {tuple(shard) for shard in cut_shards(names, str, 4)}
    low, _, _, high = limits(4)
    changed = []
    for index in range(0, len(names), 3):
        grown = names[:index] + [names[index] + "-new"] + names[index:]
        shards = list(cut_shards(grown, str, 4))
        assert sum(shards, []) == grown
        assert all(low <= len(s) <= high for s in shards[:-1])
        changed.append(sum(tuple(s) not in before for s in shards))
    assert max(changed) <= 3 and sum(changed) / len(changed) < 1.5
    assert all(len(s) == 1 for s in cut_shards(names, str, 1))


def shards_of(names: list[str], size: int) -> list[list[str]]:
    """As plan_shards cuts: streamed, or with the whole listing when a name extends one in
    an earlier shard."""
    try:
        return list(cut_shards(names, str, size))
    except WholeListing:
        return list(cut_shards(names, str, size, joined_names(names)))


@pytest.mark.parametrize("size", [1, 2, 4])
def test_a_name_extending_an_earlier_one_is_never_cut_from_it(size):
    names = sorted(["feed.jsonl", "feed.jsonl#r0", "feed.jsonl.bak", "feed.jsonl~2", "a.html",
                    "a.html~", "b.html", "c/x", "c/x#1", "d"] + [f"e{i}" for i in range(20)])
    with pytest.raises(WholeListing):
        list(cut_shards(names, str, 1))
    shards = shards_of(names, size)
    assert sum(shards, []) == names
    where = {name: n for n, shard in enumerate(shards) for name in shard}
    for earlier in names:
        for later in names:
            if extends(earlier, later):
                assert where[earlier] == where[later], (earlier, later)
    plain = [f"e{i}" for i in range(200)]  # nothing joined: the same cuts either way
    assert list(cut_shards(plain, str, size, joined_names(plain))) == shards_of(plain, size)


@settings(max_examples=200, deadline=None)
@given(names=st.lists(st.text(alphabet="ab#~.", min_size=1, max_size=5), unique=True,
                      max_size=60), size=st.integers(1, 6))
def test_any_listing_is_cut_whole_and_in_order(names, size):
    names.sort()
    shards = shards_of(names, size)
    assert sum(shards, []) == names
    where = {name: n for n, shard in enumerate(shards) for name in shard}
    assert all(where[a] == where[b] for a in names for b in names if extends(a, b))
    # Cut with the whole listing's flags whenever the streamed cut could not: the same cuts
    # where it could (a rerun that lists whole reuses the same shards).
    assert shards == list(cut_shards(names, str, size, joined_names(names)))
