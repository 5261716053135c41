"""What a check reports (:class:`Violation`), and what the checks share."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from cleaner.publish import schema

EXIT_VALID, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
CHECKS = ("files", "manifest", "schema", "constraints", "references", "splits", "card",
          "images", "croissant")
# At most this many rows are named per broken rule; the rest are counted.
MAX_EXAMPLES = 5
LAYOUT_FILES = ("README.md", "manifest.json", "croissant.json", schema.AUDIT_FILE)



@dataclass(frozen=True)
class Violation:
    """One broken rule: the file (relative to the version folder) and what is wrong."""

    file: str
    message: str
    check: str = "constraints"

    def __str__(self) -> str:
        return f"{self.file}: {self.message}"


@dataclass
class ConfigTable:
    """A config's rows, read once: ``split`` and ``file`` columns added."""

    name: str
    table: pa.Table | None
    files: list[str]
    # Columns left out of ``table`` to bound memory (the documents' text), the version folder
    # to read them again from, and their rules' violations found file by file while reading.
    folder: Path | None = None
    streamed: dict[str, list[Violation]] = field(default_factory=dict)


def _not_json(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON (a number must be finite)")


def strict_json(text: str) -> Any:
    """Parse JSON as the standard has it: ``NaN`` and ``Infinity`` (which Python's json
    writes and reads by default) are errors, as they are for every other reader.

    >>> strict_json('{"a": 1}')
    {'a': 1}
    >>> strict_json('{"train": NaN}')
    Traceback (most recent call last):
    ValueError: NaN is not JSON (a number must be finite)
    """
    return json.loads(text, parse_constant=_not_json)


def relative_files(folder: Path) -> list[str]:
    """Every file under ``folder``, as sorted relative POSIX paths."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
