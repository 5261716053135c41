"""The ingest stage: find the input documents and read their raw bytes.

:mod:`.reader` walks files and folders (:class:`Reader`); :mod:`.records` opens containers of
many documents (JSON/JSONL, WARC); :mod:`.kinds` and :mod:`.files` tell what a file is and read
it safely; :mod:`.config` is ``[ingest]``.
"""

from cleaner.stages.ingest.config import IngestConfig
from cleaner.stages.ingest.reader import Reader

__all__ = ["IngestConfig", "Reader"]
