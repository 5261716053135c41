"""The machinery: steps, the runner, engines, limits and progress."""

from cleaner.pipeline.run import *  # noqa: F403
from cleaner.pipeline.run import _merge_timed, _record_removals, _snapshot  # noqa: F401
