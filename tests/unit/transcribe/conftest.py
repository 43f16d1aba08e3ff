"""Fixtures for the transcribe stage: synthesized media in real containers, the real Whisper model."""

from __future__ import annotations

import io
import wave
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import pytest

from workers.transcribe.decode import decode_audio
from workers.transcribe.types import AsrBackend


class AudioFactory:
    """Builds audio in memory with PyAV's encoders, so decode tests see real containers."""

    @staticmethod
    def tone(
        freq: float = 440.0, seconds: float = 1.0, rate: int = 16_000, amplitude: float = 0.3
    ) -> np.ndarray:
        """A sine tone as float32 samples."""
        t = np.arange(int(rate * seconds)) / rate
        return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)

    @staticmethod
    def music(seconds: float = 10.0, rate: int = 16_000, seed: int = 0) -> np.ndarray:
        """A synthetic tune: decaying harmonic notes over a noise-burst drum beat, no voice."""
        rng = np.random.default_rng(seed)
        out = np.zeros(int(rate * seconds))
        notes = (261.6, 329.6, 392.0, 523.3, 440.0, 349.2)
        step = int(0.5 * rate)
        for i, start in enumerate(range(0, out.size - step + 1, step)):
            t = np.arange(step) / rate
            note = sum(np.sin(2 * np.pi * notes[i % len(notes)] * k * t) / k for k in (1, 2, 3))
            out[start : start + step] += note * np.exp(-3 * t)
        for start in range(0, out.size - 800, rate // 4):
            out[start : start + 800] += rng.standard_normal(800) * np.exp(-np.arange(800) / 100)
        return (0.3 * out / np.abs(out).max()).astype(np.float32)

    @staticmethod
    def wav(samples: np.ndarray, rate: int = 16_000, channels: int = 1, sample_width: int = 2) -> bytes:
        """PCM WAV bytes; mono samples are duplicated to ``channels``."""
        pcm = np.repeat(np.clip(samples, -1, 1), channels)
        data = (pcm * 127 + 128).astype(np.uint8) if sample_width == 1 else (pcm * 32767).astype("<i2")
        buf = io.BytesIO()
        with wave.open(buf, "wb") as out:
            out.setnchannels(channels)
            out.setsampwidth(sample_width)
            out.setframerate(rate)
            out.writeframes(data.tobytes())
        return buf.getvalue()

    @staticmethod
    def encode(
        samples: np.ndarray,
        fmt: str,
        codec: str,
        rate: int = 48_000,
        layout: str = "stereo",
        chunk: int = 960,
    ) -> bytes:
        """``samples`` (at ``rate``) encoded with ``codec`` into container ``fmt``."""
        buf = io.BytesIO()
        with av.open(buf, "w", format=fmt) as container:
            stream = container.add_stream(codec, rate=rate)
            stream.layout = layout
            sample_format = stream.codec_context.format.name
            channels = 2 if layout == "stereo" else 1
            for start in range(0, samples.size, chunk):
                part = samples[start : start + chunk]
                if sample_format.endswith("p"):
                    array = np.tile(part, (channels, 1))
                else:
                    array = np.repeat(part, channels)[None, :]
                if sample_format.startswith("s16"):
                    array = (array * 32767).astype(np.int16)
                elif sample_format.startswith("s32"):
                    array = (array * 2**31 - 1).astype(np.int32)
                frame = av.AudioFrame.from_ndarray(
                    np.ascontiguousarray(array), format=sample_format, layout=layout
                )
                frame.rate, frame.pts = rate, start
                container.mux(stream.encode(frame))
            container.mux(stream.encode(None))
        return buf.getvalue()

    @staticmethod
    def silent_video(seconds: float = 1.0) -> bytes:
        """An MP4 with one MPEG-4 video stream and no audio stream."""
        buf = io.BytesIO()
        with av.open(buf, "w", format="mp4") as container:
            stream = container.add_stream("mpeg4", rate=10)
            stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
            for i in range(int(10 * seconds)):
                frame = av.VideoFrame.from_ndarray(np.full((64, 64, 3), i * 20, np.uint8), format="rgb24")
                container.mux(stream.encode(frame))
            container.mux(stream.encode(None))
        return buf.getvalue()


@pytest.fixture(scope="session")
def audio_factory() -> AudioFactory:
    """Synthesized audio and media containers."""
    return AudioFactory()


@pytest.fixture(scope="session")
def speech_clips(speech_manifest: list[dict]) -> dict[str, dict]:
    """Manifest rows by clip id."""
    return {row["id"]: row for row in speech_manifest}


@pytest.fixture(scope="session")
def load_speech_clip(speech_clips: dict[str, dict]) -> Callable[[str], tuple[dict, np.ndarray]]:
    """A function: clip id → (manifest row, 16 kHz mono float32 samples)."""

    def load(clip_id: str) -> tuple[dict, np.ndarray]:
        row = speech_clips[clip_id]
        return row, decode_audio(Path(row["abspath"]).read_bytes())

    return load


@pytest.fixture(scope="session")
def faster_whisper_backend() -> AsrBackend:
    """Whisper base via faster-whisper, int8 on CPU, 2 threads — loaded once per test session."""
    from workers.transcribe.backends import load_backend
    from workers.transcribe.model_store import ensure_model_dir

    return load_backend(
        "faster-whisper", ensure_model_dir(), device="cpu", compute_type="auto", cpu_threads=2
    )
