"""One typed Prometheus metrics container per worker process, built against an injectable registry.

In the style of faust's ``sensors/prometheus.py`` (``FaustMetrics.create(registry, …)``): agents call
the typed methods below, never ``Counter(...)`` directly, so names, units and label sets live in one
place and ``deploy/`` (alerts, dashboard) is checked against what this module registers. Every label
value goes through a ``LabelSet`` that clamps it to a small fixed set, so a bug can never turn a
video or creator id into a time series.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    generate_latest,
)

from workers.stages import METRIC_STAGES
from workers.transcribe.context import FALLBACK_REASONS as CONTEXT_FALLBACK_REASONS  # pure, no model code

NAMESPACE = "fides"
ASR_STAGE = "transcribe"
LANGUAGES = ("en", "id", "es", "pt", "fr", "ja", "ko", "und")
COUNTRIES = ("US", "GB", "FR", "JP", "KR", "ID", "MX", "BR")
FAILURE_KINDS = ("poison", "transient", "infrastructure")
TRANSCRIPT_STATUSES = ("transcribed", "no_audio", "no_speech")
# Why a decode in an encoder window sized to the speech was redone on the full 30 s window.
ASR_CONTEXT_FALLBACK_REASONS = CONTEXT_FALLBACK_REASONS
OTHER = "other"
#: The Content-Type header to serve ``exposition()`` with.

# Light stages (language, tag, route, registry) are pure CPU work on short text: langdetect takes a few
# ms, tagging and routing well under one. Millisecond-scale buckets, 0.5 ms to 5 s, resolve their p99.
LIGHT_STAGE_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
# The transcribe stage fetches, decodes and runs Whisper on clips of ~5–180 s: on CPU that is ~1–60 s,
# with tails from long clips and cold caches. Second-scale buckets, 0.25 s to 8 min.
ASR_STAGE_BUCKETS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0, 120.0, 240.0, 480.0)
# Real-time factor = processing s / audio s. Below 1 the worker keeps up with speech; base on CPU runs
# ~0.05–0.3, so most resolution sits under 0.5 and a few buckets catch pathological >1 runs.
RTF_BUCKETS = (0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 4.0)
# Upload → enrichment spans queueing plus ASR: seconds when idle, minutes under backlog, hours after an
# outage replay. Buckets from 1 s to 2 h so both the SLO (minutes) and replays stay measurable.
# A young-generation collection takes ~0.1 ms, a full one over a large heap ~0.05-0.5 s (the latency tail).
GC_PAUSE_BUCKETS = (0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)
# fmt: off
END_TO_END_BUCKETS = (1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 1800.0, 3600.0,
                      7200.0)
# fmt: on

_SLUG = re.compile(r"[^a-z0-9_]+")
_TOPIC_SLUG = re.compile(r"[^a-z0-9._-]+")
_MAX_LABEL_CHARS = 48


@dataclass
class LabelSet:
    """Clamps label values to a fixed ``allowed`` set, or to at most ``max_values`` distinct slugs."""

    allowed: tuple[str, ...] = ()
    max_values: int = 32
    pattern: re.Pattern[str] = _SLUG
    upper: bool = False
    _seen: set[str] = field(default_factory=set, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def clamp(self, value: object) -> str:
        """Return the label value to record for ``value``."""
        text = str(value).strip()
        text = text.upper() if self.upper else text.lower()
        if self.allowed:
            return text if text in self.allowed else OTHER
        slug = self.pattern.sub("_", text).strip("_")[:_MAX_LABEL_CHARS] or "unknown"
        with self._lock:
            if slug in self._seen:
                return slug
            if len(self._seen) >= self.max_values:
                return OTHER  # the cardinality guard: a runaway label folds into one series
            self._seen.add(slug)
        return slug


def _kafka_topic_labels() -> LabelSet:
    return LabelSet(max_values=32, pattern=_TOPIC_SLUG)


@dataclass
class _Labels:
    """The clamp for every label this container records; one guard per metric and label."""

    stage: LabelSet = field(default_factory=lambda: LabelSet(allowed=METRIC_STAGES))
    in_topic: LabelSet = field(default_factory=_kafka_topic_labels)
    out_topic: LabelSet = field(default_factory=_kafka_topic_labels)
    lag_topic: LabelSet = field(default_factory=_kafka_topic_labels)
    partition: LabelSet = field(default_factory=lambda: LabelSet(max_values=256))
    dlq_reason: LabelSet = field(default_factory=LabelSet)
    failure_kind: LabelSet = field(default_factory=lambda: LabelSet(allowed=FAILURE_KINDS))
    status: LabelSet = field(default_factory=lambda: LabelSet(allowed=TRANSCRIPT_STATUSES))
    context_fallback: LabelSet = field(default_factory=lambda: LabelSet(allowed=ASR_CONTEXT_FALLBACK_REASONS))
    backend: LabelSet = field(default_factory=lambda: LabelSet(max_values=4))
    language: LabelSet = field(default_factory=lambda: LabelSet(allowed=LANGUAGES))
    language_source: LabelSet = field(default_factory=lambda: LabelSet(max_values=8))
    health_topic: LabelSet = field(default_factory=lambda: LabelSet(max_values=64))
    country: LabelSet = field(default_factory=lambda: LabelSet(allowed=COUNTRIES, upper=True))
    review_reason: LabelSet = field(default_factory=LabelSet)


class MetricSpec(NamedTuple):
    """One metric: container field, prometheus_client type, name without namespace, help, labels."""

    field: str
    kind: type[Counter] | type[Gauge] | type[Histogram] | type[Info]
    name: str
    doc: str
    labels: tuple[str, ...] = ()
    buckets: tuple[float, ...] = ()

    def build(self, registry: CollectorRegistry) -> Counter | Gauge | Histogram | Info:
        """Create and register the metric under the ``fides_`` namespace."""
        if self.kind is Histogram:
            return Histogram(
                self.name, self.doc, self.labels, namespace=NAMESPACE, registry=registry, buckets=self.buckets
            )
        return self.kind(self.name, self.doc, self.labels, namespace=NAMESPACE, registry=registry)


# The README's metric table is this table; tests/support/promql.py checks deploy/ against it.
# fmt: off
METRIC_SPECS = (
    MetricSpec("events_in", Counter, "events_in_total", "Events consumed by a stage.", ("stage", "topic")),
    MetricSpec("events_out", Counter, "events_out_total", "Events produced by a stage.", ("stage", "topic")),
    MetricSpec("dead_letters", Counter, "dead_letters_total", "Events dead-lettered.", ("stage", "reason")),
    MetricSpec("failures", Counter, "failures_total", "Failed attempts by error kind.", ("stage", "kind")),
    MetricSpec("retries", Counter, "retries_total", "Retries of transient failures.", ("stage",)),
    MetricSpec("stage_duration", Histogram, "stage_duration_seconds", "Light stage time per event.",
               ("stage",), LIGHT_STAGE_BUCKETS),
    MetricSpec("asr_stage_duration", Histogram, "asr_stage_duration_seconds", "Transcribe stage time.",
               (), ASR_STAGE_BUCKETS),
    MetricSpec("end_to_end", Histogram, "end_to_end_latency_seconds", "Upload time to enrichment emit.",
               (), END_TO_END_BUCKETS),
    MetricSpec("asr_audio", Counter, "asr_audio_seconds_total", "Audio seconds transcribed.", ("backend",)),
    MetricSpec("asr_processing", Counter, "asr_processing_seconds_total", "ASR compute time.", ("backend",)),
    MetricSpec("asr_rtf", Histogram, "asr_real_time_factor", "ASR seconds per audio second.",
               ("backend",), RTF_BUCKETS),
    MetricSpec("transcripts", Counter, "transcripts_total", "Transcribe outcomes.", ("status",)),
    MetricSpec("asr_context_fallbacks", Counter, "asr_context_fallbacks_total",
               "Sized-window decodes redone on the full 30 s window.", ("reason",)),
    MetricSpec("transcript_cache", Counter, "transcript_cache_lookups_total", "Cache lookups.", ("result",)),
    MetricSpec("languages", Counter, "languages_detected_total", "Languages found.", ("language", "source")),
    MetricSpec("topics_tagged", Counter, "topics_tagged_total", "Health topics tagged.", ("topic",)),
    MetricSpec("psas", Counter, "psa_attached_total", "Help-line PSAs attached.", ("topic", "country")),
    MetricSpec("boosts", Counter, "boosts_emitted_total", "Ranking boosts emitted.", ("topic",)),
    MetricSpec("reviews", Counter, "review_requests_total", "Human review requests.", ("reason",)),
    MetricSpec("consumer_lag", Gauge, "consumer_lag_messages", "High watermark minus committed offset.",
               ("topic", "partition")),
    MetricSpec("inflight_events", Gauge, "inflight_events", "Events being processed now.", ("stage",)),
    MetricSpec("oldest_unfinished", Gauge, "oldest_unfinished_seconds",
               "Age of the oldest message this worker took from the topic and has not answered yet.", ("topic",)),
    MetricSpec("gc_pause", Histogram, "gc_pause_seconds", "Garbage-collector pause per collection.",
               ("generation",), GC_PAUSE_BUCKETS),
    MetricSpec("ready", Gauge, "ready", "1 when partitions are assigned and models are loaded."),
    MetricSpec("build", Info, "build", "Build and model identity."),
)
# fmt: on


@dataclass(frozen=True, eq=False)
class PipelineMetrics:
    """Every metric one worker process exposes; create with ``PipelineMetrics.create(registry)``."""

    registry: CollectorRegistry
    events_in: Counter
    events_out: Counter
    dead_letters: Counter
    failures: Counter
    retries: Counter
    stage_duration: Histogram
    asr_stage_duration: Histogram
    end_to_end: Histogram
    asr_audio: Counter
    asr_processing: Counter
    asr_rtf: Histogram
    transcripts: Counter
    asr_context_fallbacks: Counter
    transcript_cache: Counter
    languages: Counter
    topics_tagged: Counter
    psas: Counter
    boosts: Counter
    reviews: Counter
    consumer_lag: Gauge
    inflight_events: Gauge
    oldest_unfinished: Gauge
    gc_pause: Histogram
    ready: Gauge
    build: Info
    labels: _Labels = field(default_factory=_Labels)
    _lag_series: set[tuple[str, str]] = field(default_factory=set)
    _lag_lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def create(cls, registry: CollectorRegistry | None = None) -> PipelineMetrics:
        """Register every metric on ``registry`` (a fresh one when None) and return the container."""
        reg = registry if registry is not None else CollectorRegistry()
        built: dict[str, Any] = {spec.field: spec.build(reg) for spec in METRIC_SPECS}
        return cls(registry=reg, **built)

    def prime(self, stage: str, in_topic: str, out_topics: Iterable[str] = ()) -> None:
        """Create a stage's series at zero at start-up, so ``rate()`` and alerts see the first event."""
        name = self.labels.stage.clamp(stage)
        self.events_in.labels(name, self.labels.in_topic.clamp(in_topic))
        for topic in out_topics:
            self.events_out.labels(name, self.labels.out_topic.clamp(topic))
        for kind in FAILURE_KINDS:
            self.failures.labels(name, kind)
        self.retries.labels(name)
        self.inflight_events.labels(name)
        if name != ASR_STAGE:
            self.stage_duration.labels(name)
            return
        for status in TRANSCRIPT_STATUSES:
            self.transcripts.labels(status)
        for reason in ASR_CONTEXT_FALLBACK_REASONS:
            self.asr_context_fallbacks.labels(reason)
        for result in ("hit", "miss"):
            self.transcript_cache.labels(result)

    def event_in(self, stage: str, topic: str) -> None:
        """Count one event consumed by ``stage`` from ``topic``."""
        self.events_in.labels(self.labels.stage.clamp(stage), self.labels.in_topic.clamp(topic)).inc()

    def event_out(self, stage: str, topic: str) -> None:
        """Count one event produced by ``stage`` to ``topic``."""
        self.events_out.labels(self.labels.stage.clamp(stage), self.labels.out_topic.clamp(topic)).inc()

    def dead_letter(self, stage: str, reason: str) -> None:
        """Count one event dead-lettered by ``stage`` with the error's ``reason`` code."""
        self.dead_letters.labels(self.labels.stage.clamp(stage), self.labels.dlq_reason.clamp(reason)).inc()

    def failure(self, stage: str, kind: str) -> None:
        """Count one failed attempt; ``kind`` is poison, transient or infrastructure."""
        self.failures.labels(self.labels.stage.clamp(stage), self.labels.failure_kind.clamp(kind)).inc()

    def retry(self, stage: str) -> None:
        """Count one retry of a transient failure."""
        self.retries.labels(self.labels.stage.clamp(stage)).inc()

    def observe_stage_seconds(self, stage: str, seconds: float) -> None:
        """Record one event's stage time, in the ASR or the light-stage histogram."""
        clamped = self.labels.stage.clamp(stage)
        if clamped == ASR_STAGE:
            self.asr_stage_duration.observe(max(0.0, seconds))
        else:
            self.stage_duration.labels(clamped).observe(max(0.0, seconds))

    def observe_end_to_end_seconds(self, seconds: float) -> None:
        """Record upload ``uploaded_at`` → enrichment emit; clock skew below zero counts as zero."""
        self.end_to_end.observe(max(0.0, seconds))

    def observe_asr(self, backend: str, audio_seconds: float, processing_seconds: float) -> None:
        """Add transcribed audio and compute seconds; record the real-time factor when audio > 0."""
        name = self.labels.backend.clamp(backend)
        self.asr_audio.labels(name).inc(max(0.0, audio_seconds))
        self.asr_processing.labels(name).inc(max(0.0, processing_seconds))
        if audio_seconds > 0:
            self.asr_rtf.labels(name).observe(max(0.0, processing_seconds) / audio_seconds)

    def transcript_outcome(self, status: str, cache_hit: bool) -> None:
        """Count one transcribe outcome and whether the transcript cache answered it."""
        self.transcripts.labels(self.labels.status.clamp(status)).inc()
        self.transcript_cache.labels("hit" if cache_hit else "miss").inc()

    def asr_context_fallback(self, reason: str) -> None:
        """Count one sized-window decode that looked degenerate and was redone on the full window."""
        self.asr_context_fallbacks.labels(self.labels.context_fallback.clamp(reason)).inc()

    def language_detected(self, language: str, source: str) -> None:
        """Count one language decision; languages outside the supported set count as ``other``."""
        labels = self.labels
        self.languages.labels(labels.language.clamp(language), labels.language_source.clamp(source)).inc()

    def topic_tagged(self, topic: str) -> None:
        """Count one health topic tagged on an upload."""
        self.topics_tagged.labels(self.labels.health_topic.clamp(topic)).inc()

    def psa_attached(self, topic: str, country: str) -> None:
        """Count one PSA attached; countries outside the eight help-line countries count as ``other``."""
        labels = self.labels
        self.psas.labels(labels.health_topic.clamp(topic), labels.country.clamp(country)).inc()

    def boost_emitted(self, topic: str) -> None:
        """Count one ranking boost for a Fides creator's health content."""
        self.boosts.labels(self.labels.health_topic.clamp(topic)).inc()

    def review_requested(self, reason: str) -> None:
        """Count one human review request."""
        self.reviews.labels(self.labels.review_reason.clamp(reason)).inc()

    def set_consumer_lag(self, topic: str, partition: int, lag: int) -> None:
        """Set the lag of one assigned topic-partition (messages behind the fetch high watermark)."""
        key = (self.labels.lag_topic.clamp(topic), self.labels.partition.clamp(partition))
        with self._lag_lock:
            self._lag_series.add(key)
            self.consumer_lag.labels(*key).set(max(0, lag))

    def retain_consumer_lag(self, partitions: Iterable[tuple[str, int]]) -> None:
        """Drop lag series of partitions not in ``partitions``: revoked ones must not report stale lag."""
        keep = {(self.labels.lag_topic.clamp(t), self.labels.partition.clamp(p)) for t, p in partitions}
        with self._lag_lock:
            for key in self._lag_series - keep:
                self.consumer_lag.remove(*key)
            self._lag_series.intersection_update(keep)

    def set_oldest_unfinished(self, topic: str, seconds: float) -> None:
        """Age of the oldest message taken from ``topic`` that no stage answered yet (0: none pending)."""
        self.oldest_unfinished.labels(self.labels.lag_topic.clamp(topic)).set(max(0.0, seconds))

    @contextmanager
    def inflight(self, stage: str) -> Iterator[None]:
        """Count the enclosed block as one event in progress for ``stage``."""
        gauge = self.inflight_events.labels(self.labels.stage.clamp(stage))
        gauge.inc()
        try:
            yield
        finally:
            gauge.dec()

    def set_ready(self, ready: bool) -> None:
        """Publish readiness (assigned partitions and model loaded) as 1 or 0."""
        self.ready.set(1 if ready else 0)

    def gc_paused(self, generation: int, seconds: float) -> None:
        """Record one garbage collection's pause (generation 0, 1 or 2)."""
        self.gc_pause.labels(str(generation) if generation in (0, 1, 2) else OTHER).observe(max(0.0, seconds))

    def set_build_info(self, *, version: str, backend: str, model: str, taxonomy_version: str) -> None:
        """Publish the build identity as ``fides_build_info`` labels."""
        values = dict(version=version, backend=backend, model=model, taxonomy_version=taxonomy_version)
        self.build.info({key: value[:_MAX_LABEL_CHARS] for key, value in values.items()})

    def exposition(self) -> bytes:
        """The text exposition format of this container's registry, for ``/metrics``."""
        return generate_latest(self.registry)
