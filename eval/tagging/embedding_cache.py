"""Embeddings of the training and evaluation texts, cached in a file so experiments are cheap.

Keyed by the SHA-256 of the exact text the encoder reads; the cache file (``FIDES_EMBEDDING_CACHE``,
default under /tmp) holds only vectors and hashes, never the texts (they stay in ../shared).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from workers.tagging.normalize import repair_mojibake


class Encoder(Protocol):
    """Anything that embeds a batch of texts (``workers.tagging.encoder.MultilingualEncoder``)."""

    name: str

    def encode(self, texts: list[str]) -> np.ndarray:
        """Rows of embeddings, one per text."""
        ...


def cache_path(encoder_name: str) -> Path:
    """Where the cache for one encoder lives."""
    base = Path(os.environ.get("FIDES_EMBEDDING_CACHE", "/tmp/fides-tagging-embeddings"))  # noqa: S108
    return base / f"{encoder_name}.npz"


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def embed_cached(encoder: Encoder, texts: Sequence[str], batch: int = 256) -> np.ndarray:
    """Embeddings of ``texts``: read from the cache, the missing ones computed and added to it."""
    texts = [repair_mojibake(t) for t in texts]  # what the stage embeds (core.learned_text)
    path = cache_path(encoder.name)
    known: dict[str, np.ndarray] = {}
    if path.exists():
        with np.load(path) as data:
            known = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))
    keys = [_key(t) for t in texts]
    missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in known}.items())
    for start in range(0, len(missing), batch):
        chunk = missing[start : start + batch]
        for (key, _), vector in zip(chunk, encoder.encode([t for _, t in chunk]), strict=True):
            known[key] = vector
    if missing:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=np.array(list(known)), vectors=np.stack(list(known.values())))
        tmp.replace(path)
    return np.stack([known[k] for k in keys]) if keys else np.zeros((0, 0), dtype=np.float32)
