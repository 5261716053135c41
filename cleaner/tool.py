"""The tool's own name and version: recorded in every manifest, shown by ``cleaner --version``.

A module of its own, at the bottom of the package, so that publishing can record it without
importing the package's entry points.
"""

NAME = "cleaner"
VERSION = "0.3.0"
