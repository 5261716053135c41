"""ParquetStream: one row group at a time, the bytes of one write_parquet of the table."""

from __future__ import annotations

import random

import pyarrow as pa
import pytest

from cleaner.publish.settings import PackageConfig
from cleaner.publish.stream import NBytes, ParquetStream
from cleaner.publish.tables import arrow_table, write_parquet


def removal_rows(n: int, seed: int) -> list[dict]:
    rnd = random.Random(seed)
    return [{"id": f"{i:08x}", "source": f"s/{i}.txt", "reason": rnd.choice(["a", "bb"]),
             "step": "x", "duplicate_of": None if rnd.random() < 0.5 else f"{i + 1:08x}",
             "detail": "d" * rnd.randint(0, 9)} for i in range(n)]


@pytest.mark.parametrize(("rows", "group"), [(1, 1), (29, 7), (64, 8), (100, 1000)])
def test_a_stream_writes_the_bytes_of_one_write_parquet(tmp_path, rows, group):
    config = PackageConfig(row_group_size=group)
    data = removal_rows(rows, rows)
    whole = tmp_path / "whole.parquet"
    table = arrow_table(data, "removed")
    write_parquet(table, whole, config, "removed")
    stream = ParquetStream(tmp_path / "stream.parquet", config, "removed")
    for row in data:
        stream.append(row)
    count, nbytes, size = stream.close()
    assert (tmp_path / "stream.parquet").read_bytes() == whole.read_bytes()
    assert (count, nbytes, size) == (rows, table.nbytes, whole.stat().st_size)


def test_an_empty_stream_writes_nothing(tmp_path):
    stream = ParquetStream(tmp_path / "none.parquet", PackageConfig(), "removed")
    assert stream.close() == (0, 0, 0) and not (tmp_path / "none.parquet").exists()


def test_nbytes_of_pieces_equals_the_whole_table_with_nulls_in_some_pieces():
    schema = pa.schema([("t", pa.string()), ("l", pa.list_(pa.string()), False),
                        ("d", pa.date32())])
    rnd = random.Random(3)
    for _ in range(200):
        n, k, p = rnd.randint(1, 50), rnd.randint(1, 13), rnd.random()
        rows = [{"t": None if rnd.random() < p else "ab",
                 "l": [None if rnd.random() < p / 4 else "q" for _ in range(rnd.randint(0, 3))],
                 "d": None if rnd.random() < p / 3 else 3} for _ in range(n)]
        total = NBytes()
        for start in range(0, n, k):
            total.add(pa.Table.from_pylist(rows[start:start + k], schema=schema))
        assert total.value() == pa.Table.from_pylist(rows, schema=schema).nbytes
