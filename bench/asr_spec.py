"""What one ASR benchmark worker process measures (read by ``bench.worker``, written by ``bench.asr``)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class WorkerSpec:
    """What one worker process measures."""

    task: str  # "clips": transcribe each clip | "stream": run a mixed upload stream
    backend: str  # "openai-whisper" | "faster-whisper"
    compute_type: str  # "float32" | "int8" (openai-whisper is float32 on CPU whatever is asked)
    model_dir: str
    beam_size: int = 1
    threads: int = 2
    clips: list[str] = field(default_factory=list)  # audio files ("clips") or upload files ("stream")
    pipeline: bool = False  # stream only: VAD + transcript cache (True) or transcribe everything
