"""cleaner: turn messy scraped news pages into a clean, versioned, documented dataset.

In a notebook::

    import cleaner
    cleaner.clean_text(html)                      # one page -> dict (text, title, lang...)
    result = cleaner.build_dataset("seeds/", output="dist", name="news", version="1.0.0")
    documents = cleaner.load(result.write.path)   # datasets.DatasetDict
    print(cleaner.describe(result.write.path))

The functions live in :mod:`cleaner.api`; they are imported on first use, so that
``import cleaner`` stays fast and the command line loads only what it runs.
"""

from typing import Any

from cleaner.tool import VERSION as __version__

API = ("build_dataset", "clean_files", "clean_text", "describe", "load", "read_tables")


def __getattr__(name: str) -> Any:
    if name in API:
        from cleaner import api

        return getattr(api, name)
    raise AttributeError(f"module 'cleaner' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *API])


__all__ = ["__version__", *API]
