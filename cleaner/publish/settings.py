"""What publishing needs to know, and nothing else: ``[dataset]``, ``[splits]``, ``[package]``.

Publishing never sees the whole build configuration: :mod:`cleaner.build` hands it a
:class:`PublishSettings` (these three sections, plus every setting as plain data for the
manifest and the card).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass
class DatasetConfig:
    """``[dataset]``: what is built, from what, and where it goes."""

    name: str = "dataset"
    version: str = "1.0.0"
    pretty_name: str = ""
    description: str = ""
    # A Hub licence identifier (cleaner/publish/hub_licenses.txt); with "other", the Hub asks
    # for the licence's name and a link to its text.
    license: str = "other"
    license_name: str = ""
    license_link: str = ""
    homepage: str = ""
    citation: str = ""
    # Files or folders, relative to the config file's folder (what a bare `cleaner build`
    # reads; inputs on the command line replace them).
    inputs: list[str] = field(default_factory=list)
    # Where versions are written, relative to the config file's folder.
    output: str = "dist"
    task_categories: list[str] = field(default_factory=lambda: ["text-generation"])
    # Croissant's datePublished (YYYY-MM-DD); empty: the newest date of the data (published
    # or crawled), never the build's day (the same inputs give the same bytes).
    date_published: str = ""

    def check(self) -> None:
        """Raise ValueError("key: what is wrong") for a bad value."""
        import datetime as dt

        from cleaner.publish.licenses import license_problems

        if self.date_published:
            try:
                dt.date.fromisoformat(self.date_published)
            except ValueError:
                raise ValueError(f"date_published: {self.date_published!r} is not a date "
                                 "like 2024-05-01") from None

        problems = license_problems(self.license, self.license_name, self.license_link)
        if problems:
            raise ValueError(problems[0])


COMPRESSIONS = ("zstd", "snappy", "gzip", "brotli", "lz4", "none")
# Codecs whose level pyarrow accepts, and the levels they accept.
LEVELS = {"zstd": (1, 22), "gzip": (1, 9), "brotli": (0, 11)}
LEVELLED = set(LEVELS)


@dataclass
class SplitsConfig:
    """``[splits]``: the share of clusters in each split, and the seed of the assignment."""

    train: float = 0.8
    validation: float = 0.1
    test: float = 0.1
    seed: int = 0

    # The range of every number (checked with the types when dataset.toml is read).
    RANGES: ClassVar[dict[str, tuple[float, float]]] = {
        "train": (0.0, 1.0), "validation": (0.0, 1.0), "test": (0.0, 1.0),
        "seed": (0, 2**63 - 1)}

    def ratios(self) -> dict[str, float]:
        return {"train": self.train, "validation": self.validation, "test": self.test}

    def check(self) -> None:
        for name, ratio in self.ratios().items():
            if not math.isfinite(ratio) or not 0 <= ratio <= 1:
                raise ValueError(f"{name}: ratio {ratio} is not between 0 and 1")
        total = sum(self.ratios().values())
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"train + validation + test must be 1, not {total:g}")


@dataclass
class PackageConfig:
    """``[package]``: how the Parquet files are cut and written."""

    # A shard is closed when it reaches either bound (bytes are the uncompressed row sizes).
    max_rows_per_shard: int = 100_000
    max_bytes_per_shard: int = 256 * 1024 * 1024
    row_group_size: int = 1_000
    compression: str = "zstd"
    compression_level: int = 9

    # The range of every number (checked with the types when dataset.toml is read; the
    # compression level's range depends on the codec, see check).
    RANGES: ClassVar[dict[str, tuple[float, float]]] = {
        "max_rows_per_shard": (1, 1_000_000_000), "max_bytes_per_shard": (1, 1 << 40),
        "row_group_size": (1, 100_000_000), "compression_level": (-100, 100)}

    def check(self) -> None:
        for name in ("max_rows_per_shard", "max_bytes_per_shard", "row_group_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, not {getattr(self, name)}")
        if self.compression not in COMPRESSIONS:
            raise ValueError(f"compression {self.compression!r} is not one of "
                             f"{', '.join(COMPRESSIONS)}")
        low, high = LEVELS.get(self.compression, (self.compression_level,) * 2)
        if not low <= self.compression_level <= high:
            raise ValueError(f"compression_level must be {low}..{high} for {self.compression}, "
                             f"not {self.compression_level}")


@dataclass
class PublishSettings:
    """Everything a version's writer needs from the configuration."""

    dataset: DatasetConfig = field(default_factory=DatasetConfig)
    splits: SplitsConfig = field(default_factory=SplitsConfig)
    package: PackageConfig = field(default_factory=PackageConfig)
    # Every setting of the build, as plain data: recorded in the manifest and the card.
    config: dict[str, Any] = field(default_factory=dict)


def citation(dataset: DatasetConfig, version: str) -> str:
    """The dataset's citation: ``[dataset] citation``, else a BibTeX entry made from its name.

    >>> print(citation(DatasetConfig(), "1.0.0"))
    @misc{dataset_1_0_0,
      title = {dataset},
      note = {Version 1.0.0}
    }
    """
    if dataset.citation.strip():
        return dataset.citation.strip()
    key = re.sub(r"\W", "_", f"{dataset.name}_{version}")
    title = dataset.pretty_name or dataset.name
    url = f",\n  url = {{{dataset.homepage}}}" if dataset.homepage else ""
    return f"@misc{{{key},\n  title = {{{title}}},\n  note = {{Version {version}}}{url}\n}}"


__all__ = ["COMPRESSIONS", "DatasetConfig", "PackageConfig", "PublishSettings", "SplitsConfig",
           "citation"]
