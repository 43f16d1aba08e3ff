"""Silero VAD gate: silence, tones and synthetic music have no speech; real human speech does."""

from __future__ import annotations

import numpy as np
import pytest

from workers.transcribe.vad import VadOptions, has_speech, speech_seconds, speech_spans

SPEECH_CLIPS = ["en_fw_jfk", "es_voxforge_es-0032", "ja_pv_leopard_test_ja", "ko_pv_leopard_test_ko"]


def test_silence_has_no_speech() -> None:
    silence = np.zeros(10 * 16_000, dtype=np.float32)
    assert speech_seconds(silence, VadOptions()) == 0.0
    assert not has_speech(silence, VadOptions())


def test_empty_input_has_no_speech() -> None:
    assert speech_spans(np.zeros(0, dtype=np.float32), VadOptions()) == []


@pytest.mark.parametrize("kind", ["tone", "chord", "music", "noise"])
def test_tones_music_and_noise_have_no_speech(audio_factory, kind: str) -> None:
    clips = {
        "tone": lambda: audio_factory.tone(440.0, 10.0),
        "chord": lambda: audio_factory.tone(261.6, 10.0) + audio_factory.tone(329.6, 10.0),
        "music": lambda: audio_factory.music(10.0),
        "noise": lambda: (0.05 * np.random.default_rng(0).standard_normal(160_000)).astype(np.float32),
    }
    samples = clips[kind]()
    assert speech_seconds(samples, VadOptions()) < VadOptions().min_speech_s
    assert not has_speech(samples, VadOptions())


@pytest.mark.parametrize("clip_id", SPEECH_CLIPS)
def test_real_speech_is_detected(load_speech_clip, clip_id: str) -> None:
    row, samples = load_speech_clip(clip_id)
    seconds = speech_seconds(samples, VadOptions())
    # Measured 2.2-9.5 s of speech in every manifest clip (1.5-11 s long); pauses are not speech.
    assert 1.0 < seconds <= row["duration_s"]
    assert has_speech(samples, VadOptions())


def test_speech_surrounded_by_music_is_found_where_it_is(audio_factory, load_speech_clip) -> None:
    _, speech = load_speech_clip("en_fw_jfk")
    music = audio_factory.music(5.0)
    spans = speech_spans(np.concatenate([music, 0.5 * speech, music]), VadOptions())
    assert spans and spans[0][0] >= 4.5 and spans[-1][1] <= 5.0 + speech.size / 16_000 + 0.5
