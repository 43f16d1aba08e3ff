"""faster-whisper (CTranslate2) backend: the default, int8 on CPU and float16 on CUDA.

Two decoding paths. The full-window path is plain ``WhisperModel.transcribe``: every window is padded to
30 s, and a clip whose language is not given is encoded twice (once for language detection, once for
decoding). The sized path (``DecodeOptions.context.sized``) encodes the first window once, cut to the
speech (``workers.transcribe.context``), detects the language on that encoder output and hands it to
faster-whisper's own segment loop; later windows (audio past 30 s) stay full 30 s windows.
A sized decode that looks degenerate is redone on the full-window path.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from workers.errors import ModelUnavailable
from workers.transcribe.backends.common import TOP_LANGUAGES, collect_result, resolve_device
from workers.transcribe.context import (
    FRAMES_PER_S,
    WINDOW_S,
    ContextOptions,
    DecodedWindow,
    compression_ratio,
    degenerate_reason,
    window_frames,
)
from workers.transcribe.model_store import MODEL_NAME
from workers.transcribe.types import AsrResult, DecodeOptions, LanguageScore, Segment

FULL_FRAMES = round(WINDOW_S * FRAMES_PER_S)
FULL_WINDOW_ONCE = ContextOptions(sized=True, buckets_s=(WINDOW_S,), guard=False)  # the fallback's path
_OPTIONS_PROBE = np.zeros(1600, dtype=np.float32)  # 0.1 s: enough for transcribe() to build its options


def _load_model(model_dir: Path, device: str, compute_type: str, cpu_threads: int) -> Any:
    from faster_whisper import WhisperModel

    return WhisperModel(str(model_dir), device=device, compute_type=compute_type, cpu_threads=cpu_threads)


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
        self.device = resolve_device(device)
        self.compute_type = resolve_compute_type(compute_type, self.device)
        self.model = model_name
        try:
            self._model = _load_model(model_dir, self.device, self.compute_type, cpu_threads)
        except (RuntimeError, ValueError, OSError) as exc:
            raise ModelUnavailable(f"cannot load faster-whisper model from {model_dir}: {exc}") from exc
        self._options: dict[tuple[Any, ...], Any] = {}

    def transcribe(self, audio: np.ndarray, options: DecodeOptions) -> AsrResult:
        """Transcribe 16 kHz mono float32 samples, consuming every segment."""
        if options.context.sized:
            return self._transcribe_sized(audio, options)
        languages, segments = self.stream(audio, options)
        return collect_result(languages, segments)

    def stream(
        self, audio: np.ndarray, options: DecodeOptions
    ) -> tuple[tuple[LanguageScore, ...], Iterator[Segment]]:
        """Language scores (best first) and the lazy segment iterator, for callers that watch a deadline.

        Language detection and feature extraction run here; Whisper decoding runs as the iterator is
        consumed, one 30 s window at a time. Always the full-window path: a sized decode is checked as a
        whole before it is trusted, so it is not streamed (``transcribe``).
        """
        raw_segments, info = self._model.transcribe(audio, **_transcribe_kwargs(options))
        return _languages(info), (_segment(raw) for raw in raw_segments)

    def _transcribe_sized(self, audio: np.ndarray, options: DecodeOptions) -> AsrResult:
        """One encode of the first window cut to the speech; the full-window path when it looks wrong."""
        model = self._model
        features = model.feature_extractor(np.ascontiguousarray(audio, dtype=np.float32))
        content = features.shape[-1] - 1  # the extractor's last frame is padding (faster-whisper drops it)
        frames = window_frames(content / FRAMES_PER_S, options.speech_end_s, options.context)
        cut = content if frames >= FULL_FRAMES else min(content, frames)
        first = features[:, : min(cut, FULL_FRAMES)]
        first = np.pad(first, ((0, 0), (0, max(0, min(frames, FULL_FRAMES) - first.shape[-1]))))
        encoded = model.encode(first)
        if options.language is None:
            ranked = model.model.detect_language(encoded)[0]
            languages = tuple(LanguageScore(token[2:-2], float(p)) for token, p in ranked[:TOP_LANGUAGES])
        else:
            languages = (LanguageScore(options.language, 1.0),)
        if frames < FULL_FRAMES and languages[0].language in options.context.full_window_languages:
            return _with_window(self._full_window(audio, options), WINDOW_S, "language")
        raw = self._decode_segments(features[:, : cut + 1], encoded, languages[0].language, options)
        windows = [DecodedWindow(r.text, r.avg_logprob, r.no_speech_prob, r.compression_ratio) for r in raw]
        reason = (
            degenerate_reason(windows, languages[0].language, cut / FRAMES_PER_S,
                              speech_expected=options.speech_end_s is not None)
            if options.context.guard and frames < FULL_FRAMES else None
        )
        if reason is not None:
            return _with_window(self._full_window(audio, options), WINDOW_S, reason)
        return _with_window(collect_result(languages, (_segment(r) for r in raw)), frames / FRAMES_PER_S, None)

    def _full_window(self, audio: np.ndarray, options: DecodeOptions) -> AsrResult:
        """The full 30 s window, encoded once for both language detection and decoding: the same
        transcript as plain faster-whisper (which encodes it twice), for less CPU."""
        return self._transcribe_sized(audio, replace(options, context=FULL_WINDOW_ONCE))

    def transcribe_batch(
        self, clips: Sequence[np.ndarray], options: DecodeOptions, speech_end_s: Sequence[float | None] = ()
    ) -> list[AsrResult]:
        """Clips decoded together: one encoder batch and one beam search per window size (the GPU path).

        Clips of at most 30 s are grouped by their sized window (full windows when sizing is off) and
        decoded as one window each; a longer clip, or one whose decode looks degenerate, goes through
        ``transcribe`` on its own. ``speech_end_s``: per clip, where VAD's last speech run ends.
        """
        model = self._model
        ends = list(speech_end_s) or [None] * len(clips)
        results: list[AsrResult | None] = [None] * len(clips)
        groups: dict[int, list[tuple[int, np.ndarray, int]]] = {}
        for i, audio in enumerate(clips):
            features = model.feature_extractor(np.ascontiguousarray(audio, dtype=np.float32))
            content = features.shape[-1] - 1
            if content > FULL_FRAMES:
                results[i] = self.transcribe(audio, replace(options, speech_end_s=ends[i]))
                continue
            frames = window_frames(content / FRAMES_PER_S, ends[i], options.context)
            cut = min(content, frames)
            window = np.pad(features[:, :cut], ((0, 0), (0, frames - cut)))
            groups.setdefault(frames, []).append((i, window, cut))
        for frames, members in groups.items():
            batch = np.ascontiguousarray(np.stack([window for _, window, _ in members]), dtype=np.float32)
            encoded = model.encode(batch)
            for (i, _, cut), result in zip(members, self._generate(encoded, options), strict=True):
                samples = clips[i]
                reason = _guard(result, cut, options, ends[i]) if frames < FULL_FRAMES else None
                if frames < FULL_FRAMES and result.language in options.context.full_window_languages:
                    reason = "language"
                results[i] = (
                    _with_window(self._full_window(samples, replace(options, speech_end_s=ends[i])), WINDOW_S,
                                 reason) if reason else _with_window(result, frames / FRAMES_PER_S, None)
                )
        return [r for r in results if r is not None]

    def _generate(self, encoded: Any, options: DecodeOptions) -> list[AsrResult]:
        """Language detection and one beam search over a batch of encoder outputs."""
        from faster_whisper.tokenizer import Tokenizer

        model = self._model
        batch = int(encoded.shape[0])
        if options.language is None:
            ranked = model.model.detect_language(encoded)
            languages = [tuple(LanguageScore(t[2:-2], float(p)) for t, p in r[:TOP_LANGUAGES]) for r in ranked]
        else:
            languages = [(LanguageScore(options.language, 1.0),)] * batch
        tokenizers = [Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task=options.task,
                                language=scores[0].language) for scores in languages]
        settings = self._transcription_options(options)
        prompts = [model.get_prompt(t, [], without_timestamps=options.without_timestamps) for t in tokenizers]
        outputs = model.model.generate(
            encoded, prompts, beam_size=options.beam_size, patience=settings.patience,
            length_penalty=settings.length_penalty, max_length=model.max_length, return_scores=True,
            return_no_speech_prob=True, suppress_blank=settings.suppress_blank,
            suppress_tokens=settings.suppress_tokens,
            max_initial_timestamp_index=round(settings.max_initial_timestamp / model.time_precision),
        )
        results = []
        for output, tokenizer, scores in zip(outputs, tokenizers, languages, strict=True):
            tokens = output.sequences_ids[0]
            text = tokenizer.decode(tokens)  # timestamp tokens are dropped
            avg_logprob = output.scores[0] * len(tokens) ** settings.length_penalty / (len(tokens) + 1)
            segment = Segment(0.0, 0.0, text, float(avg_logprob), float(output.no_speech_prob))
            results.append(collect_result(scores, (segment,) if text.strip() else ()))
        return results

    def _decode_segments(self, features: np.ndarray, encoded: Any, language: str, options: DecodeOptions) -> list[Any]:
        """faster-whisper's segment loop on ``features``, reusing ``encoded`` for the first window.

        Later windows (when the first decode stops short of the end, or the audio is longer than 30 s) are
        faster-whisper's own full 30 s windows: sizing them too was measured to decode a 0.7 s tail of a
        60 s upload into a made-up phrase, a decode the guard (which judges the first window) cannot see.
        """
        from faster_whisper.tokenizer import Tokenizer

        model = self._model
        tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task=options.task, language=language)
        return list(model.generate_segments(features, tokenizer, self._transcription_options(options), False, encoded))

    def _transcription_options(self, options: DecodeOptions) -> Any:
        """faster-whisper's ``TranscriptionOptions`` exactly as ``transcribe()`` builds them (cached)."""
        key = (options.beam_size, options.task, options.temperature, options.condition_on_previous_text,
               options.without_timestamps)
        if key not in self._options:
            kwargs = _transcribe_kwargs(options) | {"language": "en"}  # language lives in the tokenizer
            _, info = self._model.transcribe(_OPTIONS_PROBE, **kwargs)  # lazy: nothing is decoded
            self._options[key] = info.transcription_options
        return self._options[key]


def _guard(result: AsrResult, cut: int, options: DecodeOptions, speech_end_s: float | None) -> str | None:
    """The degenerate-decode verdict on one batched decode (None when sizing or the guard is off)."""
    if not (options.context.sized and options.context.guard):
        return None
    windows = [DecodedWindow(s.text, s.avg_logprob, s.no_speech_prob, compression_ratio(s.text))
               for s in result.segments] or [DecodedWindow("", 0.0, 0.0, 0.0)]
    return degenerate_reason(windows, result.language, cut / FRAMES_PER_S, speech_expected=speech_end_s is not None)


def _transcribe_kwargs(options: DecodeOptions) -> dict[str, Any]:
    return {
        "language": options.language,
        "task": options.task,
        "beam_size": options.beam_size,
        "temperature": options.temperature,
        "condition_on_previous_text": options.condition_on_previous_text,
        "without_timestamps": options.without_timestamps,
        "vad_filter": False,  # the core already ran VAD; keep both backends on the same audio
    }


def _with_window(result: AsrResult, window_s: float, fallback: str | None) -> AsrResult:
    return replace(result, window_s=window_s, fallback=fallback)


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
