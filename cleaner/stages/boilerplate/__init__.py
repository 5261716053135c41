"""The boilerplate stage: site chrome out, credits into metadata.

:mod:`.step` applies the phrase rules of :mod:`.rules` (data in ``rules/*.txt``) to each line of
a document; :mod:`.repeated` removes the lines a site repeats across its documents (a corpus
step); :mod:`.config` is ``[boilerplate]``.
"""

from cleaner.stages.boilerplate.config import BoilerplateConfig
from cleaner.stages.boilerplate.repeated import RepeatedBlocksStep
from cleaner.stages.boilerplate.rules import CreditLines
from cleaner.stages.boilerplate.step import BoilerplateStep

__all__ = ["BoilerplateConfig", "BoilerplateStep", "CreditLines", "RepeatedBlocksStep"]
