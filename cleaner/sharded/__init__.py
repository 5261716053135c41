"""The sharded build: every stage of the pipeline as tasks over files in a work directory
(:mod:`cleaner.sharded.driver`), byte-identical to the in-memory build of
:func:`cleaner.build.build`, which wires the stages and hands them in as a
:class:`~cleaner.sharded.recipe.Recipe`."""

from cleaner.sharded.driver import BUCKETS, SHARD_FILES, ShardedResult, build_sharded
from cleaner.sharded.near import TILE
from cleaner.sharded.recipe import Recipe

__all__ = ["BUCKETS", "SHARD_FILES", "TILE", "Recipe", "ShardedResult", "build_sharded"]
