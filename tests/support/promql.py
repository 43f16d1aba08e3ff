"""What PipelineMetrics exposes, and which metrics and labels a PromQL expression refers to.

Used by the deploy tests to keep alert rules, the Grafana dashboard and the autoscaler honest: every
``fides_*`` series they query must be one the workers really expose, with labels it really has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from prometheus_client import CollectorRegistry

from workers.metrics import PipelineMetrics

#: Labels Prometheus attaches at scrape time (static_configs / relabelling in deploy/prometheus).
SCRAPE_LABELS = frozenset({"job", "instance", "stage_group", "namespace", "pod"})
#: Series Prometheus itself produces; a query may use them next to ours.
PROMETHEUS_SERIES = {"up": frozenset(), "ALERTS": frozenset({"alertname", "alertstate", "severity"})}

_SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "gauge": ("",),
    "info": ("_info",),
}
_SELECTOR = re.compile(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{[^}]*\})?")
_MATCHER = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")


def exercised_metrics() -> PipelineMetrics:
    """A container on a fresh registry with every public method called once, so every series exists."""
    metrics = PipelineMetrics.create(CollectorRegistry())
    metrics.event_in("transcribe", "uploads.new")
    metrics.event_out("transcribe", "uploads.transcribed")
    metrics.dead_letter("tag", "bad_record")
    metrics.failure("tag", "poison")
    metrics.retry("transcribe")
    metrics.observe_stage_seconds("tag", 0.002)
    metrics.observe_stage_seconds("transcribe", 3.0)
    metrics.observe_end_to_end_seconds(12.0)
    metrics.observe_asr("faster-whisper", 20.0, 2.0)
    metrics.transcript_outcome("no_speech", cache_hit=True)
    metrics.language_detected("en", "fused")
    metrics.topic_tagged("mental_health")
    metrics.psa_attached("mental_health", "US")
    metrics.boost_emitted("mental_health")
    metrics.review_requested("possible_misinformation")
    metrics.set_consumer_lag("uploads.new", 0, 3)
    metrics.set_oldest_unfinished("uploads.new", 4.0)
    with metrics.inflight("tag"):
        pass
    metrics.gc_paused(2, 0.15)
    metrics.set_ready(True)
    metrics.set_build_info(version="0", backend="faster-whisper", model="whisper-base", taxonomy_version="1")
    return metrics


@dataclass(frozen=True)
class Catalog:
    """Exposed sample names (``fides_events_in_total``, ``…_bucket``) and the labels each carries."""

    labels: dict[str, frozenset[str]]

    def knows(self, name: str) -> bool:
        """True for one of our samples or a series Prometheus produces itself."""
        return name in self.labels or name in PROMETHEUS_SERIES

    def labels_of(self, name: str) -> frozenset[str]:
        """Labels a query may use on ``name``: its own plus the scrape-time ones."""
        own = self.labels.get(name, PROMETHEUS_SERIES.get(name, frozenset()))
        return own | SCRAPE_LABELS


def catalog() -> Catalog:
    """The catalog of everything ``PipelineMetrics`` registers (families without samples included)."""
    labels: dict[str, set[str]] = {}
    for family in exercised_metrics().registry.collect():
        for suffix in _SUFFIXES[family.type]:
            labels.setdefault(family.name + suffix, set())
        for sample in family.samples:
            labels.setdefault(sample.name, set()).update(sample.labels)
    return Catalog({name: frozenset(found) for name, found in labels.items()})


@dataclass(frozen=True)
class Reference:
    """One metric selector found in an expression."""

    metric: str
    matcher_labels: frozenset[str]


def references(expr: str) -> list[Reference]:
    """Metric selectors in ``expr`` that name our metrics or Prometheus' own series."""
    found = []
    for match in _SELECTOR.finditer(expr):
        name, braces = match.group(1), match.group(2) or ""
        if name.startswith("fides_") or name in PROMETHEUS_SERIES:
            found.append(Reference(name, frozenset(_MATCHER.findall(braces))))
    return found


def grouping_labels(expr: str) -> set[str]:
    """Labels named in ``by (…)``, ``without (…)``, ``on (…)`` and friends."""
    return {label.strip() for group in _GROUPING.findall(expr) for label in group.split(",") if label.strip()}


def problems(expr: str, known: Catalog) -> list[str]:
    """Why ``expr`` does not match what the workers expose; empty when it does."""
    refs = references(expr)
    if not refs:
        return [f"no fides_* metric in {expr!r}"]
    issues = [f"unknown metric {ref.metric}" for ref in refs if not known.knows(ref.metric)]
    for ref in refs:
        extra = ref.matcher_labels - known.labels_of(ref.metric)
        issues += [f"{ref.metric} has no label {label!r}" for label in sorted(extra)]
    usable = set().union(*(known.labels_of(ref.metric) for ref in refs)) | {"le"}
    issues += [f"grouping by unknown label {label!r}" for label in sorted(grouping_labels(expr) - usable)]
    return issues
