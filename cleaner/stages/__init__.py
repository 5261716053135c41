"""The stages of the pipeline, in the order a document meets them.

ingest → decode → extract → boilerplate → normalize → language → dedup

Each stage is a package (or a module) of its own. A stage imports the document model, the
machinery (:mod:`cleaner.pipeline`), the text helpers (:mod:`cleaner.text`) and its own
package, never another stage: what two stages share lives in :mod:`cleaner.text`, or is
handed in by :mod:`cleaner.build`.
"""
