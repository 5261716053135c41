"""Publishing: everything about a version folder ``DIR/NAME/X.Y.Z/``.

:mod:`.version` writes a version (a transaction: a temporary folder, validated, renamed into
place) from :mod:`.splits`, :mod:`.tables`, :mod:`.manifest`, :mod:`.card`, :mod:`.charts`
and :mod:`.croissant`, with the names of :mod:`.layout` and the columns of :mod:`.schema`;
:mod:`.validate` checks one, :mod:`.versions` compares two, :mod:`.describe` summarises one,
:mod:`.push` uploads one. It receives its own settings (:mod:`.settings`), never the whole
build configuration. ``docs/version-format.md`` describes a version for its readers.
"""
