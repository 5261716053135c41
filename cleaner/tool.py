"""The tool's own name and version: recorded in every manifest, shown by ``cleaner --version``.

A module of its own, at the bottom of the package, so that publishing can record it without
importing the package's entry points.
"""

import functools
import hashlib
from pathlib import Path

NAME = "cleaner"
VERSION = "0.3.0"


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A digest of the package's own files (code, rules, schemas), so that work saved by one
    build is never reused by different code that kept the same version number.

    >>> len(code_fingerprint())
    64
    """
    root = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix != ".pyc"):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()
