"""language: uploads.transcribed → uploads.language (lingua text scores fused with Whisper's audio language id)."""

from __future__ import annotations

from typing import Any

from workers.agents.common import StageClock, video_key
from workers.cores import required
from workers.ids import derive_event_id
from workers.language.types import LanguageEvidence
from workers.runtime import Runtime
from workers.stage import Emit, SourceMessage, StageSpec
from workers.stages import StageTables

STAGE = "language"


def stage_spec(runtime: Runtime, tables: StageTables) -> StageSpec:
    """The language stage for the runner."""
    detector = required(runtime.cores.language, STAGE)

    async def handle(event: dict[str, Any] | None, source: SourceMessage) -> list[Emit]:
        assert event is not None
        clock = StageClock(STAGE)
        decision = detector.detect(LanguageEvidence.from_records(event["upload"], event["transcript"]))
        runtime.metrics.language_detected(decision.language, decision.sources[0] if decision.sources else "none")
        record = {
            "event_id": derive_event_id(event["upload"]["event_id"], STAGE, decision.detector),
            "upload": event["upload"],
            "transcript": event["transcript"],
            "language": decision.to_record(),
            "timings": [*event["timings"], clock.timing()],
        }
        return [Emit("uploads.language", video_key(event["upload"]), record)]

    return StageSpec(STAGE, "uploads.transcribed", handle)
