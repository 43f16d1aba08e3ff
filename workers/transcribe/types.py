"""Typed messages of the transcribe stage, shared by the core, the backends and the agent.

Field names mirror ``schemas/Transcript.avsc`` so ``Transcript.to_record()`` is a plain mapping.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import numpy as np

from workers.transcribe.context import WINDOW_S, ContextOptions

SAMPLE_RATE = 16_000  # Whisper's input rate; every decoder output is 16 kHz mono float32.


@dataclass(frozen=True)
class DecodeOptions:
    """How Whisper decodes; the same options drive every backend so their outputs are comparable."""

    beam_size: int = 1  # the core's default; the product default (ASR_BEAM_SIZE=5) was chosen by the benchmark
    language: str | None = None  # None = let Whisper detect it
    task: str = "transcribe"
    temperature: float = 0.0
    condition_on_previous_text: bool = False  # short clips; avoids repetition loops on music
    without_timestamps: bool = False
    context: ContextOptions = field(default_factory=ContextOptions)  # encoder window sized to the speech
    speech_end_s: float | None = None  # per clip, set by the core: where VAD's last speech run ends


@dataclass(frozen=True)
class LanguageScore:
    """One candidate language with its probability."""

    language: str
    probability: float


@dataclass(frozen=True)
class Segment:
    """One Whisper segment, times in seconds from the start of the audio."""

    start_s: float
    end_s: float
    text: str
    avg_logprob: float
    no_speech_prob: float


@dataclass(frozen=True)
class AsrResult:
    """What one backend produced for one clip."""

    text: str
    segments: tuple[Segment, ...]
    language: str
    language_probability: float
    language_alternatives: tuple[LanguageScore, ...]  # top-3, best first
    window_s: float = WINDOW_S  # encoder window of the first 30 s (shorter when sized to the speech)
    fallback: str | None = None  # why a sized decode was redone on the full window (context.FALLBACK_REASONS)


@dataclass(frozen=True)
class Transcript:
    """The stage's answer for one upload: what was heard, or why nothing was (``status``)."""

    status: str  # transcribed | no_audio | no_speech
    text: str = ""
    segments: tuple[Segment, ...] = ()
    language: str | None = None
    language_probability: float = 0.0
    language_alternatives: tuple[LanguageScore, ...] = ()
    backend: str = ""
    model: str = ""
    compute_type: str = ""
    audio_duration_s: float = 0.0
    processing_ms: float = 0.0
    cache_hit: bool = False
    audio_sha256: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)  # not serialized

    def to_record(self) -> dict[str, Any]:
        """The Avro ``Transcript`` record."""
        record = asdict(self)
        record.pop("extra")
        record["segments"] = [asdict(s) for s in self.segments]
        record["language_alternatives"] = [asdict(a) for a in self.language_alternatives]
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Transcript:
        """Inverse of ``to_record`` (used for cache hits and downstream stages)."""
        fields = dict(record)
        fields["segments"] = tuple(Segment(**s) for s in record.get("segments", ()))
        fields["language_alternatives"] = tuple(
            LanguageScore(**a) for a in record.get("language_alternatives", ())
        )
        return cls(**fields)


class AsrBackend(Protocol):
    """A Whisper implementation loaded once per process; ``transcribe`` is blocking and thread-safe
    enough to be called from one worker thread at a time."""

    name: str  # "faster-whisper" | "openai-whisper"
    model: str  # e.g. "whisper-base"
    compute_type: str  # "int8" | "float16" | "float32"

    def transcribe(self, audio: np.ndarray, options: DecodeOptions) -> AsrResult:
        """Transcribe 16 kHz mono float32 samples."""
        ...
