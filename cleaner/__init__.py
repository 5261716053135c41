"""cleaner: turn messy scraped news pages into a clean, versioned, documented dataset."""

__version__ = "0.1.0"
