"""What the transcribe stage loads once per worker process: the Whisper backend, options and executor."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from workers.settings import Settings
from workers.transcribe.context import ContextOptions
from workers.transcribe.core import TranscribeOptions
from workers.transcribe.fetch import FetchPolicy
from workers.transcribe.types import AsrBackend, DecodeOptions, Transcript
from workers.transcribe.vad import VadOptions


@dataclass
class TranscribeCore:
    """The backend, options and a bounded executor (Whisper runs off the event loop)."""

    backend: AsrBackend
    options: TranscribeOptions
    policy: FetchPolicy
    concurrency: int = 1
    executor: ThreadPoolExecutor = field(init=False)
    semaphore: asyncio.Semaphore = field(init=False)
    # sound (decoded-audio SHA-256) -> its transcript once done: uploads of one trending sound held at once
    # (TRANSCRIBE_INFLIGHT) wait for the first one's Whisper run instead of each missing the cache
    in_asr: dict[str, asyncio.Future[Transcript | None]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.executor = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="asr")
        self.semaphore = asyncio.Semaphore(self.concurrency)

    @property
    def version(self) -> str:
        """Model identity that output ids depend on."""
        return f"{self.backend.name}/{self.backend.model}/{self.backend.compute_type}"

    def close(self) -> None:
        """Stop the ASR threads (the worker's shutdown; a running transcription finishes first)."""
        self.executor.shutdown(wait=True, cancel_futures=True)


def fetch_policy(settings: Settings) -> FetchPolicy:
    """The audio fetch policy: one place for every URI scheme."""
    return FetchPolicy(
        media_root=settings.audio.media_root, allowed_hosts=frozenset(settings.audio.allowed_hosts),
        max_bytes=settings.asr.max_audio_bytes, connect_timeout_s=settings.audio.timeout_s,
        read_timeout_s=settings.audio.timeout_s, total_timeout_s=settings.audio.total_timeout_s,
        max_redirects=settings.audio.max_redirects,
    )


def transcribe_options(settings: Settings) -> TranscribeOptions:
    """Transcription options from the settings."""
    return TranscribeOptions(
        max_audio_s=settings.asr.max_audio_s, max_audio_bytes=settings.asr.max_audio_bytes,
        vad=settings.asr.vad_enabled,
        vad_options=VadOptions(threshold=settings.asr.vad_threshold, min_speech_s=settings.asr.vad_min_speech_s),
        time_budget_s=settings.asr.time_budget_s,
        decode=DecodeOptions(beam_size=settings.asr.beam_size, context=context_options(settings)),
    )


def context_options(settings: Settings) -> ContextOptions:
    """The encoder window sizing from the settings (bucket sizes are the measured defaults)."""
    return ContextOptions(sized=settings.asr.sized_context, margin_s=settings.asr.context_margin_s,
                          full_window_languages=tuple(settings.asr.context_full_window_languages))


def load_asr_backend(settings: Settings) -> AsrBackend:
    """The Whisper backend chosen by ASR_BACKEND, on the base weights."""
    from workers.transcribe.backends import load_backend
    from workers.transcribe.model_store import ensure_model_dir

    model_dir = ensure_model_dir(settings.asr.whisper_model_dir, settings.asr.model_cache_dir)
    return load_backend(settings.asr.backend, model_dir, settings.asr.device, settings.asr.compute_type,
                        settings.asr.threads)


def load_core(settings: Settings) -> TranscribeCore:
    """The transcribe stage's core from the settings."""
    return TranscribeCore(backend=load_asr_backend(settings), options=transcribe_options(settings),
                          policy=fetch_policy(settings), concurrency=settings.asr.concurrency)
