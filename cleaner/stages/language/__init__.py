"""The language stage: which language, in which script, each document is written in.

:mod:`.step` is the step; :mod:`.identify` samples a document and decides, with the evidence of
:mod:`.scripts`, :mod:`.backends` (fastText, lingua, langdetect), :mod:`.markers` (marker words
of close relatives, in ``markers.toml``) combined by :mod:`.decide`; :mod:`.config` is
``[language]``.
"""

from cleaner.stages.language.config import LanguageConfig
from cleaner.stages.language.identify import detect
from cleaner.stages.language.step import LanguageStep

__all__ = ["LanguageConfig", "LanguageStep", "detect"]
