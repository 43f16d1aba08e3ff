"""Small helpers the stage handlers share."""

from __future__ import annotations

import time
from typing import Any


def now_ms() -> int:
    """Wall clock in epoch milliseconds (Avro timestamp-millis)."""
    return int(time.time() * 1000)


class StageClock:
    """Measures one stage on one upload and renders the StageTiming record."""

    def __init__(self, stage: str) -> None:
        self.stage = stage
        self.started_at = now_ms()
        self._perf = time.perf_counter()

    def timing(self) -> dict[str, Any]:
        """The StageTiming record for this stage so far."""
        return {"stage": self.stage, "started_at": self.started_at,
                "duration_ms": (time.perf_counter() - self._perf) * 1000.0}


def video_key(upload: dict[str, Any]) -> bytes:
    """Every pipeline topic is keyed by video_id."""
    return str(upload["video_id"]).encode("utf-8")
