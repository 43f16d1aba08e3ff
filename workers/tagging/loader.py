"""What the tag stage loads once per worker process: the taxonomy, thresholds and the learned signal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workers.tagging.core import tag
from workers.tagging.taxonomy import Taxonomy, load_taxonomy
from workers.tagging.types import TagInput, TagOptions, TagResult


@dataclass(frozen=True)
class TagCore:
    """The taxonomy and thresholds, loaded once per process."""

    taxonomy: Taxonomy
    options: TagOptions
    signal: Any = None  # the learned second signal (workers.tagging.learned.LearnedSignal) or None

    def tag(self, fields: TagInput) -> TagResult:
        """Health topics with evidence for one upload's text."""
        return tag(fields, self.taxonomy, self.options, self.signal)


def tag_options(settings: Any) -> TagOptions:
    """Tagging thresholds from the settings."""
    return TagOptions(
        min_score=settings.tag_min_score, include_english=settings.tag_include_english,
        use_learned_signal=settings.tag_use_learned_signal, learned_veto_below=settings.tag_learned_veto_below,
        learned_confirm_at=settings.tag_learned_confirm_at, learned_add_at=settings.tag_learned_add_at,
        learned_min_words=settings.tag_learned_min_words)


def load_core(settings: Any) -> TagCore:
    """The tag stage's core; the learned signal (torch + MiniLM) loads only when it is on."""
    signal = None
    if settings.tag_use_learned_signal:
        from workers.tagging.learned import LearnedSignal

        signal = LearnedSignal()
    return TagCore(taxonomy=load_taxonomy(), options=tag_options(settings), signal=signal)
