"""Benchmark audio: real speech clips from the shared manifest, plus generated music and silence.

The generated sounds are numpy-made so the benchmark needs no third-party music: chords with harmonics,
a beat envelope and a noise "drum" hit, which is what short-video background music mostly is.
"""

from __future__ import annotations

import io
import json
import random
import wave
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from workers.transcribe.types import SAMPLE_RATE

# Root notes (Hz) of a I-V-vi-IV progression in C; each chord is a major or minor triad on it.
_PROGRESSION = ((261.63, "major"), (392.00, "major"), (440.00, "minor"), (349.23, "major"))
_TRIADS = {"major": (1.0, 1.26, 1.5), "minor": (1.0, 1.19, 1.5)}


@dataclass(frozen=True)
class SpeechClip:
    """One manifest row: a real recording with its reference transcript."""

    id: str
    lang: str
    path: Path
    transcript: str
    duration_s: float


@dataclass(frozen=True)
class Upload:
    """One upload of the mixed stream: encoded audio bytes and what they really contain."""

    name: str  # the sound's name; a reused sound keeps its name (and its bytes)
    kind: str  # speech | music | silence
    data: bytes
    reused: bool


def load_manifest(shared_dir: Path) -> list[SpeechClip]:
    """The speech clips listed in ``shared/speech/manifest.jsonl``."""
    speech = shared_dir / "speech"
    rows = [json.loads(line) for line in (speech / "manifest.jsonl").read_text("utf-8").splitlines() if line]
    return [
        SpeechClip(r["id"], r["lang"], speech / r["path"], r["transcript"], float(r["duration_s"]))
        for r in rows
    ]


def pick_clips(clips: list[SpeechClip], count: int) -> list[SpeechClip]:
    """``count`` clips taken round-robin across languages (manifest order within a language)."""
    by_lang: dict[str, list[SpeechClip]] = defaultdict(list)
    for clip in clips:
        by_lang[clip.lang].append(clip)
    picked: list[SpeechClip] = []
    while len(picked) < count and any(by_lang.values()):
        for lang in sorted(by_lang):
            if by_lang[lang] and len(picked) < count:
                picked.append(by_lang[lang].pop(0))
    return picked


def music(seconds: float, seed: int, bpm: float = 112.0) -> np.ndarray:
    """A chord progression with harmonics, a per-beat decay envelope and a noise hit on every beat."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    beat = 60.0 / bpm
    out = np.zeros_like(t)
    for i, (root, quality) in enumerate(_PROGRESSION * int(seconds // (4 * beat) + 1)):
        span = (t >= i * 4 * beat) & (t < (i + 1) * 4 * beat)
        for ratio in _TRIADS[quality]:
            for harmonic, gain in ((1, 1.0), (2, 0.4), (3, 0.2)):
                out[span] += gain * np.sin(2 * np.pi * root * ratio * harmonic * t[span])
    out *= 0.35 + 0.65 * np.exp(-4.0 * (t % beat))  # strummed: each beat decays
    hit = (t % beat) < 0.05
    out[hit] += 2.0 * rng.standard_normal(int(hit.sum())) * np.exp(-60 * (t[hit] % beat))
    return (0.25 * out / np.abs(out).max()).astype(np.float32)


def silence(seconds: float, seed: int) -> np.ndarray:
    """Room tone: very quiet white noise (exact zeros would be an unrealistically easy case)."""
    rng = np.random.default_rng(seed)
    return (1e-3 * rng.standard_normal(int(seconds * SAMPLE_RATE))).astype(np.float32)


def wav_bytes(samples: np.ndarray) -> bytes:
    """16-bit PCM mono WAV at 16 kHz, as an upload's audio would arrive."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return buffer.getvalue()


def build_stream(
    speech: list[SpeechClip], n_music: int, n_silence: int, total: int, seed: int = 7
) -> list[Upload]:
    """Unique speech, music and silence uploads, topped up to ``total`` with re-uploads, shuffled."""
    rng = random.Random(seed)
    unique = [Upload(c.id, "speech", c.path.read_bytes(), False) for c in speech]
    unique += [
        Upload(f"music_{i}", "music", wav_bytes(music(rng.uniform(6, 12), i)), False) for i in range(n_music)
    ]
    unique += [
        Upload(f"silence_{i}", "silence", wav_bytes(silence(rng.uniform(4, 8), i)), False)
        for i in range(n_silence)
    ]
    rng.shuffle(unique)
    stream = list(unique)
    while len(stream) < total:  # a reused sound appears after its first upload, as on a real platform
        position = rng.randrange(1, len(stream) + 1)
        original = rng.choice([u for u in stream[:position] if not u.reused] or unique[:1])
        stream.insert(position, Upload(original.name, original.kind, original.data, True))
    return stream
