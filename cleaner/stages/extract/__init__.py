"""The extract stage: HTML -> the article's text and the page's metadata.

:mod:`.step` is the step; :mod:`.page` parses and reads pages, :mod:`.restore` puts back what
extraction lost, :mod:`.metadata` reads title, date, author and the rest.
"""

from cleaner.stages.extract.step import ExtractConfig, ExtractStep

__all__ = ["ExtractConfig", "ExtractStep"]
