"""Typed messages and options of the route stage.

Each decision's ``to_record(event_id=..., enrichment_event_id=..., created_at=...)`` returns the full
BoostEvent / PsaEvent / ReviewEvent record; the agent supplies those three ids (deterministic event id,
the triggering EnrichmentEvent's id, the timestamp in ms).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workers.routing.catalog import PsaResource
from workers.tagging.types import TopicTag

STAGE = "route"


@dataclass(frozen=True)
class RouteOptions:
    """Operator-tunable routing thresholds.

    Attributes:
        boost_factor: multiplicative ranking boost for Fides health content (> 1).
        boost_min_score: a topic counts for a boost at or above this score.
        psa_min_score: a sensitive topic attaches a PSA at or above this score (higher than the tag
            threshold: one medium term is not enough to put a crisis line on a video).
        review_min_score: misinformation_signal requests review at or above this score.
        max_psas: at most this many PSAs per video, most severe first.
    """

    boost_factor: float = 1.5
    boost_min_score: float = 0.6
    psa_min_score: float = 0.75
    review_min_score: float = 0.6
    max_psas: int = 1


@dataclass(frozen=True)
class RouteInput:
    """What the route stage needs from a tagged upload."""

    video_id: str
    creator_id: str
    region: str  # ISO 3166-1 alpha-2 of the upload
    language: str  # decided language, ISO 639-1 or "und"
    topics: tuple[TopicTag, ...]
    risk: str = "none"  # the tag stage's risk level (TaggedEvent.risk): "current" puts crisis lines first
    text: str = ""  # transcript, caption and hashtags joined as the tag stage read them (claim sentences index it)


def _ids(event_id: str, enrichment_event_id: str, created_at: int) -> dict[str, Any]:
    return {"event_id": event_id, "enrichment_event_id": enrichment_event_id, "created_at": created_at}


@dataclass(frozen=True)
class BoostDecision:
    """Boost a Fides creator's health content (BoostEvent minus ids)."""

    video_id: str
    creator_id: str
    factor: float
    reason: str
    rule_id: str
    topics: tuple[str, ...]

    def to_record(self, *, event_id: str, enrichment_event_id: str, created_at: int) -> dict[str, Any]:
        """Return the BoostEvent record."""
        return {
            **_ids(event_id, enrichment_event_id, created_at),
            "video_id": self.video_id,
            "creator_id": self.creator_id,
            "factor": self.factor,
            "reason": self.reason,
            "rule_id": self.rule_id,
            "topics": list(self.topics),
        }


@dataclass(frozen=True)
class PsaDecision:
    """Attach a localized PSA (PsaEvent minus ids)."""

    video_id: str
    topic: str
    country: str
    language: str
    resource: PsaResource
    is_fallback: bool
    rule_id: str

    def to_record(self, *, event_id: str, enrichment_event_id: str, created_at: int) -> dict[str, Any]:
        """Return the PsaEvent record."""
        return {
            **_ids(event_id, enrichment_event_id, created_at),
            "video_id": self.video_id,
            "topic": self.topic,
            "country": self.country,
            "language": self.language,
            "resource": self.resource.to_record(),
            "is_fallback": self.is_fallback,
            "rule_id": self.rule_id,
        }


@dataclass(frozen=True)
class ClaimReview:
    """A known false claim the upload asserts and its refuting source (schemas/ClaimReview.avsc)."""

    claim_id: str
    statement: str
    sentence: str
    fact: str
    source_organisation: str | None = None
    source_title: str | None = None
    source_url: str | None = None

    def to_record(self) -> dict[str, Any]:
        """Return the ClaimReview Avro record."""
        return {
            "claim_id": self.claim_id, "statement": self.statement, "sentence": self.sentence, "fact": self.fact,
            "source_organisation": self.source_organisation, "source_title": self.source_title,
            "source_url": self.source_url,
        }


@dataclass(frozen=True)
class ReviewDecision:
    """Request human trust & safety review, never removal (ReviewEvent minus ids)."""

    video_id: str
    creator_id: str
    reason: str
    rule_id: str
    topics: tuple[TopicTag, ...]
    claims: tuple[ClaimReview, ...] = ()  # the known false claims behind a misinformation review

    def to_record(self, *, event_id: str, enrichment_event_id: str, created_at: int) -> dict[str, Any]:
        """Return the ReviewEvent record."""
        return {
            **_ids(event_id, enrichment_event_id, created_at),
            "video_id": self.video_id,
            "creator_id": self.creator_id,
            "reason": self.reason,
            "rule_id": self.rule_id,
            "topics": [t.to_record() for t in self.topics],
            "claims": [c.to_record() for c in self.claims],
        }


@dataclass(frozen=True)
class RouteDecision:
    """Everything the route stage emits for one tagged upload."""

    boosts: tuple[BoostDecision, ...] = ()
    psas: tuple[PsaDecision, ...] = ()
    reviews: tuple[ReviewDecision, ...] = ()
