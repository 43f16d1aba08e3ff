"""The transcribe stage's pure core: samples in, ``Transcript`` out; no Kafka, no Faust.

The agent calls the pieces separately — ``load_audio`` (fetch + decode), ``audio_sha256`` to look the
sound up in the transcript cache, then ``transcribe`` on a miss — while the offline CLI calls
``transcribe_uri`` for the whole path.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import numpy as np

from workers.errors import StageTimeout
from workers.transcribe.backends.common import StreamingAsrBackend, collect_result
from workers.transcribe.decode import DEFAULT_MAX_BYTES, NoAudioStream, audio_sha256, decode_audio
from workers.transcribe.fetch import FetchPolicy, fetch_audio
from workers.transcribe.types import SAMPLE_RATE, AsrBackend, AsrResult, DecodeOptions, Segment, Transcript
from workers.transcribe.vad import VadOptions, speech_spans

STAGE = "transcribe"


@dataclass(frozen=True)
class TranscribeOptions:
    """How the stage treats one clip."""

    max_audio_s: float = 60.0  # only the first N seconds are decoded and transcribed
    max_audio_bytes: int = DEFAULT_MAX_BYTES  # decoder input cap (the fetch policy caps downloads too)
    vad: bool = True  # skip ASR when Silero VAD hears less than vad.min_speech_s of speech
    vad_options: VadOptions = field(default_factory=VadOptions)
    time_budget_s: float = 120.0  # VAD + ASR wall time per clip before StageTimeout (DLQ "timeout")
    decode: DecodeOptions = field(default_factory=DecodeOptions)


def load_audio(uri: str, policy: FetchPolicy, options: TranscribeOptions) -> np.ndarray:
    """Fetch ``uri`` under ``policy`` and decode its first ``max_audio_s`` seconds to 16 kHz mono."""
    data = fetch_audio(uri, policy)
    return decode_audio(data, max_duration_s=options.max_audio_s, max_bytes=options.max_audio_bytes)


def transcribe(
    samples: np.ndarray, backend: AsrBackend, options: TranscribeOptions, *, deadline: float | None = None,
    sha256: str | None = None,
) -> Transcript:
    """VAD, then ASR when there is speech; ``deadline`` is a ``time.monotonic()`` instant; ``sha256`` is
    the samples' ``audio_sha256`` when the caller already has it (the agent hashed them for the cache).

    Without a deadline the clip gets ``options.time_budget_s`` from now. Raises ``StageTimeout`` when
    the deadline passes (checked between Whisper segments, so overshoot is at most one 30 s window).
    """
    started = time.monotonic()
    deadline = started + options.time_budget_s if deadline is None else deadline
    base = Transcript(
        status="no_speech",
        audio_duration_s=round(samples.size / SAMPLE_RATE, 3),
        audio_sha256=sha256 or audio_sha256(samples),
    )
    spans = speech_spans(samples, options.vad_options) if options.vad else None
    speech_s = sum(end - start for start, end in spans) if spans is not None else None
    _check_deadline(deadline, "voice activity detection")
    if speech_s is not None and speech_s < options.vad_options.min_speech_s:
        return replace(base, processing_ms=_ms_since(started), extra={"speech_s": speech_s})
    # where the speech ends bounds the encoder window when it is sized to the speech
    decode = replace(options.decode, speech_end_s=spans[-1][1]) if spans else options.decode
    result = run_asr(samples, backend, decode, deadline)
    return replace(
        base,
        status="transcribed",
        text=result.text,
        segments=result.segments,
        language=result.language,
        language_probability=result.language_probability,
        language_alternatives=result.language_alternatives,
        backend=backend.name,
        model=backend.model,
        compute_type=backend.compute_type,
        processing_ms=_ms_since(started),
        extra={"speech_s": speech_s, "asr_window_s": result.window_s, "asr_fallback": result.fallback},
    )


def transcribe_uri(
    uri: str | None, backend: AsrBackend, policy: FetchPolicy, options: TranscribeOptions
) -> Transcript:
    """One upload end to end: no URI or audio stream → ``no_audio``; else fetch, decode, transcribe."""
    if not uri:
        return Transcript(status="no_audio")
    try:
        samples = load_audio(uri, policy, options)
    except NoAudioStream:
        return Transcript(status="no_audio")  # a silent video is a normal upload, not a poison event
    return transcribe(samples, backend, options)


def run_asr(samples: np.ndarray, backend: AsrBackend, decode: DecodeOptions, deadline: float) -> AsrResult:
    """Run the backend, stopping between segments once ``deadline`` has passed.

    A decode sized to the speech is checked whole before it is trusted, so it is not streamed: the
    deadline is checked once it is done (a sized window is shorter than the 30 s a streamed segment takes).
    """
    if decode.context.sized or not isinstance(backend, StreamingAsrBackend):
        result = backend.transcribe(samples, decode)
        _check_deadline(deadline, "speech recognition")
        return result
    languages, segments = backend.stream(samples, decode)
    return collect_result(languages, _until(deadline, segments))


def _until(deadline: float, segments: Iterator[Segment]) -> Iterator[Segment]:
    for segment in segments:
        _check_deadline(deadline, "speech recognition")
        yield segment
    _check_deadline(deadline, "speech recognition")


def _check_deadline(deadline: float, step: str) -> None:
    overrun = time.monotonic() - deadline
    if overrun > 0:
        raise StageTimeout(f"{step} ran {overrun:.1f} s past the clip's time budget")


def _ms_since(started: float) -> float:
    return round((time.monotonic() - started) * 1000.0, 1)
