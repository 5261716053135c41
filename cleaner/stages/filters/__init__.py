"""Document filters: what is not prose is not published (``[filters]``)."""

from cleaner.stages.filters.config import FiltersConfig
from cleaner.stages.filters.step import FiltersStep

__all__ = ["FiltersConfig", "FiltersStep"]
