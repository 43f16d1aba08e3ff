"""openai-whisper (PyTorch) on the same Whisper base weights as faster-whisper, converted from CTranslate2.

Used as the reference implementation: the agreement tests and the benchmark compare faster-whisper to it.
torch and whisper are imported when the backend is built, never at package import.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

from workers.errors import AudioDecodeError, ModelUnavailable
from workers.transcribe.backends.common import TOP_LANGUAGES, collect_result
from workers.transcribe.convert import ensure_openai_checkpoint
from workers.transcribe.model_store import MODEL_NAME
from workers.transcribe.types import AsrResult, DecodeOptions, LanguageScore, Segment


def _load_model(checkpoint: Path, device: str) -> Any:
    import torch
    import whisper

    try:
        loaded = torch.load(checkpoint, map_location=device, weights_only=True)
        model = whisper.model.Whisper(whisper.model.ModelDimensions(**loaded["dims"]))
        model.load_state_dict(loaded["model_state_dict"])  # strict: every tensor must be filled
        model.set_alignment_heads(loaded["alignment_heads"])
    except (OSError, KeyError, RuntimeError) as exc:
        raise ModelUnavailable(f"cannot load openai-whisper checkpoint {checkpoint}: {exc}") from exc
    with warnings.catch_warnings():
        # whisper's tokenizer reads its vocabulary with an unclosed open(); load it once (it is cached)
        # here, so the third-party ResourceWarning does not surface inside the first transcription.
        warnings.simplefilter("ignore", ResourceWarning)
        whisper.tokenizer.get_tokenizer(model.is_multilingual, num_languages=model.num_languages)
    return model.to(device).eval()


class OpenAIWhisperBackend:
    """Whisper base in PyTorch: float32 on CPU, float16 on CUDA."""

    name = "openai-whisper"
    model = MODEL_NAME

    def __init__(
        self,
        model_dir: Path,
        device: str = "cpu",
        cpu_threads: int = 2,
        cache_dir: Path | None = None,
    ) -> None:
        import torch

        if cpu_threads > 0:
            torch.set_num_threads(cpu_threads)
        self.device = device
        self.compute_type = "float16" if device.startswith("cuda") else "float32"
        self.whisper = _load_model(ensure_openai_checkpoint(model_dir, cache_dir), device)

    def _first_window(self, audio: np.ndarray) -> Any:
        """Log-mel of the first 30 s, exactly as ``whisper.transcribe`` builds it for language id."""
        import torch
        from whisper.audio import N_FRAMES, N_SAMPLES, log_mel_spectrogram, pad_or_trim

        mel = log_mel_spectrogram(audio, self.whisper.dims.n_mels, padding=N_SAMPLES)
        dtype = torch.float16 if self.compute_type == "float16" else torch.float32
        return pad_or_trim(mel, N_FRAMES).to(self.whisper.device).to(dtype)

    def detect_language(self, audio: np.ndarray) -> tuple[LanguageScore, ...]:
        """Top-3 spoken languages of the first 30 s with their probabilities, best first."""
        import torch

        with torch.inference_mode():
            _, probs = self.whisper.detect_language(self._first_window(audio))
        best = sorted(probs.items(), key=lambda item: item[1], reverse=True)[:TOP_LANGUAGES]
        return tuple(LanguageScore(language=code, probability=float(p)) for code, p in best)

    def _decode(self, audio: np.ndarray, language: str, options: DecodeOptions) -> dict[str, Any]:
        import torch
        import whisper

        with torch.inference_mode():
            return whisper.transcribe(
                self.whisper,
                audio,
                verbose=None,
                temperature=options.temperature,
                beam_size=options.beam_size if options.beam_size > 1 else None,
                condition_on_previous_text=options.condition_on_previous_text,
                without_timestamps=options.without_timestamps,
                language=language,
                task=options.task,
                fp16=self.compute_type == "float16",
            )

    def transcribe(self, audio: np.ndarray, options: DecodeOptions) -> AsrResult:
        """Transcribe 16 kHz mono float32 samples with the given decoding options."""
        if audio.ndim != 1 or audio.size == 0:
            raise AudioDecodeError(f"expected non-empty mono samples, got shape {audio.shape}")
        samples = np.ascontiguousarray(audio, dtype=np.float32)
        if options.language is None:
            alternatives = self.detect_language(samples)
        else:
            alternatives = (LanguageScore(language=options.language, probability=1.0),)
        result = self._decode(samples, alternatives[0].language, options)
        return collect_result(alternatives, (_segment(raw) for raw in result["segments"]))


def _segment(raw: dict[str, Any]) -> Segment:
    # Text kept as Whisper emits it (leading space), like the faster-whisper backend, so joins agree.
    return Segment(
        start_s=float(raw["start"]),
        end_s=float(raw["end"]),
        text=str(raw["text"]),
        avg_logprob=float(raw["avg_logprob"]),
        no_speech_prob=float(raw["no_speech_prob"]),
    )
