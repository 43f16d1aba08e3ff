"""Typed messages and options of the tag stage.

``TopicTag.to_record()`` and ``TopicEvidence.to_record()`` mirror ``schemas/TopicTag.avsc`` and
``schemas/TopicEvidence.avsc`` field for field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

STAGE = "tag"

LEARNED_SOURCE = "learned"  # evidence of a topic the learned head added on its own (see core.apply_learned)
LEARNED_TERM = "learned signal"
# Risk level of an upload (TaggedEvent.risk): "current" = the author or someone described is at current
# risk of suicide or self-harm (routing shows crisis lines first); "mention" = suicide or self-harm is the
# subject (news, information, a figurative or unclear use); "none" = neither.
RISK_LEVELS = ("none", "mention", "current")


@dataclass(frozen=True)
class TagInput:
    """The text fields of one upload that are tagged.

    Attributes:
        transcript: Whisper transcript text ("" when there was no speech).
        caption: the uploader's caption.
        hashtags: the upload's hashtags, with or without the leading "#".
        language: decided language, ISO 639-1, or "und" when undetermined.
        secondary_language: a second plausible language (code-switching), if any.
    """

    transcript: str = ""
    caption: str = ""
    hashtags: tuple[str, ...] = ()
    language: str = "und"
    secondary_language: str | None = None


@dataclass(frozen=True)
class TagOptions:
    """Operator-tunable thresholds of the tagger.

    Attributes:
        min_score: a topic is emitted when its score is at least this (one medium term = 0.6).
        max_evidence: at most this many evidence spans are kept per topic (earliest first).
        negation_window: words before a match searched for a negation cue (same clause only).
        debunk_window: words before a misinformation match searched for a debunking cue.
        max_repeats_per_term: occurrences of one term that add to the score (repetition is not
            more evidence after a point).
        include_english: also apply English terms whatever the decided language (social-media
            English is everywhere).
        use_learned_signal: consult the learned signal passed to ``tag`` (its per-topic policy, chosen by
            cross-validation, says where it may add a topic or veto one; see ``learned.py``).
        current_min_score: a suicide_self_harm keyword score at or above this, from a term that is not
            a mention term, makes the risk level "current" (one strong term, or two medium ones).
        crisis_bar_max_words: words that rule a crisis or mental-health topic out bar the crisis head only
            in a text of at most this many words (a caption, a tweet): in a long post one idiom or quoted
            phrase does not speak for the whole text the head reads. A negated crisis term ("I'm not
            suicidal") bars it at any length.
        passing_mention_min_words: in a text of at least this many words (a Reddit post, a long video's
            transcript), a topic marked ``passing_mention`` in the taxonomy is not tagged on one occurrence of
            one term: "the stress of moving" amid a post about something else is not what the post is about.
    """

    min_score: float = 0.5
    max_evidence: int = 8
    negation_window: int = 3
    debunk_window: int = 6
    max_repeats_per_term: int = 2
    include_english: bool = True
    use_learned_signal: bool = True
    current_min_score: float = 0.75
    crisis_bar_max_words: int = 50
    passing_mention_min_words: int = 80


@dataclass(frozen=True)
class TopicEvidence:
    """Where one taxonomy term matched.

    Attributes:
        source: "transcript", "caption" or "hashtags"; or "learned" for a topic the learned head added
            without keyword evidence (``LEARNED_SOURCE``); or "claim" for a sentence that asserts a known
            false health claim (``claims.CLAIM_SOURCE``, misinformation_signal only).
        start: start offset in that field's normalized text (``normalize_field``); for "learned" and "claim",
            the start of the sentence, in the text the head or the claim matcher read (``core.learned_text``).
        end: end offset, exclusive (for "learned" and "claim", the end of that sentence).
        term: the taxonomy term as written in taxonomy.yaml (or the hashtag entry); ``LEARNED_TERM`` for
            "learned"; the claim id (claims.yaml) for "claim".
    """

    source: str
    start: int
    end: int
    term: str

    def to_record(self) -> dict[str, Any]:
        """Return the TopicEvidence Avro record."""
        return {"source": self.source, "start": self.start, "end": self.end, "term": self.term}


@dataclass(frozen=True)
class TopicTag:
    """One topic at or above threshold, with the evidence that produced its score."""

    topic: str
    score: float
    evidence: tuple[TopicEvidence, ...]

    def to_record(self) -> dict[str, Any]:
        """Return the TopicTag Avro record."""
        return {"topic": self.topic, "score": self.score, "evidence": [e.to_record() for e in self.evidence]}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> TopicTag:
        """Build a tag from its Avro record (the route stage reads tags back)."""
        evidence = tuple(TopicEvidence(**e) for e in record.get("evidence", ()))
        return cls(topic=record["topic"], score=float(record["score"]), evidence=evidence)


@dataclass(frozen=True)
class TagResult:
    """The tagger's answer: topics best first, the taxonomy version that produced them, the risk level."""

    topics: tuple[TopicTag, ...]
    taxonomy_version: str
    risk: str = "none"  # one of RISK_LEVELS

    def topic_ids(self) -> tuple[str, ...]:
        """Return the emitted topic ids, best first."""
        return tuple(t.topic for t in self.topics)
