"""Sample uploads and Fides creators for the demo (see uploads.yaml for how the audio was made)."""

from __future__ import annotations

import time
import wave
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from workers.publisher import new_upload
from workers.settings import Settings

SAMPLE_RATE = 16_000


def _data() -> dict[str, Any]:
    return yaml.safe_load(resources.files(__package__).joinpath("uploads.yaml").read_text(encoding="utf-8"))


def synth_music(seconds: float = 8.0, seed: int = 7) -> np.ndarray:
    """A music-like clip (chords with a beat, no voice) as 16 kHz mono float32."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    chords = [(220.0, 277.2, 329.6), (196.0, 246.9, 293.7), (174.6, 220.0, 261.6)]
    signal = np.zeros_like(t)
    for i, chord in enumerate(chords * int(seconds)):
        mask = (t >= i * 0.5) & (t < (i + 1) * 0.5)
        signal[mask] = sum(np.sin(2 * np.pi * f * t[mask]) for f in chord) / 3
    beat = (np.sin(2 * np.pi * 2 * t) > 0.95) * rng.normal(0, 0.3, t.size)
    return (0.3 * signal + beat).astype(np.float32)


def write_wav(path: Path, samples: np.ndarray) -> Path:
    """Write 16 kHz mono 16-bit PCM."""
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(pcm.tobytes())
    return path


def _audio_uri(name: str | None, media_root: Path) -> str | None:
    if not name:
        return None
    if name == "synthetic:music":
        return (write_wav(media_root / "synthetic_music.wav", synth_music())).resolve().as_uri()
    source = Path(str(resources.files(__package__).joinpath("audio", name)))
    target = media_root / name
    if not target.exists():
        target.write_bytes(source.read_bytes())
    return target.resolve().as_uri()


def sample_uploads(media_root: Path, run_id: str | None = None) -> list[dict[str, Any]]:
    """UploadEvent records for the samples; audio is staged under ``media_root`` (the fetch policy root)."""
    media_root.mkdir(parents=True, exist_ok=True)
    run_id = run_id or str(int(time.time()))
    uploads = []
    for row in _data()["uploads"]:
        uploads.append(new_upload(
            event_id=f"sample-{row['video_id']}-{run_id}", video_id=row["video_id"], creator_id=row["creator_id"],
            region=row["region"], caption=row.get("caption", ""), hashtags=row.get("hashtags", []),
            audio_uri=_audio_uri(row.get("audio"), media_root), declared_language=row.get("declared_language"),
        ))
    return uploads


def sample_creators() -> list[dict[str, Any]]:
    """FidesCreator registry records for the sample Fides creators."""
    now = int(time.time() * 1000)
    return [{"organization": None, "specialties": [], "countries": [], "display_name": "", **row, "updated_at": now}
            for row in _data()["creators"]]


def publish_samples(settings: Settings) -> list[dict[str, Any]]:
    """Publish the sample Fides creators, then the sample uploads (audio below MEDIA_ROOT); return the uploads."""
    from workers.publisher import UploadPublisher

    media_root = settings.audio.media_root or Path(settings.worker.data_dir) / "media"
    uploads = sample_uploads(media_root)
    with UploadPublisher(settings) as publisher:
        for creator in sample_creators():
            publisher.publish_creator(creator, creator["creator_id"])
        publisher.flush()
        for upload in uploads:
            publisher.publish(upload)
    return uploads
