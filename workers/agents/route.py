"""route: uploads.tagged → content.enriched, and by rule ranking.boost, psa.attach, content.review."""

from __future__ import annotations

from typing import Any

from workers.agents.common import StageClock, now_ms, video_key
from workers.agents.tag import tag_input
from workers.cores import required
from workers.ids import derive_event_id
from workers.routing import FidesCreatorInfo, RouteDecision, RouteInput, route
from workers.runtime import Runtime
from workers.stage import Emit, SourceMessage, StageSpec
from workers.stages import StageTables
from workers.tagging import TopicTag
from workers.tagging.core import learned_text

STAGE = "route"


def _enrichment(event: dict[str, Any], is_fides: bool, timings: list[dict[str, Any]]) -> dict[str, Any]:
    upload, transcript = event["upload"], event["transcript"]
    asr = "/".join(p for p in (transcript["backend"], transcript["model"], transcript["compute_type"]) if p)
    return {
        "event_id": derive_event_id(upload["event_id"], STAGE, event["taxonomy_version"]),
        "upload_event_id": upload["event_id"], "video_id": upload["video_id"],
        "creator_id": upload["creator_id"], "region": upload["region"], "uploaded_at": upload["uploaded_at"],
        "language": event["language"], "transcript_status": transcript["status"],
        "transcript_text": transcript["text"], "topics": event["topics"],
        "taxonomy_version": event["taxonomy_version"], "asr_model": asr,
        "language_detector": event["language"].get("detector", ""), "is_fides_creator": is_fides,
        "timings": timings, "enriched_at": now_ms(),
    }


def _actions(decision: RouteDecision, enrichment: dict[str, Any]) -> list[Emit]:
    key, upload_id = enrichment["video_id"].encode(), enrichment["upload_event_id"]
    version = enrichment["taxonomy_version"]
    common = {"enrichment_event_id": enrichment["event_id"], "created_at": enrichment["enriched_at"]}
    emits = []
    for boost in decision.boosts:
        event_id = derive_event_id(upload_id, "route.boost", version, boost.rule_id)
        emits.append(Emit("ranking.boost", key, boost.to_record(event_id=event_id, **common)))
    for psa in decision.psas:
        event_id = derive_event_id(upload_id, "route.psa", version, psa.rule_id, psa.topic, psa.country)
        emits.append(Emit("psa.attach", key, psa.to_record(event_id=event_id, **common)))
    for review in decision.reviews:
        event_id = derive_event_id(upload_id, "route.review", version, review.rule_id)
        emits.append(Emit("content.review", key, review.to_record(event_id=event_id, **common)))
    return emits


def _count(runtime: Runtime, decision: RouteDecision) -> None:
    for boost in decision.boosts:
        for topic in boost.topics:
            runtime.metrics.boost_emitted(topic)
    for psa in decision.psas:
        runtime.metrics.psa_attached(psa.topic, psa.country)
    for review in decision.reviews:
        runtime.metrics.review_requested(review.reason)


def route_input(event: dict[str, Any]) -> RouteInput:
    """The routing core's input from a TaggedEvent record."""
    upload = event["upload"]
    return RouteInput(video_id=upload["video_id"], creator_id=upload["creator_id"], region=upload["region"],
                      language=event["language"]["language"],
                      topics=tuple(TopicTag.from_record(t) for t in event["topics"]),
                      risk=event.get("risk", "none"), text=learned_text(tag_input(event)))


def stage_spec(runtime: Runtime, tables: StageTables) -> StageSpec:
    """The route stage; ``tables.registry`` is the Fides creator table (creator_id → FidesCreator record)."""
    core, registry = required(runtime.cores.route, STAGE), tables.need("registry")

    async def handle(event: dict[str, Any] | None, source: SourceMessage) -> list[Emit]:
        assert event is not None
        clock = StageClock(STAGE)
        creator_record = registry.get(event["upload"]["creator_id"])
        creator = FidesCreatorInfo.from_record(creator_record) if creator_record else None
        decision = route(route_input(event), creator, core.catalog, core.options)
        enrichment = _enrichment(event, creator is not None, [*event["timings"], clock.timing()])
        _count(runtime, decision)
        uploaded_at = event["upload"]["uploaded_at"]
        uploaded_ms = uploaded_at.timestamp() * 1000 if hasattr(uploaded_at, "timestamp") else uploaded_at
        runtime.metrics.observe_end_to_end_seconds(max(0.0, (enrichment["enriched_at"] - uploaded_ms) / 1000))
        return [Emit("content.enriched", video_key(event["upload"]), enrichment), *_actions(decision, enrichment)]

    return StageSpec(STAGE, "uploads.tagged", handle)
