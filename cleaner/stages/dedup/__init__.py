"""The dedup stage: exact duplicates, near duplicates, translations; one kept per cluster.

:mod:`.exact` and :mod:`.near` (MinHash LSH, with :class:`~.near.SignatureStep` per document)
find duplicates, :mod:`.translation` finds translated documents (with :mod:`.lexicon`), and
:mod:`.keep` decides which member of a cluster stays; :mod:`.config` is ``[dedup]``.
"""

from cleaner.stages.dedup.config import DedupConfig
from cleaner.stages.dedup.exact import ExactDedupStep
from cleaner.stages.dedup.near import NearDedupStep, SignatureStep
from cleaner.stages.dedup.translation import TranslationStep

__all__ = ["DedupConfig", "ExactDedupStep", "NearDedupStep", "SignatureStep", "TranslationStep"]
