"""Speech detection with the Silero VAD model bundled in faster-whisper (ONNX, one CPU thread).

Run before ASR so music-only and silent clips never reach Whisper, which would otherwise spend a full
decoding pass and often hallucinate text ("Thank you.") on them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workers.transcribe.types import SAMPLE_RATE


@dataclass(frozen=True)
class VadOptions:
    """When a clip counts as containing speech."""

    threshold: float = 0.5  # Silero speech probability per 32 ms window (its authors' default)
    min_speech_s: float = 0.5  # total speech below this → no_speech (a cough or a sung syllable is not)
    min_segment_ms: int = 250  # speech runs shorter than this are dropped as clicks
    min_silence_ms: int = 300  # a pause this long ends a speech run


def speech_spans(samples: np.ndarray, options: VadOptions) -> list[tuple[float, float]]:
    """Speech runs in ``samples`` (16 kHz mono float32) as (start_s, end_s) pairs."""
    from faster_whisper.vad import VadOptions as SileroOptions
    from faster_whisper.vad import get_speech_timestamps

    if samples.size == 0:
        return []
    silero = SileroOptions(
        threshold=options.threshold,
        min_speech_duration_ms=options.min_segment_ms,
        min_silence_duration_ms=options.min_silence_ms,
        speech_pad_ms=0,  # padding would count silence as speech
    )
    spans = get_speech_timestamps(np.asarray(samples, dtype=np.float32), silero, sampling_rate=SAMPLE_RATE)
    return [(span["start"] / SAMPLE_RATE, span["end"] / SAMPLE_RATE) for span in spans]


def speech_seconds(samples: np.ndarray, options: VadOptions) -> float:
    """Total seconds of speech Silero VAD finds in ``samples``."""
    return sum(end - start for start, end in speech_spans(samples, options))


def has_speech(samples: np.ndarray, options: VadOptions) -> bool:
    """Whether the clip holds at least ``options.min_speech_s`` of speech."""
    return speech_seconds(samples, options) >= options.min_speech_s
