"""The decode stage: raw bytes -> text or markup, front matter -> metadata, repaired text.

:mod:`.step` is the step and reads top to bottom; :mod:`.binary`, :mod:`.charsets`,
:mod:`.evidence`, :mod:`.detect` (with :mod:`.letters`), :mod:`.front_matter` and
:mod:`.markup` are its parts.
"""

from cleaner.stages.decode.step import DecodeStep

__all__ = ["DecodeStep"]
