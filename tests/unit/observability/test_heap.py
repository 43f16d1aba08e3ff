"""The garbage-collector hooks: pauses reach the metric, the start-up heap leaves collection."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from prometheus_client import CollectorRegistry

from workers.heap import freeze_startup_heap, pause_summary, watch_pauses
from workers.metrics import PipelineMetrics


@pytest.fixture()
def metrics() -> Iterator[PipelineMetrics]:
    metrics = PipelineMetrics.create(CollectorRegistry())
    callback = watch_pauses(metrics.gc_paused)
    yield metrics
    gc.callbacks.remove(callback)


def pauses(metrics: PipelineMetrics, generation: str) -> float:
    return metrics.registry.get_sample_value("fides_gc_pause_seconds_count", {"generation": generation}) or 0.0


def test_every_collection_is_recorded_under_its_generation(metrics: PipelineMetrics) -> None:
    gc.collect(0)
    gc.collect(2)
    gc.collect(2)
    assert pauses(metrics, "0") >= 1
    assert pauses(metrics, "2") >= 2
    total = metrics.registry.get_sample_value("fides_gc_pause_seconds_sum", {"generation": "2"})
    assert total is not None and total > 0.0


def test_freezing_takes_the_surviving_heap_out_of_collection() -> None:
    survivors = [[index] for index in range(10_000)]  # tracked containers
    try:
        frozen = freeze_startup_heap()
        assert frozen >= len(survivors)
        assert frozen == gc.get_freeze_count()
        assert not any(gc.is_tracked(obj) and obj in gc.get_objects(2) for obj in survivors[:3])
    finally:
        gc.unfreeze()
    assert gc.get_freeze_count() == 0


def test_pause_summary_reads_a_workers_exposition() -> None:
    metrics = PipelineMetrics.create(CollectorRegistry())
    for seconds in (0.0002, 0.0004):
        metrics.gc_paused(0, seconds)
    for seconds in (0.03, 0.12, 0.2):
        metrics.gc_paused(2, seconds)

    summary = pause_summary(metrics.exposition().decode())

    assert summary["0"]["collections"] == 2 and summary["0"]["over_50ms"] == 0
    assert summary["2"]["collections"] == 3 and summary["2"]["over_50ms"] == 2
    assert summary["2"]["mean_ms"] == pytest.approx(1000 * 0.35 / 3)
    assert "1" not in summary  # no collection of that generation was recorded
