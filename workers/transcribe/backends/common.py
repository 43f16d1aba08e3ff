"""What the ASR backends share: the streaming protocol, device choice and assembling a result."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol, runtime_checkable

import numpy as np

from workers.transcribe.types import AsrResult, DecodeOptions, LanguageScore, Segment

TOP_LANGUAGES = 3


@runtime_checkable
class StreamingAsrBackend(Protocol):
    """A backend that can hand out segments lazily, so the caller can stop between them."""

    def stream(
        self, audio: np.ndarray, options: DecodeOptions
    ) -> tuple[tuple[LanguageScore, ...], Iterator[Segment]]:
        """Language scores (best first) and a lazy iterator of segments."""
        ...


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
