"""The machinery: steps, the runner, where the work runs, limits and progress.

It knows nothing of pages or datasets: it takes documents through steps, counts what each
step did, records every document it does not keep, and places batches on an engine.

* :mod:`~cleaner.pipeline.steps` — ``DocumentStep``, ``CorpusStep`` (with its narrow
  ``CorpusContext``), ``StepStats``;
* :mod:`~cleaner.pipeline.run` — the runner loop (:func:`run_pipeline`);
* :mod:`~cleaner.pipeline.batch` — the unit of work an engine places;
* :mod:`~cleaner.pipeline.local`, :mod:`~cleaner.pipeline.ray_engine`,
  :mod:`~cleaner.pipeline.engines` — where batches run;
* :mod:`~cleaner.pipeline.limits`, :mod:`~cleaner.pipeline.progress`.
"""

from cleaner.pipeline.batch import process_document
from cleaner.pipeline.local import Engine, LocalEngine
from cleaner.pipeline.run import RunState, map_documents, run_corpus_steps, run_pipeline
from cleaner.pipeline.steps import CorpusContext, CorpusStep, DocumentStep, Step, StepStats

__all__ = ["CorpusContext", "CorpusStep", "DocumentStep", "Engine", "LocalEngine", "RunState",
           "Step", "StepStats", "map_documents", "process_document", "run_corpus_steps",
           "run_pipeline"]
