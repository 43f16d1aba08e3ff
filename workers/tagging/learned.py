"""The optional learned second signal: sentence embedding -> softmax head over a few mental-health topics.

The head is a multinomial logistic regression on all-MiniLM-L6-v2 embeddings (``encoder.py``), trained by
``python -m eval.tagging.train_head`` on the dev split of the Reddit evaluation set (RMHD, Low et al.
2020, Apache-2.0 via construct-tracker); only its weights (``learned_head.json``, ~30 kB) live in the repo.
``core.tag`` uses it to veto a keyword topic it finds unlikely, to confirm a topic that only has weak
keyword evidence and, on long texts only, to add a topic it rates very likely that no term matched (that
topic's evidence is a "learned" span over the text the head read, and it scores no more than
``min_score``). English only (the encoder is an English model); other languages are tagged by keywords alone.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from workers.errors import InfrastructureError

HEAD_PATH = Path(__file__).with_name("learned_head.json")
NONE_CLASS = "none"
LANGUAGES = frozenset({"en"})


@dataclass(frozen=True)
class Head:
    """Trained softmax head: ``classes`` (``NONE_CLASS`` first) and weights with the bias as last row."""

    classes: tuple[str, ...]
    weights: np.ndarray
    source: str

    def probabilities(self, embeddings: np.ndarray) -> np.ndarray:
        """Class probabilities for each row of ``embeddings``."""
        logits = np.hstack([embeddings, np.ones((len(embeddings), 1))]) @ self.weights
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def to_json(self) -> str:
        """Serialise (weights rounded to 5 decimals: the head is small and diffs stay readable)."""
        return json.dumps(
            {"classes": list(self.classes), "source": self.source, "weights": np.round(self.weights, 5).tolist()}
        )


def fit_head(
    embeddings: np.ndarray, labels: list[str], classes: tuple[str, ...], l2: float = 1e-3, steps: int = 300
) -> Head:
    """Multinomial logistic regression by full-batch gradient descent (deterministic, numpy only)."""
    inputs = np.hstack([embeddings, np.ones((len(embeddings), 1))])
    targets = np.eye(len(classes))[[classes.index(label) for label in labels]]
    weights = np.zeros((inputs.shape[1], len(classes)))
    penalty = np.ones((inputs.shape[1], 1))
    penalty[-1] = 0.0  # the bias is not regularised
    for _ in range(steps):
        head = Head(classes, weights, "")
        gradient = inputs.T @ (head.probabilities(embeddings) - targets) / len(inputs) + l2 * penalty * weights
        weights = weights - 5.0 * gradient
    return Head(classes, weights, "")


@lru_cache(maxsize=2)
def load_head(path: Path = HEAD_PATH) -> Head:
    """Read the trained head; InfrastructureError when it is missing or malformed."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Head(tuple(data["classes"]), np.asarray(data["weights"], dtype=np.float64), str(data["source"]))
    except (OSError, ValueError, KeyError) as exc:
        raise InfrastructureError(f"cannot read learned head {path}: {exc}", reason="model_unavailable") from exc


class LearnedSignal:
    """Encoder + head, loaded once at worker start (about 1-10 s); ``topic_probabilities`` per upload."""

    def __init__(self, head: Head | None = None, threads: int = 1) -> None:
        """Load the packaged encoder and head."""
        from workers.tagging.encoder import SentenceEncoder

        self.head = head or load_head()
        self.languages = LANGUAGES
        self._encoder = SentenceEncoder(threads=threads)

    def topic_probabilities(self, text: str) -> Mapping[str, float]:
        """Probability of each head topic (``NONE_CLASS`` included) for one text."""
        probabilities = self.head.probabilities(self._encoder.encode([text]))[0]
        return dict(zip(self.head.classes, (float(p) for p in probabilities), strict=True))
