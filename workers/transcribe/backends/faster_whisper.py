"""faster-whisper (CTranslate2) backend: the default, int8 on CPU and float16 on CUDA."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from workers.errors import ModelUnavailable
from workers.transcribe.backends import TOP_LANGUAGES, collect_result, resolve_device
from workers.transcribe.model_store import MODEL_NAME
from workers.transcribe.types import AsrResult, DecodeOptions, LanguageScore, Segment


class FasterWhisperBackend:
    """Whisper through CTranslate2, loaded once per process from a local model directory."""

    name = "faster-whisper"

    def __init__(
        self,
        model_dir: Path,
        device: str = "cpu",
        compute_type: str = "int8",
        cpu_threads: int = 2,
        *,
        model_name: str = MODEL_NAME,
    ) -> None:
        from faster_whisper import WhisperModel

        self.device = resolve_device(device)
        self.compute_type = resolve_compute_type(compute_type, self.device)
        self.model = model_name
        try:
            self._model = WhisperModel(
                str(model_dir), device=self.device, compute_type=self.compute_type, cpu_threads=cpu_threads
            )
        except (RuntimeError, ValueError, OSError) as exc:
            raise ModelUnavailable(f"cannot load faster-whisper model from {model_dir}: {exc}") from exc

    def transcribe(self, audio: np.ndarray, options: DecodeOptions) -> AsrResult:
        """Transcribe 16 kHz mono float32 samples, consuming every segment."""
        languages, segments = self.stream(audio, options)
        return collect_result(languages, segments)

    def stream(
        self, audio: np.ndarray, options: DecodeOptions
    ) -> tuple[tuple[LanguageScore, ...], Iterator[Segment]]:
        """Language scores (best first) and the lazy segment iterator, for callers that watch a deadline.

        Language detection and feature extraction run here; Whisper decoding runs as the iterator is
        consumed, one 30 s window at a time.
        """
        raw_segments, info = self._model.transcribe(
            audio,
            language=options.language,
            task=options.task,
            beam_size=options.beam_size,
            temperature=options.temperature,
            condition_on_previous_text=options.condition_on_previous_text,
            without_timestamps=options.without_timestamps,
            vad_filter=False,  # the core already ran VAD; keep both backends on the same audio
        )
        return _languages(info), (_segment(raw) for raw in raw_segments)


def resolve_compute_type(compute_type: str, device: str) -> str:
    """``auto`` → int8 on CPU, float16 on CUDA; anything else is passed through."""
    if compute_type != "auto":
        return compute_type
    return "float16" if device == "cuda" else "int8"


def _languages(info: Any) -> tuple[LanguageScore, ...]:
    if info.all_language_probs:  # only when Whisper detected the language itself
        ranked = sorted(info.all_language_probs, key=lambda pair: pair[1], reverse=True)
        return tuple(LanguageScore(lang, float(prob)) for lang, prob in ranked[:TOP_LANGUAGES])
    return (LanguageScore(info.language, float(info.language_probability)),)


def _segment(raw: Any) -> Segment:
    return Segment(
        start_s=float(raw.start),
        end_s=float(raw.end),
        text=str(raw.text),
        avg_logprob=float(raw.avg_logprob),
        no_speech_prob=float(raw.no_speech_prob),
    )
