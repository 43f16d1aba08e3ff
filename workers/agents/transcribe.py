"""transcribe: uploads.new → uploads.transcribed. Blocking work runs off the event loop, bounded."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import MutableMapping
from dataclasses import replace
from typing import Any

from workers.agents.common import StageClock, video_key
from workers.contracts.rules import validate_upload
from workers.cores import required
from workers.errors import StageTimeout
from workers.ids import derive_event_id
from workers.runtime import Runtime
from workers.stage import Emit, SourceMessage, StageSpec
from workers.stages import StageTables
from workers.transcribe.core import load_audio, transcribe
from workers.transcribe.decode import NoAudioStream, audio_sha256
from workers.transcribe.loader import TranscribeCore
from workers.transcribe.types import Transcript

STAGE = "transcribe"
_GRACE_S = 15.0  # the core checks its deadline between segments; this outer guard catches a stuck segment


async def _off_loop(core: TranscribeCore, fn: Any, *args: Any, **kwargs: Any) -> Any:
    loop = asyncio.get_running_loop()
    async with core.semaphore:
        return await loop.run_in_executor(core.executor, functools.partial(fn, *args, **kwargs))


def _load_and_hash(uri: str, core: TranscribeCore) -> tuple[Any, str]:
    samples = load_audio(uri, core.policy, core.options)
    return samples, audio_sha256(samples)


async def transcribe_upload(
    upload: dict[str, Any], core: TranscribeCore, cache: MutableMapping[str, Any] | None, runtime: Runtime
) -> Transcript:
    """Fetch, decode, look up the reused-sound cache, transcribe on a miss, fill the cache."""
    if not upload.get("audio_uri"):
        return Transcript(status="no_audio")
    started = time.perf_counter()
    try:
        samples, sha256 = await _off_loop(core, _load_and_hash, upload["audio_uri"], core)
    except NoAudioStream:
        return Transcript(status="no_audio")  # a video without an audio track is a normal upload
    cached = cache.get(sha256) if cache is not None else None
    if cached is None and sha256 in core.in_asr:
        shared = await asyncio.shield(core.in_asr[sha256])  # None: that run failed, transcribe this one
        cached = shared.to_record() if shared is not None else None
    if cached is not None:
        hit = Transcript.from_record(cached)
        return replace(hit, cache_hit=True, processing_ms=(time.perf_counter() - started) * 1000.0)
    done: asyncio.Future[Transcript | None] = asyncio.get_running_loop().create_future()
    core.in_asr[sha256] = done
    transcript = None
    try:
        transcript = await _transcribe_fresh(samples, sha256, core, started)
    finally:
        del core.in_asr[sha256]
        done.set_result(transcript)
    if cache is not None and transcript.status in ("transcribed", "no_speech"):
        cache[sha256] = transcript.to_record()
    return transcript


async def _transcribe_fresh(samples: Any, sha256: str, core: TranscribeCore, started: float) -> Transcript:
    """Whisper on decoded samples within the time budget."""
    budget = core.options.time_budget_s
    deadline = time.monotonic() + budget
    try:
        transcript = await asyncio.wait_for(
            _off_loop(core, transcribe, samples, core.backend, core.options, deadline=deadline, sha256=sha256),
            timeout=budget + _GRACE_S,
        )
    except TimeoutError as exc:
        raise StageTimeout(f"transcription exceeded {budget:.0f} s") from exc
    return replace(transcript, processing_ms=(time.perf_counter() - started) * 1000.0)


def stage_spec(runtime: Runtime, tables: StageTables) -> StageSpec:
    """The transcribe stage for the runner; ``tables.transcripts`` is the reused-sound cache (or None)."""
    core, cache = required(runtime.cores.transcribe, STAGE), tables.transcripts

    async def handle(upload: dict[str, Any] | None, source: SourceMessage) -> list[Emit]:
        assert upload is not None  # tombstones are not allowed on uploads.new
        # Not every producer goes through the publisher: a broken contract is dead-lettered as
        # invalid_event with every problem named, before any work (or any id derived from it).
        validate_upload(upload)
        clock = StageClock(STAGE)
        transcript = await transcribe_upload(upload, core, cache, runtime)
        runtime.metrics.transcript_outcome(transcript.status, transcript.cache_hit)
        if transcript.status == "transcribed" and not transcript.cache_hit:
            runtime.metrics.observe_asr(core.backend.name, transcript.audio_duration_s,
                                        transcript.processing_ms / 1000.0)
            if transcript.extra.get("asr_fallback"):
                runtime.metrics.asr_context_fallback(transcript.extra["asr_fallback"])
        record = {
            "event_id": derive_event_id(upload["event_id"], STAGE, core.version),
            "upload": upload,
            "transcript": transcript.to_record(),
            "timings": [clock.timing()],
        }
        return [Emit("uploads.transcribed", video_key(upload), record)]

    return StageSpec(STAGE, "uploads.new", handle)
