"""The documents' text is checked file by file in batches: same examples, same totals."""

from __future__ import annotations

import pyarrow as pa

from cleaner.publish.validate.tables import TextTally, _report

IDS = [f"{i:016x}" for i in range(12)]
TEXTS = ["ok", "", None, " ", "\u200b", "x", None, "", "  \n", "y", "", None]
FILES = ["data/documents/train-00000-of-00002.parquet"] * 5 \
    + ["data/documents/train-00001-of-00002.parquet"] * 7


def _streamed(batch_rows: int) -> TextTally:
    """Tally the rows as two files read in batches of ``batch_rows``."""
    tally = TextTally("documents", ["text"])
    for start, stop in ((0, 5), (5, 12)):
        found = tally.start()
        for first in range(start, stop, batch_rows):
            last = min(first + batch_rows, stop)
            batch = pa.record_batch({"id": pa.array(IDS[first:last], pa.string()),
                                     "text": pa.array(TEXTS[first:last], pa.string())})
            tally.add(found, FILES[start], batch)
        tally.merge(found)
    return tally


def test_streamed_text_rules_match_the_whole_table() -> None:
    table = pa.table({"id": IDS, "text": pa.array(TEXTS, pa.string()), "__file__": FILES})
    tally = _streamed(1)
    expected = []
    for _, message, rule in tally.rules:
        expected += _report(table, rule(table.column("text")), "id", message)
    assert [rule[1] for rule in tally.rules] == [
        "text is null", "text is shorter than 1", "text is empty or only whitespace"]
    # Six blank texts: five examples, across both files, then the count.
    assert "... 1 more rows: text is empty or only whitespace" in str(expected[-1])
    assert {v.file for v in expected} == set(FILES)
    for batch_rows in (1, 2, 3, 1024):
        assert _streamed(batch_rows).violations()["text"] == expected


def test_a_failed_file_is_not_counted() -> None:
    tally = TextTally("documents", ["text"])
    tally.start()  # a file's tally that is never merged (its read failed)
    found = tally.start()
    tally.add(found, FILES[0], pa.record_batch({"id": pa.array(IDS[:2], pa.string()),
                                                "text": pa.array(["a", "b"], pa.string())}))
    tally.merge(found)
    assert tally.violations() == {"text": []}
