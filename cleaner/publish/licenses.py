"""The Hub's licence identifiers, checked offline (``hub_licenses.txt`` names its source).

A card's ``license`` must be one of them; ``license: other`` may name the licence with
``license_name`` (an identifier: lowercase letters, digits, ``-`` and ``.``) and
``license_link`` (a URL, or the path of a LICENSE file in the repository), as the Hub asks.
"""

from __future__ import annotations

import difflib
import functools
import re
from pathlib import Path

LICENSES_FILE = Path(__file__).resolve().parent / "hub_licenses.txt"
LICENSE_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{0,99}$")
LICENSE_LINK = re.compile(r"^(?:https?://[^\s<>\"]{1,500}|[\w./-]{1,200})$")


@functools.cache
def hub_licenses() -> frozenset[str]:
    """Every identifier of ``hub_licenses.txt``.

    >>> {"cc-by-4.0", "apache-2.0", "other"} <= hub_licenses()
    True
    """
    lines = LICENSES_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def license_problems(license_id: object, name: object = "", link: object = "") -> list[str]:
    """What is wrong with a card's licence fields, each as one sentence (none when right).

    >>> license_problems("CC BY 4.0")
    ["license 'CC BY 4.0' is not a Hub licence identifier (did you mean 'cc-by-4.0'?)"]
    >>> license_problems("other", "my-licence", "LICENSE.md"), license_problems("mit", "x")
    ([], ["license_name is only for license 'other', not 'mit'"])
    """
    problems = []
    if not isinstance(license_id, str) or license_id not in hub_licenses():
        shown = str(license_id)[:60]
        guess = difflib.get_close_matches(re.sub(r"[\s_]+", "-", shown.lower()),
                                          sorted(hub_licenses()), n=1)
        hint = f" (did you mean {guess[0]!r}?)" if guess else " (see hub_licenses.txt)"
        problems.append(f"license {shown!r} is not a Hub licence identifier{hint}")
    for key, value, pattern, what in (("license_name", name, LICENSE_NAME,
                                       "lowercase letters, digits, '-' and '.'"),
                                      ("license_link", link, LICENSE_LINK,
                                       "a URL or a file path in the repository")):
        if not value:
            continue
        if license_id != "other":
            problems.append(f"{key} is only for license 'other', not {str(license_id)[:60]!r}")
        elif not isinstance(value, str) or not pattern.match(value):
            problems.append(f"{key} {str(value)[:60]!r} is not {what}")
    return problems


__all__ = ["hub_licenses", "license_problems"]
