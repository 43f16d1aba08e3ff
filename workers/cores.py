"""Load each stage's core once per worker process, configured from the settings."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from workers.settings import Settings
from workers.transcribe.types import DecodeOptions


def fetch_policy(settings: Settings) -> Any:
    """The audio fetch policy: one place for every URI scheme."""
    from workers.transcribe.fetch import FetchPolicy

    return FetchPolicy(
        media_root=settings.media_root, allowed_hosts=frozenset(settings.audio_allowed_hosts),
        max_bytes=settings.max_audio_bytes, connect_timeout_s=settings.fetch_timeout_s,
        read_timeout_s=settings.fetch_timeout_s, total_timeout_s=settings.fetch_total_timeout_s,
        max_redirects=settings.audio_max_redirects,
    )


def transcribe_options(settings: Settings) -> Any:
    """Transcription options from the settings."""
    from workers.transcribe.core import TranscribeOptions
    from workers.transcribe.vad import VadOptions

    return TranscribeOptions(
        max_audio_s=settings.max_audio_s, max_audio_bytes=settings.max_audio_bytes, vad=settings.vad_enabled,
        vad_options=VadOptions(threshold=settings.vad_threshold, min_speech_s=settings.vad_min_speech_s),
        time_budget_s=settings.asr_time_budget_s, decode=DecodeOptions(beam_size=settings.asr_beam_size),
    )


def load_asr_backend(settings: Settings) -> Any:
    """The Whisper backend chosen by ASR_BACKEND, on the base weights."""
    from workers.transcribe.backends import load_backend
    from workers.transcribe.model_store import ensure_model_dir

    model_dir = ensure_model_dir(settings.whisper_model_dir, settings.model_cache_dir)
    return load_backend(settings.asr_backend, model_dir, settings.asr_device, settings.asr_compute_type,
                        settings.asr_threads)


def _transcribe(settings: Settings) -> Any:
    from workers.agents.transcribe import TranscribeCore

    return TranscribeCore(backend=load_asr_backend(settings), options=transcribe_options(settings),
                          policy=fetch_policy(settings), concurrency=settings.asr_concurrency)


def _language(settings: Settings) -> Any:
    from workers.language.detector import LanguageDetector

    return LanguageDetector()


def _tag(settings: Settings) -> Any:
    from workers.agents.tag import TagCore
    from workers.tagging import TagOptions, load_taxonomy

    options = TagOptions(
        min_score=settings.tag_min_score, include_english=settings.tag_include_english,
        use_learned_signal=settings.tag_use_learned_signal, learned_veto_below=settings.tag_learned_veto_below,
        learned_confirm_at=settings.tag_learned_confirm_at, learned_add_at=settings.tag_learned_add_at,
        learned_min_words=settings.tag_learned_min_words)
    signal = None
    if settings.tag_use_learned_signal:
        from workers.tagging.learned import LearnedSignal

        signal = LearnedSignal()
    return TagCore(taxonomy=load_taxonomy(), options=options, signal=signal)


def _route(settings: Settings) -> Any:
    from workers.agents.route import RouteCore
    from workers.routing import RouteOptions, load_psa_catalog

    return RouteCore(catalog=load_psa_catalog(), options=RouteOptions(
        boost_factor=settings.boost_factor, boost_min_score=settings.boost_min_score,
        psa_min_score=settings.psa_min_score, review_min_score=settings.review_min_score,
        max_psas=settings.max_psas_per_video))


_LOADERS = {"transcribe": _transcribe, "language": _language, "tag": _tag, "route": _route}


def load_cores(settings: Settings, stages: Iterable[str]) -> dict[str, Any]:
    """Cores for ``stages`` (the registry stage has none), each built once."""
    return {stage: _LOADERS[stage](settings) for stage in stages if stage in _LOADERS}
