"""In-process decoding to 16 kHz mono float32: formats, caps, and a reason code per bad-input class."""

from __future__ import annotations

import struct
import time
import zlib

import numpy as np
import pytest

from workers.errors import AudioDecodeError, AudioTooLarge, PoisonError
from workers.transcribe.decode import (
    CorruptAudio,
    EmptyAudio,
    NoAudioStream,
    NotAudio,
    audio_sha256,
    decode_audio,
)
from workers.transcribe.types import SAMPLE_RATE


def dominant_hz(samples: np.ndarray) -> float:
    """Frequency of the strongest FFT bin."""
    return float(np.argmax(np.abs(np.fft.rfft(samples))) * SAMPLE_RATE / samples.size)


def png_bytes() -> bytes:
    """A valid 1x1 PNG, built by hand."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0\0\0\0"))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("fmt", "codec"),
    [("mp4", "aac"), ("ogg", "libopus"), ("webm", "libopus"), ("flac", "flac"), ("mp3", "libmp3lame")],
)
def test_compressed_containers_decode_to_16k_mono(audio_factory, fmt: str, codec: str) -> None:
    data = audio_factory.encode(audio_factory.tone(440.0, 1.0, rate=48_000), fmt, codec)
    samples = decode_audio(data)
    assert samples.dtype == np.float32 and samples.ndim == 1
    assert abs(samples.size - SAMPLE_RATE) < 0.1 * SAMPLE_RATE  # codec priming/padding only
    assert abs(dominant_hz(samples) - 440.0) < 5.0  # resampled, not just relabelled


@pytest.mark.parametrize(("rate", "channels", "width"), [(44_100, 2, 2), (8_000, 1, 1), (22_050, 6, 2)])
def test_pcm_wav_of_any_rate_and_layout_is_resampled(
    audio_factory, rate: int, channels: int, width: int
) -> None:
    tone = audio_factory.tone(1000.0, 2.0, rate=rate)
    samples = decode_audio(audio_factory.wav(tone, rate, channels, width))
    assert samples.size == pytest.approx(2 * SAMPLE_RATE, abs=64)
    assert abs(dominant_hz(samples) - 1000.0) < 5.0
    assert float(np.max(np.abs(samples))) == pytest.approx(0.3, abs=0.03)  # downmix keeps the level


def test_only_the_first_max_duration_seconds_are_decoded(audio_factory) -> None:
    data = audio_factory.wav(audio_factory.tone(300.0, 180.0, rate=8_000), rate=8_000)
    samples = decode_audio(data, max_duration_s=5.0)
    assert samples.size == 5 * SAMPLE_RATE


def test_decompression_bomb_is_bounded_by_the_duration_cap(audio_factory) -> None:
    # One hour of 8 kHz silence in FLAC is ~0.65 MB; decoding it all would be 57.6 M samples.
    hour = np.zeros(8_000 * 3600, dtype=np.float32)
    data = audio_factory.encode(hour, "flac", "flac", rate=8_000, layout="mono", chunk=4608)
    assert len(data) < 2_000_000
    started = time.monotonic()
    samples = decode_audio(data, max_duration_s=60.0)
    assert samples.size == 60 * SAMPLE_RATE
    assert time.monotonic() - started < 5.0


def test_absurd_sample_rate_header_is_refused(audio_factory) -> None:
    # 1 Hz upsampled to 16 kHz would turn each 4 KB frame into 260 MB of output.
    with pytest.raises(CorruptAudio) as info:
        decode_audio(audio_factory.wav(np.zeros(4000, np.float32), rate=1))
    assert info.value.reason == "corrupt_audio"


def test_non_finite_float_samples_are_sanitized(audio_factory) -> None:
    tone = audio_factory.tone(440.0, 1.0, rate=16_000)
    tone[100:200] = np.nan
    tone[300] = np.inf
    samples = decode_audio(audio_factory.encode(tone, "wav", "pcm_f32le", rate=16_000, layout="mono"))
    assert np.isfinite(samples).all() and np.abs(samples).max() <= 1.0


@pytest.mark.parametrize(
    ("make", "error", "reason"),
    [
        (lambda f: b"", EmptyAudio, "empty_audio"),
        (lambda f: f.wav(np.zeros(0, np.float32)), EmptyAudio, "empty_audio"),
        (lambda f: b"Hello, this is a caption file, not audio.\n" * 50, NotAudio, "not_audio"),
        (lambda f: png_bytes(), NotAudio, "not_audio"),
        (lambda f: b"%PDF-1.7\n" + bytes(range(256)) * 8, NotAudio, "not_audio"),
        (lambda f: b"#EXTM3U\n#EXTINF:10,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n", NotAudio, "not_audio"),
        (lambda f: b"ffconcat version 1.0\nfile /etc/passwd\n", NotAudio, "not_audio"),
        (lambda f: f.silent_video(), NoAudioStream, "no_audio_stream"),
        (lambda f: f.encode(f.tone(), "mp4", "aac")[:3000], CorruptAudio, "corrupt_audio"),
        (lambda f: b"RIFF\xff\xff\xff\xffWAVEfmt " + bytes(64), CorruptAudio, "corrupt_audio"),
        (lambda f: b"OggS" + np.random.default_rng(1).bytes(4000), CorruptAudio, "corrupt_audio"),
    ],
    ids=[
        "zero-bytes",
        "zero-samples",
        "text",
        "png",
        "pdf",
        "hls",
        "ffconcat",
        "video-only",
        "truncated-mp4",
        "bad-wav-header",
        "garbage-ogg",
    ],
)
def test_every_bad_input_class_has_its_reason(audio_factory, make, error, reason: str) -> None:
    with pytest.raises(error) as info:
        decode_audio(make(audio_factory))
    assert isinstance(info.value, AudioDecodeError) and isinstance(info.value, PoisonError)
    assert info.value.reason == reason


def test_input_over_the_byte_cap_is_refused_before_decoding(audio_factory) -> None:
    data = audio_factory.wav(audio_factory.tone(440.0, 1.0))
    with pytest.raises(AudioTooLarge):
        decode_audio(data, max_bytes=len(data) - 1)


def test_audio_sha256_is_a_content_key(audio_factory) -> None:
    tone = audio_factory.tone(440.0, 1.0)
    wav = audio_factory.wav(tone)
    assert audio_sha256(decode_audio(wav)) == audio_sha256(decode_audio(wav))
    assert audio_sha256(tone) == audio_sha256(tone.astype(np.float64))  # key is the float32 bytes
    assert audio_sha256(tone) != audio_sha256(audio_factory.tone(441.0, 1.0))
    assert len(audio_sha256(tone)) == 64
