"""The mixed upload stream, run inside a worker process: our pipeline path or naive transcribe-everything.

Pipeline = what the transcribe agent does per upload: decode, hash the samples, look the sound up in the
transcript cache (a dict here; a Faust table in production), and on a miss run the core (Silero VAD,
then ASR only when there is speech). Naive = decode and transcribe every upload.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.clips import Upload
from workers.transcribe.types import AsrBackend, DecodeOptions, Transcript

if TYPE_CHECKING:
    from bench.asr_spec import WorkerSpec


def save_uploads(uploads: list[Upload], directory: Path) -> list[str]:
    """Write each upload's bytes to a file plus a sidecar with its name/kind; returns the file paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, upload in enumerate(uploads):
        path = directory / f"{i:03d}.bin"
        path.write_bytes(upload.data)
        meta = {"name": upload.name, "kind": upload.kind, "reused": upload.reused}
        path.with_suffix(".json").write_text(json.dumps(meta), "utf-8")
        paths.append(str(path))
    return paths


def _read_uploads(paths: list[str]) -> list[Upload]:
    uploads = []
    for path in map(Path, paths):
        meta = json.loads(path.with_suffix(".json").read_text("utf-8"))
        uploads.append(Upload(meta["name"], meta["kind"], path.read_bytes(), meta["reused"]))
    return uploads


def _pipeline_step(upload: Upload, backend: AsrBackend, cache: dict[str, Transcript]) -> tuple[str, str]:
    from workers.transcribe import core
    from workers.transcribe.decode import audio_sha256, decode_audio

    samples = decode_audio(upload.data)
    key = audio_sha256(samples)
    if key in cache:
        return "cache_hit", cache[key].text
    transcript = core.transcribe(samples, backend, core.TranscribeOptions(decode=DecodeOptions()))
    cache[key] = transcript
    return transcript.status, transcript.text


def _naive_step(upload: Upload, backend: AsrBackend) -> tuple[str, str]:
    from workers.transcribe.decode import decode_audio

    return "transcribed", backend.transcribe(decode_audio(upload.data), DecodeOptions()).text


def run_stream(spec: WorkerSpec, backend: AsrBackend) -> dict[str, Any]:
    """Process every upload in order (after one untimed warm-up); per-upload outcome and seconds."""
    uploads = _read_uploads(spec.clips)
    cache: dict[str, Transcript] = {}
    warmup = next(u for u in uploads if u.kind == "speech")
    _pipeline_step(warmup, backend, {}) if spec.pipeline else _naive_step(warmup, backend)
    rows = []
    started = time.perf_counter()
    for upload in uploads:
        t0 = time.perf_counter()
        outcome, text = (
            _pipeline_step(upload, backend, cache) if spec.pipeline else _naive_step(upload, backend)
        )
        rows.append(
            {
                "name": upload.name,
                "kind": upload.kind,
                "reused": upload.reused,
                "outcome": outcome,
                "seconds": time.perf_counter() - t0,
                "text": text,
            }
        )
    return {
        "uploads": rows,
        "wall_s": time.perf_counter() - started,
        "outcomes": dict(Counter(row["outcome"] for row in rows)),
    }
