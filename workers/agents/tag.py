"""tag: uploads.language → uploads.tagged (health topics with evidence)."""

from __future__ import annotations

from typing import Any

from workers.agents.common import StageClock, video_key
from workers.cores import required
from workers.ids import derive_event_id
from workers.runtime import Runtime
from workers.stage import Emit, SourceMessage, StageSpec
from workers.stages import StageTables
from workers.tagging import TagInput

STAGE = "tag"


def tag_input(event: dict[str, Any]) -> TagInput:
    """The tagging core's input from a LanguageEvent record."""
    upload, language = event["upload"], event["language"]
    return TagInput(
        transcript=event["transcript"]["text"], caption=upload["caption"], hashtags=tuple(upload["hashtags"]),
        language=language["language"], secondary_language=language.get("secondary"),
    )


def stage_spec(runtime: Runtime, tables: StageTables) -> StageSpec:
    """The tag stage for the runner."""
    core = required(runtime.cores.tag, STAGE)

    async def handle(event: dict[str, Any] | None, source: SourceMessage) -> list[Emit]:
        assert event is not None
        clock = StageClock(STAGE)
        result = core.tag(tag_input(event))
        for topic in result.topics:
            runtime.metrics.topic_tagged(topic.topic)
        record = {
            "event_id": derive_event_id(event["upload"]["event_id"], STAGE, result.taxonomy_version),
            "upload": event["upload"],
            "transcript": event["transcript"],
            "language": event["language"],
            "topics": [t.to_record() for t in result.topics],
            "taxonomy_version": result.taxonomy_version,
            "risk": result.risk,
            "timings": [*event["timings"], clock.timing()],
        }
        return [Emit("uploads.tagged", video_key(event["upload"]), record)]

    return StageSpec(STAGE, "uploads.language", handle)
