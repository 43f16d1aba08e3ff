"""Whisper's encoder context sized to the speech, and the guard that falls back to the full window.

Whisper's encoder always sees a 30 s (3,000-frame) log-mel window; a 5 s clip is padded with 25 s of
nothing and pays for all of it. CTranslate2 accepts shorter inputs (its positional embedding is sliced to
the input length), so a clip can be encoded in a window just longer than its speech. Too short a window
and the decoder, trained on padded 30 s inputs, loses its cue that the speech has ended and repeats
itself up to the token limit (whisper.cpp ``audio_ctx`` reports): hence a margin of padding after the
speech, a few fixed bucket sizes, and a guard that re-runs a degenerate decode on the full window.

Everything here is pure: the backend asks ``window_seconds`` how long a window to encode and
``degenerate_reason`` whether to trust what it decoded.
"""

from __future__ import annotations

import gzip
from collections.abc import Sequence
from dataclasses import dataclass

from workers.transcribe.wer import CHARACTER_LANGUAGES, tokens

WINDOW_S = 30.0  # Whisper's training window
FRAMES_PER_S = 100  # log-mel hop of 10 ms; the encoder halves it (1,500 positions per 30 s)
# Why a sized decode is not trusted (or, "language", not tried); the metric's fixed label set.
FALLBACK_REASONS = ("repetition", "compression", "low_logprob", "no_speech", "too_long", "language")
# Whisper's own thresholds (openai-whisper transcribe() defaults): a decode more compressible than 2.4 by
# gzip is a loop, one averaging below -1.0 log-probability per token is a guess, and a no-speech
# probability above 0.6 with such a log-probability means Whisper heard nothing.
COMPRESSION_RATIO_MAX = 2.4
AVG_LOGPROB_MIN = -1.0
NO_SPEECH_PROB_MAX = 0.6
# Faster than anyone speaks (Japanese ~8, Spanish ~15 characters per second): the decoder ran on past the
# speech. Counted over the audio the window held.
CHARS_PER_S_MAX = 30.0
REPEATS_MIN = 3  # a phrase said three times in a row is a decoding loop, not speech


@dataclass(frozen=True)
class ContextOptions:
    """How much of the 30 s encoder window one clip pays for."""

    sized: bool = False  # the core's default; the product default is the ASR_SIZED_CONTEXT setting
    # Defaults chosen by ``python -m bench.asr_context`` (results/asr_context.md): with 0.5-1 s of margin
    # 3-5 of 37 clips looped (caught by the guard, at more CPU than the full window), from 2 s none did;
    # 3 s costs the same as 2 s and kept Japanese within a point (2 s: +2.9 points CER).
    margin_s: float = 3.0  # ASR_CONTEXT_MARGIN_S
    buckets_s: tuple[float, ...] = (5.0, 10.0, 15.0, 20.0, 25.0, 30.0)  # 10 s steps cost ~5 % more CPU
    guard: bool = True  # re-run on the full window when the sized decode looks degenerate
    # Languages decoded on the full window anyway (detected on the sized window first): those the sized
    # window made more than a point worse on the shared clips (fr +1.2, pt +2.0 with a 3 s margin; one
    # clip each). ASR_CONTEXT_FULL_WINDOW_LANGUAGES
    full_window_languages: tuple[str, ...] = ("fr", "pt")


@dataclass(frozen=True)
class DecodedWindow:
    """Whisper's quality signals for one decoded segment (faster-whisper reports them per segment)."""

    text: str
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float


def window_seconds(content_s: float, speech_end_s: float | None, options: ContextOptions) -> float:
    """Encoder window (seconds) for one Whisper window holding ``content_s`` of audio.

    The speech extent is the content, or the end of the last VAD speech run when it comes sooner; the
    window is the smallest bucket holding that extent plus the margin, and never more than 30 s (a full
    window: audio longer than that keeps full windows).
    """
    if not options.sized or content_s >= WINDOW_S:
        return WINDOW_S
    extent = content_s if speech_end_s is None else max(0.0, min(content_s, speech_end_s))
    needed = extent + options.margin_s
    return next((min(b, WINDOW_S) for b in sorted(options.buckets_s) if b >= needed - 1e-9), WINDOW_S)


def window_frames(content_s: float, speech_end_s: float | None, options: ContextOptions) -> int:
    """``window_seconds`` in log-mel frames, even (the encoder's stride-2 convolution halves it)."""
    frames = round(window_seconds(content_s, speech_end_s, options) * FRAMES_PER_S)
    return frames + frames % 2


def compression_ratio(text: str) -> float:
    """Bytes over gzip-compressed bytes, as Whisper computes it (repetitive text compresses well)."""
    data = text.encode("utf-8")
    return len(data) / len(gzip.compress(data)) if data else 0.0


def repeated_phrase(units: Sequence[str], min_unit: int) -> bool:
    """Whether some run of ``min_unit``+ tokens occurs ``REPEATS_MIN`` times back to back."""
    n = len(units)
    for size in range(min_unit, n // REPEATS_MIN + 1):
        for start in range(n - REPEATS_MIN * size + 1):
            unit = units[start : start + size]
            if all(units[start + k * size : start + (k + 1) * size] == unit for k in range(1, REPEATS_MIN)):
                return True
    return False


def degenerate_reason(
    windows: Sequence[DecodedWindow], language: str, audio_s: float, *, speech_expected: bool = True
) -> str | None:
    """Why a sized-window decode should not be trusted (one of ``FALLBACK_REASONS``), or None.

    ``speech_expected``: VAD heard speech, so an empty decode is a miss, not silence.
    """
    text = "".join(w.text for w in windows).strip()
    if not text:
        return "no_speech" if speech_expected else None
    if max(w.compression_ratio for w in windows) > COMPRESSION_RATIO_MAX:
        return "compression"
    character_language = language.split("-")[0].lower() in CHARACTER_LANGUAGES
    if repeated_phrase(tokens(text, language), min_unit=3 if character_language else 2):
        return "repetition"
    mean_logprob = sum(w.avg_logprob for w in windows) / len(windows)
    if mean_logprob < AVG_LOGPROB_MIN:
        return "low_logprob"
    if any(w.no_speech_prob > NO_SPEECH_PROB_MAX and w.avg_logprob < AVG_LOGPROB_MIN for w in windows):
        return "no_speech"
    if audio_s > 0 and len(text) / max(audio_s, 1.0) > CHARS_PER_S_MAX:
        return "too_long"
    return None
