"""One root for every error a user can act on.

An error of these classes carries a message written for the user: one line saying what is
wrong and where. The command line prints it as it is (``cleaner: error: ...``); anything else
that escapes is a bug in cleaner, printed as an internal error (with a traceback on request).
Each class also keeps the standard base it always had (``ValueError`` for bad values...), so
code that caught those still does.

>>> issubclass(ConfigError, CleanerError), issubclass(ConfigError, ValueError)
(True, True)
"""

from __future__ import annotations


class CleanerError(Exception):
    """A problem the user can act on; the message is one line for them."""


class UsageError(CleanerError):
    """A mistake in how a command or function was called (a bad option, a missing file)."""


class ConfigError(CleanerError, ValueError):
    """A problem with the configuration (``dataset.toml`` or its values)."""


class InputError(CleanerError):
    """An input cannot be used (missing, or it would overlap the output)."""


class BuildError(CleanerError, RuntimeError):
    """The build could not finish."""


class EngineError(CleanerError, RuntimeError):
    """The engine could not start or lost its cluster (Ray not installed, head unreachable)."""


class PublishError(CleanerError, ValueError):
    """A version cannot be published (it exists with other content, or would be invalid)."""


class SchemaError(CleanerError, ValueError):
    """A schema file in ``schemas/`` is malformed."""


class NotAVersionError(CleanerError, ValueError):
    """A path is not a version folder written by cleaner."""


__all__ = ["BuildError", "CleanerError", "ConfigError", "EngineError", "InputError",
           "NotAVersionError", "PublishError", "SchemaError", "UsageError"]
