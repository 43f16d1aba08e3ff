"""ASR backends behind one interface; heavy libraries are imported only for the backend chosen."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from workers.transcribe.types import AsrBackend, AsrResult, DecodeOptions, LanguageScore, Segment

BACKENDS = ("faster-whisper", "openai-whisper")
TOP_LANGUAGES = 3


@runtime_checkable
class StreamingAsrBackend(Protocol):
    """A backend that can hand out segments lazily, so the caller can stop between them."""

    def stream(
        self, audio: np.ndarray, options: DecodeOptions
    ) -> tuple[tuple[LanguageScore, ...], Iterator[Segment]]:
        """Language scores (best first) and a lazy iterator of segments."""
        ...


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


def resolve_device(device: str) -> str:
    """``auto`` → ``cuda`` when CTranslate2 sees a GPU, else ``cpu``."""
    if device != "auto":
        return device
    import ctranslate2

    return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"


def collect_result(languages: tuple[LanguageScore, ...], segments: Iterable[Segment]) -> AsrResult:
    """Assemble an ``AsrResult`` from language scores (best first) and segments."""
    collected = tuple(segments)
    best = languages[0] if languages else LanguageScore("", 0.0)
    return AsrResult(
        text="".join(segment.text for segment in collected).strip(),
        segments=collected,
        language=best.language,
        language_probability=best.probability,
        language_alternatives=tuple(languages[:TOP_LANGUAGES]),
    )
