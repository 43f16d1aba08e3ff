"""ASR backends behind one interface; heavy libraries are imported only for the backend chosen."""

from __future__ import annotations

from pathlib import Path

from workers.transcribe.backends.common import resolve_device
from workers.transcribe.types import AsrBackend

BACKENDS = ("faster-whisper", "openai-whisper")


def load_backend(
    name: str, model_dir: Path, device: str = "cpu", compute_type: str = "auto", cpu_threads: int = 2
) -> AsrBackend:
    """Load the named backend once; ``compute_type`` ``auto`` = int8 on CPU, float16 on CUDA."""
    device = resolve_device(device)
    if name == "faster-whisper":
        from workers.transcribe.backends.faster_whisper import FasterWhisperBackend

        return FasterWhisperBackend(
            model_dir, device=device, compute_type=compute_type, cpu_threads=cpu_threads
        )
    if name == "openai-whisper":
        # Imported here so torch is loaded only by workers configured for it.
        from workers.transcribe.backends.openai_whisper import OpenAIWhisperBackend

        return OpenAIWhisperBackend(model_dir, device=device, cpu_threads=cpu_threads)
    raise ValueError(f"unknown ASR backend {name!r}; choose one of {', '.join(BACKENDS)}")
