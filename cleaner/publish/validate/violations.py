"""What a check reports (:class:`Violation`), and what the checks share."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from cleaner.publish import schema

EXIT_VALID, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
CHECKS = ("files", "manifest", "schema", "constraints", "references", "splits", "card",
          "croissant")
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


def relative_files(folder: Path) -> list[str]:
    """Every file under ``folder``, as sorted relative POSIX paths."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
