"""A Parquet file written one row group at a time, with the bytes of one
:func:`~cleaner.publish.tables.write_parquet` of the whole table: the same options, the same
schema metadata and the same row groups (``row_group_size`` rows each from the file's start),
so a writer holds one row group's rows, never the file's.

``table.nbytes`` of the whole table (the card's ``num_bytes``) is kept exact too: it adds up
over row groups except the validity bitmaps, which the whole table has for a column with a
null anywhere (``ceil(rows / 8)`` bytes) and a row group only where it has one.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from cleaner.publish.settings import LEVELLED, PackageConfig
from cleaner.publish.tables import arrow_table, hf_metadata

if TYPE_CHECKING:
    import pyarrow as pa


def _nodes(array: pa.Array, path: tuple[int, ...]) -> Any:
    """``(path, length, nulls, has a validity bitmap)`` of an array and of its children."""
    import pyarrow as pa

    yield path, len(array), array.null_count, array.buffers()[0] is not None
    if pa.types.is_list(array.type) or pa.types.is_large_list(array.type):
        yield from _nodes(array.values, (*path, 0))
    elif pa.types.is_struct(array.type):
        for index in range(array.type.num_fields):
            yield from _nodes(array.field(index), (*path, index))


class NBytes:
    """The ``nbytes`` of a table made of the tables added, as if built in one piece.

    >>> import pyarrow as pa
    >>> rows = [{"a": "x"}, {"a": None}, {"a": "yz"}] * 5
    >>> total = NBytes()
    >>> for start in range(0, len(rows), 4):
    ...     total.add(pa.Table.from_pylist(rows[start:start + 4]))
    >>> total.value() == pa.Table.from_pylist(rows).nbytes
    True
    """

    def __init__(self) -> None:
        self._bytes = 0
        self._nodes: dict[tuple[int, ...], tuple[int, int]] = {}

    def add(self, table: pa.Table) -> None:
        self._bytes += table.nbytes
        for column, values in enumerate(table.columns):
            for chunk in values.chunks:
                for path, length, nulls, bitmap in _nodes(chunk, (column,)):
                    if bitmap:  # counted again below, over the whole column
                        self._bytes -= (length + 7) // 8
                    rows, all_nulls = self._nodes.get(path, (0, 0))
                    self._nodes[path] = (rows + length, all_nulls + nulls)

    def value(self) -> int:
        return self._bytes + sum((rows + 7) // 8 for rows, nulls in self._nodes.values()
                                 if nulls)


class ParquetStream:
    """Rows appended in order to ``path``; :meth:`close` returns ``(rows, nbytes, file
    bytes)``. An empty stream writes no file (nothing is opened before the first row)."""

    def __init__(self, path: Path, config: PackageConfig, name: str) -> None:
        self.path, self.config, self.name = path, config, name
        self.rows = 0
        self._group: list[dict[str, Any]] = []
        self._nbytes = NBytes()
        self._writer: Any = None

    def append(self, row: dict[str, Any]) -> None:
        self._group.append(row)
        self.rows += 1
        if len(self._group) >= self.config.row_group_size:
            self._flush()

    def _flush(self) -> None:
        import pyarrow.parquet as pq

        if not self._group:
            return
        table = arrow_table(self._group, self.name)
        self._group = []
        self._nbytes.add(table)
        table = table.replace_schema_metadata({b"huggingface": hf_metadata(self.name)})
        if self._writer is None:
            codec = self.config.compression
            # The options of write_parquet (pq.write_table opens the same writer).
            self._writer = pq.ParquetWriter(
                self.path, table.schema,
                compression=None if codec == "none" else codec,
                compression_level=(self.config.compression_level if codec in LEVELLED
                                   else None),
                write_statistics=True, use_dictionary=True)
        self._writer.write_table(table, row_group_size=self.config.row_group_size)

    def close(self) -> tuple[int, int, int]:
        self._flush()
        if self._writer is None:
            return 0, 0, 0
        self._writer.close()
        self._writer = None
        return self.rows, self._nbytes.value(), self.path.stat().st_size


__all__ = ["NBytes", "ParquetStream"]
