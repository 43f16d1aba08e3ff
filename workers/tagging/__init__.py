"""The tag stage: multilingual health-topic tagging with evidence (pure core; the agent lives elsewhere)."""

from workers.tagging.core import tag
from workers.tagging.normalize import normalize_field, normalize_text
from workers.tagging.taxonomy import Taxonomy, load_taxonomy
from workers.tagging.types import STAGE, TagInput, TagOptions, TagResult, TopicEvidence, TopicTag

__all__ = [
    "STAGE",
    "TagInput",
    "TagOptions",
    "TagResult",
    "Taxonomy",
    "TopicEvidence",
    "TopicTag",
    "load_taxonomy",
    "normalize_field",
    "normalize_text",
    "tag",
]
