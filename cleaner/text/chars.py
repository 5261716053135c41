"""Characters with a meaning of their own in cleaning: shared by every stage that reads lines."""

from __future__ import annotations

import re

# Characters that take no room on screen (zero-width spaces and joiners, word joiner, BOM,
# soft hyphen): a line made of them is blank, and a rule must read a line without them.
INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")

__all__ = ["INVISIBLE"]
