"""Encoder window sized to the speech: the window choice, the degenerate-decode guard, and the real model."""

from __future__ import annotations

import numpy as np
import pytest

from workers.transcribe.context import (
    FALLBACK_REASONS,
    ContextOptions,
    DecodedWindow,
    compression_ratio,
    degenerate_reason,
    repeated_phrase,
    window_frames,
    window_seconds,
)
from workers.transcribe.core import TranscribeOptions, transcribe
from workers.transcribe.types import DecodeOptions
from workers.transcribe.wer import word_error_rate

SIZED = ContextOptions(sized=True, margin_s=2.0, buckets_s=(5.0, 10.0, 15.0, 20.0, 25.0, 30.0))


@pytest.mark.parametrize(
    ("content_s", "speech_end_s", "expected"),
    [
        (2.0, None, 5.0),  # 2 s + 2 s margin fits the 5 s bucket
        (3.5, None, 10.0),  # 5.5 s needed: next bucket
        (3.0, 3.0, 5.0),  # the bucket edge counts as fitting
        (12.0, 4.0, 10.0),  # VAD's last speech ends at 4 s: the music after it is not paid for
        (6.0, 9.0, 10.0),  # a speech end past the content (rounding) is capped at the content
        (27.5, None, 30.0),  # beyond the largest bucket below 30 s: the full window
        (45.0, None, 30.0),  # long audio: full windows
    ],
)
def test_window_is_the_smallest_bucket_holding_speech_plus_margin(
    content_s: float, speech_end_s: float | None, expected: float
) -> None:
    assert window_seconds(content_s, speech_end_s, SIZED) == expected


def test_window_is_full_when_sizing_is_off_and_frames_are_even() -> None:
    assert window_seconds(3.0, 2.0, ContextOptions(sized=False)) == 30.0
    assert window_frames(3.0, None, SIZED) == 500
    odd = ContextOptions(sized=True, margin_s=0.0, buckets_s=(3.005, 30.0))
    assert window_frames(3.0, None, odd) % 2 == 0
    assert window_seconds(1.0, None, ContextOptions(sized=True, margin_s=0.0, buckets_s=(40.0,))) == 30.0


def test_compression_ratio_and_repeated_phrases_flag_decoding_loops() -> None:
    sentence = "And so my fellow Americans, ask not what your country can do for you."
    loop = " ".join(["Please increase that limit five times."] * 6)
    assert compression_ratio(sentence) < 2.4 < compression_ratio(loop)
    assert repeated_phrase("a b c a b c a b c".split(), min_unit=2)
    assert not repeated_phrase("ask what you can do ask what".split(), min_unit=2)
    assert not repeated_phrase("no no no".split(), min_unit=2)  # a word said thrice is speech


def _babble(words: int) -> str:
    rng = np.random.default_rng(1)
    return " ".join("".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz"), 6)) for _ in range(words))


def _window(text: str, logprob: float = -0.3, no_speech: float = 0.01) -> DecodedWindow:
    return DecodedWindow(text, logprob, no_speech, compression_ratio(text))


@pytest.mark.parametrize(
    ("windows", "language", "speech_expected", "reason"),
    [
        ([_window(" The horizon seems extremely distant.")], "en", True, None),
        ([_window("")], "en", True, "no_speech"),
        ([_window("")], "en", False, None),  # no VAD: an empty decode may be silence
        ([_window(" " + "the limit, the limit, the limit, " * 8)], "en", True, "compression"),
        ([_window(" 月曜日です 月曜日です 月曜日です")], "ja", True, "repetition"),
        ([_window(" Il était une fois.", logprob=-1.4)], "fr", True, "low_logprob"),
        ([_window(" ok", logprob=-0.5), _window(" hm", logprob=-1.2, no_speech=0.9)], "en", True, "no_speech"),
        ([_window(" " + _babble(30))], "en", True, "too_long"),  # 30 distinct words in 3 s
    ],
)
def test_degenerate_reason_uses_whispers_own_signals(
    windows: list[DecodedWindow], language: str, speech_expected: bool, reason: str | None
) -> None:
    assert degenerate_reason(windows, language, 3.0, speech_expected=speech_expected) == reason
    assert reason is None or reason in FALLBACK_REASONS


# -- real weights, real speech --------------------------------------------------------------------------

JFK_PHRASES = ("my fellow americans", "ask not what your country can do for you")


@pytest.mark.slow
def test_sized_window_keeps_the_transcript_and_the_language(faster_whisper_backend, load_speech_clip) -> None:
    row, samples = load_speech_clip("en_fw_jfk")
    options = TranscribeOptions(decode=DecodeOptions(beam_size=5, context=SIZED))
    result = transcribe(samples, faster_whisper_backend, options)
    text = " ".join(result.text.lower().replace(",", " ").split())
    assert all(phrase in text for phrase in JFK_PHRASES), result.text
    assert result.language == "en" and result.language_probability > 0.85
    assert result.extra["asr_window_s"] == 15.0  # 11 s clip, speech to ~10.5 s, + 2 s margin
    assert result.extra["asr_fallback"] is None
    assert word_error_rate(row["transcript"], result.text, "en") <= 0.05


@pytest.mark.slow
def test_guard_falls_back_to_the_full_window_on_a_degenerate_decode(
    faster_whisper_backend, load_speech_clip, monkeypatch
) -> None:
    from workers.transcribe.backends import faster_whisper as backend_module

    _, samples = load_speech_clip("en_fw_stereo_right")
    full = transcribe(samples, faster_whisper_backend, TranscribeOptions(decode=DecodeOptions(beam_size=5)))
    seen = []

    def degenerate(windows, language, audio_s, *, speech_expected):  # noqa: ANN001, ANN202 - test double
        seen.append("".join(w.text for w in windows))
        return "repetition"  # as if the sized window had made the decoder loop

    monkeypatch.setattr(backend_module, "degenerate_reason", degenerate)
    options = TranscribeOptions(decode=DecodeOptions(beam_size=5, context=SIZED))
    result = transcribe(samples, faster_whisper_backend, options)
    assert seen and "horizon" in seen[0].lower()  # the sized decode ran and was judged
    assert result.extra["asr_fallback"] == "repetition" and result.extra["asr_window_s"] == 30.0
    assert result.text == full.text and result.language == full.language


@pytest.mark.slow
def test_batched_uploads_share_one_encoder_batch_per_window(faster_whisper_backend, load_speech_clip) -> None:
    _, jfk = load_speech_clip("en_fw_jfk")
    _, horizon = load_speech_clip("en_fw_stereo_right")
    options = DecodeOptions(beam_size=5, context=SIZED)
    first, second = faster_whisper_backend.transcribe_batch([jfk, horizon], options, [10.5, 4.0])
    assert "my fellow americans" in first.text.lower() and first.window_s == 15.0
    assert "horizon" in second.text.lower() and second.window_s == 10.0
    assert first.language == second.language == "en" and first.fallback is second.fallback is None
