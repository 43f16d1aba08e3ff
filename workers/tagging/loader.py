"""What the tag stage loads once per worker process: the taxonomy, thresholds and the learned signal."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from workers.errors import InfrastructureError
from workers.settings import Settings
from workers.tagging.claims import ClaimMatcher, load_matcher
from workers.tagging.core import tag
from workers.tagging.taxonomy import Taxonomy, load_taxonomy
from workers.tagging.types import TagInput, TagOptions, TagResult


@dataclass(frozen=True)
class TagCore:
    """The taxonomy and thresholds, loaded once per process."""

    taxonomy: Taxonomy
    options: TagOptions
    signal: Any = None  # the learned second signal (workers.tagging.learned.LearnedSignal) or None
    claims: ClaimMatcher | None = None  # known false health claims (claims.py), or None

    def tag(self, fields: TagInput) -> TagResult:
        """Health topics with evidence for one upload's text."""
        return tag(fields, self.taxonomy, self.options, self.signal, self.claims)


def tag_options(settings: Settings) -> TagOptions:
    """Tagging thresholds from the settings."""
    return TagOptions(**dataclasses.asdict(settings.tagging))  # the operator-tunable ones, same names


def load_core(settings: Settings) -> TagCore:
    """The tag stage's core; the learned signal (multilingual encoder + heads) loads only when it is on."""
    signal = None
    if settings.tagging.use_learned_signal:
        from workers.tagging.learned import LearnedSignal

        signal = LearnedSignal()
    return TagCore(taxonomy=load_taxonomy(), options=tag_options(settings), signal=signal,
                   claims=claim_matcher(signal))


def claim_matcher(signal: Any) -> ClaimMatcher:
    """The false-claim matcher, on the learned signal's multilingual encoder when it exposes one (one copy
    of the model per process), else on its own; words only when no encoder can be loaded."""
    encoder = getattr(signal, "encoder", None)
    if encoder is None:
        from workers.tagging.encoder import MultilingualEncoder

        try:
            encoder = MultilingualEncoder(threads=1)
        except InfrastructureError:
            encoder = None
    return load_matcher(encoder)
