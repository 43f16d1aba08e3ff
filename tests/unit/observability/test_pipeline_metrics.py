"""PipelineMetrics against a fresh CollectorRegistry: names, units, label clamping, buckets."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from workers.metrics import (
    ASR_STAGE_BUCKETS,
    LIGHT_STAGE_BUCKETS,
    PipelineMetrics,
)


@pytest.fixture()
def metrics() -> PipelineMetrics:
    return PipelineMetrics.create(CollectorRegistry())


def value(m: PipelineMetrics, name: str, **labels: str) -> float | None:
    return m.registry.get_sample_value(name, labels)


def test_create_without_registry_uses_a_fresh_one_each_time() -> None:
    first, second = PipelineMetrics.create(), PipelineMetrics.create()
    assert first.registry is not second.registry
    first.event_in("language", "uploads.transcribed")
    assert value(second, "fides_events_in_total", stage="language", topic="uploads.transcribed") is None


def test_events_in_out_dead_letters_failures_retries(metrics: PipelineMetrics) -> None:
    metrics.event_in("transcribe", "uploads.new")
    metrics.event_in("transcribe", "uploads.new")
    metrics.event_out("route", "content.enriched")
    metrics.dead_letter("tag", "bad_record")
    metrics.failure("tag", "poison")
    metrics.retry("transcribe")
    assert value(metrics, "fides_events_in_total", stage="transcribe", topic="uploads.new") == 2
    assert value(metrics, "fides_events_out_total", stage="route", topic="content.enriched") == 1
    assert value(metrics, "fides_dead_letters_total", stage="tag", reason="bad_record") == 1
    assert value(metrics, "fides_failures_total", stage="tag", kind="poison") == 1
    assert value(metrics, "fides_retries_total", stage="transcribe") == 1


def test_stage_seconds_go_to_the_histogram_with_the_stage_buckets(metrics: PipelineMetrics) -> None:
    metrics.observe_stage_seconds("language", 0.003)
    metrics.observe_stage_seconds("transcribe", 7.0)
    assert value(metrics, "fides_stage_duration_seconds_bucket", stage="language", le="0.005") == 1
    assert value(metrics, "fides_stage_duration_seconds_bucket", stage="language", le="0.0025") == 0
    assert value(metrics, "fides_asr_stage_duration_seconds_bucket", le="8.0") == 1
    assert value(metrics, "fides_asr_stage_duration_seconds_bucket", le="4.0") == 0
    assert value(metrics, "fides_stage_duration_seconds_count", stage="transcribe") is None
    assert LIGHT_STAGE_BUCKETS[0] < 0.001 and ASR_STAGE_BUCKETS[-1] >= 300


def test_end_to_end_clamps_negative_clock_skew_to_zero(metrics: PipelineMetrics) -> None:
    metrics.observe_end_to_end_seconds(-3.0)
    metrics.observe_end_to_end_seconds(45.0)
    assert value(metrics, "fides_end_to_end_latency_seconds_sum") == 45.0
    assert value(metrics, "fides_end_to_end_latency_seconds_bucket", le="1.0") == 1
    assert value(metrics, "fides_end_to_end_latency_seconds_count") == 2


def test_asr_counts_audio_and_real_time_factor(metrics: PipelineMetrics) -> None:
    metrics.observe_asr("faster-whisper", audio_seconds=20.0, processing_seconds=2.0)
    metrics.observe_asr("faster-whisper", audio_seconds=0.0, processing_seconds=0.1)
    assert value(metrics, "fides_asr_audio_seconds_total", backend="faster_whisper") == 20.0
    assert value(metrics, "fides_asr_processing_seconds_total", backend="faster_whisper") == pytest.approx(
        2.1
    )
    # zero audio has no real-time factor: only the first call is observed
    assert value(metrics, "fides_asr_real_time_factor_count", backend="faster_whisper") == 1
    assert value(metrics, "fides_asr_real_time_factor_bucket", backend="faster_whisper", le="0.1") == 1


def test_transcript_outcomes_and_cache(metrics: PipelineMetrics) -> None:
    metrics.transcript_outcome("transcribed", cache_hit=False)
    metrics.transcript_outcome("no_speech", cache_hit=True)
    metrics.transcript_outcome("exploded", cache_hit=False)
    assert value(metrics, "fides_transcripts_total", status="no_speech") == 1
    assert value(metrics, "fides_transcripts_total", status="other") == 1
    assert value(metrics, "fides_transcript_cache_lookups_total", result="hit") == 1
    assert value(metrics, "fides_transcript_cache_lookups_total", result="miss") == 2


def test_languages_and_countries_outside_the_fixed_sets_become_other(metrics: PipelineMetrics) -> None:
    metrics.language_detected("EN", "fused")
    metrics.language_detected("de", "text")
    metrics.psa_attached("mental_health", "jp")
    metrics.psa_attached("mental_health", "DE")
    assert value(metrics, "fides_languages_detected_total", language="en", source="fused") == 1
    assert value(metrics, "fides_languages_detected_total", language="other", source="text") == 1
    assert value(metrics, "fides_psa_attached_total", topic="mental_health", country="JP") == 1
    assert value(metrics, "fides_psa_attached_total", topic="mental_health", country="other") == 1


def test_unknown_stage_and_unsafe_values_are_sanitized(metrics: PipelineMetrics) -> None:
    metrics.event_in("video-123", "uploads.new")
    metrics.review_requested("Possible Misinformation!")
    metrics.topic_tagged("Mental Health")
    metrics.boost_emitted("mental_health")
    assert value(metrics, "fides_events_in_total", stage="other", topic="uploads.new") == 1
    assert value(metrics, "fides_review_requests_total", reason="possible_misinformation") == 1
    assert value(metrics, "fides_topics_tagged_total", topic="mental_health") == 1
    assert value(metrics, "fides_boosts_emitted_total", topic="mental_health") == 1


def test_cardinality_guard_folds_runaway_label_values_into_other(metrics: PipelineMetrics) -> None:
    for i in range(200):
        metrics.dead_letter("route", f"reason_{i}")
    families = {f.name: f for f in metrics.registry.collect()}
    reasons = {
        s.labels["reason"] for s in families["fides_dead_letters"].samples if s.name.endswith("_total")
    }
    assert len(reasons) <= 33
    assert value(metrics, "fides_dead_letters_total", stage="route", reason="other") == 200 - 32


def test_consumer_lag_is_set_per_partition_and_revoked_partitions_are_dropped(
    metrics: PipelineMetrics,
) -> None:
    metrics.set_consumer_lag("uploads.new", 0, 12)
    metrics.set_consumer_lag("uploads.new", 1, -5)
    assert value(metrics, "fides_consumer_lag_messages", topic="uploads.new", partition="0") == 12
    assert value(metrics, "fides_consumer_lag_messages", topic="uploads.new", partition="1") == 0
    metrics.retain_consumer_lag([("uploads.new", 1)])
    assert value(metrics, "fides_consumer_lag_messages", topic="uploads.new", partition="0") is None
    assert value(metrics, "fides_consumer_lag_messages", topic="uploads.new", partition="1") == 0


def test_oldest_unfinished_age_is_per_topic_and_never_negative(metrics: PipelineMetrics) -> None:
    metrics.set_oldest_unfinished("uploads.new", 42.5)
    metrics.set_oldest_unfinished("uploads.tagged", -1.0)
    assert value(metrics, "fides_oldest_unfinished_seconds", topic="uploads.new") == 42.5
    assert value(metrics, "fides_oldest_unfinished_seconds", topic="uploads.tagged") == 0


def test_inflight_gauge_returns_to_zero_even_when_the_block_raises(metrics: PipelineMetrics) -> None:
    with metrics.inflight("tag"):
        assert value(metrics, "fides_inflight_events", stage="tag") == 1
    with pytest.raises(RuntimeError), metrics.inflight("tag"):
        raise RuntimeError("boom")
    assert value(metrics, "fides_inflight_events", stage="tag") == 0


def test_ready_build_info_and_exposition(metrics: PipelineMetrics) -> None:
    metrics.set_ready(True)
    metrics.set_build_info(
        version="0.1.0", backend="faster-whisper", model="whisper-base", taxonomy_version="3"
    )
    assert value(metrics, "fides_ready") == 1
    metrics.set_ready(False)
    assert value(metrics, "fides_ready") == 0
    text = metrics.exposition().decode()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    info = families["fides_build_info"].samples[0]
    assert info.labels == {
        "version": "0.1.0",
        "backend": "faster-whisper",
        "model": "whisper-base",
        "taxonomy_version": "3",
    }
    assert "# TYPE fides_asr_stage_duration_seconds histogram" in text


def test_prime_creates_zero_series_for_a_stage(metrics: PipelineMetrics) -> None:
    metrics.prime("transcribe", "uploads.new", ["uploads.transcribed", "pipeline.dlq"])
    metrics.prime("route", "uploads.tagged", ["content.enriched"])
    assert value(metrics, "fides_events_in_total", stage="transcribe", topic="uploads.new") == 0
    assert value(metrics, "fides_events_out_total", stage="transcribe", topic="pipeline.dlq") == 0
    assert value(metrics, "fides_failures_total", stage="route", kind="transient") == 0
    assert value(metrics, "fides_transcript_cache_lookups_total", result="hit") == 0
    assert value(metrics, "fides_stage_duration_seconds_count", stage="route") == 0


def test_no_metric_uses_an_id_like_label_name(metrics: PipelineMetrics) -> None:
    for family in metrics.registry.collect():
        assert family.name.startswith("fides_")
        for sample in family.samples:
            assert not any(name.endswith("_id") for name in sample.labels), (family.name, sample.labels)
