"""The executor: order, accounting and error handling do not depend on the worker count."""

from cleaner.document import Document, Drop, Removal
from cleaner.pipeline import (
    CorpusStep,
    DocumentStep,
    RunState,
    map_documents,
    run_pipeline,
)


class Upper(DocumentStep):
    name = "upper"

    def process(self, doc, stats):
        doc.text = doc.text.upper()
        return doc


class DropOdd(DocumentStep):
    name = "drop-odd"

    def process(self, doc, stats):
        if int(doc.source) % 2:
            return Drop("odd", detail=doc.source)
        return doc


class Explode(DocumentStep):
    name = "explode"

    def process(self, doc, stats):
        if doc.source == "4":
            raise ValueError("boom")
        return doc


class KeepFirstOfEachText(CorpusStep):
    name = "dedup"

    def run(self, docs, context):
        seen: dict[str, str] = {}
        for doc in docs:
            if doc.text in seen:
                context.drop(doc, "exact_duplicate", duplicate_of=seen[doc.text])
            else:
                seen[doc.text] = doc.id
                yield doc


def corpus(n=40):
    return [Document(source=str(i), text=f"text {i % 7}") for i in range(n)]


def run(workers):
    state = RunState()
    reader_removal = Removal("r", "broken.bin", "unreadable", "ingest")
    docs = run_pipeline([reader_removal, *corpus()],
                        [Upper(), DropOdd(), Explode(), KeepFirstOfEachText()], state, workers)
    return docs, state


def test_same_result_with_one_or_two_workers():
    docs1, state1 = run(1)
    docs2, state2 = run(2)
    assert [(d.source, d.text) for d in docs1] == [(d.source, d.text) for d in docs2]
    assert state1.removals == state2.removals
    assert state1.stats["upper"].changed == state2.stats["upper"].changed == 40


def test_every_document_is_accounted_for():
    docs, state = run(1)
    assert len(docs) + len(state.removals) == 41
    reasons = {r.reason for r in state.removals}
    assert reasons == {"unreadable", "odd", "error", "exact_duplicate"}


def test_a_step_that_raises_drops_only_that_document():
    _, state = run(1)
    (error,) = [r for r in state.removals if r.reason == "error"]
    assert error.source == "4" and "boom" in error.detail and error.step == "explode"


def test_map_documents_keeps_input_order_and_removals_in_place():
    state = RunState()
    items = [Document(source="a", text="x"), Removal("b", "b", "too_large", "ingest"),
             Document(source="c", text="y")]
    out = list(map_documents(items, [Upper()], state, workers=2, batch_size=1))
    assert [o.source for o in out] == ["a", "b", "c"]
    assert state.stats["upper"].docs_in == 2
